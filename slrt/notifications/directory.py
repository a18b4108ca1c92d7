"""Who is told about a late referral: the recipients of the reminder ladder,
read once per sweep, each within the referral's regency."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from slrt.auth.models import User, UserProgram, UserVillage
from slrt.common.permissions import FASILITATOR, HANDLER, SUPERVISOR, regency_of
from slrt.extensions import db
from slrt.notifications.models import UnitSupervisor
from slrt.referrals.models import Program


@dataclass
class Directory:
    """Recipients by program, unit and village, read once per sweep. The
    reminders go to people by their job (the program's handlers, the village's
    facilitators, the supervisors), so these queries filter by role."""

    handlers: dict[str, list[int]]
    unit_of: dict[str, str]
    service_days: dict[str, int]
    # (regency, unit) -> its supervisors: two regencies' Dinas Sosial have
    # units of the same name.
    unit_supervisors: dict[tuple[str, str], list[int]]
    regency_supervisors: dict[str, list[int]]
    facilitators: dict[str, list[int]]
    regency_of_program: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Directory:
        handlers = _active_users_by(UserProgram.program_code, UserProgram.user_id,
                                    User.role == HANDLER)
        unit_of, days, regency_of_program = {}, {}, {}
        for code, unit, sd, regency in db.session.execute(
                select(Program.code, Program.unit, Program.service_days, Program.regency_code)):
            unit_of[code], days[code], regency_of_program[code] = unit, sd, regency
        unit_sups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for unit, regency, uid in db.session.execute(
                select(UnitSupervisor.unit, User.regency_code, User.id)
                .join(User, User.id == UnitSupervisor.user_id)
                .where(User.is_active_flag).order_by(User.id)):
            unit_sups[(regency, unit)].append(uid)
        # A supervisor who supervises a unit is that unit's, not the regency's.
        regency_sups: dict[str, list[int]] = defaultdict(list)
        for uid, regency in db.session.execute(select(User.id, User.regency_code).where(
                User.role == SUPERVISOR, User.is_active_flag,
                User.id.not_in(select(UnitSupervisor.user_id))).order_by(User.id)):
            regency_sups[regency].append(uid)
        facs = _active_users_by(UserVillage.village_code, UserVillage.user_id,
                                User.role == FASILITATOR)
        return cls(handlers, unit_of, days, dict(unit_sups), dict(regency_sups), facs,
                   regency_of_program)

    def recipients(self, stage: str, program: str, assigned_to: int | None,
                   village: str) -> list[int]:
        """The ladder: handler(s); + the unit supervisor; + the regency supervisor and
        the village facilitator, all of the village's regency."""
        regency = regency_of(village)
        supervisors = self.regency_supervisors.get(regency, [])
        out = [assigned_to] if assigned_to else list(self.handlers.get(program, []))
        if stage in ("overdue", "escalated"):
            # Without a unit supervisor configured, the regency supervisor stands in.
            out += self.unit_supervisors.get((regency, self.unit_of.get(program, "")), []) \
                or supervisors
        if stage == "escalated":
            out += supervisors + self.facilitators.get(village, [])
        return list(dict.fromkeys(out))

    def programs_by_regency(self) -> dict[str, dict[str, int]]:
        """regency -> {program code: service days}: each regency's calendar
        counts the days of its own programs."""
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for code, days in self.service_days.items():
            out[self.regency_of_program.get(code, "")][code] = days
        return dict(out)


def _active_users_by(key, user_id, *where) -> dict[str, list[int]]:
    """key -> the ids of the active users a link table gives it (in id order)."""
    out: dict[str, list[int]] = defaultdict(list)
    for k, uid in db.session.execute(select(key, user_id).join(User, User.id == user_id)
                                     .where(User.is_active_flag, *where).order_by(user_id)):
        out[k].append(uid)
    return dict(out)


def unit_supervisors_of(program: Program) -> list[User]:
    return list(db.session.scalars(select(User).join(UnitSupervisor).where(
        UnitSupervisor.unit == program.unit, User.regency_code == program.regency_code,
        User.is_active_flag)))
