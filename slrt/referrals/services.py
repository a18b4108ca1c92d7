"""Referral operations: refer a case, move a referral along its life cycle,
assign handlers. Each takes the acting user and `now`, writes the case
timeline, flushes and never commits."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from slrt.auth.models import User
from slrt.cases.models import REFERRAL_OUTCOME, Case
from slrt.cases.services import add_event
from slrt.cases.signals import case_status_changed
from slrt.cases.workflow import CASE_FLOW
from slrt.common.errors import DomainError
from slrt.common.models import next_value
from slrt.common.permissions import can, regency_of
from slrt.common.time import WIB
from slrt.common.workdays import add_working_days, cuti_bersama
from slrt.extensions import db
from slrt.referrals import routing
from slrt.referrals.models import Program, Referral
from slrt.referrals.workflow import (
    DELIVERED_STATUSES,
    HANDOVER_STATUSES,
    MOVES,
    OPEN_STATUSES,
    allowed_moves,
    sides_of,
)


class StaleReferral(DomainError):
    """Someone else changed the referral since the user loaded it."""


def _check_version(referral: Referral, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != referral.version:
        raise StaleReferral(_(
            "Rujukan %(number)s baru saja diubah oleh petugas lain (status sekarang: "
            "%(status)s). Tidak ada yang ditimpa: periksa lalu ulangi bila masih perlu.",
            number=referral.number, status=referral.status_label))


def refresh_case_status(case: Case, now: datetime) -> None:
    """The case status follows its referrals: open while any referral is open."""
    refs = list(case.referrals)
    if not refs:
        return
    if any(r.status in OPEN_STATUSES for r in refs):
        action = "rujuk"
    elif not any(r.status in DELIVERED_STATUSES for r in refs):
        # Every referral was cancelled, rejected or forwarded nowhere: nothing was
        # delivered, so the case goes back to the desk instead of counting as settled.
        action = "kembali_ke_desa"
    else:
        action = "rujukan_selesai"
    previous = case.status
    if previous != CASE_FLOW.moves[action].target:
        CASE_FLOW.apply(case, action)
        if action == "rujuk":
            case.closed_at = None
            case.closed_by_id = None
            case.outcome = None
        elif action == "kembali_ke_desa":
            case.outcome = None
            case.closed_at = None
            add_event(case, None, "dibuka_kembali", now)
        else:
            case.outcome = REFERRAL_OUTCOME
            case.closed_at = now
            add_event(case, None, "ditutup", now, outcome=REFERRAL_OUTCOME)
    case.updated_at = now
    if case.status != previous:
        case_status_changed.send(None, case=case, previous=previous, action=action, now=now)


def due_date_for(program: Program, now: datetime):
    return add_working_days(now.astimezone(WIB).date(), program.service_days,
                            cuti_bersama(program.regency_code))


def _new_referral(actor, case: Case, program: Program, reason: str, now: datetime,
                  forwarded_from: Referral | None = None) -> Referral:
    if program.regency_code != regency_of(case.village_code):
        # Every referral, sent or forwarded, stays with the case's own Dinas Sosial.
        raise DomainError(_("Program %(code)s milik kabupaten lain.", code=program.code),
                          "programs")
    seq = next_value(f"referral-{case.id}")
    referral = Referral(
        number=f"{case.number}-R{seq}", case_id=case.id, program_code=program.code,
        village_code=case.village_code, status="dikirim", is_open=True, urgency=case.urgency,
        reason=reason, due_date=due_date_for(program, now), created_at=now, updated_at=now,
        created_by_id=actor.id, forwarded_from_id=forwarded_from.id if forwarded_from else None)
    db.session.add(referral)
    db.session.flush()
    case.referrals.append(referral) if referral not in case.referrals else None
    return referral


def refer(actor, case: Case, program_codes: list[str], reason: str, *, now: datetime
          ) -> list[Referral]:
    """Send the case to one or more programs; hard rules refuse, hints only explain."""
    if not can(actor, "referral.route", case):
        raise DomainError(_("Anda tidak dapat merujuk kasus ini."))
    if not case.is_open:
        raise DomainError(_("Kasus sudah selesai; catat pengaduan baru bila perlu dirujuk."))
    codes = list(dict.fromkeys(c for c in program_codes if c))
    if not codes:
        raise DomainError(_("Pilih sekurang-kurangnya satu program tujuan."), "programs")
    if not reason.strip():
        raise DomainError(_("Tuliskan alasan rujukan dan kebutuhan warga."), "reason")
    today = now.astimezone(WIB).date()
    facts = routing.registry_facts(case)
    open_codes = {r.program_code for r in case.referrals if r.status in OPEN_STATUSES}
    programs = []
    for code in codes:
        program = db.session.get(Program, code)
        if program is None or not program.is_active:
            raise DomainError(_("Program %(code)s tidak dikenal.", code=code), "programs")
        if program.regency_code != regency_of(case.village_code):
            raise DomainError(_("Program %(code)s milik kabupaten lain.", code=code), "programs")
        verdict = routing.evaluate(case, program, today, open_codes=open_codes, facts=facts)
        if verdict.blocked:
            raise DomainError(" ".join(verdict.blockers), "programs")
        open_codes.add(code)
        programs.append(program)
    created = []
    for program in programs:
        referral = _new_referral(actor, case, program, reason.strip(), now)
        add_event(case, actor, "rujukan", now, referral_id=referral.id, program=program.code,
                  program_name=program.name, unit=program.unit,
                  due=referral.due_date.isoformat(), reason=reason.strip())
        created.append(referral)
    refresh_case_status(case, now)
    db.session.flush()
    return created


def move(actor, referral: Referral, action: str, reason: str = "", *, now: datetime,
         expected_version: int | None = None, target_program: str | None = None
         ) -> Referral | None:
    """Make one move of the life cycle. Returns the new referral when forwarded."""
    _check_version(referral, expected_version)
    spec = MOVES.get(action)
    if spec is None:
        raise DomainError(_("Tindakan tidak dikenal."))
    if not sides_of(actor, referral) & spec.sides:
        raise DomainError(_("Anda tidak berwenang melakukan tindakan ini pada rujukan ini."))
    if referral.status not in spec.sources:
        raise DomainError(_("Rujukan berstatus \"%(status)s\" tidak dapat di-%(action)s.",
                            status=referral.status_label, action=spec.label.lower()))
    reason = (reason or "").strip()
    if spec.reason_required and not reason:
        raise DomainError(_("%(label)s wajib diisi.", label=spec.reason_label), "reason")
    new_referral = None
    if spec.needs_program:
        target = db.session.get(Program, target_program or "")
        if target is None or not target.is_active:
            raise DomainError(_("Pilih program tujuan penerusan."), "target_program")
        if target.code == referral.program_code:
            raise DomainError(_("Program tujuan sama dengan program sekarang."), "target_program")
        open_codes = {r.program_code for r in referral.case.referrals
                      if r.status in OPEN_STATUSES and r.id != referral.id}
        verdict = routing.evaluate(referral.case, target, now.astimezone(WIB).date(),
                                   open_codes=open_codes)
        if verdict.blocked:
            raise DomainError(" ".join(verdict.blockers), "target_program")
    case = referral.case
    old = referral.status
    referral.status = spec.target
    referral.is_open = spec.target in OPEN_STATUSES
    referral.updated_at = now
    if action == "minta_info":
        referral.last_question = reason
    elif action == "jawab":
        referral.last_answer = reason
    elif action in ("terima", "proses") and referral.assigned_to_id is None:
        referral.assigned_to_id = actor.id
    if not referral.is_open:
        referral.closed_at = now
        if reason:
            referral.outcome_note = reason
    add_event(case, actor, f"rujukan_{action}", now, referral_id=referral.id, action=action,
              status=referral.status, old=old, number=referral.number,
              program=referral.program_code, program_name=referral.program.name, reason=reason)
    if spec.needs_program:
        new_referral = _new_referral(actor, case, target, reason, now, forwarded_from=referral)
        add_event(case, actor, "rujukan", now, referral_id=new_referral.id,
                  program=target.code, program_name=target.name, unit=target.unit,
                  due=new_referral.due_date.isoformat(), forwarded=True)
    refresh_case_status(case, now)
    db.session.flush()
    return new_referral


def assign(actor, referral: Referral, handler_id: int | None, *, now: datetime,
           expected_version: int | None = None) -> None:
    _check_version(referral, expected_version)
    if not can(actor, "referral.assign", referral):
        raise DomainError(_("Hanya petugas program ini yang dapat menugaskan rujukan."))
    if referral.status not in OPEN_STATUSES:
        raise DomainError(_("Rujukan yang sudah selesai tidak dapat ditugaskan."))
    handler = None
    if handler_id is not None:
        handler = db.session.get(User, handler_id)
        if handler is None or not handler.is_active \
                or not can(handler, "referral.handle", referral):
            raise DomainError(_("Petugas yang dipilih tidak memegang program ini."), "assignee")
    referral.assigned_to_id = handler.id if handler else None
    referral.updated_at = now
    add_event(referral.case, actor, "rujukan_tugas", now, referral_id=referral.id,
              number=referral.number, handler=handler.display_name if handler else None)
    db.session.flush()


def allowed(actor, referral: Referral):
    return allowed_moves(actor, referral)


AID_PROGRAMS = frozenset({"BENCANA_LOG"})


def record_handover(actor, referral: Referral, composition, quantities: dict[str, int],
                    recipient_name: str, notes: str, *, now: datetime, deliver: bool = False):
    """Record the goods handed over to the household (berita acara serah terima).

    With `deliver`, the same request also makes the referral's "salurkan" move (the
    aid is delivered), so the desk's lists and the public status page follow the
    handover; the move's rules (who, from which status) are the life cycle's."""
    from slrt.referrals.aid import ITEMS, propose_package
    from slrt.referrals.models import AidHandover, AidHandoverLine

    if not can(actor, "referral.handover", referral):
        raise DomainError(_("Hanya petugas program ini yang dapat mencatat serah terima."))
    if referral.program.seeded_code not in AID_PROGRAMS:
        raise DomainError(_("Serah terima barang hanya untuk rujukan bantuan logistik bencana."))
    if referral.status not in HANDOVER_STATUSES:
        raise DomainError(_("Terima rujukan dahulu sebelum mencatat serah terima."))
    if referral.handover is not None:
        raise DomainError(_("Serah terima rujukan ini sudah dicatat."))
    if not recipient_name.strip():
        raise DomainError(_("Nama penerima barang wajib diisi."), "recipient_name")
    if composition.members <= 0:
        raise DomainError(_("Isi susunan keluarga (sekurang-kurangnya satu orang)."),
                          "composition")
    bad = [code for code, q in quantities.items() if code not in ITEMS or q < 0 or q > 500]
    if bad:
        raise DomainError(_("Jumlah barang tidak sah."), "quantities")
    if not any(quantities.values()):
        raise DomainError(_("Tidak ada barang yang diserahkan."), "quantities")
    proposed = propose_package(composition)
    handover = AidHandover(
        referral_id=referral.id, number=f"BAST/{referral.number}",
        composition=composition.as_dict(), recipient_name=recipient_name.strip(),
        handed_over_at=now, handed_over_by_id=actor.id, notes=notes.strip())
    for code, (name, unit) in ITEMS.items():
        qty = quantities.get(code, 0)
        if qty or proposed.get(code):
            handover.lines.append(AidHandoverLine(item_code=code, item_name=str(name),
                                                  unit=str(unit),
                                                  proposed=proposed.get(code, 0), quantity=qty))
    db.session.add(handover)
    referral.updated_at = now
    add_event(referral.case, actor, "serah_terima", now, referral_id=referral.id,
              number=handover.number, recipient=handover.recipient_name,
              items=[[line.quantity, line.unit, line.item_name, line.item_code]
                     for line in handover.lines if line.quantity])
    db.session.flush()
    if deliver:
        move(actor, referral, "salurkan", notes, now=now)
    return handover
