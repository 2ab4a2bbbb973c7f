"""Constants of the audit log."""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$")
"""Dotted action names: ``<app>.<object>.<past-tense verb>``, e.g. ``companies.company.created``."""


class Source(models.TextChoices):
    """Through which edge of the platform the action came in."""

    WEB = "web", _("Web")
    API = "api", _("API")
    CLI = "cli", _("Command line")
    PEER = "peer", _("Federated platform")
    SYSTEM = "system", _("System")
