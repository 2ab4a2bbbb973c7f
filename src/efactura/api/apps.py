from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "efactura.api"
    label = "api"
    verbose_name = _("API for management programmes")

    def ready(self) -> None:
        # Webhook receivers: connected once the models are loaded.
        from efactura.api import receivers  # noqa: F401
