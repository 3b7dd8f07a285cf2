"""How the tests call the FHIR API, and the one check every answer passes: it is application/fhir+json and parses and
validates with both FHIR R4 (4.0.1) model libraries, so our own models are not the only judge:

- fhirclient 4.x (the library the API builds with), strictly: no unknown element, every required one, the types and
  the date/instant patterns; and its JSON back is exactly what was sent, so nothing was dropped on the way;
- fhir.resources 6.4.0 (pydantic), the last release whose default models are R4 4.0.1: its own validators, down to
  the resources inside a Bundle.
"""

from __future__ import annotations

import json

from django.test import Client
from fhir.resources import construct_fhir_element
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from procedures.fhir import auth

BASE = "http://localhost:8000/fhir"


def new_token(*scopes: str, name: str | None = None) -> str:
    """A client system's bearer token, made as the admin makes it (auth.new_client)."""
    _, token = auth.new_client(name=name or f"System with {' and '.join(scopes) or 'no scope'}", scopes=scopes)
    return token


def fhir_get(path: str, token: str | None = None, *, headers: dict | None = None, **params):
    """GET /fhir/<path> as a client system does: its bearer token, not signed in."""
    headers = {**(headers or {})}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    url = path if path.startswith("/fhir/") else f"/fhir/{path}"
    return Client().get(url, params, headers=headers)


def follow(url: str, token: str):
    """GET an absolute link from a Bundle (next, previous, self)."""
    assert url.startswith(BASE + "/"), url
    return Client().get(url.removeprefix("http://localhost:8000"), headers={"Authorization": f"Bearer {token}"})


def valid(response, status: int = 200, resource_type: str | None = None) -> dict:
    """The answer's JSON, once it has the status, the FHIR JSON content type and passes both libraries."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    data = response.json()
    if resource_type is not None:
        assert data["resourceType"] == resource_type, data
    model = FHIRElementFactory.instantiate(data["resourceType"], data)  # strict: raises FHIRValidationError
    assert model.as_json() == data
    construct_fhir_element(data["resourceType"], data)  # raises pydantic's ValidationError
    return data


def search(path: str, token: str, *, resource_type: str | None = None, **params) -> dict:
    """A search's searchset Bundle, checked."""
    bundle = valid(fhir_get(path, token, **params), 200, "Bundle")
    assert bundle["type"] == "searchset"
    if resource_type:
        assert all(e["resource"]["resourceType"] == resource_type for e in matches(bundle))
    return bundle


def matches(bundle: dict) -> list[dict]:
    return [entry for entry in bundle.get("entry", []) if entry["search"]["mode"] == "match"]


def ids(bundle: dict) -> list[str]:
    return [entry["resource"]["id"] for entry in matches(bundle)]


def link(bundle: dict, relation: str) -> str | None:
    return next((item["url"] for item in bundle["link"] if item["relation"] == relation), None)


def outcome(response, status: int) -> dict:
    """An error's OperationOutcome, checked: the status, one issue of severity error; returns the issue."""
    data = valid(response, status, "OperationOutcome")
    (issue,) = data["issue"]
    assert issue["severity"] == "error"
    return issue


def fhir_post(path: str, body, token: str | None = None, *, content_type: str = "application/fhir+json"):
    """POST a resource (a dict, sent as JSON, or a string sent as it is) to /fhir/<path> as a client system does."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return Client().post(f"/fhir/{path}", data, content_type=content_type, headers=headers)
