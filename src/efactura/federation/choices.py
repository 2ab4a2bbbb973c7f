"""Constants of the federation app: message kinds and statuses, timings and limits.

Timings can be changed per installation through settings (``EFACTURA_FEDERATION_*``, read from
the environment in ``settings.py``); the values here are the defaults.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from efactura.invoices.choices import EventKind


class MessageKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    STATUS = "status", _("Status change")


class OutboundStatus(models.TextChoices):
    """Where a message this node sends stands."""

    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    RETRYING = "retrying", _("Will be retried")
    DELIVERED = "delivered", _("Delivered (receipt received)")
    REJECTED = "rejected", _("Rejected by the peer")
    FAILED = "failed", _("Failed")


OPEN_OUTBOUND = frozenset({OutboundStatus.PENDING, OutboundStatus.SENDING, OutboundStatus.RETRYING})


class InboundStatus(models.TextChoices):
    """The answer this node gave to a received message (its signed receipt says the same)."""

    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


FORWARDED_EVENTS = frozenset(
    {
        EventKind.READ,
        EventKind.ACCEPTED,
        EventKind.REJECTED,
        EventKind.PAYMENT,
        EventKind.CANCELLATION_ACCEPTED,
        EventKind.CANCELLATION_REFUSED,
    }
)
"""Events of the recipient that travel back to the issuer's platform as status messages."""

REPLAY_WINDOW_SECONDS = 600
"""A message whose ``sent`` time is further than this from the receiver's clock is refused."""
MAX_ATTEMPTS = 8
"""Sending attempts before a message is given up as failed."""
RETRY_BASE_SECONDS = 30.0
"""First retry delay; each further retry waits twice as long (30 s, 1 min, 2 min … ≈ 1 h)."""
RETRY_MAX_SECONDS = 3600.0
HTTP_TIMEOUT_SECONDS = 20.0
"""Time a peer has to answer a message (it validates the invoice before answering)."""
DISCOVERY_TIMEOUT_SECONDS = 3.0
"""Time a peer has to answer a discovery question (issuing waits for it when not cached)."""
DISCOVERY_TTL_SECONDS = 3600.0
"""How long an answer "peer X serves this participant" is reused."""
DISCOVERY_NEGATIVE_TTL_SECONDS = 300.0
"""How long "no peer serves this participant" is reused (short: customers register anytime)."""
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
"""Largest document a peer may send (the same cap as uploads)."""
