"""Search results as FHIR `searchset` Bundles, and paging through them.

Paging is by offset: `_count` (default DEFAULT_COUNT, at most MAX_COUNT; `_count=0` gives the total alone) and
`_offset`, which a client never has to write: the Bundle's `next` (and `previous`) link carries it. Every page costs
the same queries: one COUNT for `total`, one SELECT for the page (the selectors join what a resource shows), however
deep the page. Links are absolute, on the site's public address (SITE_URL), and repeat the search's own parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from fhirclient.models.bundle import Bundle, BundleEntry
from fhirclient.models.resource import Resource

from .errors import bad_parameter

DEFAULT_COUNT = 50
MAX_COUNT = 200
# Deeper than this, a client should narrow its search (a date range) rather than page on.
MAX_OFFSET = 100_000
PAGING_PARAMETERS = ("_count", "_offset")


def base_url() -> str:
    """The FHIR base address: what every fullUrl, link and the CapabilityStatement start with."""
    return f"{settings.SITE_URL}/fhir"


def _whole_number(name: str, value: str, *, highest: int) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise bad_parameter(name, f"'{value[:40]}' is not a whole number of 0 or more.")
    number = int(value)
    if number > highest:
        raise bad_parameter(name, f"at most {highest}.")
    return number


@dataclass(frozen=True)
class Paging:
    count: int = DEFAULT_COUNT
    offset: int = 0

    @classmethod
    def from_query(cls, query) -> Paging:
        """`_count` and `_offset` from a QueryDict: a `_count` above MAX_COUNT is brought down to it (as the spec
        lets a server do); anything not a whole number is a 400 naming the parameter."""
        values = {}
        for name in PAGING_PARAMETERS:
            given = query.getlist(name)
            if len(given) > 1:
                raise bad_parameter(name, "give it once.")
            if given:
                values[name] = given[0].strip()
        count = DEFAULT_COUNT
        if "_count" in values:
            count = min(_whole_number("_count", values["_count"], highest=10**9), MAX_COUNT)
        offset = _whole_number("_offset", values["_offset"], highest=MAX_OFFSET) if "_offset" in values else 0
        return cls(count=count, offset=offset)


def page_of(found: QuerySet | Sequence, paging: Paging) -> tuple[list, int]:
    """The page's rows and the total: a COUNT and a SELECT for a queryset (none for a list)."""
    total = found.count() if isinstance(found, QuerySet) else len(found)
    if paging.count == 0 or paging.offset >= total:
        return [], total
    return list(found[paging.offset : paging.offset + paging.count]), total


def _link(resource_type: str, query: list[tuple[str, str]], count: int, offset: int) -> str:
    paging = [("_count", str(count))] + ([("_offset", str(offset))] if offset else [])
    return f"{base_url()}/{resource_type}?{urlencode(query + paging)}"


def searchset(
    resource_type: str,
    resources: list[Resource],
    *,
    total: int,
    paging: Paging,
    query: list[tuple[str, str]],
    outcome: Resource | None = None,
) -> dict:
    """A searchset Bundle as JSON: `total`, the `self` link (the search as understood: `query` is its parameters
    without the paging ones), `next` while rows remain and `previous` after the first page; each resource with its
    fullUrl and search mode "match" (or "include" when it is not of the searched type), and `outcome` (warnings)
    as an entry of mode "outcome"."""
    links = [{"relation": "self", "url": _link(resource_type, query, paging.count, paging.offset)}]
    if paging.count and paging.offset + paging.count < total:
        links.append(
            {"relation": "next", "url": _link(resource_type, query, paging.count, paging.offset + paging.count)}
        )
    if paging.count and paging.offset:
        previous = max(0, paging.offset - paging.count)
        links.append({"relation": "previous", "url": _link(resource_type, query, paging.count, previous)})
    bundle = Bundle({"resourceType": "Bundle", "type": "searchset", "total": total, "link": links})
    entries = []
    for resource in resources:
        mode = "match" if resource.resource_type == resource_type else "include"
        entry = BundleEntry(
            {"fullUrl": f"{base_url()}/{resource.resource_type}/{resource.id}", "search": {"mode": mode}}
        )
        entry.resource = resource
        entries.append(entry)
    if outcome is not None:
        entry = BundleEntry({"search": {"mode": "outcome"}})
        entry.resource = outcome
        entries.append(entry)
    bundle.entry = entries or None
    return bundle.as_json()
