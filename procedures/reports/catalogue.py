"""The reports' charts, in the page's order: what each answers, how its table is computed, whether it holds result
data (radiologists only); and the cached table per chart, period, filters and role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.http import Http404

from procedures.access import can_see_results

from . import followup_queries, queries, result_queries, risk_queries
from .period import Filters
from .tables import Table

CACHE_SECONDS = 600
CACHE_VERSION = 1


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    answers: str
    compute: Callable[[Filters], Table]
    results_only: bool = False
    note: str = ""


CHARTS = [
    Chart("weekly", "Appointments per week", "How many appointments each week ended completed, cancelled (and why) or "
          "with the patient not attending, and how many are still open.", queries.weekly),
    Chart("attendance", "Did not attend and late cancellations", "What share of appointments due each month ended "
          "with the patient not attending, or cancelled late.", queries.attendance,
          note="An appointment is due once its start has passed, unless it was cancelled 48 hours or more before "
               "its start. A late cancellation is one recorded less than 48 hours before the start (or after it). "
               "Rates are of the appointments due."),
    Chart("engagement", "Attendance by what patients did with the reminders", "Whether patients who confirmed, read "
          "their preparation or opted out of reminders miss or cancel late more or less often than the others.",
          queries.engagement,
          note="Confirmed: the appointment was ever confirmed. Read: the patient marked the preparation read on "
               "their page. Opted out: the patient had stopped reminders before the appointment's start."),
    Chart("noshow-risk", "No-show risk: predicted band against actual did-not-attend rate", "Whether the "
          "appointments the no-show points rule put in a higher band two days before were missed more often.",
          risk_queries.calibration,
          note="Appointments that started in the period and were attended or not (cancelled ones are left out), "
               "each scored with the points rule shown to staff as it stood two days before the start. "
               "Approximations: earlier did-not-attends count up to this appointment's start, and late "
               "cancellations as recorded before it; confirmation is read from the appointment's history; the "
               "patient's reminder choices are today's, with an opt-out counted from its date. The rule is not "
               "fitted to the clinic's history: a higher band should show a higher rate."),
    Chart("reminders", "Reminders by channel and stage", "How many reminders due in the period were sent, failed or "
          "skipped per channel and stage, and how long after their due time they went.", queries.reminders),
    Chart("reminder-reasons", "Why reminders failed or were skipped", "The reasons recorded for reminders that failed "
          "or were skipped, commonest first.", queries.reminder_reasons),
    Chart("durations", "Expected against actual duration", "How long performed ductograms took against the time "
          "booked, per procedure type and radiologist, and how often they overran.", result_queries.durations,
          results_only=True,
          note="Actual duration: from the logged start to the logged end, for performed procedures that ended after "
               "they started and within the longest a procedure may last (the rule the suggested durations use). "
               "Overran: took longer than booked."),
    Chart("lead-time", "Booking lead time", "How far ahead appointments are booked (from booking to start).",
          queries.lead_time),
    Chart("utilisation", "Room utilisation", "What share of each room's open clinic hours is booked with live "
          "appointments.", queries.utilisation,
          note="Live appointments: booked, confirmed, checked in or completed. Open minutes: the clinic's opening "
               "hours on every day of the period."),
    Chart("results", "Outcomes, complications, BI-RADS and findings", "What the procedures in the period found and "
          "how they went.", result_queries.results, results_only=True),
    Chart("followups", "Follow-ups open, by age", "How many results and missed appointments that ask someone to act "
          "are still waiting for the action to be recorded, and for how long, by who must act.",
          followup_queries.followups, results_only=True,
          note="Counted now: follow-ups opened before the end of the period and still open, for its room and "
               "radiologist when chosen. The list itself is at /followups/."),
]  # fmt: skip
BY_SLUG = {chart.slug: chart for chart in CHARTS}


def role(user) -> str:
    return "results" if can_see_results(user) else "schedule"


def charts_for(user) -> list[Chart]:
    sees_results = can_see_results(user)
    return [chart for chart in CHARTS if sees_results or not chart.results_only]


def chart_for(user, slug: str) -> Chart:
    """The chart, or 404 when there is none by that name or it holds result data this account may not see."""
    chart = BY_SLUG.get(slug)
    if chart is None or (chart.results_only and not can_see_results(user)):
        raise Http404("No such report.")
    return chart


def cache_key(chart: Chart, filters: Filters, user, part: str) -> str:
    return f"reports:v{CACHE_VERSION}:{part}:{chart.slug}:{role(user)}:{filters.key()}"


def cached(key: str, compute: Callable):
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


def table(chart: Chart, filters: Filters, user) -> Table:
    return cached(cache_key(chart, filters, user, "table"), lambda: chart.compute(filters))


def tables(charts: list[Chart], filters: Filters, user) -> list[Table]:
    """Every chart's table, read from the cache in one round trip; the missing ones computed and stored."""
    keys = {chart.slug: cache_key(chart, filters, user, "table") for chart in charts}
    found = cache.get_many(list(keys.values()))
    missing = {}
    for chart in charts:
        if keys[chart.slug] not in found:
            missing[keys[chart.slug]] = found[keys[chart.slug]] = chart.compute(filters)
    if missing:
        cache.set_many(missing, CACHE_SECONDS)
    return [found[keys[chart.slug]] for chart in charts]
