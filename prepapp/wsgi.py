"""The WSGI application, for gunicorn (gunicorn.conf.py) or any WSGI server. With DEBUG off, it refuses to start on
the production settings a deployment gets wrong (prepapp/checks.py): a gunicorn worker that cannot load it fails to
boot, and gunicorn stops, the fix in its log."""

import os

from django.core.wsgi import get_wsgi_application

from prepapp.checks import refuse_unsafe_production

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prepapp.settings")
application = get_wsgi_application()
refuse_unsafe_production()
