"""Attachments of a case: a photo of the KTP, the KK, the house, a letter.

A desk of the case's village (or the supervisor) attaches a file with its
kind and an optional caption. The file is told by its content, never by its
name or the type the browser declared: a JPEG or PNG is re-encoded without
its EXIF (GPS of the house, the phone) and made smaller
(slrt/common/images.py, the same cleaning as a visit photo); a PDF is kept
as it came. Anything else, or a file over ATTACHMENT_MAX_BYTES, is refused
with a message for the file field, before anything is stored. The bytes go
to the file store under "attachments/"; the row and the timeline event are
written in the same transaction. Services flush, never commit.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from slrt.cases.models import ATTACHMENT_KINDS, Case, CaseAttachment
from slrt.cases.services import add_event
from slrt.common.errors import DomainError
from slrt.common.images import clean_photo, is_pdf, is_photo
from slrt.common.permissions import can
from slrt.extensions import db
from slrt.platform import storage

NAMESPACE = "attachments"
ATTACHMENT_MAX_MB = 8
ATTACHMENT_MAX_BYTES = ATTACHMENT_MAX_MB * 1024 * 1024  # what is uploaded, before cleaning
# A KK photographed whole must stay readable: more pixels than a visit photo.
IMAGE_MAX_SIDE = 2200
IMAGE_MAX_BYTES = 700 * 1024
CAPTION_MAX = 200


def _megabytes(size: int) -> str:
    """9437184 -> '9,0 MB' (the decimal comma of Indonesian)."""
    return _("%(n)s MB", n=f"{size / (1024 * 1024):.1f}".replace(".", ","))


def check_file(data: bytes, field: str = "file") -> tuple[bytes, str]:
    """The bytes to keep and their type, from the content alone: (cleaned
    JPEG, "image/jpeg") for a photo, (the PDF, "application/pdf")."""
    if not data:
        raise DomainError(_("Pilih berkas yang akan dilampirkan."), field)
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise DomainError(_("Berkas terlalu besar (%(size)s); paling besar %(max)s MB.",
                            size=_megabytes(len(data)), max=ATTACHMENT_MAX_MB), field)
    if is_pdf(data):
        return data, "application/pdf"
    if is_photo(data):
        return clean_photo(data, field, max_side=IMAGE_MAX_SIDE,
                           max_bytes=IMAGE_MAX_BYTES), "image/jpeg"
    raise DomainError(_("Berkas ini bukan foto JPG/PNG atau PDF (diperiksa dari isinya, bukan "
                        "dari nama berkas). Lampirkan foto atau hasil pindaian PDF."), field)


def attach(actor, case: Case, *, kind: str, caption: str, data: bytes,
           now: datetime) -> CaseAttachment:
    """Attach a file to the case; every check comes before the file is stored."""
    if not can(actor, "case.attach", case):
        raise DomainError(_("Kasus ini di luar wilayah tugas Anda."))
    if kind not in ATTACHMENT_KINDS:
        raise DomainError(_("Pilih jenis lampiran."), "kind")
    caption = " ".join((caption or "").replace("\x00", "").split())
    if len(caption) > CAPTION_MAX:
        raise DomainError(_("Keterangan paling banyak %(n)s karakter.", n=CAPTION_MAX),
                          "caption")
    content, mime = check_file(data)
    key = f"{NAMESPACE}/{secrets.token_hex(16)}{'.pdf' if is_pdf(content) else '.jpg'}"
    stored = storage.put(key, content, mime)
    attachment = CaseAttachment(case_id=case.id, kind=kind, caption=caption, file_key=key,
                                content_type=mime, size=stored.size, created_by_id=actor.id,
                                created_at=now)
    db.session.add(attachment)
    db.session.flush()
    add_event(case, actor, "lampiran", now, attachment_id=attachment.id, kind=kind,
              caption=caption)
    db.session.flush()
    return attachment


def attachments_of(case: Case) -> list[CaseAttachment]:
    """The case's attachments, newest first (the case page lists them)."""
    return list(db.session.scalars(select(CaseAttachment).where(
        CaseAttachment.case_id == case.id).order_by(CaseAttachment.id.desc())))


def attachment_for(user, case: Case, attachment_id: int) -> CaseAttachment | None:
    """The attachment of this case, if the user may see the case; None otherwise
    (the page answers 404, no hint that it exists)."""
    found = db.session.get(CaseAttachment, attachment_id)
    if found is None or found.case_id != case.id or not can(user, "case.view", found):
        return None
    return found

