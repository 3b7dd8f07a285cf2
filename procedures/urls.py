"""The staff pages, in the `procedures` namespace: each feature package has its own urls.py, included here."""

from django.urls import include, path

app_name = "procedures"

urlpatterns = [
    # The home page and the radiologist's worklist: /, /worklist/, /worklist/log/<id>/ (procedures/worklist/).
    path("", include("procedures.worklist.urls")),
    # The day, the week and the printed list: /schedule/, /schedule/week/, /schedule/print/ (procedures/schedule/).
    path("schedule/", include("procedures.schedule.urls")),
    # Booking, the appointment page and its actions: /appointments/... (procedures/booking/).
    path("appointments/", include("procedures.booking.urls")),
    # What patients send from their page: /requests/, /calls/, logging a call (procedures/patient_page/).
    path("", include("procedures.patient_page.staff_urls")),
    # Finding a patient and their whole history: /patients/, /patients/<id>/ (procedures/patients/).
    path("", include("procedures.patients.urls")),
    # Letters to print and post: /letters/, /letters/print.pdf, /letters/<id>.pdf (procedures/letters/).
    path("", include("procedures.letters.urls")),
    # Follow-ups: results and missed appointments that ask someone to act, until the action is recorded:
    # /followups/, /followups/<id>/action/ (procedures/followups/).
    path("", include("procedures.followups.urls")),
    # The end of the day: the day's appointments still open once their time has passed: /end-of-day/
    # (procedures/end_of_day/; its actions are under /appointments/<id>/).
    path("", include("procedures.end_of_day.urls")),
    # The waiting list and the tick that puts an appointment on it: /waitlist/, /waitlist/<id>/ (procedures/waitlist/).
    path("", include("procedures.waitlist.urls")),
    # Referrals sent by the hospital's systems, to book or reject: /referrals/ (procedures/referrals/).
    path("", include("procedures.referrals.urls")),
    # Calendar feeds for staff: the page /calendar/, and the feeds /calendar/<token>.ics (procedures/calendar_feeds/).
    path("calendar/", include("procedures.calendar_feeds.urls")),
    # The appointments CSV (procedures/exports/); before the reports page's include, so no pattern there hides it.
    path("reports/export/", include("procedures.exports.urls")),
    # The reports page, its charts' SVGs and CSVs: /reports/, /reports/charts/<slug>.svg, /reports/data/<slug>.csv.
    path("reports/", include("procedures.reports.urls")),
]
