"""Constants of the SPFE queue."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    """What one queue item carries."""

    COPY = "copy", _("Invoice copy (UBL)")
    STATUS = "status", _("Status message")


class ItemState(models.TextChoices):
    """Where one queue item stands."""

    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    RETRYING = "retrying", _("Waiting to retry")
    ACCEPTED = "accepted", _("Accepted by the SPFE")
    REJECTED = "rejected", _("Rejected by the SPFE")


OPEN_STATES = frozenset({ItemState.PENDING, ItemState.SENDING, ItemState.RETRYING})
"""Items still to be delivered."""

LEASE_SECONDS = 300
"""How long a worker holds an item while sending it; a worker that dies frees it after this."""

MAX_RETRY_SECONDS = 3600
"""Back-off cap: an unreachable SPFE is tried at least hourly, and never given up on."""
