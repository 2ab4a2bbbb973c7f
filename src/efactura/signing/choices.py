"""Constants of the signing app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Policy(models.TextChoices):
    """How a company's invoices are signed when issued or imported unsigned."""

    OWN = "own", _("With our own certificate")
    SEAL = "seal", _("With the platform's seal")
    REFUSE = "refuse", _("Never with the platform's seal: refuse to issue without our certificate")


EXPIRY_WARNING_DAYS = 30
"""Certificates expiring within this many days are flagged on the page and by email."""

MAX_P12_BYTES = 64 * 1024
"""Largest certificate file accepted; real PKCS#12 files with their chain are a few KB."""
