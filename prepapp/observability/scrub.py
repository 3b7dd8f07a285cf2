"""Patient data out of what leaves the service for its operators: Sentry's events and breadcrumbs, and log lines.

Two ways, because a pattern can find an email address but never a name:
- What carries names and answers is dropped whole (in Sentry's events, `scrub_event`): local variables, request
  bodies, cookies, query strings (a patient search is `?q=<name>`), headers other than a few plain ones, the user,
  SQL parameters, and the values a log message was formatted with (ids, numbers, are kept).
- What is kept (exception messages, URLs, log messages, breadcrumbs, SQL, tags) goes through `scrub_text`: email
  addresses, phone, NHS and other long numbers, IP addresses, the tokens of patients' links (`/p/<token>/`,
  `/u/<token>/`) and staff calendar feeds, other secret-looking strings, a patient as `str(patient)` writes one
  ("OSEI, Ama (RX200001)"), model instances' reprs, and the values PostgreSQL quotes in its errors.

So our own code never writes a patient's name into an exception or a log message other than through `str(patient)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

FILTERED = "[Filtered]"

# Letters in upper case (and any non-ASCII letter): a family name as Patient.__str__ writes it.
_UPPER = r"[^\W\d_a-z]"
_NAME_WORD = rf"{_UPPER}(?:{_UPPER}|['’-]){{0,40}}"
_PATTERNS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # What PostgreSQL quotes from a row: "Key (email)=(ama@example.org) already exists", "Failing row contains (...)".
    (
        re.compile(
            r"(Key \([^)\n]{0,200}\)=\().{0,1000}?(\)(?: already exists| is not present| conflicts|\.|$))", re.M
        ),
        r"\1[value]\2",
    ),
    (re.compile(r"(Failing row contains \()[^\n]*"), r"\1[row])"),
    # A patient as str(patient) writes one: "OSEI, Ama (RX200001)".
    # (Bounded repeats from a word's start: no slow backtracking over a long run of capitals.)
    (
        re.compile(rf"(?<!{_UPPER}){_NAME_WORD}(?: {_NAME_WORD}){{0,4}}, [^,()\n]{{1,100}} \([^()\s]{{1,40}}\)"),
        "[patient]",
    ),
    # A model instance's repr: "<Patient: OSEI, Ama (RX200001)>".
    (re.compile(r"<([A-Z]\w{0,60}): [^<>\n]{1,300}>"), r"<\1: [Filtered]>"),
    # A query string in a URL (a patient search is ?q=<name>): kept out whole.
    (re.compile(r"\?[^\s?#=&\"'<>]+=[^\s#\"'<>]*"), "?[query]"),
    # The tokens in patients' links and staff calendar feeds.
    (re.compile(r"(/[pu]/)[^/\s?#\"'<>]+"), r"\1[token]"),
    (re.compile(r"(/calendar/)[\w-]+(\.ics)"), r"\1[token]\2"),
    # A value signed by django.core.signing with "." as separator: "42.kY3f...".
    (re.compile(r"\b\d+\.[\w-]{20,}"), "[token]"),
    (re.compile(r"(?<![\w.+%'-])[\w.+%'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}"), "[email]"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b"), "[ip]"),
    # Phone and NHS numbers, and any other run of nine or more digits (spaces, dots, dashes and brackets between),
    # except an ISO date, which stays readable.
    (re.compile(r"(?<![\w.-])(?!\d{4}-\d\d-\d\d)\+?\d(?:[ ().-]{0,2}\d){8,}"), "[number]"),
    # Secret-looking strings: 24+ letters, digits, - and _ with upper and lower case and a digit (bearer tokens,
    # keys); code names (snake_case, CamelCase without digits) are left alone.
    (
        re.compile(r"[\w-]{24,}"),
        lambda m: "[token]" if _looks_random(m.group()) else m.group(),
    ),
]


def _looks_random(word: str) -> bool:
    return any(c.isdigit() for c in word) and any(c.isupper() for c in word) and any(c.islower() for c in word)


def scrub_text(text: str) -> str:
    """`text` with the patient data a pattern can find replaced by a word saying what was there."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def safe_format(template: Any, args: Any) -> str:
    """A log message formatted with its numbers and with "[Filtered]" for every other value (names hide in them)."""
    template = scrub_text(str(template))
    if not args:
        return template
    safe: Any
    if isinstance(args, dict):
        safe = {key: _safe_arg(value) for key, value in args.items()}
    else:
        safe = tuple(_safe_arg(value) for value in (args if isinstance(args, tuple | list) else (args,)))
    try:
        return template % safe
    except (TypeError, ValueError, KeyError):
        return template


def _safe_arg(value: Any) -> Any:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else FILTERED


# Keys whose values are the SDK's own (ids, times, code locations), never scrubbed by pattern.
_OWN_KEYS = frozenset(
    {
        "event_id",
        "timestamp",
        "start_timestamp",
        "trace_id",
        "span_id",
        "parent_span_id",
        "abs_path",
        "filename",
        "module",
        "function",
        "lineno",
        "colno",
        "context_line",
        "pre_context",
        "post_context",
        "sdk",
        "modules",
        "release",
        "platform",
        "level",
        "type",
        "in_app",
    }
)
# Request headers kept: none of them names a person or carries a secret.
_PLAIN_HEADERS = frozenset(
    {"accept", "accept-encoding", "accept-language", "content-length", "content-type", "host", "user-agent"}
)
_REQUEST_IDS = frozenset({"x-request-id"})


def _walk(value: Any, key: str = "") -> Any:
    """Every string under `value` through scrub_text, except the SDK's own fields."""
    if key in _OWN_KEYS:
        return value
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: _walk(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(v) for v in value]
    return value


def _scrub_request(request: dict) -> dict:
    kept = {k: v for k, v in request.items() if k in ("url", "method", "headers", "env")}
    if "url" in kept:
        kept["url"] = str(kept["url"]).split("?", 1)[0]
    if isinstance(kept.get("headers"), dict):
        kept["headers"] = {
            name: value for name, value in kept["headers"].items() if name.lower() in _PLAIN_HEADERS | _REQUEST_IDS
        }
    if isinstance(kept.get("env"), dict):
        kept["env"] = {k: v for k, v in kept["env"].items() if k in ("SERVER_NAME", "SERVER_PORT")}
    return kept


def _drop_frame_variables(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("vars", None)
        for child in node.values():
            _drop_frame_variables(child)
    elif isinstance(node, list):
        for child in node:
            _drop_frame_variables(child)


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """Sentry's before_send (and before_send_transaction): the event without patient data (see the module's note)."""
    hint = hint or {}
    event.pop("user", None)
    if isinstance(event.get("request"), dict):
        event["request"] = _scrub_request(event["request"])
    for part in ("exception", "threads", "stacktrace"):
        _drop_frame_variables(event.get(part))
    record = hint.get("log_record")
    if record is not None and isinstance(event.get("logentry"), dict):
        event["logentry"] = {"message": scrub_text(str(record.msg)), "formatted": safe_format(record.msg, record.args)}
    elif isinstance(event.get("logentry"), dict):
        entry = event["logentry"]
        event["logentry"] = {
            "message": scrub_text(str(entry.get("message", ""))),
            "formatted": safe_format(entry.get("message", ""), entry.get("params")),
        }
    celery_job = event.get("extra", {}).get("celery-job")
    if isinstance(celery_job, dict):  # a task's arguments (the SDK filters them itself unless told to send them)
        if isinstance(celery_job.get("args"), list | tuple):
            celery_job["args"] = [_safe_arg(a) for a in celery_job["args"]]
        if isinstance(celery_job.get("kwargs"), dict):
            celery_job["kwargs"] = {k: _safe_arg(v) for k, v in celery_job["kwargs"].items()}
    for span in event.get("spans") or []:
        if isinstance(span.get("data"), dict):
            span["data"].pop("db.params", None)
    if isinstance(event.get("breadcrumbs"), dict):
        crumbs = event["breadcrumbs"].get("values") or []
        event["breadcrumbs"]["values"] = [scrub_breadcrumb(crumb) for crumb in crumbs]
    return _walk(event)


def scrub_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    """Sentry's before_breadcrumb: a log record's message with its values filtered, SQL without its parameters, and
    every string through scrub_text."""
    record = (hint or {}).get("log_record")
    if record is not None:
        crumb["message"] = safe_format(record.msg, record.args)
    data = crumb.get("data")
    if isinstance(data, dict):
        crumb["data"] = {k: v for k, v in data.items() if k not in ("db.params", "params")}
    return _walk(crumb)
