"""WSGI entry point used by gunicorn (``efactura serve`` starts it for you)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efactura.settings")

application = get_wsgi_application()
