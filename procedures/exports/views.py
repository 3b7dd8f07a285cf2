"""The appointments export: GET /reports/export/?from=YYYY-MM-DD&to=YYYY-MM-DD, a CSV download streamed row by row;
&room=ID and &radiologist=ID keep one room's or one radiologist's (as the reports page's filters do), &codes=1 writes
choices as their stored codes instead of their labels.

What it holds, and for whom, is `procedures.exports.selectors`; this module only reads the request and answers.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from ..access import can_see_results, staff_required
from ..params import parse_day, parse_id
from .selectors import ExportRangeError, csv_lines, filename, parse_range

YES = ("1", "true", "yes", "on")


def _chosen_id(request: HttpRequest, name: str) -> int | None:
    """The id in `name`, None when it is not given; ExportRangeError when it is given and is no id."""
    given = request.GET.get(name, "")
    if not given:
        return None
    number = parse_id(given)
    if number is None:
        raise ExportRangeError(f"Give the {name} as its number (its id), e.g. ?{name}=3, or leave it out for all.")
    return number


@require_GET
@staff_required()
def export_appointments(request: HttpRequest) -> HttpResponse:
    """Every appointment starting on the clinic days `from` to `to` (inclusive), in the room and of the radiologist
    given if any, with the result's columns for those who may see results. A missing, invalid or too long range, or
    an id that is no id, answers 400 with a sentence saying why."""
    try:
        first, last = parse_range(parse_day(request.GET.get("from")), parse_day(request.GET.get("to")))
        room_id, radiologist_id = _chosen_id(request, "room"), _chosen_id(request, "radiologist")
    except ExportRangeError as problem:
        return HttpResponseBadRequest(str(problem), content_type="text/plain; charset=utf-8")
    lines = csv_lines(
        first,
        last,
        with_results=can_see_results(request.user),
        codes=request.GET.get("codes", "").lower() in YES,
        room_id=room_id,
        radiologist_id=radiologist_id,
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(first, last)}"'
    return response
