from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "efactura.imports"
    label = "imports"
    verbose_name = _("Background imports")
    default_auto_field = "django.db.models.BigAutoField"
