"""What a user's report figures cover (the scope), and the statements narrowed to it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select

from slrt.cases.models import Case
from slrt.common.permissions import (
    PROVINCE,
    REGENCY,
    ROLE_SCOPES,
    can,
    program_scope,
    regency_scope,
    village_scope,
)
from slrt.referrals.models import Referral


@dataclass(frozen=True)
class Scope:
    """What a user's figures cover. None = no limit on that axis."""

    villages: tuple[str, ...] | None = None
    programs: tuple[str, ...] | None = None
    kind: str = "desa"  # "desa" (case figures) or "program" (referral figures)
    empty: bool = False
    # The whole regencies the villages are (a supervisor's, a province
    # supervisor's): what the pages and exports name instead of the villages.
    regencies: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if self.kind == "program":
            return "program " + ", ".join(self.programs or ())
        if self.regencies:
            return "kabupaten " + ", ".join(self.regencies)
        if self.villages is None:
            return "kabupaten"
        return "desa " + ", ".join(self.villages)


def scope_for(user) -> Scope:
    """A handler's figures are those of his programs' referrals; a desk's those
    of its villages' cases (the supervisor's: the regency); anyone else's none."""
    if not can(user, "report.view"):
        return Scope(villages=(), empty=True)
    programs = program_scope(user)
    if programs is not None:
        codes = tuple(sorted(programs))
        return Scope(programs=codes, kind="program", empty=not codes)
    villages = village_scope(user)
    whole = ROLE_SCOPES.get(user.role) in (REGENCY, PROVINCE)
    return Scope(villages=tuple(sorted(villages)), empty=not villages,
                 regencies=tuple(regency_scope(user)) if whole else ())


def narrow(scope: Scope, village: str = "", program: str = "") -> Scope:
    """A narrower scope chosen on a report page (never wider than the user's)."""
    villages, programs, empty = scope.villages, scope.programs, scope.empty
    if village:
        if villages is not None and village not in villages:
            empty = True
        villages = (village,)
    if program:
        if programs is not None and program not in programs:
            empty = True
        programs = (program,)
    return Scope(villages=villages, programs=programs, kind=scope.kind, empty=empty,
                 regencies=() if village else scope.regencies)


def _within(scope: Scope, stmt: Select, village_col, of_programs) -> Select:
    """`stmt` limited to the scope's villages (`village_col`) and programs
    (of_programs(codes) is the condition); nothing for an empty scope."""
    if scope.empty:
        return stmt.where(False)
    if scope.villages is not None:
        stmt = stmt.where(village_col.in_(scope.villages))
    if scope.programs is not None:
        stmt = stmt.where(of_programs(scope.programs))
    return stmt


def cases_in(scope: Scope, stmt: Select) -> Select:
    """A case is in a program scope when it was referred to one of its programs."""
    return _within(scope, stmt, Case.village_code, lambda codes: Case.id.in_(
        select(Referral.case_id).where(Referral.program_code.in_(codes))))


def referrals_in(scope: Scope, stmt: Select) -> Select:
    return _within(scope, stmt, Referral.village_code, Referral.program_code.in_)
