from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "efactura.sso"
    label = "sso"
    verbose_name = _("Sign-in from online banking")
