"""Registry proposals through the village deliberation (Musdes) to SIKS-NG.

pre-list (draf) -> Musdes decides: approved / rejected (reason) / deferred ->
approved ones exported for the SIKS-NG village operator and marked sent ->
the ministry accepts or refuses. Services flush, never commit.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from slrt.common.errors import DomainError
from slrt.common.models import next_value
from slrt.common.permissions import can, can_see_village, require, village_scope
from slrt.common.time import WIB
from slrt.dtks.models import RegistryRecord
from slrt.extensions import db
from slrt.identity import InvalidKk, InvalidNik, parse_kk, parse_nik
from slrt.platform import storage
from slrt.proposals.models import (
    CORRECTION_FIELDS,
    DEACTIVATION_REASONS,
    FLAG_KINDS,
    KINDS,
    OPEN_STATUSES,
    Musdes,
    Proposal,
    RegistryFlag,
)
from slrt.proposals.signals import proposal_cases
from slrt.proposals.workflow import (
    AWAITING_MUSDES,
    FLAG_FLOW,
    MUSDES_MOVES,
    PROPOSAL_FLOW,
    WITHDRAWABLE,
)

SCAN_TYPES = {b"%PDF": ("application/pdf", ".pdf"), b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
              b"\x89PNG": ("image/png", ".png")}


def period_of(now: datetime) -> str:
    return now.astimezone(WIB).strftime("%Y-%m")


def scoped(user, stmt):
    """The statement narrowed to the proposals of the user's villages (every door
    that lists or opens proposals: the pages, the API)."""
    require(user, "proposal.view")
    scope = village_scope(user)
    if scope is None:
        return stmt
    return stmt.where(Proposal.village_code.in_(scope)) if scope else stmt.where(False)


def _check_desk(actor, village_code: str, action: str = "proposal.create") -> None:
    if not can(actor, action) or not can_see_village(actor, village_code):
        raise DomainError(_("Desa ini di luar wilayah tugas Anda."), "village_code")


def _open_duplicate(nik: str, kind: str) -> Proposal | None:
    if not nik:
        return None
    return db.session.scalars(select(Proposal).where(
        Proposal.nik == nik, Proposal.kind == kind, Proposal.status.in_(OPEN_STATUSES))).first()


def create_proposal(actor, *, kind: str, village_code: str, now: datetime, name: str = "",
                    nik: str = "", no_kk: str = "", reason_code: str = "", note: str = "",
                    corrections: dict[str, str] | None = None, record: RegistryRecord | None = None,
                    case=None, source: str = "langsung") -> Proposal:
    _check_desk(actor, village_code)
    if kind not in KINDS:
        raise DomainError(_("Jenis usulan tidak dikenal."), "kind")
    if record is not None:
        name, nik, no_kk = name or record.name, record.nik, record.no_kk
    if nik:
        try:
            nik = parse_nik(nik).nik
        except InvalidNik as e:
            raise DomainError(str(e), "nik") from None
    if no_kk:
        try:
            no_kk = parse_kk(no_kk).no_kk
        except InvalidKk as e:
            raise DomainError(str(e), "no_kk") from None
    if not name.strip():
        raise DomainError(_("Nama wajib diisi."), "name")
    details: dict = {}
    if kind == "baru":
        if not nik:
            raise DomainError(_("Usulan pendaftaran baru memerlukan NIK yang padan di Dukcapil."),
                              "nik")
        listed = db.session.scalars(select(RegistryRecord).where(
            RegistryRecord.nik == nik, RegistryRecord.is_active)).first()
        if listed is not None:
            if can_see_village(actor, listed.village_code):
                raise DomainError(_("NIK ini sudah terdaftar aktif di DTKS (ID %(id)s); gunakan "
                                    "usulan perbaikan bila datanya salah.",
                                    id=listed.registry_id), "nik")
            # Listed in a village outside the actor's scope: say no more than that it is.
            raise DomainError(_("NIK ini sudah terdaftar aktif di DTKS; gunakan usulan perbaikan "
                                "bila datanya salah."), "nik")
    else:
        if record is None:
            raise DomainError(_("Pilih data DTKS yang akan diperbaiki atau dinonaktifkan."),
                              "record")
        if kind == "nonaktif":
            if reason_code not in DEACTIVATION_REASONS:
                raise DomainError(_("Pilih alasan penonaktifan."), "reason_code")
        else:
            changes = {k: v.strip() for k, v in (corrections or {}).items()
                       if k in CORRECTION_FIELDS and v and v.strip()}
            if not changes:
                raise DomainError(_("Isi sekurang-kurangnya satu data yang diperbaiki."),
                                  "corrections")
            details["corrections"] = changes
    dup = _open_duplicate(nik, kind)
    if dup is not None:
        if can_see_village(actor, dup.village_code):
            raise DomainError(_("Sudah ada usulan %(kind)s untuk NIK ini (%(number)s, %(status)s).",
                                kind=KINDS[kind].lower(), number=dup.number,
                                status=dup.status_label), "nik")
        # Another village's proposal: its number, status and village are not this desk's
        # business; the refusal alone says that one is open.
        raise DomainError(_("Sudah ada usulan %(kind)s yang masih berjalan untuk NIK ini; "
                            "hubungi Dinas Sosial kabupaten.",
                            kind=KINDS[kind].lower()), "nik")
    yymm = now.astimezone(WIB).strftime("%y%m")
    proposal = Proposal(
        number=f"US-{yymm}-{next_value(f'proposal-{yymm}'):04d}", kind=kind,
        reason_code=reason_code if kind == "nonaktif" else "", village_code=village_code,
        period=period_of(now), status=PROPOSAL_FLOW.initial, source=source, nik=nik, no_kk=no_kk,
        name=name.strip(), details=details, note=note.strip(),
        case_id=case.id if case is not None else None,
        person_id=case.beneficiary_id if case is not None else None,
        registry_record_id=record.id if record is not None else None,
        created_by_id=actor.id, created_at=now, updated_at=now)
    db.session.add(proposal)
    db.session.flush()
    if case is not None:
        from slrt.cases.services import add_event

        add_event(case, actor, "usulan", now, proposal_id=proposal.id, step="dibuat",
                  number=proposal.number, proposal_kind=proposal.kind)
    return proposal


def _person_id_of(nik: str) -> int | None:
    from slrt.cases.models import Person

    return db.session.scalar(select(Person.id).where(Person.nik == nik)) if nik else None


def check_report(actor, record: RegistryRecord, kind: str, note: str, *, confirmed: bool
                 ) -> str:
    """The safeguards of a moved/died report, checked before anything is written;
    returns the cleaned note."""
    if kind not in FLAG_KINDS:
        raise DomainError(_("Pilih: pindah atau meninggal."), "kind")
    _check_desk(actor, record.village_code, "registry.flag")
    note = (note or "").replace("\x00", "").strip()
    if not note:
        raise DomainError(_("Tuliskan keterangan: kapan dan dari siapa kabar ini diketahui."),
                          "note")
    if not confirmed:
        raise DomainError(_("Centang pernyataan \"Saya yakin\" untuk melanjutkan laporan."),
                          "confirm")
    if any(f.kind == kind for f in flags_of([record.id]).get(record.id, [])):
        raise DomainError(_("%(name)s sudah dilaporkan %(kind)s.", name=record.name,
                            kind=FLAG_KINDS[kind].split(" ", 1)[1]), "kind")
    return note


def report_stale(actor, record: RegistryRecord, kind: str, note: str, *, now: datetime,
                 confirmed: bool) -> RegistryFlag:
    """A listed person moved or died: flag the record now, propose deactivation.

    Every door (Cek DTKS, the outreach visit, the API, offline sync) comes here,
    so the safeguards live here: the kind is chosen (no default), a note says how
    the reporter knows, and the reporter has confirmed what will happen.
    """
    note = check_report(actor, record, kind, note, confirmed=confirmed)
    proposal = _open_duplicate(record.nik, "nonaktif")
    if proposal is not None and not can_see_village(actor, proposal.village_code):
        # The same NIK listed in another village too, with a deactivation there:
        # neither its number nor its village is this desk's to see.
        raise DomainError(_("Sudah ada usulan penonaktifan yang masih berjalan untuk NIK ini; "
                            "hubungi Dinas Sosial kabupaten."), "nik")
    if proposal is None:
        proposal = create_proposal(actor, kind="nonaktif", village_code=record.village_code,
                                   now=now, record=record, reason_code=kind, note=note,
                                   source="penjangkauan")
    flag = RegistryFlag(registry_record_id=record.id, kind=kind, note=note,
                        proposal_id=proposal.id, reported_by_id=actor.id, reported_at=now)
    db.session.add(flag)
    db.session.flush()
    from slrt.audit.services import audit

    audit("lapor_data", object_type="registry", object_id=record.id,
          person_id=_person_id_of(record.nik), user=actor,
          detail={"objek": _("Data DTKS %(name)s (ID %(id)s)", name=record.name,
                             id=record.registry_id),
                  "rincian": _("%(flag)s; usulan penonaktifan %(n)s masuk pra-daftar Musdes",
                               flag=FLAG_KINDS[kind], n=proposal.number)})
    return flag


def can_withdraw(actor, flag: RegistryFlag) -> bool:
    """The reporter or a supervisor, while the Musdes has not decided."""
    return (FLAG_FLOW.allows(flag.status, "cabut")
            and (flag.reported_by_id == actor.id or can(actor, "registry.unflag_any"))
            and (flag.proposal is None or flag.proposal.status in WITHDRAWABLE))


def withdraw_report(actor, flag: RegistryFlag, reason: str, *, now: datetime) -> None:
    """Take back a moved/died report: the flag leaves the registry card and the
    deactivation proposal it raised is withdrawn, unless another report still
    stands on it."""
    record = db.session.get(RegistryRecord, flag.registry_record_id)
    _check_desk(actor, record.village_code, "registry.flag")
    if not FLAG_FLOW.allows(flag.status, "cabut"):
        raise DomainError(_("Laporan ini sudah dicabut."))
    if flag.reported_by_id != actor.id and not can(actor, "registry.unflag_any"):
        raise DomainError(_("Hanya pelapor atau supervisor yang dapat mencabut laporan ini."))
    p = flag.proposal
    if p is not None and p.status not in WITHDRAWABLE:
        raise DomainError(_("Usulan penonaktifan %(n)s sudah diputuskan (%(s)s); laporan tidak "
                            "dapat dicabut lagi.", n=p.number, s=p.status_label.lower()))
    reason = (reason or "").replace("\x00", "").strip()
    flag.withdrawn_at, flag.withdrawn_by_id, flag.withdraw_reason = now, actor.id, reason
    db.session.flush()
    detail = _("%(flag)s dicabut", flag=flag.label)
    if p is not None:
        others = db.session.scalar(select(RegistryFlag.id).where(
            RegistryFlag.proposal_id == p.id, RegistryFlag.withdrawn_at.is_(None)))
        if others is None and p.source == "penjangkauan":
            PROPOSAL_FLOW.apply(p, "cabut")
            p.decision_reason = _("Laporan lapangan dicabut oleh %(who)s.",
                                  who=actor.display_name) + (f" {reason}" if reason else "")
            p.updated_at = now
            detail += "; " + _("usulan penonaktifan %(n)s dicabut", n=p.number)
            _withdrawal_events(p, actor, now, step="dicabut", flag=flag.kind,
                               name=record.name, number=p.number)
    if reason:
        detail += ". " + _("Alasan: %(r)s", r=reason)
    from slrt.audit.services import audit

    audit("cabut_laporan", object_type="registry", object_id=record.id,
          person_id=_person_id_of(record.nik), user=actor,
          detail={"objek": _("Data DTKS %(name)s (ID %(id)s)", name=record.name,
                             id=record.registry_id), "rincian": detail})
    db.session.flush()


def _withdrawal_events(p: Proposal, actor, now: datetime, **params) -> None:
    """On the timeline of the case the proposal came from, or of the outreach visit's case."""
    from slrt.cases.services import add_event

    cases = {p.case} if p.case is not None else {
        case for _receiver, found in proposal_cases.send(p) for case in found}
    for case in cases:
        add_event(case, actor, "usulan", now, proposal_id=p.id, **params)


def flags_of(record_ids: list[int]) -> dict[int, list[RegistryFlag]]:
    """The standing (not withdrawn) flags of each record."""
    out: dict[int, list[RegistryFlag]] = {}
    if not record_ids:
        return out
    for flag in db.session.scalars(select(RegistryFlag).where(
            RegistryFlag.registry_record_id.in_(record_ids), RegistryFlag.withdrawn_at.is_(None))
            .order_by(RegistryFlag.id)):
        out.setdefault(flag.registry_record_id, []).append(flag)
    return out


def proposals_of_case(case) -> list[Proposal]:
    """The proposals raised from a case, oldest first (the case page lists them)."""
    return list(db.session.scalars(select(Proposal).where(Proposal.case_id == case.id)
                                   .order_by(Proposal.id)))


def open_proposals_of_person(case) -> list[Proposal]:
    """The registry proposals still under way for the case's beneficiary: those
    raised from the case, and those naming the beneficiary's NIK (raised on a
    visit, or directly). A letter to a program that asks for a registry entry
    (KIP Kuliah, PBI-JK) says the entry is on its way."""
    from sqlalchemy import or_

    nik = case.beneficiary.nik if case.beneficiary is not None else None
    where = Proposal.case_id == case.id
    if nik:
        where = or_(where, Proposal.nik == nik)
    return [p for p in db.session.scalars(select(Proposal).where(where).order_by(Proposal.id))
            if p.is_open]


def pending_for_musdes(village_code: str) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(
        Proposal.village_code == village_code, Proposal.status.in_(AWAITING_MUSDES))
        .order_by(Proposal.id)))


def _store_scan(data: bytes) -> tuple[str, str]:
    """The scan in the app's file store under a random name (the type from the
    content, never the user's file name): (key, content type)."""
    kind = next((v for magic, v in SCAN_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise DomainError(_("Berkas berita acara harus PDF, JPG atau PNG."), "scan")
    mime, ext = kind
    key = f"musdes/{secrets.token_hex(16)}{ext}"
    storage.put(key, data, mime)
    return key, mime


def record_musdes(actor, *, village_code: str, held_on: date, place: str, attendees: int,
                  minutes_number: str, decisions: dict[int, tuple[str, str]], now: datetime,
                  scan: bytes | None = None, scan_name: str = "") -> Musdes:
    """Record the deliberation and its decision on each proposal of the pre-list.
    The scan goes to the app's file store (slrt/platform/storage.py), in the
    same transaction as the record on the database backend."""
    _check_desk(actor, village_code, "musdes.manage")
    if held_on > now.astimezone(WIB).date():
        raise DomainError(_("Tanggal Musdes tidak boleh di masa depan."), "held_on")
    if not place.strip() or not minutes_number.strip():
        raise DomainError(_("Tempat dan nomor berita acara wajib diisi."), "minutes_number")
    if not 1 <= attendees <= 10000:
        raise DomainError(_("Jumlah peserta antara 1 dan 10.000."), "attendees")
    pending = {p.id: p for p in pending_for_musdes(village_code)}
    chosen = {pid: d for pid, d in decisions.items() if d[0]}
    if not chosen:
        raise DomainError(_("Putuskan sekurang-kurangnya satu usulan."), "decisions")
    for pid, (decision, reason) in chosen.items():
        if pid not in pending:
            raise DomainError(_("Usulan tidak ada dalam pra-daftar desa ini."), "decisions")
        if decision not in MUSDES_MOVES:
            raise DomainError(_("Keputusan tidak dikenal."), "decisions")
        if MUSDES_MOVES[decision].reason_required and not reason.strip():
            raise DomainError(_("Alasan penolakan usulan %(n)s wajib diisi.",
                                n=pending[pid].number), "decisions")
    musdes = Musdes(village_code=village_code, period=period_of(now), held_on=held_on,
                    place=place.strip(), attendees=attendees,
                    minutes_number=minutes_number.strip(), created_by_id=actor.id,
                    created_at=now)
    if scan:
        musdes.scan_path, musdes.scan_mime = _store_scan(scan)
        musdes.scan_name = scan_name[:160]
    db.session.add(musdes)
    db.session.flush()
    for pid, (decision, reason) in chosen.items():
        p = pending[pid]
        PROPOSAL_FLOW.apply(p, MUSDES_MOVES[decision].action)
        p.decision_reason = reason.strip()
        p.musdes_id = musdes.id
        p.updated_at = now
        _case_event(p, actor, now, step="musdes", date=held_on.isoformat(), number=p.number,
                    status=p.status)
    db.session.flush()
    return musdes


def _case_event(p: Proposal, actor, now: datetime, **params) -> None:
    if p.case is not None:
        from slrt.cases.services import add_event

        add_event(p.case, actor, "usulan", now, proposal_id=p.id, **params)


def approved_for_export(village_codes: list[str] | None) -> list[Proposal]:
    stmt = select(Proposal).where(Proposal.status.in_(PROPOSAL_FLOW.sources_of("kirim")))
    if village_codes is not None:
        stmt = stmt.where(Proposal.village_code.in_(village_codes))
    return list(db.session.scalars(stmt.order_by(Proposal.village_code, Proposal.id)))


def mark_sent(actor, proposals: list[Proposal], *, now: datetime) -> int:
    for p in proposals:
        _check_desk(actor, p.village_code, "proposal.export")
        if not PROPOSAL_FLOW.allows(p.status, "kirim"):
            raise DomainError(_("Hanya usulan yang disetujui Musdes yang dapat dikirim."))
        PROPOSAL_FLOW.apply(p, "kirim")
        p.sent_at = now
        p.updated_at = now
        _case_event(p, actor, now, step="dikirim", number=p.number)
    db.session.flush()
    return len(proposals)


def record_ministry_result(actor, p: Proposal, accepted: bool, note: str, *, now: datetime
                           ) -> None:
    _check_desk(actor, p.village_code, "proposal.export")
    if not p.awaits_ministry:
        raise DomainError(_("Hasil Kemensos hanya untuk usulan yang sudah dikirim."))
    if not accepted and not note.strip():
        raise DomainError(_("Tuliskan alasan penolakan dari Kemensos."), "note")
    PROPOSAL_FLOW.apply(p, "diterima_kemensos" if accepted else "ditolak_kemensos")
    p.decision_reason = note.strip() or p.decision_reason
    p.updated_at = now
    _case_event(p, actor, now, step="kemensos", number=p.number, status=p.status)
    db.session.flush()


# The layout the SIKS-NG village operator types from.
EXPORT_HEADER = ["NO", "NOMOR USULAN", "JENIS USULAN", "ALASAN", "KODE DESA", "DESA",
                 "NOMOR NIK", "NOMOR KK", "NAMA", "PERBAIKAN", "TANGGAL MUSDES",
                 "NOMOR BERITA ACARA", "KETERANGAN"]
IDENTIFIER_COLUMNS = (4, 6, 7)  # KODE DESA, NOMOR NIK, NOMOR KK: text, never numbers


def export_rows(proposals: list[Proposal]) -> list[list[str]]:
    rows = []
    for i, p in enumerate(proposals, 1):
        corrections = "; ".join(f"{CORRECTION_FIELDS[k]}: {v}"
                                for k, v in (p.details or {}).get("corrections", {}).items())
        rows.append([str(i), p.number, p.kind_label, p.reason_label, p.village_code,
                     p.village.name, p.nik, p.no_kk, p.name, corrections,
                     p.musdes.held_on.strftime("%d-%m-%Y") if p.musdes else "",
                     p.musdes.minutes_number if p.musdes else "", p.note])
    return rows
