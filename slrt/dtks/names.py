"""Name keys for searching people by name, tolerant of Indonesian spelling variants.

A key is the name in upper case, without accents or punctuation, each word
normalised: the old spelling (Soekarno, Djoko, Tjahjo, Chairul) becomes the new one,
doubled letters are collapsed (Muhammad / Muhamad), and the common
abbreviations are canonical (Muhammad, Mohammad, Muh., Mhd., M. -> M;
Siti, St. -> ST; Abdul, Abd. -> ABD). The key starts and ends with a space,
so a search can ask for whole words (" M ") or word prefixes (" YUS").
"""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^A-Z0-9 ]+")
_SPACES = re.compile(r"\s+")
_DOUBLES = re.compile(r"([A-Z])\1+")
_OLD_SPELLING = (("OE", "U"), ("DJ", "J"), ("TJ", "C"), ("SJ", "SY"), ("NJ", "NY"), ("CH", "H"),
                 ("KH", "H"))

# Canonical forms of common name words and their abbreviations (after collapsing).
CANONICAL = {
    **dict.fromkeys(["M", "MUHAMAD", "MUHAMED", "MOHAMAD", "MOHAMED", "MOHD", "MHD", "MUH",
                     "MOH", "MUHD", "MD"], "M"),
    **dict.fromkeys(["ST", "SITI", "SITTI"], "ST"),
    **dict.fromkeys(["ABD", "ABDUL"], "ABD"),
    **dict.fromkeys(["NUR", "NOR", "NUUR"], "NUR"),
    **dict.fromkeys(["AHMAD", "AHMED", "AHMAT"], "AHMAD"),
}
# Canonical words that are abbreviations: matched as whole words only.
WHOLE_WORDS = frozenset({"M", "ST", "ABD"})


def _word(word: str) -> str:
    for old, new in _OLD_SPELLING:
        word = word.replace(old, new)
    word = _DOUBLES.sub(r"\1", word)
    return CANONICAL.get(word, word)


def name_words(name: str) -> list[str]:
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    text = text.replace("'", "").replace("`", "").replace("\u2019", "").replace("\u2018", "")
    text = _NON_ALNUM.sub(" ", text)
    return [_word(w) for w in _SPACES.sub(" ", text).strip().split(" ") if w]


def name_key(name: str) -> str:
    """' M YUSUF ' for 'Muhammad Yusuf', 'Muhamad Yusuf' or 'M. Yusuf'."""
    words = name_words(name)
    return f" {' '.join(words)} "[:120] if words else ""


def name_conditions(column, text: str) -> list:
    """SQL conditions: every typed word found in the key (abbreviations whole)."""
    conditions = []
    for word in name_words(text):
        pattern = f" {word} " if word in WHOLE_WORDS else f" {word}"
        conditions.append(column.contains(pattern, autoescape=True))
    return conditions
