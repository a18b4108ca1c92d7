"""Which programs fit a case, and why: hints explain, only hard rules block.

Hard rules (a referral is refused): a program that requires the registry for
a resident who is not in it (or whose NIK is not matched at Dukcapil); a
program exclusive with one the household already receives; a second open
referral to the same program.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from slrt.common.permissions import regency_of
from slrt.extensions import db
from slrt.referrals.models import Program, Referral
from slrt.referrals.workflow import OPEN_STATUSES

# Registry flags that say the household already receives a program.
REGISTRY_FLAG_PROGRAMS = {"pkh": "PKH", "bpnt": "BPNT", "pbi": "PBI_DAFTAR"}


@dataclass
class Suggestion:
    program: Program
    suggested: bool  # fits the complaint category
    blocked: bool = False
    reasons: list[str] = field(default_factory=list)
    then: list[str] = field(default_factory=list)  # programs to go to first
    blockers: list[str] = field(default_factory=list)

    def block(self, reason: str) -> None:
        self.blocked = True
        self.blockers.append(reason)
        self.reasons.append(reason)


@dataclass
class RegistryFacts:
    checked: bool
    found: bool
    active: bool
    padan: bool | None
    decile: int | None
    receives: set[str]
    period: str


def registry_facts(case) -> RegistryFacts:
    check = case.latest_check
    if check is None or check.method == "none":
        return RegistryFacts(False, False, False, None, None, set(), "")
    r = check.result or {}
    flags = r.get("flags") or {}
    receives = {code for flag, code in REGISTRY_FLAG_PROGRAMS.items() if flags.get(flag)}
    return RegistryFacts(True, bool(check.found), bool(r.get("active", check.found)),
                         r.get("padan"), r.get("decile"), receives, check.period)


def age_on(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def evaluate(case, program: Program, today: date, *, open_codes: set[str] | None = None,
             facts: RegistryFacts | None = None) -> Suggestion:
    facts = facts or registry_facts(case)
    person = case.beneficiary
    s = Suggestion(program, suggested=case.category_code in (program.categories or []))
    if open_codes is None:
        open_codes = _open_program_codes(case)
    if program.code in open_codes:
        s.block(f"Sudah ada rujukan terbuka ke {program.name} untuk kasus ini.")
    need = program.registry_requirement
    if need == "wajib":
        if person.is_unidentified:
            s.block(f"{program.name} memerlukan keanggotaan DTKS/DTSEN; identitas warga "
                             "belum diketahui: tangani dulu identitasnya (Dukcapil).")
            s.then.append("DUKCAPIL")
        elif not facts.found or not facts.active:
            s.block(f"{program.name} memerlukan keanggotaan DTKS/DTSEN; warga ini tidak "
                             "terdaftar: usulkan pendaftaran DTKS terlebih dahulu.")
            s.then.append("USULAN_DTKS")
        elif facts.padan is False:
            s.block(f"{program.name} memerlukan NIK yang padan di Dukcapil; NIK warga "
                             "ini tidak padan: rujuk ke Dukcapil terlebih dahulu.")
            s.then.append("DUKCAPIL")
        else:
            s.reasons.append(f"{program.name} memerlukan DTKS/DTSEN: warga terdaftar "
                             f"(data {facts.period}).")
    elif need == "prioritas":
        if facts.found and facts.active:
            s.reasons.append("Anggota DTKS/DTSEN diprioritaskan: warga terdaftar.")
        else:
            s.reasons.append("Anggota DTKS/DTSEN diprioritaskan; warga tidak terdaftar, tetap "
                             "dapat dirujuk dan sebaiknya diusulkan masuk DTKS.")
    else:
        s.reasons.append(f"{program.name} tidak memerlukan DTKS/DTSEN.")
    # compared as the seeded catalog's codes: the registry's flags name "PKH" in every regency
    suffix = program.code.removeprefix(program.seeded_code)
    seeded = {c.removesuffix(suffix) if suffix else c for c in program.exclusive_with or []}
    delivered = {c.removesuffix(suffix) if suffix else c for c in _delivered_codes(case)}
    clash = sorted(seeded & (facts.receives | delivered))
    if clash:
        s.block(f"{program.name} tidak dapat diterima bersamaan dengan "
                         f"{', '.join(clash)} yang sudah diterima keluarga ini.")
    if program.min_age:
        age = age_on(person.birth_date, today)
        if age is None:
            s.reasons.append(f"Untuk usia {program.min_age} tahun ke atas; usia belum diketahui: "
                             "tentukan lewat asesmen.")
        elif age < program.min_age:
            s.reasons.append(f"Untuk usia {program.min_age} tahun ke atas; warga berusia "
                             f"{age} tahun.")
        else:
            s.reasons.append(f"Usia {age} tahun memenuhi batas {program.min_age} tahun ke atas.")
    if program.max_decile and facts.decile:
        if facts.decile > program.max_decile:
            s.reasons.append(f"Sasaran desil 1-{program.max_decile}; keluarga ini desil "
                             f"{facts.decile}.")
        else:
            s.reasons.append(f"Desil {facts.decile} termasuk sasaran (1-{program.max_decile}).")
    if program.eligibility_hint:
        s.reasons.append(program.eligibility_hint)
    return s


def _open_program_codes(case) -> set[str]:
    return {r.program_code for r in case.referrals if r.status in OPEN_STATUSES}


def _delivered_codes(case) -> set[str]:
    return {r.program_code for r in case.referrals if r.status == "tersalurkan"}


def suggest(case, today: date) -> list[Suggestion]:
    """Every active program evaluated for the case: the category's programs first."""
    programs = list(db.session.scalars(
        select(Program).where(Program.is_active,
                              Program.regency_code == regency_of(case.village_code))
        .order_by(Program.sort_order)))
    facts = registry_facts(case)
    open_codes = _open_program_codes(case)
    result = [evaluate(case, p, today, open_codes=open_codes, facts=facts) for p in programs]
    # When the category's own programs are blocked, point to what comes first.
    first = {code for s in result if s.suggested and s.blocked for code in s.then}
    if case.category_code == "nik_tidak_padan" or facts.padan is False:
        first.add("DUKCAPIL")
    for s in result:
        if s.program.seeded_code in first and not s.suggested:
            s.suggested = True
            s.reasons.insert(0, "Disarankan lebih dahulu agar program lain dapat diakses.")
    result.sort(key=lambda s: (not s.suggested, s.blocked, s.program.sort_order))
    return result


def open_referrals_of(case) -> list[Referral]:
    return [r for r in case.referrals if r.status in OPEN_STATUSES]
