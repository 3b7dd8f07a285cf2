"""Log lines, one an event: plain text by default, JSON objects when LOG_FORMAT=json (for a log collector), each
with the id of the request or the Celery task it came from, and patient data scrubbed (prepapp.observability.scrub).

The request's id is the proxy's X-Request-ID when it sent a sensible one, or one made here (RequestMiddleware); it
lives in a context variable for the request's time. A task's id is Celery's own, read from the task running now.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from celery import current_task
from celery.signals import setup_logging
from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.json import JsonFormatter

from .scrub import scrub_text

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# An id from the proxy is taken as it is when it is short and plain (a UUID, a hex or base64 string); anything else
# is replaced, so a header cannot write into the logs.
_SENSIBLE_ID = re.compile(r"[A-Za-z0-9._:+/=-]{8,128}")


def request_id_from(header: str | None) -> str:
    """The request's id: the proxy's X-Request-ID when sensible, otherwise a new one."""
    if header and _SENSIBLE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def set_request_id(value: str | None) -> None:
    """The request being served now (None once it is over: RequestMiddleware clears it when the response closes)."""
    _request_id.set(value)


def current_request_id() -> str | None:
    return _request_id.get()


def current_task_id() -> str | None:
    """The id of the Celery task this code runs in (worker or eager), else None."""
    try:
        return current_task.request.id if current_task else None
    except AttributeError:
        return None


class LogContextFilter(logging.Filter):
    """Puts `request_id` and `task_id` on every record the handler writes (None outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        record.task_id = current_task_id()
        return True


class TextLogFormatter(logging.Formatter):
    """When, how grave, whose, and the message (with its exception), scrubbed."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s: %(message)s")
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        return scrub_text(super().format(record))


# What a JSON line holds, in this order; `status_code` is Django's, on its request and server logs.
JSON_FIELDS = ("time", "level", "logger", "message", "request_id", "task_id", "status_code", "exception")


class JsonLogFormatter(JsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, task_id, and the exception's
    traceback when there is one; message and traceback scrubbed."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            "{levelname}{name}{message}{request_id}{task_id}",
            style="{",
            timestamp="time",
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
        )

    def process_log_record(self, log_data: dict) -> dict:
        for name in ("message", "exception", "stack_info"):
            if isinstance(log_data.get(name), str):
                log_data[name] = scrub_text(log_data[name])
        return {name: log_data[name] for name in JSON_FIELDS if name in log_data}


LOG_FORMATS = ("text", "json")


def logging_config(log_format: str, level: str) -> dict:
    """settings.LOGGING: everything to the console through one handler, in `log_format` (text or json)."""
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT is one of {', '.join(LOG_FORMATS)}, not {log_format!r}.")
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": LogContextFilter}},
        "formatters": {"text": {"()": TextLogFormatter}, "json": {"()": JsonLogFormatter}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["context"]}},
        "root": {"handlers": ["console"], "level": level},
    }
    if log_format == "json":
        # Django's loggers write through this handler only (in development they had a console of their own), and so
        # do Celery's processes.
        config["loggers"] = {
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        }
    # In either format: without it, Celery's workers and beat would swap this handler for their own, unscrubbed.
    setup_logging.connect(_celery_keeps_these_logs, weak=False, dispatch_uid="prepapp-logs")
    return config


def _celery_keeps_these_logs(**kwargs) -> None:
    """Celery sets up no logging of its own while a receiver of setup_logging is connected: its workers and beat log
    through settings.LOGGING (configured when Django set up), scrubbed, as text or JSON lines."""
