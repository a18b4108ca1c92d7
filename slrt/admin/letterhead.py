"""The regency's letterhead (kop surat) on the printed pages: the case receipt,
the referral letter, the aid handover record. Each regency of the
installation has its own, set by its admin, printed on the pages of its
cases and referrals.

The admin sets the office's name (one line per row of the letterhead, e.g.
"PEMERINTAH KABUPATEN BATANG HARI" then "DINAS SOSIAL"), its address, its
phone and a logo. The words are settings (app_settings, under the regency's
keys: "15.04/kop.nama"); the logo is cleaned
like a visit photo (slrt/common/images.py: no EXIF, made small) and kept in
the file store under "letterhead/". Without a name the printed pages keep
their own header. Services flush, never commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _

from slrt.common.errors import DomainError
from slrt.common.images import clean_photo
from slrt.common.models import get_setting, regency_key, set_setting
from slrt.common.permissions import can, regency_scope
from slrt.extensions import db
from slrt.platform import storage

NAME, ADDRESS, PHONE, LOGO = "kop.nama", "kop.alamat", "kop.telepon", "kop.logo"
NAMESPACE = "letterhead"
MAX_LINES, LINE_MAX, ADDRESS_MAX, PHONE_MAX = 4, 90, 200, 60
LOGO_MAX_BYTES_IN = 5 * 1024 * 1024  # what is uploaded
LOGO_MAX_SIDE, LOGO_MAX_BYTES = 600, 150 * 1024  # what is kept


@dataclass(frozen=True)
class Letterhead:
    name_lines: tuple[str, ...]
    address: str = ""
    phone: str = ""
    logo_key: str = ""
    regency: str = ""

    @property
    def name(self) -> str:
        return "\n".join(self.name_lines)

    @property
    def logo_version(self) -> str:
        """Changes with the logo, so a browser never prints an old one."""
        return self.logo_key.rpartition("/")[2].partition(".")[0][:8]


def _settings(regency: str) -> dict[str, str]:
    from slrt.common.models import AppSetting

    keys = {regency_key(regency, key): key for key in (NAME, ADDRESS, PHONE, LOGO)}
    rows = db.session.scalars(db.select(AppSetting).where(AppSetting.key.in_(keys)))
    return {keys[row.key]: row.value for row in rows}


def current(regency: str) -> Letterhead | None:
    """The regency's letterhead; None while no office name is set (the printed
    pages then show their own header, with the regency's name)."""
    values = _settings(regency)
    lines = tuple(line for line in (values.get(NAME) or "").splitlines() if line.strip())
    if not lines:
        return None
    return Letterhead(lines, values.get(ADDRESS, ""), values.get(PHONE, ""),
                      values.get(LOGO, ""), regency)


def form_values(regency: str) -> dict[str, str]:
    """What the settings page shows in its fields."""
    values = _settings(regency)
    return {"name": values.get(NAME, ""), "address": values.get(ADDRESS, ""),
            "phone": values.get(PHONE, ""), "logo_key": values.get(LOGO, "")}


def _one_line(text: str) -> str:
    return " ".join((text or "").replace("\x00", "").split())


def save(actor, *, name: str, address: str, phone: str, logo: bytes | None = None,
         remove_logo: bool = False) -> Letterhead | None:
    """Set the letterhead of the admin's regency. Every field is checked, and
    the logo cleaned, before anything is written. An empty name removes the
    letterhead (and its logo)."""
    if not can(actor, "settings.letterhead"):
        raise DomainError(_("Hanya admin yang dapat mengubah kop surat."))
    regency = actor.regency_code
    lines = [_one_line(line) for line in (name or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > MAX_LINES:
        raise DomainError(_("Nama instansi paling banyak %(n)s baris.", n=MAX_LINES), "name")
    if any(len(line) > LINE_MAX for line in lines):
        raise DomainError(_("Satu baris nama instansi paling banyak %(n)s karakter.",
                            n=LINE_MAX), "name")
    address, phone = _one_line(address), _one_line(phone)
    if len(address) > ADDRESS_MAX:
        raise DomainError(_("Alamat paling banyak %(n)s karakter.", n=ADDRESS_MAX), "address")
    if len(phone) > PHONE_MAX:
        raise DomainError(_("Telepon paling banyak %(n)s karakter.", n=PHONE_MAX), "phone")
    if (address or phone or logo) and not lines:
        raise DomainError(_("Isi nama instansi untuk kop surat."), "name")
    cleaned = None
    if logo:
        if len(logo) > LOGO_MAX_BYTES_IN:
            raise DomainError(_("Berkas logo terlalu besar; paling besar %(n)s MB.",
                                n=LOGO_MAX_BYTES_IN // (1024 * 1024)), "logo")
        cleaned = clean_photo(logo, "logo", max_side=LOGO_MAX_SIDE, max_bytes=LOGO_MAX_BYTES)
    old_key = get_setting(regency_key(regency, LOGO), "") or ""
    key = old_key
    if cleaned is not None:
        key = f"{NAMESPACE}/{secrets.token_hex(16)}.jpg"
        storage.put(key, cleaned, "image/jpeg")
    elif remove_logo or not lines:
        key = ""
    if old_key and key != old_key:
        storage.delete(old_key)
    set_setting(regency_key(regency, NAME), "\n".join(lines))
    set_setting(regency_key(regency, ADDRESS), address)
    set_setting(regency_key(regency, PHONE), phone)
    set_setting(regency_key(regency, LOGO), key)
    db.session.flush()
    return current(regency)


def logo_key(user, regency: str | None = None) -> str:
    """The store key of the logo of a regency the user reaches (default: his
    own); "" when there is none or the regency is not his."""
    regency = regency or getattr(user, "regency_code", None)
    if not regency or regency not in regency_scope(user):
        return ""
    return get_setting(regency_key(regency, LOGO), "") or ""
