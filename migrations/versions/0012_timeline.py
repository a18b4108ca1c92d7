"""timeline: events keep their facts, the sentence is written when shown

The case timeline stored sentences already rendered in Indonesian. Events now
keep their facts in `case_events.data` and slrt/cases/timeline.py writes the
sentence when it is shown. This migration reads the sentences of the existing
rows back into facts, kind by kind, with the forms the earlier code wrote;
a row it cannot read keeps its sentence in `message` (shown as it was
written). A converted row's `message` becomes empty.

The code tables below are frozen as they were when those sentences were
written: the migration reads what the old code wrote, whatever the tables
say later.

case_events is append-only (0001): its triggers are dropped for the update
and created again, in the same transaction.

Revision ID: 0012_timeline
Revises: 0011_status_code
Create Date: 2026-12-06 05:00:00
"""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0012_timeline'
down_revision = '0011_status_code'
branch_labels = None
depends_on = None

TABLE = "case_events"
WIB = ZoneInfo("Asia/Jakarta")

CHANNELS = {
    "datang_langsung": "Datang langsung",
    "penjangkauan": "Penjangkauan",
    "laporan_desa": "Laporan desa",
    "telepon": "Telepon",
    "whatsapp": "WhatsApp",
}
DESK_OUTCOMES = {
    "informasi": "Informasi/penjelasan diberikan",
    "ditangani_desa": "Ditangani di desa/Puskesos",
    "dokumen_diterbitkan": "Surat/dokumen diterbitkan desa",
    "tidak_memenuhi_syarat": "Tidak memenuhi syarat",
    "dicabut": "Pengaduan dicabut pelapor",
    "lainnya": "Lainnya (lihat catatan)",
}
REFERRAL_STATUSES = {
    "dikirim": "Dikirim, menunggu diterima",
    "diterima": "Diterima",
    "diproses": "Sedang diproses",
    "perlu_info": "Dikembalikan: perlu informasi",
    "dijawab": "Informasi dijawab, kembali ke antrean",
    "tersalurkan": "Bantuan disalurkan",
    "selesai": "Selesai",
    "ditolak": "Ditolak",
    "diteruskan": "Diteruskan ke program lain",
    "dibatalkan": "Dibatalkan",
}
REASON_LABELS = {  # workflow.MOVES: the label before a move's reason
    "terima": "Alasan", "proses": "Alasan", "salurkan": "Alasan", "selesaikan": "Alasan",
    "minta_info": "Pertanyaan untuk desa", "jawab": "Jawaban", "tolak": "Alasan penolakan",
    "teruskan": "Alasan diteruskan", "batalkan": "Alasan pembatalan",
}
VISIT_OUTCOMES = {
    "bertemu": "Bertemu warga",
    "tidak_di_rumah": "Tidak di rumah",
    "pindah": "Pindah",
    "meninggal": "Meninggal",
    "menolak": "Menolak",
}
NEXT_VISIT_WHY = {
    "sore": "warga biasanya di kebun pagi sampai siang; coba sore hari",
    "pagi": "coba pagi hari sebelum warga berangkat ke kebun",
}
PROPOSAL_KINDS = {"baru": "Pendaftaran baru", "perbaikan": "Perbaikan data",
                  "nonaktif": "Penonaktifan"}
PROPOSAL_STATUSES = {
    "draf": "Pra-daftar (menunggu Musdes)",
    "disetujui": "Disetujui Musdes",
    "ditolak": "Ditolak Musdes",
    "ditunda": "Ditunda ke Musdes berikutnya",
    "dikirim": "Dikirim ke SIKS-NG",
    "diterima_kemensos": "Diterima Kemensos",
    "ditolak_kemensos": "Ditolak Kemensos",
    "dicabut": "Dicabut (laporan lapangan ditarik)",
}
FLAG_KINDS = {"pindah": "Dilaporkan pindah", "meninggal": "Dilaporkan meninggal"}
MONTHS = {name: i for i, name in enumerate(
    ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
     "September", "Oktober", "November", "Desember"), start=1)}


# ------------------------------------------------------------------ triggers (as 0001)
def append_only(table):
    bind = op.get_bind()
    message = f"{table} hanya boleh ditambah (append-only)"
    if bind.dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    elif bind.dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )


def drop_append_only(table):
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    elif bind.dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")


# ------------------------------------------------------------------ reading the sentences
def _alt(labels) -> str:
    return "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True))


def _code(table: dict, label: str, lower: bool = False) -> str | None:
    for code, text in table.items():
        if (text.lower() if lower else text) == label:
            return code
    return None


def _month_date(text: str) -> date | None:
    m = re.fullmatch(r"(\d{1,2}) (\w+) (\d{4})", text)
    if m is None or m.group(2) not in MONTHS:
        return None
    return date(int(m.group(3)), MONTHS[m.group(2)], int(m.group(1)))


def _period(text: str) -> str | None:
    m = re.fullmatch(r"(\w+) (\d{4})", text)
    if m is None or m.group(1) not in MONTHS:
        return None
    return f"{m.group(2)}-{MONTHS[m.group(1)]:02d}"


def _wib_datetime(text: str) -> str | None:
    m = re.fullmatch(r"(\d{1,2} \w+ \d{4}) (\d\d)\.(\d\d) WIB", text)
    day = _month_date(m.group(1)) if m else None
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, int(m.group(2)), int(m.group(3)),
                    tzinfo=WIB).isoformat()


def _dmy(text: str) -> str:
    d, m, y = text.split("-")
    return date(int(y), int(m), int(d)).isoformat()


def _created(msg, data, ctx):
    m = re.fullmatch(r"Pengaduan dicatat \((?P<channel>[^)]*)\); pelapor: (?P<who>.*)\.", msg,
                     re.S)
    if m is None:
        return None
    channel = _code(CHANNELS, m["channel"])
    if channel is None:
        return None
    who = m["who"]
    if who == "penerima manfaat sendiri":
        return dict(channel=channel, reporter_is_beneficiary=True, reporter_name="",
                    reporter_relation="")
    rel = re.fullmatch(r"(.*) \(([^()]*)\)", who, re.S)
    name, relation = (rel.group(1), rel.group(2)) if rel else (who, "")
    if not name:
        return None
    return dict(channel=channel, reporter_is_beneficiary=False, reporter_name=name,
                reporter_relation=relation)


def _registry_check(msg, data, ctx):
    if msg == "DTKS tidak diperiksa: identitas penerima manfaat tidak diketahui.":
        return dict(checked=False, found=False, period=data.get("period") or "")
    if msg == "Pemeriksaan DTKS: tidak terdaftar (belum ada data DTKS yang dimuat).":
        return dict(checked=True, found=False, period="")
    m = re.fullmatch(r"Pemeriksaan DTKS: tidak terdaftar \(data periode (.+)\)\.", msg)
    if m is not None:
        period = _period(m.group(1))
        return dict(checked=True, found=False, period=period) if period else None
    m = re.fullmatch(r"Pemeriksaan (.+?): (terdaftar|tercatat tidak aktif) "
                     r"\(data periode (.+)\)\.", msg)
    if m is not None:
        period = _period(m.group(3))
        return dict(checked=True, found=True, source=m.group(1),
                    active=m.group(2) == "terdaftar", period=period) if period else None
    return None


def _more_complaint(msg, data, ctx):
    m = re.fullmatch(r"Pengaduan tambahan \((?P<channel>[^)]*)\): (?P<text>.*)", msg, re.S)
    if m is None:
        return None
    return dict(channel=_code(CHANNELS, m["channel"]) or m["channel"], text=m["text"])


def _note(msg, data, ctx):
    return dict(text=msg)


def _closed(msg, data, ctx):
    if msg == "Semua rujukan selesai; kasus ditutup otomatis.":
        return dict(outcome="rujukan_selesai")
    for code, label in DESK_OUTCOMES.items():
        head = f"Kasus diselesaikan di desa: {label}."
        if msg == head:
            return dict(outcome=code, note="")
        if msg.startswith(head + " Catatan: "):
            return dict(outcome=code, note=msg[len(head + " Catatan: "):])
    return None


def _reopened(msg, data, ctx):
    if msg == ("Tidak ada rujukan yang terbuka atau berhasil; kasus kembali ke meja Puskesos "
               "untuk ditindaklanjuti."):
        return {}
    return None


def _program_parts(msg, head, data, ctx):
    """'<head> <name> (<unit>), batas layanan dd-mm-yyyy.<rest>' -> name, unit, due, rest."""
    known = ctx["programs"].get(data.get("program"))
    if known is not None:  # the program's words today split name and unit surely
        prefix = f"{head} {known[0]} ({known[1]}), batas layanan "
        m = re.fullmatch(r"(\d\d-\d\d-\d{4})\.(.*)", msg[len(prefix):], re.S) \
            if msg.startswith(prefix) else None
        if m is not None:
            return known[0], known[1], m.group(1), m.group(2)
    m = re.fullmatch(re.escape(head) + r" (.*) \(([^()]*)\), batas layanan (\d\d-\d\d-\d{4})\."
                     r"(.*)", msg, re.S)
    return (m.group(1), m.group(2), m.group(3), m.group(4)) if m else None


def _referred(msg, data, ctx):
    if msg.startswith("Diteruskan ke "):
        parts = _program_parts(msg, "Diteruskan ke", data, ctx)
        if parts is None or parts[3]:
            return None
        return dict(program_name=parts[0], unit=parts[1], due=_dmy(parts[2]), forwarded=True)
    parts = _program_parts(msg, "Dirujuk ke", data, ctx)
    if parts is None or not parts[3].startswith(" Alasan: "):
        return None
    return dict(program_name=parts[0], unit=parts[1], due=_dmy(parts[2]),
                reason=parts[3][len(" Alasan: "):])


_STATUS = _alt(REFERRAL_STATUSES.values())


def _referral_move(msg, data, ctx):
    action = data.get("action") or ""
    m = re.fullmatch(rf"(?P<number>\S+) \((?P<program>.*?)\): (?P<old>{_STATUS}) → "
                     rf"(?P<new>{_STATUS})\.(?P<rest>.*)", msg, re.S)
    if m is None or action not in REASON_LABELS:
        return None
    reason = ""
    if m["rest"]:
        head = f" {REASON_LABELS[action]}: "
        if not m["rest"].startswith(head):
            return None
        reason = m["rest"][len(head):]
    program = ctx["referral_program"](data.get("referral_id"))
    if program is None:
        return None
    return dict(number=m["number"], program=program, program_name=m["program"],
                old=_code(REFERRAL_STATUSES, m["old"]), status=_code(REFERRAL_STATUSES, m["new"]),
                reason=reason)


def _assigned(msg, data, ctx):
    m = re.fullmatch(r"(\S+) dilepas dari petugas\.", msg)
    if m is not None:
        return dict(number=m.group(1), handler=None)
    m = re.fullmatch(r"(\S+) ditugaskan kepada (.+)\.", msg, re.S)
    return dict(number=m.group(1), handler=m.group(2)) if m else None


def _handover(msg, data, ctx):
    m = re.fullmatch(r"Serah terima barang (\S+) kepada (.*): (.*)\.", msg, re.S)
    return dict(number=m.group(1), recipient=m.group(2), items_text=m.group(3)) if m else None


def _paused(msg, data, ctx):
    m = re.fullmatch(r"(\S+): waktu layanan dijeda\. Alasan: (.*)", msg, re.S)
    return dict(number=m.group(1), reason=m.group(2)) if m else None


def _resumed(msg, data, ctx):
    m = re.fullmatch(r"(\S+): jeda selesai setelah (\d+) hari kerja; batas layanan "
                     r"(\d{1,2} \w+ \d{4})\.(?: Keterangan: (.*))?", msg, re.S)
    due = _month_date(m.group(3)) if m else None
    if due is None:
        return None
    return dict(number=m.group(1), days=int(m.group(2)), due=due.isoformat(),
                note=m.group(4) or "")


_VISIT_OUTCOME = _alt(VISIT_OUTCOMES.values())
_STALE = re.compile(r"(.*) Usulan penonaktifan DTKS (\S+) masuk pra-daftar Musdes\.", re.S)
_NONE = " Warga tidak tercatat aktif di DTKS; tidak ada usulan penonaktifan."
_NEXT = " Kunjungan berikutnya disarankan "


def _visit(msg, data, ctx):
    m = re.fullmatch(rf"Kunjungan penjangkauan (?P<when>.+? WIB): (?P<outcome>{_VISIT_OUTCOME})"
                     rf"\.(?P<rest>.*)", msg, re.S)
    when = _wib_datetime(m["when"]) if m else None
    if when is None:
        return None
    params = dict(visited_at=when, outcome=_code(VISIT_OUTCOMES, m["outcome"]))
    rest = m["rest"]
    stale = _STALE.fullmatch(rest)
    if stale is not None:
        rest, params["stale_proposal"] = stale.group(1), stale.group(2)
    elif rest.endswith(_NONE):
        rest, params["stale_none"] = rest[:-len(_NONE)], True
    if params["outcome"] == "tidak_di_rumah":
        at = rest.rfind(_NEXT)
        if at < 0 or not rest.endswith("."):
            return None
        rest, hint = rest[:at], rest[at + len(_NEXT):-1]
        h = re.fullmatch(rf"(.+? WIB) \(({_alt(NEXT_VISIT_WHY.values())})\)", hint)
        next_at = _wib_datetime(h.group(1)) if h else None
        if next_at is not None:
            params.update(next_visit=next_at, next_visit_why=_code(NEXT_VISIT_WHY, h.group(2)))
        else:
            params["hint"] = hint
    if rest and not rest.startswith(" Catatan: "):
        return None
    params["notes"] = rest[len(" Catatan: "):] if rest else ""
    return params


def _contact(msg, data, ctx):
    m = re.fullmatch(r"Tindak lanjut: (.*)", msg, re.S)
    return dict(text=m.group(1)) if m else None


_KIND = _alt(PROPOSAL_KINDS.values())
_PSTATUS = _alt(s.lower() for s in PROPOSAL_STATUSES.values())
_FLAG = _alt(f.lower() for f in FLAG_KINDS.values())


def _proposal(msg, data, ctx):
    m = re.fullmatch(rf"Usulan DTKS (\S+) dibuat: ({_KIND})\.", msg)
    if m is not None:
        return dict(step="dibuat", number=m.group(1),
                    proposal_kind=_code(PROPOSAL_KINDS, m.group(2)))
    m = re.fullmatch(rf"Laporan \"({_FLAG})\" atas (.*) dicabut; usulan (\S+) dicabut\.", msg,
                     re.S)
    if m is not None:
        return dict(step="dicabut", flag=_code(FLAG_KINDS, m.group(1), lower=True),
                    name=m.group(2), number=m.group(3))
    m = re.fullmatch(rf"Musdes (\d\d-\d\d-\d{{4}}): usulan (\S+) ({_PSTATUS})\.", msg)
    if m is not None:
        return dict(step="musdes", date=_dmy(m.group(1)), number=m.group(2),
                    status=_code(PROPOSAL_STATUSES, m.group(3), lower=True))
    m = re.fullmatch(r"Usulan (\S+) dikirim ke SIKS-NG\.", msg)
    if m is not None:
        return dict(step="dikirim", number=m.group(1))
    m = re.fullmatch(rf"Usulan (\S+): ({_PSTATUS})\.", msg)
    if m is not None:
        return dict(step="kemensos", number=m.group(1),
                    status=_code(PROPOSAL_STATUSES, m.group(2), lower=True))
    return None


PARSERS = {
    "dibuat": _created, "cek_dtks": _registry_check, "pengaduan_tambahan": _more_complaint,
    "catatan": _note, "ditutup": _closed, "dibuka_kembali": _reopened, "rujukan": _referred,
    "rujukan_tugas": _assigned, "serah_terima": _handover, "rujukan_jeda": _paused,
    "rujukan_lanjut": _resumed, "kunjungan": _visit, "tindak_lanjut": _contact,
    "usulan": _proposal,
}


def parse(kind: str, message: str, data: dict, ctx: dict) -> dict | None:
    """The facts of one old sentence, or None when it cannot be read back."""
    fn = PARSERS.get(kind)
    if fn is None and kind.startswith("rujukan_") and kind[len("rujukan_"):] in REASON_LABELS:
        fn, data = _referral_move, {**data, "action": kind[len("rujukan_"):]}
    if fn is None:
        return None
    try:
        params = fn(message, data, ctx)
    except (ValueError, KeyError):
        return None
    return params


# ------------------------------------------------------------------ the migration
def _events():
    return sa.table(TABLE, sa.column("id", sa.Integer), sa.column("kind", sa.String),
                    sa.column("message", sa.Text), sa.column("data", sa.JSON))


def upgrade():
    bind = op.get_bind()
    events = _events()
    programs = {code: (name, unit) for code, name, unit in bind.execute(
        sa.text("SELECT code, name, unit FROM programs"))}
    referral_programs = {rid: code for rid, code in bind.execute(
        sa.text("SELECT id, program_code FROM referrals"))}
    ctx = {"programs": programs, "referral_program": referral_programs.get}
    updates = []
    for row in bind.execute(sa.select(events.c.id, events.c.kind, events.c.message,
                                      events.c.data).where(events.c.message != "")):
        data = dict(row.data or {})
        params = parse(row.kind, row.message, data, ctx)
        if params is None:
            continue
        updates.append({"row_id": row.id, "new_data": {**data, **params}})
    drop_append_only(TABLE)
    if updates:
        bind.execute(events.update().where(events.c.id == sa.bindparam("row_id"))
                     .values(message="", data=sa.bindparam("new_data", type_=sa.JSON)),
                     updates)
    append_only(TABLE)


def downgrade():
    """The earlier code shows `message`: write the sentence of every row that
    has none (converted rows and those written since)."""
    from slrt.cases.timeline import render

    bind = op.get_bind()
    events = _events()
    programs = {code: (name, unit) for code, name, unit in bind.execute(
        sa.text("SELECT code, name, unit FROM programs"))}
    updates = [{"row_id": row.id, "text": render(row.kind, row.data, "", programs=programs)}
               for row in bind.execute(sa.select(events.c.id, events.c.kind, events.c.data)
                                       .where(events.c.message == ""))]
    drop_append_only(TABLE)
    if updates:
        bind.execute(events.update().where(events.c.id == sa.bindparam("row_id"))
                     .values(message=sa.bindparam("text")), updates)
    append_only(TABLE)
