from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional

from slrt.auth.models import ROLES
from slrt.common.forms import Form, phone_number, strip


class LoginForm(Form):
    username = StringField(_l("Nama pengguna"), filters=[strip], validators=[
        InputRequired(message=_l("Isi nama pengguna.")), Length(max=64)])
    password = PasswordField(_l("Kata sandi"), validators=[
        InputRequired(message=_l("Isi kata sandi.")), Length(max=1024)])


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
