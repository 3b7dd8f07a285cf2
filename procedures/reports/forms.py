"""The reports' period and filters, read from the query string (GET): every value either means something or is
refused with a sentence, never an error page."""

from __future__ import annotations

from django import forms

from procedures import clinic_time
from procedures.access import radiologists, staff_name
from procedures.models import Room
from procedures.params import parse_day

from .period import LONGEST, PRESETS, Filters, preset_span


class ReportFilterForm(forms.Form):
    period = forms.ChoiceField(choices=list(PRESETS.items()), required=False, initial="this_month")
    date_from = forms.CharField(label="From", required=False, max_length=10)
    date_to = forms.CharField(label="To", required=False, max_length=10)
    room = forms.ModelChoiceField(queryset=Room.objects.order_by("name"), required=False, empty_label="All rooms")
    radiologist = forms.ModelChoiceField(queryset=None, required=False, empty_label="All radiologists")

    def __init__(self, data=None, **kwargs):
        # The links say from= and to=; the fields are named date_from and date_to so as not to shadow keywords.
        if data is not None:
            data = data.copy()
            for short, name in (("from", "date_from"), ("to", "date_to")):
                if short in data and name not in data:
                    data[name] = data[short]
        super().__init__(data, **kwargs)
        self.fields["radiologist"].queryset = radiologists()
        self.fields["radiologist"].label_from_instance = staff_name
        for name in ("room", "radiologist"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def clean(self):
        cleaned = super().clean()
        preset = cleaned.get("period") or "this_month"
        cleaned["period"] = preset
        if preset == "custom":
            first, last = parse_day(cleaned.get("date_from")), parse_day(cleaned.get("date_to"))
            if first is None:
                self.add_error("date_from", "Enter the first day as YYYY-MM-DD.")
            if last is None:
                self.add_error("date_to", "Enter the last day as YYYY-MM-DD.")
            if first and last:
                if last < first:
                    self.add_error("date_to", "The last day is before the first.")
                elif last - first > LONGEST:
                    self.add_error("date_to", "A report covers at most three years.")
            cleaned["first"], cleaned["last"] = first, last
        else:
            cleaned["first"], cleaned["last"] = preset_span(preset, clinic_time.today())
        return cleaned

    def filters(self) -> Filters:
        """The filters asked for; this month, unfiltered, when the form is not valid (its errors say why)."""
        if not self.is_bound or not self.is_valid():
            first, last = preset_span("this_month", clinic_time.today())
            return Filters("this_month", first, last)
        data = self.cleaned_data
        room, radiologist = data.get("room"), data.get("radiologist")
        room_id, radiologist_id = (room.pk if room else None), (radiologist.pk if radiologist else None)
        return Filters(data["period"], data["first"], data["last"], room_id, radiologist_id)
