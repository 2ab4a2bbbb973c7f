"""Constants of the API: limits, webhook event types, back-off schedule."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

API_VERSION = "v1"

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
"""Largest ``page_size`` a list accepts; bigger values are answered with 422."""

DEFAULT_MAX_REQUEST_BYTES = 11 * 1024 * 1024
"""Largest request body (``EFACTURA_API_MAX_REQUEST_BYTES``): one 10 MB document plus the
multipart envelope.  Bigger requests get 413 before their body is read."""

DEFAULT_RATE_LIMIT = 600
"""Requests per key per window (``EFACTURA_API_RATE_LIMIT``)."""

DEFAULT_RATE_WINDOW_SECONDS = 60
"""Length of the rate-limit window (``EFACTURA_API_RATE_WINDOW``)."""

IDEMPOTENCY_KEY_MAX_LENGTH = 200
IDEMPOTENCY_RETENTION_DAYS = 30
"""Stored responses are kept this long; ERPs retry within minutes, not months."""

IDEMPOTENCY_LEASE_SECONDS = 300
"""A request claims its key for this long.  A claim still unanswered after it belongs to a
request whose process died: the next retry takes it over (answering with the invoices the
dead request had stored, if any, or doing the work)."""

DEFAULT_IDEMPOTENCY_WAIT_SECONDS = 5.0
"""How long a retry waits for a concurrent request with the same key to finish
(``EFACTURA_IDEMPOTENCY_WAIT_SECONDS``) before it is answered 409 with ``Retry-After``."""

SYNC_SETTLE_SECONDS = 2
"""The change feed (``changes=true``) leaves out rows changed in the last seconds, so a
transaction that committed a little late is not skipped by a client that already moved on."""


class WebhookEvent(models.TextChoices):
    """What a webhook can be told about."""

    INVOICE_RECEIVED = "invoice.received", _("An invoice arrived in Invoices payable")
    STATUS_CHANGED = "invoice.status_changed", _("The status of an invoice changed")
    DELIVERY_FAILED = "invoice.delivery_failed", _("An invoice could not be delivered")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RETRYING = "retrying", _("Retrying")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


WEBHOOK_TIMEOUT_SECONDS = 10.0
WEBHOOK_MAX_ATTEMPTS = 8
WEBHOOK_BACKOFF_BASE_SECONDS = 30
"""Attempt n (1-based) that fails is retried after base × 2^(n-1) seconds: 30 s, 1 min,
2 min, 4 min … about 64 min before the 8th and last attempt (a bit over two hours in all)."""
WEBHOOK_SIGNATURE_HEADER = "Efactura-Signature"
WEBHOOK_TOLERANCE_SECONDS = 300
"""Receivers should refuse signatures older than this (replay protection)."""
