"""Indonesian phone numbers, checked with the phonenumbers library."""

from __future__ import annotations

import phonenumbers


def normalise_phone(text: str) -> str:
    """'0812-3456-7890', '+62 812 3456 7890' -> '081234567890'. Raises ValueError."""
    raw = (text or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        raise ValueError("Nomor telepon tidak dapat dibaca. Contoh: 0812 3456 7890.") from None
    if number.country_code != 62 or not phonenumbers.is_valid_number(number):
        raise ValueError("Nomor telepon Indonesia tidak sah. Contoh: 0812 3456 7890.")
    return "0" + str(number.national_number)
