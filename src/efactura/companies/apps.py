from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompaniesConfig(AppConfig):
    name = "efactura.companies"
    label = "companies"
    verbose_name = _("Companies")
