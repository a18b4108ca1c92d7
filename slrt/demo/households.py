"""The households of the demo registry (slrt.demo.registry): how many people
each holds, and who they are (relationship to the head, sex, age, name, the
mother's name), in family-card order."""

from __future__ import annotations

import random
from collections.abc import Callable

from slrt.demo.names import COMPOUND_FIRST, given_name

MAX_AGE = 95.0  # nobody older: see the century rule in slrt.demo.registry
_SIBLING_GAP = 1.3  # years, at least, between siblings who are not twins
_OTHER_ORDER = ("Anak", "Menantu", "Cucu", "Orang Tua", "Famili Lain")


def household_sizes(rng: random.Random, people: int, households: int) -> list[int]:
    """`households` sizes in 1..9 that sum to exactly `people`."""
    if not households <= people <= 9 * households:
        raise ValueError(f"cannot split {people} people into {households} households")
    # 1 + Binomial(8, p) with the right mean, then nudge to the exact total.
    p = (people / households - 1.0) / 8.0
    pmf = []
    for k in range(9):
        c = 1
        for j in range(k):
            c = c * (8 - j) // (j + 1)
        pmf.append(c * p**k * (1 - p) ** (8 - k))
    sizes = rng.choices(range(1, 10), weights=pmf, k=households)
    diff = people - sum(sizes)
    while diff:
        i = rng.randrange(households)
        if diff > 0 and sizes[i] < 9:
            sizes[i] += 1
            diff -= 1
        elif diff < 0 and sizes[i] > 1:
            sizes[i] -= 1
            diff += 1
    return sizes


def members(rng: random.Random, size: int, javanese: bool,
            pick_name: Callable[[str, float, bool], str]) -> list[list]:
    """One household as [relationship, sex, age, name, mother_name], head first.

    Ages are in years (float); mother_name None means "make one up";
    pick_name(sex, age, javanese) names someone.
    """
    married = size >= 2 and rng.random() < 0.84
    others = size - 1 - (1 if married else 0)

    # Decide the other members first: they constrain the head's age.
    kinds: list[str] = []
    for _ in range(others):
        r = rng.random()
        if r < 0.06:
            kinds.append("Orang Tua")
        elif r < 0.14:
            kinds.append("Cucu")
        elif r < 0.17:
            kinds.append("Famili Lain")
        elif r < 0.19:
            kinds.append("Menantu")
        else:
            kinds.append("Anak")
    if "Menantu" in kinds:  # at most one, and only next to a grown child
        kinds = ["Anak" if k == "Menantu" else k for k in kinds]
        if kinds.count("Anak") >= 2:
            kinds[-1 - kinds[::-1].index("Anak")] = "Menantu"
    n_children = kinds.count("Anak")
    has_grandchild = "Cucu" in kinds or "Menantu" in kinds
    has_parent = "Orang Tua" in kinds
    need = 19.0 + 1.5 * n_children  # mother 18+ at first birth, then ~1.5 years apart

    # Head and spouse.
    if size == 1:
        if rng.random() < 0.6:  # widows and widowers living alone
            head_age = rng.uniform(55.0, 85.0)
            head_sex = "P" if rng.random() < 0.6 else "L"
        else:
            head_age = rng.uniform(20.0, 50.0)
            head_sex = "P" if rng.random() < 0.35 else "L"
    else:
        head_age = rng.triangular(21.0, 85.0, 40.0)
        if married:
            head_sex = "P" if rng.random() < 0.02 else "L"
        else:
            head_sex = "P" if rng.random() < 0.7 else "L"
    if has_grandchild and has_parent:
        head_age = rng.uniform(46.0, 58.0)
    elif has_grandchild:
        head_age = max(head_age, rng.uniform(46.0, 72.0))
    elif has_parent:
        head_age = min(head_age, rng.uniform(22.0, 58.0))

    if married:
        gap = max(-3.0, min(10.0, rng.gauss(4.0, 3.5)))  # husband older by `gap`
        if head_sex == "L":
            husband_age, wife_age = head_age, head_age - gap
        else:
            wife_age, husband_age = head_age, head_age + gap
        floor = need if n_children else 20.0
        if min(wife_age, husband_age) < floor:
            shift = floor - min(wife_age, husband_age) + rng.uniform(0.0, 6.0)
            wife_age += shift
            husband_age += shift
        if max(wife_age, husband_age) > 85.0:
            shift = max(wife_age, husband_age) - 85.0
            wife_age -= shift
            husband_age -= shift
        head_age = husband_age if head_sex == "L" else wife_age
        mother_age = wife_age
    else:
        if n_children and head_age < need:
            head_age = need + rng.uniform(0.0, 6.0)
        head_age = max(20.0, min(85.0, head_age))
        if head_sex == "P":
            mother_age = head_age
        else:
            mother_age = max(need, head_age - rng.uniform(0.0, 8.0))
        husband_age = wife_age = head_age

    head_name = pick_name(head_sex, head_age, javanese)
    members: list[list] = [["Kepala Keluarga", head_sex, head_age, head_name, None]]
    wife_name = head_name if head_sex == "P" else None
    father_name = head_name if head_sex == "L" else None
    if married:
        if head_sex == "L":
            wife_name = pick_name("P", wife_age, javanese)
            members.append(["Istri", "P", wife_age, wife_name, None])
        else:
            father_name = pick_name("L", husband_age, javanese)
            members.append(["Suami", "L", husband_age, father_name, None])
    # The children's mother; made up when she is not in the household.
    mother_name = wife_name or pick_name("P", mother_age, javanese)

    # Children: born while the mother was 18-45 and at least 17 years after
    # both parents, about 1.3+ years apart (now and then twins); grown
    # children living at home get rarer with age.
    if n_children:
        youngest_parent = min(wife_age, husband_age, head_age, mother_age)
        span = _SIBLING_GAP * (n_children - 1)
        lo = max(0.0, mother_age - 45.0)
        hi = min(youngest_parent - 17.2, max(lo + span + 1.0, rng.uniform(18.0, 40.0)))
        base = sorted(rng.uniform(lo, hi - span) for _ in range(n_children))
        ages = [age + _SIBLING_GAP * i for i, age in enumerate(base)]
        if n_children >= 2 and rng.random() < 0.03:
            ages[1] = ages[0]  # twins
        ages.reverse()  # the oldest first, as on the family card
        # Siblings often share a pattern: the father's last name, or Saputra/Saputri.
        suffix = None
        style = rng.random()
        if style < 0.2 and father_name and " " in father_name:
            last = father_name.split()[-1]
            if last not in COMPOUND_FIRST and not last.endswith("."):
                suffix = last
        elif style < 0.35:
            suffix = ""
        used = {m[3] for m in members}
        for age in ages:
            sex = "L" if rng.random() < 0.51 else "P"
            for _ in range(6):  # siblings do not share a name
                name = pick_name(sex, age, javanese)
                if suffix is not None:
                    given = given_name(name)
                    tail = suffix or ("Saputra" if sex == "L" else "Saputri")
                    if not given.endswith(tail):
                        name = f"{given} {tail}"
                if name not in used:
                    break
            used.add(name)
            members.append(["Anak", sex, age, name, mother_name])

    # Other members, in family-card order: a son- or daughter-in-law (married
    # to the oldest child), grandchildren, parents, other relatives.
    children = members[-n_children:] if n_children else []
    couple = None  # (oldest child, in-law) when a young couple lives here
    for kind in sorted(kinds, key=_OTHER_ORDER.index):
        if kind == "Anak":
            continue
        if kind == "Menantu" and (not children or children[0][2] < 19.0):
            kind = "Famili Lain"
        if kind == "Cucu" and head_age < 40.0:
            kind = "Famili Lain"
        if kind == "Orang Tua" and head_age > MAX_AGE - 18.5:
            kind = "Famili Lain"
        if kind == "Menantu":
            partner = children[0]
            age = max(19.0, min(partner[2] + rng.uniform(-4.0, 6.0), head_age - 18.0))
            sex = "P" if partner[1] == "L" else "L"
            in_law = [kind, sex, age, pick_name(sex, age, javanese), None]
            members.append(in_law)
            couple = (partner, in_law)
        elif kind == "Cucu":
            top = min(18.0, head_age - 36.5)
            mother = None
            if couple is not None:  # the young couple's child
                top = min(top, couple[0][2] - 18.0, couple[1][2] - 18.0)
                mother = couple[0][3] if couple[0][1] == "P" else couple[1][3]
            age = rng.triangular(0.0, max(top, 0.5), 0.0)  # mostly small children
            if mother is None:  # a daughter's child, or of a child living elsewhere
                mother = next(
                    (c[3] for c in children if c[1] == "P" and c[2] >= age + 18.0), None
                )
            if mother is None:  # a mother living elsewhere: not named like anyone here
                names = {m[3] for m in members}
                for _ in range(6):
                    mother = pick_name("P", age + 25.0, javanese)
                    if mother not in names:
                        break
            sex = "L" if rng.random() < 0.51 else "P"
            members.append([kind, sex, age, pick_name(sex, age, javanese), mother])
        elif kind == "Orang Tua":
            age = min(MAX_AGE, head_age + rng.uniform(18.5, 34.0))
            sex = "P" if rng.random() < 0.75 else "L"
            rel = "Mertua" if married and rng.random() < 0.35 else "Orang Tua"
            members.append([rel, sex, age, pick_name(sex, age, javanese), None])
        else:  # Famili Lain: nephews, nieces, siblings
            age = rng.uniform(3.0, min(70.0, head_age + 10.0))
            sex = "L" if rng.random() < 0.5 else "P"
            members.append([kind, sex, age, pick_name(sex, age, javanese), None])
    return members
