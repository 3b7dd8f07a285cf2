"""The letter's type: which font writes a language's letters, and how right-to-left text is laid out for a PDF.

ReportLab's built-in fonts (Helvetica and friends) write only Latin-1: no Welsh ŵ ŷ, no Polish ą ł ś, no Urdu. So a
letter registers TrueType fonts and embeds them:

- DejaVu Sans (Debian's fonts-dejavu-core, or matplotlib's copy of it) for English, Welsh and Polish;
- Amiri (Debian's fonts-hosny-amiri) for Urdu: DejaVu Sans has the Arabic letters but not two that Urdu writes in
  nearly every sentence (ہ heh goal and ے yeh barree, as in ہے, "is"), and Amiri has every Urdu letter in each of its
  joined forms, with Latin letters and digits for names, dates and links.

A missing font is refused with one sentence naming the package, rather than a letter printed with empty boxes.

Right-to-left text (Urdu) is shaped and ordered here, with arabic-reshaper and python-bidi (pure Python, small, and
independent of the font): reshaping picks each letter's joined form (initial, medial, final, isolated; the PDF then
simply draws those glyphs), and the bidirectional algorithm orders each line for display, right to left with numbers,
times and links left to right inside it. ReportLab's own shaping (uharfbuzz) was not chosen: it is marked
experimental, needs a compiled extension, and does not order bidirectional lines, so python-bidi would be needed
anyway. Lines are broken BEFORE ordering (at the width the paragraph is given), as the Unicode algorithm requires:
ordering a whole paragraph and then wrapping it would put its last words on its first line.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi import get_display
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
AMIRI = Path("/usr/share/fonts/opentype/fonts-hosny-amiri")


class LetterFontMissing(RuntimeError):
    """A font a letter needs is not installed."""


def _matplotlib_dejavu() -> Path | None:
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        return None
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@functools.cache
def fonts(rtl: bool = False) -> tuple[str, str]:
    """(regular, bold) font names for a letter, right to left (Urdu) or not, registered with ReportLab once per
    process; LetterFontMissing when the font is not installed."""
    if rtl:
        candidates = [(AMIRI / "Amiri-Regular.ttf", AMIRI / "Amiri-Bold.ttf")]
        name, package = "LetterArabic", "fonts-hosny-amiri"
    else:
        candidates = [(DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf")]
        if found := _matplotlib_dejavu():
            candidates.append((found / "DejaVuSans.ttf", found / "DejaVuSans-Bold.ttf"))
        name, package = "LetterSans", "fonts-dejavu-core"
    for regular, bold in candidates:
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont(name, str(regular)))
            pdfmetrics.registerFont(TTFont(f"{name}-Bold", str(bold)))
            return name, f"{name}-Bold"
    raise LetterFontMissing(
        f"Letters cannot be printed: the font {candidates[0][0].name} is missing; install the Debian package "
        f"{package} (.ci/run does)."
    )


# A run of left-to-right words and numbers inside a right-to-left line: a phone number (+44 20 7946 0000), a time,
# the clinic's hours "(Mon-Fri 08:00-18:00)", a name. Left alone, the bidirectional algorithm orders a phone number's
# space-separated groups right to left ("0000 7946 20 44+") and splits a run at its brackets; isolated (LRI ... PDI)
# it keeps its order. A run of numbers alone keeps on one line (no-break spaces).
_LATIN = "0-9A-Za-z\u00c0-\u024f"
_LEFT_TO_RIGHT_RUN = re.compile(rf"[+(]?[{_LATIN}][{_LATIN} .,:;/()+\-·]*[{_LATIN})]|[{_LATIN}]")
_NUMBERS_ONLY = re.compile(r"[\d +]+")
_LRI, _PDI = "\u2066", "\u2069"
# The bidirectional controls: they order the line, and are not drawn.
_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def _whole(run: str) -> str:
    return run.replace(" ", "\u00a0") if _NUMBERS_ONLY.fullmatch(run) else run


def writes(font: str, text: str) -> bool:
    """Whether the registered `font` has a glyph for every letter of `text`."""
    glyphs = pdfmetrics.getFont(font).face.charToGlyph
    return all(ord(c) in glyphs for c in text if not c.isspace())


def shaped(text: str) -> str:
    """Right-to-left text with each letter in its joined form, still in reading (logical) order, and its runs of
    digits isolated to read left to right."""
    isolated = _LEFT_TO_RIGHT_RUN.sub(lambda m: _LRI + _whole(m.group()) + _PDI, text)
    return arabic_reshaper.reshape(isolated)


def _displayed(line: str) -> str:
    """A shaped line ordered left to right as a PDF draws it, without the controls that ordered it."""
    return get_display(line).translate(_CONTROLS)


def visual(text: str) -> str:
    """One line of right-to-left text, shaped and ordered left to right as a PDF draws it."""
    return _displayed(shaped(text))


def _lines(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` (shaped, logical order) broken into lines no wider than `width`, at spaces."""
    lines: list[str] = []
    for part in text.split("\n"):
        line = ""
        for word in filter(None, part.split(" ")):
            tried = f"{line} {word}" if line else word
            if line and pdfmetrics.stringWidth(tried.translate(_CONTROLS), font, size) > width:
                lines.append(line)
                line = word
            else:
                line = tried
        lines.append(line)
    return lines


class RightToLeft(Flowable):
    """A paragraph of right-to-left text: broken into lines at the width it is given, each line ordered for display
    and set flush right."""

    def __init__(self, text: str, style: ParagraphStyle):
        super().__init__()
        self.text = shaped(text)
        self.style = ParagraphStyle(f"{style.name}-rtl", parent=style, alignment=TA_RIGHT)
        self._paragraph: Paragraph | None = None

    def _laid_out(self, width: float) -> Paragraph:
        lines = _lines(self.text, self.style.fontName, self.style.fontSize, width)
        return Paragraph("<br/>".join(escape(_displayed(line)) for line in lines), self.style)

    def wrap(self, available_width, available_height):
        self._paragraph = self._laid_out(available_width)
        self.width, self.height = self._paragraph.wrap(available_width, available_height)
        return self.width, self.height

    def getSpaceBefore(self):
        return self.style.spaceBefore

    def getSpaceAfter(self):
        return self.style.spaceAfter

    def draw(self) -> None:
        assert self._paragraph is not None
        self._paragraph.drawOn(self.canv, 0, 0)


def paragraph(text: str, style: ParagraphStyle, *, rtl: bool) -> Flowable:
    """A paragraph of plain `text` (escaped here), laid out in the letter's direction."""
    return RightToLeft(text, style) if rtl else Paragraph(escape(text), style)
