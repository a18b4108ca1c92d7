"""Form base: WTForms' built-in messages in Indonesian, shared validators."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import ValidationError

from slrt.common.phone import normalise_phone
from slrt.common.time import today_wib

# WTForms ships no Indonesian catalog; these cover the messages our fields can show.
WTFORMS_ID = {
    "This field is required.": "Wajib diisi.",
    "Invalid input.": "Isian tidak sah.",
    "Not a valid choice.": "Pilihan tidak sah.",
    "Not a valid date value.": "Tanggal tidak sah. Gunakan format tanggal yang benar.",
    "Not a valid integer value.": "Harus berupa angka bulat.",
    "Not a valid datetime value.": "Tanggal dan waktu tidak sah.",
    "Invalid email address.": "Alamat e-mail tidak sah.",
    "Invalid Choice: could not coerce.": "Pilihan tidak sah.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Pilihan tidak sah.",
    "'%(value)s' is not a valid choice for this field.": "'%(value)s' bukan pilihan yang sah.",
    "Field cannot be longer than %(max)d character.":
        "Maksimal %(max)d karakter.",
    "Field cannot be longer than %(max)d characters.":
        "Maksimal %(max)d karakter.",
    "Field must be at least %(min)d character long.": "Minimal %(min)d karakter.",
    "Field must be at least %(min)d characters long.": "Minimal %(min)d karakter.",
    "Field must be between %(min)d and %(max)d characters long.":
        "Harus %(min)d sampai %(max)d karakter.",
    "Number must be at least %(min)s.": "Angka minimal %(min)s.",
    "Number must be at most %(max)s.": "Angka maksimal %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Angka harus antara %(min)s dan %(max)s.",
    "Invalid CSRF Token.": "Token keamanan formulir tidak sah. Muat ulang halaman.",
    "CSRF token missing.": "Token keamanan formulir hilang. Muat ulang halaman.",
    "CSRF token expired.": "Formulir kedaluwarsa. Muat ulang halaman.",
    "CSRF failed.": "Pemeriksaan keamanan formulir gagal. Muat ulang halaman.",
}


class IndonesianTranslations:
    def gettext(self, string):
        return WTFORMS_ID.get(string, string)

    def ngettext(self, singular, plural, n):
        return WTFORMS_ID.get(singular if n == 1 else plural, singular if n == 1 else plural)


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return IndonesianTranslations()


def not_in_future(form, field):
    if isinstance(field.data, date) and field.data > today_wib():
        raise ValidationError(_l("Tanggal tidak boleh di masa depan."))


def parsed_by(parse, errors, value=lambda parsed: parsed):
    """A validator that reads the field with parse() (kept as `field.parsed`)
    and stores value(parsed) as its data; the Indonesian message of an error
    parse() raises is shown at the field. An empty field is left alone."""
    def check(form, field):
        if field.data:
            try:
                field.parsed = parse(field.data)
            except errors as e:
                raise ValidationError(str(e)) from None
            field.data = value(field.parsed)
    return check


phone_number = parsed_by(normalise_phone, ValueError)


def fill(form, obj, *names: str) -> None:
    """Show obj's values in the form's fields of the same names (a form
    opened to edit or confirm what is stored)."""
    for name in names:
        form[name].data = getattr(obj, name)


def strip(value):
    """Trim a text field; NUL bytes (which PostgreSQL cannot store) are dropped."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value
