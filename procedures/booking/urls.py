"""/appointments/...: booking, the appointment page and its actions (included by procedures/urls.py)."""

from django.urls import path

from ..end_of_day import views as end_of_day
from . import views

urlpatterns = [
    path("new/", views.book, name="book"),
    path("new/free-times/", views.free_times_list, name="book-free-times"),
    path("<int:pk>/", views.appointment_detail, name="appointment"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/check-in/", views.check_in, name="check-in"),
    # Did not attend (with why and what next) and attended-recorded-afterwards: the end of the day's actions, also
    # on the appointment page (procedures/end_of_day/).
    path("<int:pk>/no-show/", end_of_day.did_not_attend, name="no-show"),
    path("<int:pk>/attended/", end_of_day.attended, name="attended"),
    path("<int:pk>/undo-check-in/", views.undo_check_in, name="undo-check-in"),
    path("<int:pk>/undo-no-show/", views.undo_no_show, name="undo-no-show"),
    path("<int:pk>/confirm/", views.confirm_attendance, name="confirm"),
]
