"""The appointment letter as an A4 PDF, drawn with ReportLab (pure Python: no system libraries to install, unlike
WeasyPrint's Pango and Cairo), and letters joined into one PDF to print (pypdf).

The first page has the clinic's letterhead at the top right, the patient's name and address where a window
envelope shows it (DIN 5008 form B, the usual DL window: 20 mm from the left, 45 mm from the top, 85 x 45 mm), the
date and hospital number beside it, then the letter; every page ends with the clinic's phone and "Page n of m".
Type is DejaVu Sans (shipped with matplotlib, already a dependency; embedded, so any name prints), or Bitstream Vera
(shipped with ReportLab) without it: 11 pt body text, 16 pt in large print.
"""

from __future__ import annotations

import functools
import io
import itertools
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import qrencoder
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
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

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
FOOTER = 14 * mm
WINDOW = (20 * mm, 45 * mm, 85 * mm, 45 * mm)  # left, top, width, height
BODY_TOP_FIRST = 100 * mm  # from the top of the first page, below the window and the date
BODY_SIZE, LARGE_BODY_SIZE = 11, 16


@functools.cache
def fonts() -> tuple[str, str]:
    """(regular, bold) font names, registered with ReportLab once per process."""
    candidates = []
    try:
        import matplotlib

        found = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        candidates.append((found / "DejaVuSans.ttf", found / "DejaVuSans-Bold.ttf", "LetterSans"))
    except ImportError:  # pragma: no cover - matplotlib is a dependency; Vera below is the fallback
        pass
    import reportlab

    shipped = Path(reportlab.__file__).parent / "fonts"
    candidates.append((shipped / "Vera.ttf", shipped / "VeraBd.ttf", "LetterVera"))
    for regular, bold, name in candidates:
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont(name, str(regular)))
            pdfmetrics.registerFont(TTFont(f"{name}-Bold", str(bold)))
            return name, f"{name}-Bold"
    return "Helvetica", "Helvetica-Bold"  # pragma: no cover


class Styles:
    """The letter's type, by print size: body text, headings, the small print of the letterhead."""

    def __init__(self, large_print: bool):
        regular, bold = fonts()
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
        self.footer_font, self.footer_size = regular, max(size - 2, 9)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


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
        _p(ctx["clinic_name"], styles.letterhead_name),
        _p(ctx["clinic_address"], styles.letterhead),
        _p(f"Phone {ctx['clinic_phone']}", styles.letterhead),
    ]
    addressee = [_p(line, styles.address) for line in [ctx["full_name"], *ctx["address_lines"]]]
    dated = [_p(ctx["letter_date"], styles.letterhead), _p(f"Hospital number {ctx['mrn']}", styles.letterhead)]

    def draw(canvas_, doc) -> None:
        canvas_.saveState()
        _framed(canvas_, letterhead, 110 * mm, 12 * mm, PAGE_WIDTH - 110 * mm - MARGIN, 31 * mm)
        _framed(canvas_, addressee, *WINDOW)
        _framed(canvas_, dated, 110 * mm, 75 * mm, PAGE_WIDTH - 110 * mm - MARGIN, 20 * mm)
        canvas_.restoreState()

    return draw


def _numbered_canvas(footer: str, font: str, size: float):
    """A canvas that writes "<footer> · Page n of m" at the foot of each page, once it knows m."""

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
                self.drawString(MARGIN, FOOTER - size, footer)
                self.drawRightString(PAGE_WIDTH - MARGIN, FOOTER - size, f"Page {number} of {total}")
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
    arrive = "As soon as you can" if ctx["arrive_asap"] else ctx["arrival_time"]
    rows = [
        ("When", f"{ctx['long_date']} at {ctx['time']}"),
        ("Arrive by", arrive),
        ("Where", f"{ctx['place']}, {ctx['clinic_name']}, {ctx['clinic_address']}"),
        ("How long", f"About {ctx['expected_duration']} minutes"),
    ]
    label_width = styles.size * 6.5
    table = Table(
        [[_p(label, styles.strong), _p(value, styles.body)] for label, value in rows],
        colWidths=[label_width, PAGE_WIDTH - 2 * MARGIN - label_width],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _story(ctx: dict, styles: Styles) -> list:
    story: list = [
        NextPageTemplate("later"),
        _p(ctx["heading"], styles.heading),
        _p(f"Dear {ctx['given_name']},", styles.body),
    ]
    story += [_p(paragraph, styles.body) for paragraph in ctx["intro"].split("\n\n") if paragraph.strip()]
    phone = f"{ctx['clinic_phone']} ({ctx['clinic_hours']})"
    if ctx["stage"] == "cancellation":
        ask = "To book a new time" if ctx["rebook"] else "If you have any questions"
        story.append(_p(f"{ask}, call us on {phone}.", styles.body))
    else:
        story += [_details(ctx, styles), Spacer(1, styles.size)]
        if ctx["points"]:
            story.append(_p("What to do", styles.subheading))
            story.append(
                ListFlowable(
                    [ListItem(_p(point, styles.body), leftIndent=styles.size * 1.5) for point in ctx["points"]],
                    bulletType="bullet",
                    bulletFontName=styles.body.fontName,
                    bulletFontSize=styles.size,
                    leftIndent=styles.size * 1.5,
                )
            )
        side = 28 * mm
        page = Table(
            [
                [
                    [
                        _p("Your appointment page", styles.subheading),
                        _p(
                            "Confirm you are coming, answer the safety questions, read how to get ready, or ask to "
                            "change the time, at:",
                            styles.body,
                        ),
                        _p(ctx["link"], styles.strong),
                    ],
                    QrCode(ctx["link"], side),
                ]
            ],
            colWidths=[PAGE_WIDTH - 2 * MARGIN - side - 6 * mm, side + 6 * mm],
        )
        page.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story.append(KeepTogether([page]))
        if ctx["faq"]:
            heading = [_p("Your questions answered", styles.subheading)]
            for entry in ctx["faq"]:
                # The heading stays with the first answer: never alone at the foot of a page.
                story.append(
                    KeepTogether([*heading, _p(entry.question, styles.question), _p(entry.answer, styles.body)])
                )
                heading = []
            if ctx["more_questions"]:
                story.append(_p(f"Your appointment page answers {ctx['more_questions']} more questions.", styles.body))
        story.append(_p(f"If you have any questions, or cannot come, call us on {phone}.", styles.body))
    story += [Spacer(1, styles.size), _p("Yours sincerely,", styles.body), _p(ctx["clinic_name"], styles.strong)]
    return story


def render_letter(ctx: dict) -> bytes:
    """The letter of reminders.channels.letter.letter_context(), as PDF bytes."""
    styles = Styles(ctx["large_print"])
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        title=ctx["heading"],
        author=ctx["clinic_name"],
        subject=f"Letter to {ctx['full_name']}",
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
    doc.build(_story(ctx, styles), canvasmaker=_numbered_canvas(footer, styles.footer_font, styles.footer_size))
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
