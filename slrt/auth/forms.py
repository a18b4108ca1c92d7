from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from slrt.auth.models import ROLES
from slrt.common.forms import Form, phone_number, strip


class LoginForm(Form):
    username = StringField(_l("Nama pengguna"), filters=[strip], validators=[
        InputRequired(message=_l("Isi nama pengguna.")), Length(max=64)])
    password = PasswordField(_l("Kata sandi"), validators=[
        InputRequired(message=_l("Isi kata sandi.")), Length(max=1024)])


class ChangePasswordForm(Form):
    current = PasswordField(_l("Kata sandi sekarang"), validators=[
        InputRequired(message=_l("Isi kata sandi sekarang.")), Length(max=1024)])
    new = PasswordField(_l("Kata sandi baru (minimal 8 karakter; boleh berupa kalimat)"),
                        validators=[InputRequired(message=_l("Isi kata sandi baru.")),
                                    Length(max=1024)])
    repeat = PasswordField(_l("Ulangi kata sandi baru"), validators=[
        InputRequired(message=_l("Ulangi kata sandi baru.")), Length(max=1024)])


class UserForm(Form):
    username = StringField(_l("Nama pengguna"), filters=[strip], validators=[
        InputRequired(message=_l("Isi nama pengguna.")), Length(max=64)])
    full_name = StringField(_l("Nama lengkap"), filters=[strip], validators=[Length(max=120)])
    role = SelectField(_l("Peran"), choices=list(ROLES.items()))
    villages = SelectMultipleField(_l("Desa tugas (operator: satu; fasilitator: satu atau lebih)"),
                                   validate_choice=False)
    programs = SelectMultipleField(_l("Program (petugas program)"), validate_choice=False)
    email = StringField(_l("E-mail"), filters=[strip], validators=[
        Optional(), Email(message=_l("Alamat e-mail tidak sah.")), Length(max=254)])
    phone = StringField(_l("Nomor HP"), filters=[strip], validators=[Length(max=20), phone_number])
    password = PasswordField(_l("Kata sandi baru (kosongkan bila tidak diubah)"),
                             validators=[Optional(), Length(min=8, max=1024, message=_l(
                                 "Kata sandi minimal 8 karakter."))])
    is_active = BooleanField(_l("Aktif"), default=True)


class ProgramForm(Form):
    name = StringField(_l("Nama program"), filters=[strip], validators=[
        InputRequired(message=_l("Nama program wajib diisi.")), Length(max=160)])
    unit = StringField(_l("Unit penanganan (bidang/seksi)"), filters=[strip], validators=[
        InputRequired(message=_l("Unit wajib diisi.")), Length(max=160)])
    registry_requirement = SelectField(_l("Syarat DTKS/DTSEN"), choices=[
        ("wajib", _l("Wajib terdaftar")), ("prioritas", _l("Anggota diprioritaskan")),
        ("tidak_perlu", _l("Tidak memerlukan DTKS"))])
    service_days = IntegerField(_l("Waktu layanan (hari kerja)"), validators=[
        InputRequired(message=_l("Isi waktu layanan.")),
        NumberRange(min=1, max=365, message=_l("Antara 1 dan 365 hari kerja."))])
    eligibility_hint = TextAreaField(_l("Petunjuk kelayakan"), filters=[strip],
                                     validators=[Length(max=2000)])
    documents = TextAreaField(_l("Dokumen yang diperlukan (satu per baris)"), filters=[strip],
                              validators=[Length(max=2000)])
    categories = SelectMultipleField(_l("Kategori pengaduan yang dilayani"), validate_choice=False)
    exclusive_with = SelectMultipleField(_l("Tidak dapat bersamaan dengan"),
                                         validate_choice=False)
    min_age = IntegerField(_l("Usia minimal (tahun)"), validators=[
        Optional(), NumberRange(min=0, max=120, message=_l("Antara 0 dan 120."))])
    max_decile = IntegerField(_l("Desil maksimal sasaran"), validators=[
        Optional(), NumberRange(min=1, max=10, message=_l("Antara 1 dan 10."))])
    is_active = BooleanField(_l("Aktif"))
