"""Constants of the accounts app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    """Languages the interface and emails are available in."""

    SPANISH = "es", _("Spanish")
    ENGLISH = "en", _("English")
