"""The patient's page, under /p/ (`patient:` names); the one-click unsubscribe of every email, under /u/
(`unsubscribe:` names, `unsubscribe_urls`)."""

from django.urls import path

from .views import cancel, change, choose, confirm, language, moved, page, read, restart, safety, stop, unsubscribe
from .waitlist_views import offer, short_notice

app_name = "patient"

urlpatterns = [
    path("<str:token>/", page, name="page"),
    path("<str:token>/confirm/", confirm, name="confirm"),
    path("<str:token>/moved/", moved, name="moved"),
    path("<str:token>/safety/", safety, name="safety"),
    path("<str:token>/read/", read, name="read"),
    path("<str:token>/change/", change, name="change"),
    path("<str:token>/choose/", choose, name="choose"),
    path("<str:token>/cancel/", cancel, name="cancel"),
    path("<str:token>/earlier/", short_notice, name="earlier"),
    path("<str:token>/offer/<int:offer_id>/", offer, name="offer"),
    path("<str:token>/stop/", stop, name="stop"),
    path("<str:token>/restart/", restart, name="restart"),
    path("<str:token>/language/", language, name="language"),
]

unsubscribe_urls = ([path("<str:token>/", unsubscribe, name="one-click")], "unsubscribe")
