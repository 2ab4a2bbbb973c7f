from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterconnectionConfig(AppConfig):
    """AS4 interconnection with other platforms (Peppol four-corner model), see
    docs/interconnection.md."""

    name = "efactura.interconnection"
    label = "interconnection"
    verbose_name = _("Interconnection (AS4)")
    default_auto_field = "django.db.models.BigAutoField"
