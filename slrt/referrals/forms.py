from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from slrt.common.forms import Form, strip
from slrt.referrals.aid import AID_ITEMS, COMPOSITION_LABELS

MAX_TEXT = 4000


class ReferForm(Form):
    reason = TextAreaField(_l("Alasan rujukan dan kebutuhan warga"), filters=[strip], validators=[
        InputRequired(message=_l("Tuliskan alasan rujukan dan kebutuhan warga.")),
        Length(max=MAX_TEXT)])


class MoveForm(Form):
    action = HiddenField()
    version = HiddenField()
    reason = TextAreaField(_l("Keterangan"), filters=[strip], validators=[Length(max=MAX_TEXT)])
    target_program = SelectField(_l("Program tujuan"), validators=[Optional()],
                                 validate_choice=False)


class AssignForm(Form):
    version = HiddenField()
    assignee = SelectField(_l("Petugas"), validators=[Optional()], validate_choice=False)


def _count_field(label):
    return IntegerField(label, default=0, validators=[
        Optional(), NumberRange(min=0, max=50, message=_l("Antara 0 dan 50."))])


def _qty_field(label):
    return IntegerField(label, default=0, validators=[
        Optional(), NumberRange(min=0, max=500, message=_l("Antara 0 dan 500."))])


class CompositionForm(Form):
    pass


for _key, _label in COMPOSITION_LABELS.items():
    setattr(CompositionForm, f"c_{_key}", _count_field(_label))


class HandoverForm(CompositionForm):
    recipient_name = StringField(_l("Nama penerima barang"), filters=[strip], validators=[
        InputRequired(message=_l("Nama penerima barang wajib diisi.")), Length(max=120)])
    notes = TextAreaField(_l("Catatan"), filters=[strip], validators=[Length(max=MAX_TEXT)])
    # Ticked when the page is first shown (the handler unticks it when goods are still to
    # come): the handover also marks the aid delivered.
    deliver = BooleanField(_l("Tandai bantuan sudah disalurkan (rujukan selesai)"),
                           default=True)
    step = HiddenField()


for _code, _name, _unit in AID_ITEMS:
    # Worded when the form is shown, in the language of the request.
    setattr(HandoverForm, f"q_{_code}", _qty_field(LazyString("{} ({})".format, _name, _unit)))
