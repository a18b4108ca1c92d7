"""UU PDP Art. 32: everything the system holds about a resident, and everyone
who viewed or changed it, found by the resident's NIK."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select

from slrt.audit.models import AuditEntry
from slrt.extensions import db


@dataclass
class PersonalData:
    nik: str
    person: object | None = None
    profile_history: list = field(default_factory=list)  # earlier values of the profile
    records: list = field(default_factory=list)      # registry (DTKS/DTSEN), every period
    history: list = field(default_factory=list)      # earlier values of those records
    flags: list = field(default_factory=list)        # moved/died reports, withdrawn too
    proposals: list = field(default_factory=list)
    cases: list = field(default_factory=list)
    referrals: list = field(default_factory=list)
    visits: list = field(default_factory=list)
    entries: list = field(default_factory=list)

    @property
    def found(self) -> bool:
        return any((self.person, self.profile_history, self.records, self.history, self.flags, self.proposals,
                    self.cases, self.referrals, self.visits))


def _ids(rows) -> list[int]:
    return [r.id for r in rows]


def report_for(nik: str, regencies=None) -> PersonalData:
    """Everything kept about a NIK, and who saw or changed it. With
    `regencies` (the supervisor's), only what lies in them: a resident known
    in two regencies is answered by each for its own data."""
    from slrt.cases.models import Case, Person, PersonHistory
    from slrt.common.permissions import regency_of
    from slrt.dtks.models import RegistryRecord, RegistryRecordHistory
    from slrt.outreach.models import OutreachVisit
    from slrt.proposals.models import Proposal, RegistryFlag
    from slrt.referrals.models import Referral

    def mine(rows):
        if regencies is None:
            return list(rows)
        return [r for r in rows if regency_of(r.village_code) in regencies]

    out = PersonalData(nik=nik)
    out.person = next(iter(mine(db.session.scalars(select(Person).where(Person.nik == nik)))),
                      None)
    out.records = mine(db.session.scalars(select(RegistryRecord).where(
        RegistryRecord.nik == nik).order_by(RegistryRecord.period, RegistryRecord.id)))
    record_ids = _ids(out.records)
    history = select(RegistryRecordHistory).where(RegistryRecordHistory.nik == nik)
    if record_ids:
        history = select(RegistryRecordHistory).where(or_(
            RegistryRecordHistory.nik == nik, RegistryRecordHistory.record_id.in_(record_ids)))
    out.history = list(db.session.scalars(history.order_by(RegistryRecordHistory.replaced_at,
                                                          RegistryRecordHistory.id)))
    out.flags = list(db.session.scalars(select(RegistryFlag).where(
        RegistryFlag.registry_record_id.in_(record_ids)).order_by(RegistryFlag.id))) \
        if record_ids else []
    person_id = out.person.id if out.person else None
    conditions = [Proposal.nik == nik]
    if person_id:
        conditions.append(Proposal.person_id == person_id)
    if record_ids:
        conditions.append(Proposal.registry_record_id.in_(record_ids))
    out.proposals = mine(db.session.scalars(select(Proposal).where(or_(*conditions))
                                            .order_by(Proposal.id)))
    if person_id:
        out.profile_history = list(db.session.scalars(select(PersonHistory).where(
            PersonHistory.person_id == person_id).order_by(PersonHistory.id)))
        out.cases = mine(db.session.scalars(select(Case).where(
            Case.beneficiary_id == person_id).order_by(Case.id)))
    case_ids = _ids(out.cases)
    if case_ids:
        out.referrals = list(db.session.scalars(select(Referral).where(
            Referral.case_id.in_(case_ids)).order_by(Referral.id)))
        out.visits = list(db.session.scalars(select(OutreachVisit).where(
            OutreachVisit.case_id.in_(case_ids)).order_by(OutreachVisit.visited_at)))
    musdes_ids = sorted({p.musdes_id for p in out.proposals if p.musdes_id})

    def about(kind: str, ids: list[int]):
        return (AuditEntry.object_type == kind) & AuditEntry.object_id.in_(ids)

    seen = [AuditEntry.person_id == person_id] if person_id else []
    for kind, ids in (("registry", record_ids), ("case", case_ids),
                      ("referral", _ids(out.referrals)), ("proposal", _ids(out.proposals)),
                      ("visit", _ids(out.visits)), ("musdes", musdes_ids)):
        if ids:
            seen.append(about(kind, ids))
    if seen:
        out.entries = list(db.session.scalars(select(AuditEntry).where(or_(*seen))
                                              .order_by(AuditEntry.at, AuditEntry.id)))
    return out
