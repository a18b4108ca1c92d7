from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from slrt.cases.attachments import ATTACHMENT_MAX_MB, CAPTION_MAX
from slrt.cases.models import ATTACHMENT_KINDS, CHANNELS, DESK_OUTCOMES, SEXES, URGENCIES
from slrt.cases.services import ComplaintInput, PersonInput
from slrt.cases.workflow import CASE_FLOW
from slrt.common.forms import Form, not_in_future, parsed_by, phone_number, strip
from slrt.identity import InvalidKk, InvalidNik, parse_kk, parse_nik

MAX_TEXT = 4000


valid_nik = parsed_by(parse_nik, InvalidNik, lambda nik: nik.nik)  # field.parsed: the NIK's facts
valid_kk = parsed_by(parse_kk, InvalidKk, lambda kk: kk.no_kk)


def plausible_date(form, field):
    if field.data and not (1900 <= field.data.year <= 2100):
        raise ValidationError(_l("Tahun harus antara 1900 dan 2100."))


RT_RW = Regexp(r"^\d{0,3}$", message=_l("RT/RW berupa angka, maksimal 3 digit."))


class LookupForm(Form):
    nik = StringField(_l("NIK"), filters=[strip], validators=[Optional(), valid_nik])
    name = StringField(_l("Nama"), filters=[strip],
                       validators=[Optional(), Length(min=3, max=120)])
    village_code = SelectField(_l("Desa/Kelurahan"), validators=[Optional()], validate_choice=False)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and not self.nik.data and not self.name.data:
            self.nik.errors.append(_l("Isi NIK, atau nama beserta desanya."))
            return False
        return ok


class CaseForm(Form):
    # Beneficiary (penerima manfaat)
    is_unidentified = BooleanField(_l("Identitas tidak diketahui"))
    identifying_notes = TextAreaField(_l("Ciri-ciri / keterangan orang tanpa identitas"),
                                      filters=[strip], validators=[Length(max=MAX_TEXT)])
    nik = StringField(_l("NIK"), filters=[strip], validators=[Optional(), valid_nik])
    no_kk = StringField(_l("Nomor KK"), filters=[strip], validators=[Optional(), valid_kk])
    name = StringField(_l("Nama lengkap"), filters=[strip], validators=[Length(max=120)])
    birth_place = StringField(_l("Tempat lahir"), filters=[strip], validators=[Length(max=80)])
    birth_date = DateField(_l("Tanggal lahir"), validators=[Optional(), not_in_future])
    sex = SelectField(_l("Jenis kelamin"), choices=[("", "-")] + list(SEXES.items()),
                      validators=[Optional()])
    address = StringField(_l("Alamat"), filters=[strip], validators=[Length(max=200)])
    dusun = StringField(_l("Dusun/Lingkungan"), filters=[strip], validators=[Length(max=60)])
    rt = StringField(_l("RT"), filters=[strip], validators=[RT_RW])
    rw = StringField(_l("RW"), filters=[strip], validators=[RT_RW])
    phone = StringField(_l("Nomor HP"), filters=[strip], validators=[Length(max=20), phone_number])
    household_size = IntegerField(_l("Jumlah anggota keluarga"), validators=[
        Optional(), NumberRange(min=1, max=30, message=_l("Antara 1 dan 30."))])
    children_count = IntegerField(_l("Jumlah anak (di bawah 18 tahun)"), validators=[
        Optional(), NumberRange(min=0, max=30, message=_l("Antara 0 dan 30."))])
    elderly_count = IntegerField(_l("Jumlah lansia (60 tahun ke atas)"), validators=[
        Optional(), NumberRange(min=0, max=30, message=_l("Antara 0 dan 30."))])
    disabled_count = IntegerField(_l("Jumlah penyandang disabilitas"), validators=[
        Optional(), NumberRange(min=0, max=30, message=_l("Antara 0 dan 30."))])

    # Reporter (pelapor)
    reporter_is_beneficiary = RadioField(
        _l("Pelapor"), choices=[("ya", _l("Penerima manfaat sendiri")),
                                ("tidak", _l("Orang lain (keluarga, aparat desa, tetangga)"))],
        default="ya")
    reporter_name = StringField(_l("Nama pelapor"), filters=[strip], validators=[Length(max=120)])
    reporter_relation = StringField(_l("Hubungan / jabatan pelapor"), filters=[strip],
                                    validators=[Length(max=80)])
    reporter_phone = StringField(_l("Nomor HP pelapor"), filters=[strip],
                                 validators=[Length(max=20), phone_number])

    # Complaint
    village_code = SelectField(_l("Desa/Kelurahan"), validators=[
        InputRequired(message=_l("Pilih desa/kelurahan."))])
    category_code = SelectField(_l("Kategori pengaduan"), validators=[
        InputRequired(message=_l("Pilih kategori pengaduan."))])
    channel = SelectField(_l("Saluran"), choices=list(CHANNELS.items()),
                          default="datang_langsung")
    urgency = SelectField(_l("Urgensi"), choices=list(URGENCIES.items()), default="biasa")
    incident_date = DateField(_l("Tanggal kejadian (bila ada)"),
                              validators=[Optional(), not_in_future])
    description = TextAreaField(_l("Uraian pengaduan dan kebutuhan"), filters=[strip], validators=[
        InputRequired(message=_l("Uraian pengaduan wajib diisi.")),
        Length(max=MAX_TEXT)])

    registry_record_id = HiddenField()
    allow_duplicate = HiddenField()

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        unidentified = self.is_unidentified.data
        if not unidentified and not self.name.data:
            self.name.errors.append(_l("Nama penerima manfaat wajib diisi."))
            ok = False
        if unidentified and self.nik.data:
            self.nik.errors.append(_l("Kosongkan NIK bila identitas tidak diketahui."))
            ok = False
        if unidentified and not self.identifying_notes.data:
            self.identifying_notes.errors.append(
                _l("Tuliskan ciri-ciri dan tempat ditemukan agar orang ini dapat dikenali."))
            ok = False
        if self.reporter_is_beneficiary.data == "tidak" and not self.reporter_name.data:
            self.reporter_name.errors.append(_l("Nama pelapor wajib diisi."))
            ok = False
        if unidentified and self.reporter_is_beneficiary.data == "ya":
            self.reporter_is_beneficiary.errors.append(
                _l("Orang tanpa identitas tidak melapor sendiri: isi data pelapor."))
            ok = False
        size = self.household_size.data
        if size is not None and not self.household_size.errors:
            members = (self.children_count.data or 0) + (self.elderly_count.data or 0)
            if members > size:
                self.household_size.errors.append(
                    _l("Jumlah anak dan lansia melebihi jumlah anggota keluarga."))
                ok = False
            if (self.disabled_count.data or 0) > size:
                self.disabled_count.errors.append(
                    _l("Jumlah penyandang disabilitas melebihi jumlah anggota keluarga."))
                ok = False
        if self.nik.data and getattr(self.nik, "parsed", None):
            parsed = self.nik.parsed
            if not self.birth_date.data and not self.birth_date.errors:
                self.birth_date.data = parsed.birth_date
            if not self.sex.data:
                self.sex.data = parsed.sex
        return ok

    def person_input(self) -> PersonInput:
        """The beneficiary as typed, for register_case (every door reads the form so)."""
        return PersonInput(
            name=self.name.data or "", nik=self.nik.data or None, no_kk=self.no_kk.data or None,
            birth_place=self.birth_place.data or "", birth_date=self.birth_date.data,
            sex=self.sex.data or None, address=self.address.data or "",
            dusun=self.dusun.data or "", rt=self.rt.data or "", rw=self.rw.data or "",
            phone=self.phone.data or "", household_size=self.household_size.data,
            children_count=self.children_count.data, elderly_count=self.elderly_count.data,
            disabled_count=self.disabled_count.data,
            is_unidentified=bool(self.is_unidentified.data),
            identifying_notes=self.identifying_notes.data or "")

    def complaint_input(self) -> ComplaintInput:
        return ComplaintInput(
            village_code=self.village_code.data, category_code=self.category_code.data,
            description=self.description.data, channel=self.channel.data,
            urgency=self.urgency.data, incident_date=self.incident_date.data,
            reporter_is_beneficiary=self.reporter_is_beneficiary.data == "ya",
            reporter_name=self.reporter_name.data or "",
            reporter_relation=self.reporter_relation.data or "",
            reporter_phone=self.reporter_phone.data or "")


class NoteForm(Form):
    text = TextAreaField(_l("Catatan"), filters=[strip], validators=[
        InputRequired(message=_l("Catatan wajib diisi.")), Length(max=MAX_TEXT)])


class CloseForm(Form):
    outcome = SelectField(_l("Hasil penanganan"), choices=[("", "-")] + list(DESK_OUTCOMES.items()),
                          validators=[InputRequired(message=_l("Pilih hasil penanganan."))])
    note = TextAreaField(_l("Catatan penyelesaian"), filters=[strip],
                         validators=[Length(max=MAX_TEXT)])
    version = HiddenField()


class CaseSearchForm(Form):
    q = StringField(_l("Cari nomor kasus, NIK, No KK atau nama"), filters=[strip],
                    validators=[Length(max=120)])
    status = SelectField(_l("Status"), choices=[("", _l("Semua status"))] + [
        (s.code, s.label) for s in CASE_FLOW.states.values()], validators=[Optional()])
    category = SelectField(_l("Kategori"), validators=[Optional()], validate_choice=False)
    village = SelectField(_l("Desa"), validators=[Optional()], validate_choice=False)
    date_from = DateField(_l("Dari tanggal"), validators=[Optional(), plausible_date])
    date_to = DateField(_l("Sampai tanggal"), validators=[Optional(), plausible_date])
    before = HiddenField()


class AttachmentForm(Form):
    """A file for the case: its kind, a caption; the file itself is checked by
    its content in slrt/cases/attachments.py."""

    kind = SelectField(_l("Jenis lampiran"),
                       choices=[("", _l("- pilih jenis -"))] + list(ATTACHMENT_KINDS.items()),
                       validators=[InputRequired(message=_l("Pilih jenis lampiran."))])
    caption = StringField(_l("Keterangan (boleh dikosongkan)"), filters=[strip],
                          validators=[Optional(), Length(max=CAPTION_MAX)])
    file = FileField(_l("Berkas: foto JPG/PNG atau PDF, paling besar %(n)s MB",
                        n=ATTACHMENT_MAX_MB),
                     render_kw={"accept": "image/jpeg,image/png,application/pdf"})
