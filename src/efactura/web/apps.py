from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "efactura.web"
    label = "web"
    verbose_name = _("Web pages")


class TasksDatabaseConfig(AppConfig):
    """django-tasks-db with a translatable name in the back office (its own is English only)."""

    name = "django_tasks_db"
    label = "django_tasks_database"
    verbose_name = _("Background tasks")

    def ready(self) -> None:
        from django_tasks_db import signal_handlers  # noqa: F401  (as the package's own config)
