"""/appointments/...: booking, the appointment page and its actions (included by procedures/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("new/", views.book, name="book"),
    path("new/free-times/", views.free_times_list, name="book-free-times"),
    path("<int:pk>/", views.appointment_detail, name="appointment"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/check-in/", views.check_in, name="check-in"),
    path("<int:pk>/no-show/", views.mark_no_show, name="no-show"),
    path("<int:pk>/undo-check-in/", views.undo_check_in, name="undo-check-in"),
    path("<int:pk>/undo-no-show/", views.undo_no_show, name="undo-no-show"),
    path("<int:pk>/confirm/", views.confirm_attendance, name="confirm"),
]
