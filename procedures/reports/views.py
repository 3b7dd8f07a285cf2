"""The reports page, each chart's SVG and each chart's CSV. All three read the same cached table, so the picture,
the table under it and the CSV always show the same numbers."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from procedures import clinic_time
from procedures.access import can_see_results, staff_required

from ..exports.selectors import MAX_DAYS
from . import catalogue, charts
from .forms import ReportFilterForm
from .period import PRESETS, Filters


def _filters(request):
    form = ReportFilterForm(request.GET if request.GET else None)
    return form, form.filters()


def export_links(filters: Filters) -> dict:
    """The appointments export (/reports/export/) of the period and filters shown: `url` (labels) and `codes_url`,
    or, for a period longer than one export may be, `problem`, a sentence saying so."""
    days = (filters.last - filters.first).days + 1
    if days > MAX_DAYS:
        longest = f"at most a year ({MAX_DAYS} days)"
        return {"problem": f"The appointments export covers {longest}: choose a shorter period to download it."}
    params = {"from": clinic_time.iso_day(filters.first), "to": clinic_time.iso_day(filters.last)}
    params |= {
        name: value for name, value in (("room", filters.room_id), ("radiologist", filters.radiologist_id)) if value
    }
    url = f"{reverse('procedures:export')}?{urlencode(params)}"
    return {"url": url, "codes_url": f"{url}&codes=1", "zone": clinic_time.zone_name()}


@require_GET
@staff_required()
def reports(request):
    form, filters = _filters(request)
    shown = catalogue.charts_for(request.user)
    query = filters.query()
    sections = [
        {"chart": chart, "table": table, "query": query}
        for chart, table in zip(shown, catalogue.tables(shown, filters, request.user), strict=True)
    ]
    return render(
        request,
        "procedures/reports/reports.html",
        {
            "form": form,
            "filters": filters,
            "period_label": PRESETS[filters.preset],
            "sections": sections,
            "export": export_links(filters),
            "sees_results": can_see_results(request.user),
            "cache_minutes": catalogue.CACHE_SECONDS // 60,
            "generated": clinic_time.local(timezone.now()),
        },
    )


@require_GET
@staff_required()
def chart_svg(request, slug: str):
    chart = catalogue.chart_for(request.user, slug)
    _form, filters = _filters(request)
    key = catalogue.cache_key(chart, filters, request.user, "svg")
    image = catalogue.cached(key, lambda: charts.svg(chart.slug, catalogue.table(chart, filters, request.user)))
    return HttpResponse(image, content_type="image/svg+xml")


@require_GET
@staff_required()
def chart_csv(request, slug: str):
    chart = catalogue.chart_for(request.user, slug)
    _form, filters = _filters(request)
    table = catalogue.table(chart, filters, request.user)
    response = HttpResponse(table.to_csv(), content_type="text/csv; charset=utf-8")
    name = f"{chart.slug}-{clinic_time.iso_day(filters.first)}-to-{clinic_time.iso_day(filters.last)}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
