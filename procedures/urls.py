from django.urls import include, path

from . import export_views, views, worklist_views

app_name = "procedures"

urlpatterns = [
    path("", worklist_views.home, name="home"),
    path("schedule/", views.day_view, name="day"),
    path("worklist/", worklist_views.worklist, name="worklist"),
    path("worklist/log/<int:pk>/", worklist_views.log_result, name="log-result"),
    path("schedule/week/", views.week_view, name="week"),
    path("schedule/print/", views.day_print, name="day-print"),
    path("appointments/new/", views.book, name="book"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("appointments/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("appointments/<int:pk>/check-in/", views.check_in, name="check-in"),
    path("appointments/<int:pk>/no-show/", views.mark_no_show, name="no-show"),
    path("appointments/<int:pk>/undo-check-in/", views.undo_check_in, name="undo-check-in"),
    path("appointments/<int:pk>/undo-no-show/", views.undo_no_show, name="undo-no-show"),
    path("appointments/<int:pk>/confirm/", views.confirm_attendance, name="confirm"),
    # What patients send from their page: /requests/, /calls/, logging a call (procedures/patient_page/).
    path("", include("procedures.patient_page.staff_urls")),
    # Finding a patient and their whole history: /patients/, /patients/<id>/ (procedures/patients/).
    path("", include("procedures.patients.urls")),
    # Letters to print and post: /letters/, /letters/print.pdf, /letters/<id>.pdf (procedures/letters/).
    path("", include("procedures.letters.urls")),
    # The appointments CSV (procedures/exports.py); before the reports page's include, so no pattern there hides it.
    path("reports/export/", export_views.export_appointments, name="export"),
    # The reports page, its charts' SVGs and CSVs: /reports/, /reports/charts/<slug>.svg, /reports/data/<slug>.csv.
    path("reports/", include("procedures.reports.urls")),
]
