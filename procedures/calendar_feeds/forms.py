"""The administrator's choice of whose feed to make: any active radiologist or room, in one grouped list."""

from __future__ import annotations

from django import forms

from ..access import radiologists, staff_name
from ..models import CalendarFeed, Room


class NewFeedForm(forms.Form):
    subject = forms.ChoiceField(label="Whose ductograms", help_text="A radiologist's own list, or a room's.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = [(f"radiologist-{user.pk}", staff_name(user)) for user in radiologists()]
        rooms = [(f"room-{room.pk}", room.name) for room in Room.objects.filter(is_active=True).order_by("name")]
        self.fields["subject"].choices = [("", "Choose…"), ("A radiologist's", people), ("A room's", rooms)]

    def cleaned_subject(self) -> dict:
        """The service's keywords for the choice: kind, and the user or the room."""
        kind, pk = self.cleaned_data["subject"].split("-")
        if kind == CalendarFeed.Kind.ROOM:
            return {"kind": kind, "room": Room.objects.get(pk=pk)}
        return {"kind": CalendarFeed.Kind.RADIOLOGIST, "user": radiologists().get(pk=pk)}
