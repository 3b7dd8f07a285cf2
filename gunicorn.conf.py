"""gunicorn's settings in production: `gunicorn -c gunicorn.conf.py prepapp.wsgi` (Procfile.production, `make serve`).

Each figure can be changed from the environment (the README's "Production server" lists them). gunicorn runs
behind a TLS-terminating proxy that buffers requests and responses (nginx, a load balancer): its sync workers each
serve one request at a time, so a slow client must not hold one.

This file is read by gunicorn's master process, which must not import Django or the project: the workers do, after
they are forked, so that `kill -HUP <master>` (a graceful restart) starts workers with the new code.
"""

import os
import re
from pathlib import Path

from gunicorn.glogging import Logger
from honcho.environ import parse

# ./.env as the settings read it: the environment wins. (honcho is told not to read it: it would let .env win.) Read
# with honcho's parser, not django-environ's, which would import part of Django into the master.
_DOTENV = Path(__file__).resolve().parent / ".env"
for _name, _value in (parse(_DOTENV.read_text()) if _DOTENV.exists() else {}).items():
    os.environ.setdefault(_name, _value)

# Where it listens: 127.0.0.1:8000 for a proxy on this machine; WEB_ADDR=0.0.0.0:8000 for one on another.
bind = [os.environ.get("WEB_ADDR") or "127.0.0.1:8000"]

# Workers: gunicorn's rule of thumb, two per core and one more, at most 12: each holds a PostgreSQL connection
# (CONN_MAX_AGE) and 100-150 MB (matplotlib for the reports' charts, reportlab for letters), and the Celery worker
# and beat need connections too.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * (os.cpu_count() or 1) + 1, 12))
worker_class = "sync"

# A worker silent for this long is killed and replaced. It must outlast the slowest page, or that page would never
# load. The slowest, measured on the 2-core development machine under a load average of 10-12 (5 December 2026): the
# CSV export of 100,000 appointments, streamed, 16.4 s (bench/exports.py); the reports page for a quarter of 25,000
# appointments computed cold, 13.7 s (bench/reports.py); and one PDF of every letter due. Those volumes need 36 rooms,
# far beyond a real ductogram list. 60 s leaves them room four times over, and is also nginx's default
# proxy_read_timeout, past which the proxy would give up anyway; a request stuck longer is better ended.
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
# On a restart (HUP) or stop (TERM), a worker finishes the request in hand for up to this long: as long as the
# slowest page may take, so no one's export is cut off by a release.
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT") or timeout)
# No keepalive setting: sync workers close each connection after its response (gunicorn ignores keepalive for
# them), so the proxy opens a new one per request, which costs little on the same machine or network.
# Each worker is replaced after about this many requests (spread by the jitter, so they are not replaced at once):
# what a long-lived process slowly accumulates (font and chart caches) is given back.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "1000"))
max_requests_jitter = max(1, max_requests // 10)

# The proxy's X-Forwarded-* headers are believed from these addresses only (gunicorn's own default: this machine).
# Django itself reads X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER, BEHIND_TLS_PROXY).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stdout/stderr, for the service manager (systemd's journal, a container's log) to keep.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# One line a request: client (and whom the proxy says it serves), method, path, status, bytes, time taken in
# milliseconds, the proxy's X-Request-ID (to find the same request in the proxy's log), and the browser. No query
# string and no referrer: they carry patients' names (searches) and private links.
access_log_format = (
    '%(h)s forwarded_for=%({x-forwarded-for}i)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms '
    'request_id=%({x-request-id}i)s "%(a)s"'
)

# Paths that carry a secret (a patient's private link, an unsubscribe link, a staff calendar feed): logged with the
# secret replaced, so the access log cannot open a patient's page.
SECRET_IN_PATH = re.compile(r"^(/p/|/u/|/calendar/)(?!new/|\d+/revoke/)[^/]+?(\.ics)?(?=/|$)")


class AccessLogger(Logger):
    """gunicorn's logger, with the secrets in private links' paths replaced by "<secret>"."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = SECRET_IN_PATH.sub(r"\1<secret>\2", atoms.get("U") or "")
        return atoms


logger_class = AccessLogger
