"""A life cycle as data: the statuses an object can have, with what a page
shows for each, and the moves between them.

`slrt/referrals/workflow.py` keeps the referral's; the cases, the proposals
and the registry imports keep theirs with this class. A service changes a
status only through `Lifecycle.move`, which refuses a move the table does not
allow with a message a village operator understands; a view or a template
reads the flags (`label`, `badge`, `is_open`, `is_final`) instead of
comparing status strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from flask_babel import gettext as _

from slrt.common.errors import DomainError


@dataclass(frozen=True)
class State:
    code: str
    label: str  # lazy_gettext: shown on badges, lists and filters
    badge: str = ""  # CSS class of the status badge or card
    is_open: bool = True  # still being worked on (counted as open)
    is_final: bool = False  # no move leaves it


@dataclass(frozen=True)
class Move:
    action: str
    label: str  # lazy_gettext: the button, and the refusal message
    sources: frozenset[str]
    target: str
    sides: frozenset[str] = field(default_factory=frozenset)  # who may make it
    reason_required: bool = False


def move(action: str, label, sources, target: str, sides=(), **kw) -> Move:
    return Move(action, label, frozenset(sources), target, frozenset(sides), **kw)


class Lifecycle:
    """The statuses and moves of one kind of object."""

    def __init__(self, thing, states: list[State], moves: list[Move]):
        self.thing = thing  # lazy_gettext: "Kasus", "Usulan", "Impor"
        self.states = {s.code: s for s in states}
        self.moves = {m.action: m for m in moves}
        for m in moves:  # a table that contradicts itself never loads
            unknown = (m.sources | {m.target}) - set(self.states)
            if unknown:
                raise ValueError(f"{m.action}: unknown status {unknown}")
            if m.sources & self.final_codes:
                raise ValueError(f"{m.action} leaves a final status")

    @property
    def initial(self) -> str:
        """The status a new object starts in: the table's first."""
        return next(iter(self.states))

    @property
    def final_codes(self) -> frozenset[str]:
        return frozenset(c for c, s in self.states.items() if s.is_final)

    @property
    def open_codes(self) -> tuple[str, ...]:
        return tuple(c for c, s in self.states.items() if s.is_open)

    def state(self, code: str) -> State:
        """The display flags of a status; an unknown stored value shows as itself."""
        return self.states.get(code) or State(code, code, is_open=False)

    def label(self, code: str) -> str:
        return str(self.state(code).label)

    def labels(self) -> dict[str, str]:
        """code -> label, in the table's order (filters, report columns)."""
        return {c: str(s.label) for c, s in self.states.items()}

    def sources_of(self, *actions: str) -> tuple[str, ...]:
        """The statuses any of these moves starts from, in the table's order
        (for an UPDATE ... WHERE status IN (...) that claims the move)."""
        found = set().union(*(self.moves[a].sources for a in actions))
        return tuple(c for c in self.states if c in found)

    def allows(self, status: str, action: str) -> bool:
        m = self.moves.get(action)
        return m is not None and status in m.sources

    def allowed(self, status: str, sides=None) -> list[Move]:
        """The moves open from this status (for these sides, when given)."""
        return [m for m in self.moves.values() if status in m.sources
                and (sides is None or m.sides & set(sides))]

    def target(self, status: str, action: str) -> str:
        """The status the move leads to; refuses a move the table does not allow."""
        m = self.moves.get(action)
        if m is None:
            raise DomainError(_("Tindakan tidak dikenal."))
        if status not in m.sources:
            raise DomainError(_("%(thing)s berstatus \"%(status)s\"; tindakan \"%(action)s\" "
                                "tidak dapat dilakukan.", thing=str(self.thing),
                                status=self.label(status), action=str(m.label)))
        return m.target

    def apply(self, obj, action: str, attr: str = "status") -> str:
        """Move the object (its `status`) along the table; returns the new status."""
        new = self.target(getattr(obj, attr), action)
        setattr(obj, attr, new)
        return new


class HasLifecycle:
    """A model whose `status` follows the table `FLOW`: the flags its pages read."""

    FLOW: ClassVar[Lifecycle]
    status: str

    @property
    def status_label(self) -> str:
        return self.FLOW.label(self.status)

    @property
    def status_badge(self) -> str:
        """The CSS class of the status's badge or card."""
        return self.FLOW.state(self.status).badge

    @property
    def is_open(self) -> bool:
        return self.FLOW.state(self.status).is_open
