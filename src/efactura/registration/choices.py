"""Constants of the registration app (each overridable in settings, see :func:`setting`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""32 symbols without the look-alikes 0/O and 1/I: each character carries 5 bits."""

CODE_LENGTH = 12
"""12 characters × 5 bits = 60 bits; printed as three groups of four (``ABCD-EFGH-JKLM``)."""

DEFAULTS: dict[str, Any] = {
    "EFACTURA_CODE_DAYS": 30,
    "EFACTURA_REGISTRATION_MAX_ATTEMPTS": 5,
    "EFACTURA_REGISTRATION_LOCK_MINUTES": 30,
    "EFACTURA_REGISTRATION_IP_MAX_ATTEMPTS": 20,
    "EFACTURA_REGISTRATION_TAX_ID_CEILING": 50,
}
"""``EFACTURA_CODE_DAYS``: days a code stays valid.  ``..._MAX_ATTEMPTS``: wrong attempts
for one tax ID that lock its registration for ``..._LOCK_MINUTES``.  ``..._IP_MAX_ATTEMPTS``:
wrong attempts from one network address (any tax ID) before that address is locked too.
``..._MAX_ATTEMPTS`` counts per (tax ID, client): one client guessing cannot lock the tax ID for
everyone.  ``..._TAX_ID_CEILING``: wrong attempts for one tax ID from all clients together
before the tax ID itself is locked (a distributed guess).  Each further lock of the same key
lasts twice as long as the previous one (back-off), up to a day."""


def setting(name: str) -> Any:
    """The setting ``name`` or its default from :data:`DEFAULTS`."""
    return getattr(settings, name, DEFAULTS[name])


class CodeKind(models.TextChoices):
    """The two halves of a registration."""

    INVITATION = "A", _("Code A (invitation email)")
    ISSUER = "B", _("Code B (from the issuer)")
