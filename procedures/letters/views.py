"""The letters page (`/letters/`) for those who handle reminders (Schedulers): the letters due, one PDF of them to
print, each letter's PDF, and marking the printed ones posted (reminders.services.mark_posted)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from procedures import clinic_time
from reminders import services as reminders

from ..access import HANDLE_REMINDERS, staff_required
from ..params import parse_id
from .selectors import hand_delivered_rows, letters_due, letters_later, printable

# At most this many ids in a print link: the page lists the due letters, and a day's post is far fewer.
MAX_PRINTED = 500


def _pdf(document: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _letters(count: int) -> str:
    return f"{count} letter{'s' if count != 1 else ''}"


@require_GET
@staff_required(*HANDLE_REMINDERS)
def letters(request: HttpRequest) -> HttpResponse:
    """The letters due, the longest waiting first, with one link to print them all and a form to mark them posted."""
    due = letters_due()
    later, next_due = letters_later()
    return render(
        request,
        "procedures/letters/list.html",
        {
            "letters": due,
            "print_ids": ",".join(str(letter.reminder.pk) for letter in due),
            "later": later,
            "next_due": next_due,
            "large_print": sum(letter.patient.needs_large_print for letter in due),
            "postal_days": settings.LETTER_POSTAL_DAYS,
        },
    )


@require_GET
@staff_required(*HANDLE_REMINDERS)
def print_letters(request: HttpRequest) -> HttpResponse:
    """One PDF of the due letters (with `ids`, of those the page listed that are still due), to print at once."""
    asked = request.GET.get("ids")
    ids = None
    if asked is not None:
        ids = [pk for pk in (parse_id(part) for part in asked.split(",")[:MAX_PRINTED]) if pk is not None]
    due = letters_due(ids=ids)
    if not due:
        messages.info(request, "No letters are due to print now.")
        return redirect("procedures:letters")
    filename = f"letters-{clinic_time.iso_day(clinic_time.today())}.pdf"
    return _pdf(printable([letter.reminder for letter in due]), filename)


@require_GET
@staff_required(*HANDLE_REMINDERS)
def letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """One letter's PDF, as it reads now: to print a letter again, or to read it from the patient's page."""
    row = get_object_or_404(hand_delivered_rows(), pk=pk)
    return _pdf(printable([row]), f"letter-{row.pk}.pdf")


def _printed(values: list[str]) -> dict[int, datetime]:
    """The ticked letters, each as "<id>:<the appointment time it was printed for, in epoch seconds>"."""
    printed: dict[int, datetime] = {}
    for value in values[:MAX_PRINTED]:
        pk, _, seconds = value.partition(":")
        pk = parse_id(pk)
        if pk is None or not seconds.isascii() or not seconds.isdecimal() or len(seconds) > 11:
            continue
        printed[pk] = datetime.fromtimestamp(int(seconds), UTC)
    return printed


@require_POST
@staff_required(*HANDLE_REMINDERS)
def mark_posted(request: HttpRequest) -> HttpResponse:
    """The ticked letters were printed and posted: each becomes sent now, unless it changed since it was listed."""
    printed = _printed(request.POST.getlist("letter"))
    if not printed:
        messages.warning(request, "Tick the letters you posted, then mark them posted.")
        return redirect("procedures:letters")
    result = reminders.mark_posted(list(printed), by=request.user, printed_for=printed)
    if result.marked:
        messages.success(request, f"Marked {_letters(len(result.marked))} posted.")
    if result.left:
        messages.warning(
            request,
            f"{_letters(len(result.left))} not marked: cancelled, moved or already marked since the list was shown. "
            "Any still listed below need printing again.",
        )
    return redirect("procedures:letters")
