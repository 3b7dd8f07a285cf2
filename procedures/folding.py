"""How names are folded for search: one function, so the stored column and the typed query always agree.

"Zoë  McDonald" and "zoe mcdonald" fold to the same "zoe mcdonald": accents dropped (NFKD, combining marks
removed), case folded ("ß" to "ss"), runs of spaces (and apostrophes' neighbours) collapsed to one space.
No Django import here: `Patient.save()` and the search both use it.
"""

from __future__ import annotations

import unicodedata

# Punctuation people type or leave out inside names: "O'Neill", "Smith-Jones", "St. John" are found either way.
_JOINERS = str.maketrans({"'": "", "’": "", "`": "", "-": " ", ".": " ", ",": " "})


def fold(text: str) -> str:
    """`text` casefolded, without accents or name punctuation, single-spaced, stripped."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().translate(_JOINERS).split())
