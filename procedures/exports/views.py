"""The appointments export: GET /reports/export/?from=YYYY-MM-DD&to=YYYY-MM-DD, a CSV download streamed row by row.

What it holds, and for whom, is `procedures.exports.selectors`; this module only reads the request and answers.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from ..access import can_see_results, staff_required
from ..params import parse_day
from .selectors import ExportRangeError, csv_lines, filename, parse_range


@require_GET
@staff_required()
def export_appointments(request: HttpRequest) -> HttpResponse:
    """Every appointment starting on the clinic days `from` to `to` (inclusive), with the result's columns for those
    who may see results. A missing, invalid or too long range answers 400 with a sentence saying why."""
    try:
        first, last = parse_range(parse_day(request.GET.get("from")), parse_day(request.GET.get("to")))
    except ExportRangeError as problem:
        return HttpResponseBadRequest(str(problem), content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(
        csv_lines(first, last, with_results=can_see_results(request.user)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(first, last)}"'
    return response
