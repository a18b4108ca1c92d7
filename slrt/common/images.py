"""Photos from a phone, cleaned before they are kept: a visit photo, a case's
attachment (KTP, KK, the house), the regency's logo.

What a phone writes into a photo is not the office's to keep: EXIF (the GPS
position of the resident's house, the phone's make and serial, the time),
XMP, comments. `clean_photo` re-encodes the pixels alone as a JPEG, upright
(the EXIF orientation applied first), at most `max_side` pixels on its longest
side and about `max_bytes`. A file is told by its first bytes, never by its
name or the type the browser declared.
"""

from __future__ import annotations

from io import BytesIO

from flask_babel import gettext as _

from slrt.common.errors import DomainError

JPEG_MAGIC, PNG_MAGIC, PDF_MAGIC = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"%PDF-"
PHOTO_MAGIC = (JPEG_MAGIC, b"\x89PNG")
PHOTO_MAX_SIDE = 1600  # pixels, the longest side
PHOTO_MAX_BYTES = 300 * 1024
PHOTO_MAX_PIXELS = 60_000_000  # what a phone camera makes, with room; more is refused unread


def is_photo(data: bytes) -> bool:
    """JPEG or PNG by its first bytes."""
    return data.startswith(PHOTO_MAGIC)


def is_pdf(data: bytes) -> bool:
    return data.startswith(PDF_MAGIC)


def clean_photo(data: bytes, field: str = "photo", *, max_side: int = PHOTO_MAX_SIDE,
                max_bytes: int = PHOTO_MAX_BYTES) -> bytes:
    """The photo re-encoded as a JPEG without any metadata, upright, at most
    `max_side` pixels on the longest side and about `max_bytes`. A DomainError
    on `field` for what is not a readable JPEG or PNG."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not is_photo(data):
        raise DomainError(_("Foto harus berupa JPG atau PNG."), field)
    unreadable = _("Foto tidak dapat dibaca; kirim ulang foto JPG atau PNG dari kamera.")
    try:
        with Image.open(BytesIO(data), formats=("JPEG", "PNG")) as img:
            width, height = img.size
            if width * height > PHOTO_MAX_PIXELS:
                raise DomainError(_("Ukuran foto terlalu besar (%(w)s x %(h)s piksel).",
                                    w=width, h=height), field)
            img.draft("RGB", (max_side, max_side))  # JPEG: decode at a smaller scale
            upright = ImageOps.exif_transpose(img)
            if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
                rgba = upright.convert("RGBA")
                upright = Image.new("RGB", rgba.size, "white")
                upright.paste(rgba, mask=rgba.getchannel("A"))
            else:
                upright = upright.convert("RGB")
            upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise DomainError(unreadable, field) from None
    side = max_side
    while True:
        for quality in (85, 75, 65, 55, 45):
            out = BytesIO()
            upright.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
            if out.tell() <= max_bytes:
                return out.getvalue()
        if side <= 400:
            return out.getvalue()
        side = int(side * 0.75)  # a photo of fine detail (leaves, sand): fewer pixels
        upright.thumbnail((side, side), Image.Resampling.LANCZOS)
