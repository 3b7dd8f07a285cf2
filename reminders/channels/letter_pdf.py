"""The appointment letter as an A4 PDF, drawn with ReportLab (pure Python: no system libraries to install, unlike
WeasyPrint's Pango and Cairo), and letters joined into one PDF to print (pypdf).

The first page has the clinic's letterhead at the top right, the patient's name and address where a window
envelope shows it (DIN 5008 form B, the usual DL window: 20 mm from the left, 45 mm from the top, 85 x 45 mm), the
date and hospital number beside it, then the letter; every page ends with the clinic's phone and "Page n of m".
The letter is in the active language (ReminderChannel.render made it the patient's). Type is DejaVu Sans, or Amiri
for Urdu, set right to left (reminders.channels.letter_type says why, and how): 11 pt body text, 16 pt in large
print.
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
from xml.sax.saxutils import escape

from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepInFrame,
    KeepTogether,
    ListFlowable,
    ListItem,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from procedures.languages import INTERPRETER_SENTENCE

from .letter_type import fonts, paragraph, visual, writes

log = logging.getLogger(__name__)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
FOOTER = 14 * mm
WINDOW = (20 * mm, 45 * mm, 85 * mm, 45 * mm)  # left, top, width, height
BODY_TOP_FIRST = 100 * mm  # from the top of the first page, below the window and the date
BODY_SIZE, LARGE_BODY_SIZE = 11, 16


class Styles:
    """The letter's type, by print size: body text, headings, the small print of the letterhead."""

    def __init__(self, large_print: bool, rtl: bool = False):
        regular, bold = fonts(rtl)
        self.rtl = rtl
        size = LARGE_BODY_SIZE if large_print else BODY_SIZE
        self.size = size
        self.body = ParagraphStyle("body", fontName=regular, fontSize=size, leading=size * 1.35, spaceAfter=size * 0.6)
        self.strong = ParagraphStyle("strong", parent=self.body, fontName=bold)
        self.question = ParagraphStyle("question", parent=self.strong, spaceAfter=size * 0.2, keepWithNext=1)
        self.heading = ParagraphStyle(
            "heading", parent=self.body, fontName=bold, fontSize=size + 4, leading=(size + 4) * 1.25, spaceAfter=size
        )
        self.subheading = ParagraphStyle(
            "subheading",
            parent=self.body,
            keepWithNext=1,
            fontName=bold,
            fontSize=size + 2,
            leading=(size + 2) * 1.3,
            spaceBefore=size * 0.6,
        )
        self.address = ParagraphStyle("address", parent=self.body, spaceAfter=0)
        self.letterhead = ParagraphStyle(
            "letterhead",
            parent=self.body,
            fontSize=size - 1,
            leading=(size - 1) * 1.3,
            spaceAfter=0,
            alignment=TA_RIGHT,
        )
        self.letterhead_name = ParagraphStyle("letterhead_name", parent=self.letterhead, fontName=bold)
        # A link reads left to right in every language; it starts where the letter's lines start.
        self.link = ParagraphStyle("link", parent=self.strong, alignment=TA_RIGHT if rtl else TA_LEFT)
        self.footer_font, self.footer_size = regular, max(size - 2, 9)

    def p(self, text: str, style: ParagraphStyle) -> Flowable:
        """A paragraph of `text` in the letter's direction."""
        return paragraph(text, style, rtl=self.rtl)

    def line(self, text: str) -> str:
        """A line the canvas draws itself (the footer), ordered for display."""
        return visual(text) if self.rtl else text

    def row(self, *cells):
        """A table row, read from the right in a right-to-left letter."""
        return list(reversed(cells)) if self.rtl else list(cells)


def _framed(canvas_, flowables: list, left: float, top: float, width: float, height: float) -> None:
    """Draw `flowables` in a box given from the page's top left, shrunk to fit if they would not."""
    frame = Frame(
        left,
        PAGE_HEIGHT - top - height,
        width,
        height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        showBoundary=0,
    )
    frame.addFromList([KeepInFrame(width, height, flowables, mode="shrink")], canvas_)


def _first_page(ctx: dict, styles: Styles):
    letterhead = [
        styles.p(ctx["clinic_name"], styles.letterhead_name),
        styles.p(ctx["clinic_address"], styles.letterhead),
        styles.p(gettext("Phone %(phone)s") % {"phone": ctx["clinic_phone"]}, styles.letterhead),
    ]
    addressee = [styles.p(line, styles.address) for line in [ctx["full_name"], *ctx["address_lines"]]]
    dated = [
        styles.p(ctx["letter_date"], styles.letterhead),
        styles.p(gettext("Hospital number %(mrn)s") % {"mrn": ctx["mrn"]}, styles.letterhead),
    ]

    def draw(canvas_, doc) -> None:
        canvas_.saveState()
        _framed(canvas_, letterhead, 110 * mm, 12 * mm, PAGE_WIDTH - 110 * mm - MARGIN, 31 * mm)
        _framed(canvas_, addressee, *WINDOW)
        _framed(canvas_, dated, 110 * mm, 75 * mm, PAGE_WIDTH - 110 * mm - MARGIN, 20 * mm)
        canvas_.restoreState()

    return draw


def _numbered_canvas(footer: str, styles: Styles):
    """A canvas that writes "<footer> · Page n of m" at the foot of each page, once it knows m."""
    font, size = styles.footer_font, styles.footer_size

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(font, size)
                page = gettext("Page %(number)s of %(total)s") % {"number": number, "total": total}
                self.drawString(MARGIN, FOOTER - size, styles.line(footer))
                self.drawRightString(PAGE_WIDTH - MARGIN, FOOTER - size, styles.line(page))
                super().showPage()
            super().save()

    return NumberedCanvas


@functools.lru_cache(maxsize=256)
def _qr_modules(link: str) -> tuple[tuple[bool, ...], ...]:
    """The link's QR code, as rows of dark (True) and light modules. Encoding is most of a letter's time (pure
    Python), so it is kept for the letter's next rendering (printed, then marked posted): plain data, which threads
    may share, unlike ReportLab's drawing shapes."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(link)
    code.make()
    return tuple(tuple(bool(module) for module in row) for row in code.modules)


class QrCode(Flowable):
    """The private link as a QR code, `side` points square with its quiet zone (4 modules), for a phone's camera."""

    QUIET = 4

    def __init__(self, link: str, side: float):
        super().__init__()
        self.modules = _qr_modules(link)
        self.width = self.height = side

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self) -> None:
        box = self.width / (len(self.modules) + 2 * self.QUIET)
        self.canv.setFillColorRGB(0, 0, 0)
        for r, row in enumerate(self.modules):
            column = 0
            for dark, run in itertools.groupby(row):
                length = len(list(run))
                if dark:
                    left, bottom = (column + self.QUIET) * box, self.height - (r + self.QUIET + 1) * box
                    self.canv.rect(left, bottom, length * box, box, stroke=0, fill=1)
                column += length


def _details(ctx: dict, styles: Styles) -> Table:
    arrive = capfirst(gettext("as soon as you can")) if ctx["arrive_asap"] else ctx["arrival_time"]
    rows = [
        (gettext("When"), gettext("%(long_date)s at %(time)s") % ctx),
        (gettext("Arrive by"), arrive),
        (gettext("Where"), f"{ctx['place']}, {ctx['clinic_name']}, {ctx['clinic_address']}"),
        (gettext("How long"), gettext("About %(expected_duration)s minutes") % ctx),
    ]
    label_width = styles.size * 6.5
    table = Table(
        [styles.row(styles.p(label, styles.strong), styles.p(value, styles.body)) for label, value in rows],
        colWidths=styles.row(label_width, PAGE_WIDTH - 2 * MARGIN - label_width),
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _points(ctx: dict, styles: Styles) -> Flowable:
    """The preparation points as a bulleted list; in a right-to-left letter, each its own paragraph led by its bullet
    (on the right, where the line starts)."""
    if styles.rtl:
        return KeepTogether([styles.p(f"• {point}", styles.body) for point in ctx["points"]])
    return ListFlowable(
        [ListItem(styles.p(point, styles.body), leftIndent=styles.size * 1.5) for point in ctx["points"]],
        bulletType="bullet",
        bulletFontName=styles.body.fontName,
        bulletFontSize=styles.size,
        leftIndent=styles.size * 1.5,
    )


def _page_link(ctx: dict, styles: Styles) -> Table:
    """The patient's page: what it is for, its link, and the link as a QR code beside them."""
    side = 28 * mm
    words = [
        styles.p(gettext("Your appointment page"), styles.subheading),
        styles.p(
            gettext(
                "Confirm you are coming, answer the safety questions, read how to get ready, or ask to change the "
                "time, at:"
            ),
            styles.body,
        ),
        Paragraph(escape(ctx["link"]), styles.link),
    ]
    page = Table(
        [styles.row(words, QrCode(ctx["link"], side))],
        colWidths=styles.row(PAGE_WIDTH - 2 * MARGIN - side - 6 * mm, side + 6 * mm),
    )
    page.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return page


def _interpreter(ctx: dict, styles: Styles) -> Flowable:
    """The interpreter sentence, in the patient's own language (not the letter's), in its direction and in a font that
    writes its alphabet. Where no installed font does (Gurmukhi, Bengali), the English sentence, which whoever helps
    the patient can read, rather than empty boxes."""
    rtl = ctx["patient_language_dir"] == "rtl"
    style = ParagraphStyle("interpreter", parent=styles.strong, fontName=fonts(rtl)[1])
    sentence = ctx["interpreter_sentence"]
    if not writes(style.fontName, sentence):
        log.warning(
            "No installed font writes the interpreter sentence in %s: the letter says it in English.",
            ctx["patient_language"],
        )
        sentence, rtl, style = gettext(INTERPRETER_SENTENCE).format(phone=ctx["clinic_phone"]), False, styles.strong
    return paragraph(sentence, style, rtl=rtl)


def _story(ctx: dict, styles: Styles) -> list:
    story: list = [NextPageTemplate("later"), styles.p(ctx["heading"], styles.heading)]
    if ctx["interpreter_sentence"]:
        story.append(_interpreter(ctx, styles))
    story.append(styles.p(gettext("Dear %(given_name)s,") % ctx, styles.body))
    story += [styles.p(part, styles.body) for part in ctx["intro"].split("\n\n") if part.strip()]
    if ctx["stage"] == "cancellation":
        if ctx["rebook"]:
            ask = gettext("To book a new time, call us on %(clinic_phone)s (%(clinic_hours)s).")
        else:
            ask = gettext("If you have any questions, call us on %(clinic_phone)s (%(clinic_hours)s).")
        story.append(styles.p(ask % ctx, styles.body))
    else:
        story += [_details(ctx, styles), Spacer(1, styles.size)]
        if ctx["points"]:
            story += [styles.p(gettext("What to do"), styles.subheading), _points(ctx, styles)]
        story.append(KeepTogether([_page_link(ctx, styles)]))
        if ctx["faq"]:
            heading = [styles.p(gettext("Your questions answered"), styles.subheading)]
            for entry in ctx["faq"]:
                # The heading stays with the first answer: never alone at the foot of a page.
                answer = [styles.p(entry.question, styles.question), styles.p(entry.answer, styles.body)]
                story.append(KeepTogether([*heading, *answer]))
                heading = []
            if ctx["more_questions"]:
                more = ngettext(
                    "Your appointment page answers %(count)s more question.",
                    "Your appointment page answers %(count)s more questions.",
                    ctx["more_questions"],
                )
                story.append(styles.p(more % {"count": ctx["more_questions"]}, styles.body))
        call = gettext("If you have any questions, or cannot come, call us on %(clinic_phone)s (%(clinic_hours)s).")
        story.append(styles.p(call % ctx, styles.body))
    story += [
        Spacer(1, styles.size),
        styles.p(gettext("Yours sincerely,"), styles.body),
        styles.p(ctx["clinic_name"], styles.strong),
    ]
    return story


def render_letter(ctx: dict) -> bytes:
    """The letter of reminders.channels.letter.letter_context(), as PDF bytes."""
    styles = Styles(ctx["large_print"], rtl=ctx["language_dir"] == "rtl")
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        title=ctx["heading"],
        author=ctx["clinic_name"],
        subject=gettext("Letter to %(full_name)s") % ctx,
        creator=ctx["clinic_name"],
    )
    width = PAGE_WIDTH - 2 * MARGIN
    bottom = FOOTER + 6 * mm
    first = Frame(
        MARGIN, bottom, width, PAGE_HEIGHT - BODY_TOP_FIRST - bottom, id="first", leftPadding=0, rightPadding=0
    )
    later = Frame(MARGIN, bottom, width, PAGE_HEIGHT - MARGIN - bottom, id="later", leftPadding=0, rightPadding=0)
    doc.addPageTemplates(
        [
            PageTemplate("first", frames=[first], onPage=_first_page(ctx, styles)),
            PageTemplate("later", frames=[later]),
        ]
    )
    footer = f"{ctx['clinic_name']} · {ctx['clinic_phone']}"
    doc.build(_story(ctx, styles), canvasmaker=_numbered_canvas(footer, styles))
    return out.getvalue()


def join_pdfs(documents: list[bytes]) -> bytes:
    """One PDF of several, in order: one file to print."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for document in documents:
        writer.append(io.BytesIO(document))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
