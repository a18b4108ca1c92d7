"""The life cycle of a registry import (registry_imports.status), as data in
one place.

An upload waits "queued" for a background process; the command line starts
checking at once ("validating"). A checked file ("validated") waits for the
supervisor, who applies it (queued again as "apply_queued", or at once) or
cancels it. An apply that has begun runs to its end: "applied", or
"rejected"/"failed" with nothing changed; an apply that finds more
deactivations than were confirmed goes back to "validated" to ask again.

The importer writes a status only through this table: a claim or a cancel
is a conditional UPDATE whose WHERE is the move's sources, and the import's
tracker refuses a move the table does not allow. Pages read the flags.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from slrt.common.lifecycle import Lifecycle, State, move

IMPORT_FLOW = Lifecycle(_l("Impor"), [
    State("queued", _l("Menunggu diperiksa")),
    State("validating", _l("Sedang diperiksa")),
    State("validated", _l("Selesai diperiksa"), badge="info"),
    State("apply_queued", _l("Menunggu diterapkan")),
    State("applying", _l("Sedang diterapkan")),
    State("applied", _l("Sudah diterapkan"), is_open=False, is_final=True),
    State("failed", _l("Gagal"), badge="warning", is_open=False, is_final=True),
    State("rejected", _l("Ditolak"), badge="warning", is_open=False, is_final=True),
], [
    move("periksa", _l("Mulai diperiksa"), {"queued"}, "validating", {"process"}),
    move("diperiksa", _l("Selesai diperiksa"), {"validating"}, "validated", {"process"}),
    # The same file was applied before: nothing to do, shown as applied.
    move("sama", _l("Sama dengan impor sebelumnya"), {"validating"}, "applied", {"process"}),
    move("antre_terapkan", _l("Terapkan"), {"validated"}, "apply_queued", {"supervisor"}),
    # Claimed for the apply; the command line applies right after its check.
    move("terapkan", _l("Mulai diterapkan"), {"validated", "apply_queued", "validating"},
         "applying", {"process"}),
    move("diterapkan", _l("Selesai diterapkan"), {"applying"}, "applied", {"process"}),
    move("minta_konfirmasi", _l("Minta konfirmasi penonaktifan"), {"applying"}, "validated",
         {"process"}),
    move("tolak", _l("Tolak"), {"validating", "applying"}, "rejected", {"process"}),
    move("batalkan", _l("Batalkan"), {"queued", "validated", "apply_queued"}, "rejected",
         {"supervisor"}),
    move("gagal", _l("Gagal"), {"queued", "validating", "apply_queued", "applying"}, "failed",
         {"process"}),
])

# A new import starts waiting for a process (the upload page) or checking at
# once (the command line).
START_STATUSES = ("queued", "validating")
# Waiting for or held by a process (the upload page runs imports in the background).
RUNNING_STATUSES = IMPORT_FLOW.sources_of("gagal")
# Held by a process right now (a process that dies leaves them; see _guard).
IN_PROCESS_STATUSES = ("validating", "applying")
CANCELLABLE_STATUSES = IMPORT_FLOW.sources_of("batalkan")


def target_of(current: str, new: str) -> str:
    """The importer writes `new` over `current`: allowed when a move of the
    table leads there (a status written again is no move); refused otherwise."""
    if current == new or any(current in m.sources and m.target == new
                             for m in IMPORT_FLOW.moves.values()):
        return new
    from flask_babel import gettext as _

    from slrt.common.errors import DomainError

    raise DomainError(_("Impor berstatus \"%(old)s\" tidak dapat menjadi \"%(new)s\".",
                        old=IMPORT_FLOW.label(current), new=IMPORT_FLOW.label(new)))
