"""Region names of a file (provinsi, kabupaten/kota, kecamatan, desa/kelurahan)
resolved to Kemendagri codes, within the regencies the import may touch."""

from __future__ import annotations

import re
from collections.abc import Iterable

from slrt.dtks.importer.columns import NON_ALNUM, fold

_SPACES = re.compile(r"\s+")


_PREFIX_REGENCY = re.compile(
    r"^(KABUPATEN|KAB\.?|KOTA ADMINISTRASI|KOTA ADM\.?|KOTA)(?:\s+|(?<=\.))(?=\S)")
_PREFIX_DISTRICT = re.compile(r"^(KECAMATAN|KEC\.?)(?:\s+|(?<=\.))(?=\S)")
_PREFIX_VILLAGE = re.compile(r"^(DESA|DS\.?|KELURAHAN|KEL\.?)(?:\s+|(?<=\.))(?=\S)")
_PREFIX_PROVINCE = re.compile(r"^(PROVINSI|PROV\.?)(?:\s+|(?<=\.))(?=\S)")


def _compact(text: str) -> str:
    return NON_ALNUM.sub("", text)


def _split_prefix(raw: str, pattern: re.Pattern) -> tuple[str | None, str, str]:
    """('KAB', 'BATANGHARI', 'KABBATANGHARI') for 'kab. batang hari'."""
    text = _SPACES.sub(" ", fold(raw)).strip()
    m = pattern.match(text)
    whole = _compact(text)
    if not m:
        return None, whole, whole
    return m.group(1).rstrip("."), _compact(text[m.end():]), whole


class _Unresolved(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class Regions:
    """Resolve (provinsi, kabupaten/kota, kecamatan, desa/kelurahan) names to a
    village code, within the regencies the import may touch. Names compare
    without case, spaces, punctuation or the Kabupaten/Kota prefix: "BATANG
    HARI" is Kabupaten Batanghari, "SRI DADI" is Sridadi. Anything else is an
    error, never a guess."""

    def __init__(self, rows: Iterable[tuple[str, str, str, str | None]], scope: str | None,
                 choices: dict[str, str] | None = None):
        self.scope = scope
        # What the supervisor said an ambiguous name means, for this file:
        # choice_key(district, name) -> village code.
        self.choices = dict(choices or {})
        self.names: dict[str, str] = {}
        self.levels: dict[str, str] = {}
        self.provinces: dict[str, list[str]] = {}
        self.regencies: dict[str, list[str]] = {}
        self.children: dict[tuple[str, str], list[str]] = {}
        self.with_villages: set[str] = set()
        for code, name, level, parent in rows:
            self.names[code] = name
            self.levels[code] = level
            if level == "provinsi":
                self.provinces.setdefault(_compact(fold(name)), []).append(code)
            elif level in ("kabupaten", "kota"):
                bare = re.sub(r"^(Kabupaten|Kota)\s+", "", name)
                self.regencies.setdefault(_compact(fold(bare)), []).append(code)
            elif parent:
                self.children.setdefault((parent, _compact(fold(name))), []).append(code)
                if level in ("desa", "kelurahan"):
                    self.with_villages.add(code[:5])
        self.cache: dict[tuple, tuple[str | None, str | None, str | None]] = {}
        self.scope_label = self.label(scope) if scope else ""

    def in_scope(self, code: str) -> bool:
        return not self.scope or code == self.scope or code.startswith(self.scope + ".")

    def label(self, code: str) -> str:
        name = self.names.get(code, code)
        level = self.levels.get(code)
        if level in ("kecamatan", "desa", "kelurahan", "provinsi"):
            return f"{level.capitalize()} {name}"
        return name

    def resolve(self, prov: str, kab: str, kec: str, desa: str):
        """(village code, None, None) or (None, field, message)."""
        key = (prov, kab, kec, desa)
        hit = self.cache.get(key)
        if hit is None:
            hit = self._resolve(prov, kab, kec, desa)
            if len(self.cache) < 200_000:
                self.cache[key] = hit
        return hit

    def _resolve(self, prov: str, kab: str, kec: str, desa: str):
        try:
            prov_code = self._province(prov) if prov.strip() else None
            regency = self._regency(kab, prov_code)
            district = self._district(regency, kec)
            return self._village(regency, district, desa), None, None
        except _Unresolved as e:
            return None, e.field, e.message

    def _province(self, prov: str) -> str:
        _, bare, whole = _split_prefix(prov, _PREFIX_PROVINCE)
        codes = self.provinces.get(bare) or self.provinces.get(whole) or []
        if len(codes) != 1:
            raise _Unresolved("province", f'Provinsi "{prov.strip()}" tidak dikenal.')
        return codes[0]

    def _regency_candidates(self, kab: str, prov_code: str | None) -> list[str]:
        prefix, bare, whole = _split_prefix(kab, _PREFIX_REGENCY)
        codes = self.regencies.get(bare, [])
        if prefix is not None:
            want = "kota" if prefix.startswith("KOTA") else "kabupaten"
            codes = [c for c in codes if self.levels[c] == want]
            if not codes:  # "KOTA BARU" may be the Kabupaten Kotabaru
                codes = self.regencies.get(whole, [])
        if prov_code is not None:
            inside = [c for c in codes if c.startswith(prov_code + ".")]
            if codes and not inside:
                names = ", ".join(self.names[c] for c in codes)
                raise _Unresolved("regency", (
                    f'Kabupaten/kota "{kab.strip()}" ({names}) tidak berada di '
                    f"{self.label(prov_code)}."))
            codes = inside
        if len(codes) > 1:
            codes = [c for c in codes if self.in_scope(c)] or codes
        return codes

    def _regency(self, kab: str, prov_code: str | None) -> str:
        if not kab.strip():
            raise _Unresolved("regency", "KABUPATEN/KOTA kosong.")
        codes = self._regency_candidates(kab, prov_code)
        if not codes:
            raise _Unresolved("regency", f'Kabupaten/kota "{kab.strip()}" tidak dikenal.')
        if len(codes) > 1:
            names = " atau ".join(self.names[c] for c in codes)
            raise _Unresolved("regency", (
                f'Kabupaten/kota "{kab.strip()}" bisa berarti {names}; tulis lengkap dengan '
                "awalan Kabupaten atau Kota."))
        regency = codes[0]
        if not self.in_scope(regency):
            raise _Unresolved("regency", (
                f'Desa/kelurahan ini berada di {self.names[regency]} ("{kab.strip()}"), di luar '
                f"wilayah {self.scope_label} yang dilayani aplikasi ini."))
        return regency

    def _district(self, regency: str, kec: str) -> str:
        if not kec.strip():
            raise _Unresolved("district", "KECAMATAN kosong.")
        _, bare, whole = _split_prefix(kec, _PREFIX_DISTRICT)
        codes = self.children.get((regency, bare)) or self.children.get((regency, whole)) or []
        if len(codes) != 1:
            raise _Unresolved("district", (
                f'Kecamatan "{kec.strip()}" tidak ditemukan di {self.names[regency]}.'))
        return codes[0]

    def _village(self, regency: str, district: str, desa: str) -> str:
        if regency not in self.with_villages:
            raise _Unresolved("village", (
                f"Data desa/kelurahan {self.names[regency]} belum dimuat di aplikasi; jalankan "
                f"lebih dulu: flask regions load --kabupaten {regency}"))
        if not desa.strip():
            raise _Unresolved("village", "DESA/KELURAHAN kosong.")
        prefix, bare, whole = _split_prefix(desa, _PREFIX_VILLAGE)
        codes = self.children.get((district, bare)) or self.children.get((district, whole)) or []
        if not codes:
            raise _Unresolved("village", (
                f'Desa/kelurahan "{desa.strip()}" tidak ditemukan di {self.label(district)}, '
                f"{self.names[regency]}."))
        if len(codes) > 1 and prefix is not None:  # "KELURAHAN TERUSAN" / "DESA TERUSAN"
            level = "kelurahan" if prefix.startswith("KEL") else "desa"
            codes = [c for c in codes if self.levels[c] == level] or codes
        if len(codes) > 1 and self.choices.get(choice_key(district, desa)) in codes:
            return self.choices[choice_key(district, desa)]
        if len(codes) > 1:
            which = " dan ".join(f"{self.label(c)} ({c})" for c in codes)
            raise _Unresolved("village", (
                f'Nama "{desa.strip()}" dipakai oleh {which} di {self.label(district)}; '
                "tidak dapat dipastikan. Tulis dengan awalan, mis. DESA atau KELURAHAN, atau "
                "pilih desa yang dimaksud saat mengunggah berkas."))
        return codes[0]

    def ambiguous(self) -> list[tuple[str, str, list[str]]]:
        """The names two villages of one district share, within the scope:
        (district code, the name as the regions table writes it, the codes)."""
        out = []
        for (district, _bare), codes in sorted(self.children.items()):
            if len(codes) > 1 and self.levels.get(codes[0]) in ("desa", "kelurahan") \
                    and self.in_scope(district):
                out.append((district, self.names[codes[0]], sorted(codes)))
        return out


def choice_key(district: str, name: str) -> str:
    """The key of a choice: the district and the name without its prefix, case,
    spaces or punctuation ("15.04.08|TERUSAN")."""
    _prefix, bare, _whole = _split_prefix(name, _PREFIX_VILLAGE)
    return f"{district}|{bare}"
