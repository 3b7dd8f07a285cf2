"""Issue 22, cause 6: an id that is no id in the admin's history pages (django-simple-history) or in an add page's
values from the address (?appointment=abc, ?patient=abc) is a 404 or is left out, never a 500; a real id still works."""

import pytest

from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

NOT_IDS = ["abc", "1.5", "-", "1e3"]  # letters, a decimal, punctuation, a number written as a float


@pytest.mark.parametrize("value", NOT_IDS)
@pytest.mark.parametrize("model", ["appointment", "patient", "procedureresult", "faqentry"])
def test_a_history_page_for_an_id_that_is_no_id_is_not_found(admin_client, model, value):
    assert admin_client.get(f"/admin/procedures/{model}/{value}/history/").status_code == 404


def test_a_history_page_for_an_id_past_any_row_is_not_found(admin_client):
    assert admin_client.get(f"/admin/procedures/appointment/{'9' * 40}/history/").status_code == 404


@pytest.mark.parametrize("value", NOT_IDS)
def test_a_history_version_that_is_no_id_is_not_found(admin_client, value):
    appointment = AppointmentFactory()
    base = f"/admin/procedures/appointment/{appointment.pk}/history/"
    assert admin_client.get(base).status_code == 200
    assert admin_client.get(f"{base}{value}/").status_code == 404
    version = appointment.history.first().history_id
    assert admin_client.get(f"{base}{version}/").status_code == 200


@pytest.mark.parametrize("value", NOT_IDS)
@pytest.mark.parametrize(
    "page, field", [("procedureresult", "appointment"), ("patientcall", "appointment"), ("appointment", "patient")]
)
def test_an_add_page_ignores_an_initial_value_that_is_no_id(admin_client, page, field, value):
    response = admin_client.get(f"/admin/procedures/{page}/add/", {field: value})
    assert response.status_code == 200
    assert response.context["adminform"].form.initial.get(field) is None


def test_an_add_page_keeps_a_real_id_from_the_address(admin_client):
    appointment = AppointmentFactory()
    response = admin_client.get("/admin/procedures/patientcall/add/", {"appointment": appointment.pk})
    assert str(response.context["adminform"].form.initial.get("appointment")) == str(appointment.pk)


@pytest.mark.parametrize("value", [*NOT_IDS, "\x00", "9" * 30])
@pytest.mark.parametrize(
    "page, field",
    [
        ("procedureresult", "appointment"),
        ("patientcall", "appointment"),
        ("appointment", "patient"),
        ("faqentrytranslation", "source"),
    ],
)
def test_an_id_that_is_no_id_posted_in_an_autocomplete_box_gets_the_form_again(admin_client, page, field, value):
    """The probe's find (issue 22): the autocomplete box looked the posted id up to draw it, and failed (a 500)."""
    response = admin_client.post(f"/admin/procedures/{page}/add/", {field: value})
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
