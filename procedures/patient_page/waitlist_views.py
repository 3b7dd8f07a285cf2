"""The waiting list on the patient's page: saying she could come earlier at short notice (and how much notice she
needs), and the page behind an offer's link, /p/<token>/offer/<id>/, where she takes the earlier time or keeps
hers. As on the rest of her page, the signed token is the key: an offer that is not hers gives the same 404 as a bad
token, and everything works without JavaScript."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import clinic_time
from ..models import Appointment, SlotOffer
from ..preparation import preparation_opens_on
from ..services import BookingError, accept_offer, decline_offer, set_short_notice
from ..translations import directions_in
from .forms import ShortNoticeForm
from .language import render_for_patient
from .rate_limit import patient_view
from .services import acknowledge_move
from .views import _back, appointment_for


@patient_view("POST")
def short_notice(request: HttpRequest, token: str) -> HttpResponse:
    """ "I could come earlier": on the waiting list with the notice she needs, or off it ("leave")."""
    appointment = appointment_for(token)
    leaving = "leave" in request.POST
    form = ShortNoticeForm(request.POST)
    if not leaving and not form.is_valid():
        messages.error(request, _("Please choose how much notice you need."), "earlier")
        return _back(token, "earlier")
    try:
        set_short_notice(appointment, ok=not leaving, hours=None if leaving else form.cleaned_data["hours"])
    except BookingError:
        messages.info(request, _("Your appointment can no longer be changed here."))
        return _back(token, "top")
    if leaving:
        messages.success(request, _("Thank you: we will not offer you earlier times."), "earlier")
    else:
        messages.success(
            request, _("Thank you: if an earlier time comes free, we will offer it to you by text or email."), "earlier"
        )
    return _back(token, "earlier")


def _offer_for(appointment: Appointment, offer_id: int) -> SlotOffer:
    offer = (
        SlotOffer.objects.select_related("freed_slot__room", "appointment__procedure_type")
        .filter(pk=offer_id, appointment=appointment)
        .first()
    )
    if offer is None:
        raise Http404("No such page.")
    return offer


def _state(offer: SlotOffer) -> str:
    """What her page says of the offer: open, accepted, taken (by someone else, or booked another way), ended (its
    time ran out), declined or withdrawn (her appointment changed)."""
    Status = SlotOffer.Status
    if offer.status == Status.OFFERED:
        if SlotOffer.objects.still_open(timezone.now()).filter(pk=offer.pk).exists():
            return "open"
        return "ended" if offer.expires_at <= timezone.now() else "taken"
    return "ended" if offer.status == Status.EXPIRED else offer.status


@patient_view("GET", "HEAD", "POST")
def offer(request: HttpRequest, token: str, offer_id: int) -> HttpResponse:
    """The offer: the earlier time, until when it is open, what to do from now if taking it starts the
    preparation; "Take this time" or "Keep my time". Afterwards, what became of it."""
    appointment = appointment_for(token)
    current = _offer_for(appointment, offer_id)
    if request.method == "POST":
        if "accept" in request.POST:
            current = accept_offer(current)
            if current.status == SlotOffer.Status.ACCEPTED:
                moved = Appointment.objects.get(pk=appointment.pk)
                acknowledge_move(moved)  # she chose it: the page need not tell her it moved
                start = clinic_time.local(moved.scheduled_start)
                words = {"day": clinic_time.long_date(start), "time": clinic_time.time_of_day(start)}
                messages.success(request, _("Done: your appointment is now on {day} at {time}.").format(**words))
                return _back(token, "top")
        elif "decline" in request.POST:
            decline_offer(current)
        return redirect(reverse("patient:offer", args=[token, current.pk]))
    slot = current.freed_slot
    start = clinic_time.local(slot.start)
    lead_days = current.appointment.procedure_type.preparation_lead_days
    context = {
        "token": token,
        "appointment": appointment,
        "offer": current,
        "state": _state(current),
        "offer_start": start,
        "offer_until": clinic_time.local(current.expires_at),
        "own_start": clinic_time.local(appointment.scheduled_start),
        "place": directions_in(translation.get_language(), slot.room) or slot.room.name,
        "duration": slot.duration,
        "starts_preparation": preparation_opens_on(slot.start, lead_days) <= clinic_time.today(),
        "preparation_days": lead_days,
    }
    return render_for_patient(request, "patient/offer.html", context)
