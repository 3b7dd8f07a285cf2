"""A NUL byte in a query string: PostgreSQL refuses it in text, so each admin list filter, the admin's search and
its autocomplete answered 500 on it. The site now answers 400 for a NUL in any parameter's name or value, on every
page, with every header a page carries; a filter without one still works."""

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.contrib import admin
from django.urls import reverse

from procedures.models import Appointment
from tests.factories import ProcedureResultFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_cache", "frozen_now")]


def changelists() -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    ]


def assert_refused_with_our_headers(response, where: str) -> None:
    assert response.status_code == 400, where
    assert response.content == b"A query parameter holds a NUL character.", where
    for header in ("Content-Security-Policy", "Permissions-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert header in response, (where, header)
    assert "no-store" in response["Cache-Control"], where


def with_nul(query: str) -> list[str]:
    """The query once for each parameter, with a NUL in that parameter's value."""
    pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    return [urlencode([(k, v + "\x00" if i == n else v) for i, (k, v) in enumerate(pairs)]) for n in range(len(pairs))]


def test_every_admin_list_filter_with_a_nul_is_refused_not_a_500(admin_client):
    ProcedureResultFactory()
    tried = 0
    for base in changelists():
        page = admin_client.get(base)
        assert page.status_code == 200, base
        cl = page.context["cl"]
        queries = {urlsplit(choice["query_string"]).query for spec in cl.filter_specs for choice in spec.choices(cl)}
        for query in filter(None, queries):
            for nul_query in with_nul(query):
                assert_refused_with_our_headers(admin_client.get(f"{base}?{nul_query}"), f"{base}?{nul_query}")
                tried += 1
        assert_refused_with_our_headers(admin_client.get(base, {"q": "Smith\x00"}), f"{base} search")
        assert_refused_with_our_headers(admin_client.get(base, {"status\x00": "booked"}), f"{base} name")
    assert tried > 20


def test_the_admin_autocomplete_with_a_nul_is_refused(admin_client):
    params = {"app_label": "procedures", "model_name": "procedureresult", "field_name": "appointment"}
    url = reverse("admin:autocomplete")
    assert admin_client.get(url, params | {"term": "Smith"}).status_code == 200
    for term in ("\x00", "Sm\x00ith", "\x00\x00"):
        assert_refused_with_our_headers(admin_client.get(url, params | {"term": term}), repr(term))
    assert_refused_with_our_headers(admin_client.get(url, params | {"term": "a", "page": "1\x00"}), "page")


def test_a_nul_outside_the_admin_is_left_to_our_pages_and_a_filter_without_one_still_works(client, admin_client):
    # Our own pages answer it themselves, with their usual page (tests/procedures/test_query_parameters.py).
    assert client.get(reverse("login"), {"next": "/\x00"}).status_code == 200
    assert admin_client.get("/schedule/", {"date": "2030-06-05\x00"}).status_code == 200
    assert_refused_with_our_headers(admin_client.get("/admin/", {"x": "\x00"}), "admin index")
    base = reverse("admin:procedures_appointment_changelist")
    assert admin_client.get(base, {"status__exact": Appointment.Status.BOOKED, "q": "Smith"}).status_code == 200
