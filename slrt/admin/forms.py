"""The admin's settings forms (the user and program forms are in slrt/auth/forms.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField

from slrt.common.forms import Form, strip


class LetterheadForm(Form):
    """The letterhead's fields; slrt/admin/letterhead.py checks them and cleans the logo."""

    name = TextAreaField(_l("Nama instansi (satu baris kop per baris)"), filters=[strip],
                         render_kw={"rows": 3})
    address = StringField(_l("Alamat kantor"), filters=[strip])
    phone = StringField(_l("Telepon"), filters=[strip])
    logo = FileField(_l("Logo daerah: foto JPG atau PNG"),
                     render_kw={"accept": "image/jpeg,image/png"})
    remove_logo = BooleanField(_l("Hapus logo"))
    case_prefix = StringField(_l("Awalan nomor kasus"), filters=[strip],
                              render_kw={"maxlength": 5, "autocapitalize": "characters"})
