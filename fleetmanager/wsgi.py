"""WSGI entry point (gunicorn fleetmanager.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fleetmanager.settings")

application = get_wsgi_application()
