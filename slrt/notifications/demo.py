"""Demo referrals in every state of the clock, for `flask demo load` (idempotent).

In the facilitator account's villages (Aro, Olak, Rambahan): one on track, one
at risk, one overdue, one paused waiting for documents and one escalated
(with its follow-up task); then one sweep fills the inboxes.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from slrt.auth.models import User
from slrt.cases import services as case_services
from slrt.common.models import get_setting, set_setting
from slrt.common.time import WIB, now_utc, today_wib
from slrt.common.workdays import cuti_bersama
from slrt.dtks.models import RegistryRecord
from slrt.extensions import db
from slrt.notifications import services, status
from slrt.referrals import pauses
from slrt.referrals import services as referral_services
from slrt.referrals.models import Program

ARO, OLAK, RAMBAHAN = "15.04.03.2013", "15.04.03.2011", "15.04.03.2010"

# village, category, program, state, urgency, phone, description
STORIES = [
    (OLAK, "ppks_lansia_terlantar", "LANSIA", "on_track", "biasa", "081377402115",
     "Nenek tinggal sendiri di pondok kebun; anak-anaknya merantau. Perlu asesmen ATENSI."),
    (RAMBAHAN, "korban_bencana", "BENCANA_SANTUNAN", "at_risk", "segera", "082180113376",
     "Rumah rusak berat diterjang angin puting beliung; mohon santunan korban bencana."),
    (OLAK, "korban_bencana", "BENCANA_SANTUNAN", "overdue", "biasa", "085266014478",
     "Rumah terendam banjir luapan Batang Hari selama seminggu; perabot rusak."),
    (RAMBAHAN, "ppks_lansia_terlantar", "LANSIA", "paused", "biasa", "081366789012",
     "Kakek dengan stroke tanpa pendamping; keluarga diminta melengkapi KK."),
    (ARO, "korban_bencana", "BENCANA_SANTUNAN", "escalated", "biasa", "081274556630",
     "Dapur dan kamar belakang terbakar; santunan dijanjikan tetapi belum datang."),
]


def _created_for(state: str, service_days: int, today, extra) -> datetime:
    """When the referral must have been sent to stand in `state` today."""
    back = {"on_track": 0, "at_risk": service_days - 1, "overdue": service_days + 1,
            "paused": 2, "escalated": service_days + status.escalate_after() + 1}[state]
    day = status.working_days_back(today, back, extra) if back else today
    return datetime.combine(day, time(9, 30), WIB)


def load_reminders(case_prefix: str) -> int:
    if get_setting("demo.reminders") == "1":
        return 0
    users = {u.username: u for u in db.session.scalars(select(User))}
    now = now_utc()
    today, extra = today_wib(now), cuti_bersama(current_app.config["SLRT_KABUPATEN"])
    added = 0
    for i, (village, category, code, state, urgency, phone, text) in enumerate(STORIES):
        rec = db.session.scalars(select(RegistryRecord).where(
            RegistryRecord.village_code == village,
            RegistryRecord.relationship_to_head == "Kepala Keluarga")
            .order_by(RegistryRecord.id).offset(20 + i).limit(1)).first()
        if rec is None:
            continue
        program = db.session.get(Program, code)
        sent = min(_created_for(state, program.service_days, today, extra), now)
        desk = users["fasilitator"]
        case = case_services.register_case(
            desk, case_services.PersonInput(
                name=rec.name, nik=rec.nik, no_kk=rec.no_kk, sex=rec.sex,
                birth_date=rec.birth_date, dusun=rec.dusun, rt=rec.rt, rw=rec.rw, phone=phone),
            case_services.ComplaintInput(village_code=village, category_code=category,
                                         channel="penjangkauan", urgency=urgency,
                                         description=text),
            now=sent - timedelta(hours=1), case_prefix=case_prefix, allow_duplicate=True,
            registry_record_id=rec.id)
        [ref] = referral_services.refer(desk, case, [code], text, now=sent)
        handler = users["handler"]
        if state != "on_track":
            referral_services.move(handler, ref, "terima", now=sent + timedelta(hours=2))
        if state == "paused":
            pauses.pause(handler, ref, "Menunggu KK baru dan surat keterangan dokter dari "
                           "keluarga.", now=sent + timedelta(hours=3))
        added += 1
    set_setting("demo.reminders", "1")
    db.session.commit()
    services.send_due(now)  # reminder rows, the facilitator's task, urgent notices, digests
    return added
