"""Name keys for searching people by name."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^A-Z0-9 ]+")
_SPACES = re.compile(r"\s+")


def name_key(name: str) -> str:
    """Upper case, accents and punctuation dropped, spaces collapsed.

    'Siti  Nur'aini' -> 'SITI NURAINI'. Issue 3 extends the search with
    spelling variants (Muhammad / Muhamad / M.).
    """
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    text = text.replace("'", "").replace("`", "")
    text = _NON_ALNUM.sub(" ", text)
    return _SPACES.sub(" ", text).strip()
