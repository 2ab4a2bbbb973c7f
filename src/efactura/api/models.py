"""Rows of the API app: idempotency records, acknowledgements, webhooks and their deliveries."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from efactura.api.choices import IDEMPOTENCY_KEY_MAX_LENGTH, DeliveryStatus, WebhookEvent


class IdempotencyRecord(models.Model):
    """The stored answer to a request sent with an ``Idempotency-Key`` header.

    Unique per company and key: the first request claims the key by inserting the row (a
    short transaction of its own, ``status_code`` 0 while it works), does the work outside it —
    routing lookups and deliveries may call other platforms — and then stores the answer.  A
    concurrent retry finds the claim and waits for the answer (or gets 409).  Each invoice the
    request stores is added to ``invoice_ids`` in the invoice's own transaction, so a retry
    after a crash answers with those invoices instead of creating them again.
    ``fingerprint`` (SHA-256 of the submitted content) detects a key reused for a different
    request; ``created`` is when the key was (last) claimed.
    """

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    key = models.CharField(_("idempotency key"), max_length=IDEMPOTENCY_KEY_MAX_LENGTH)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    body = models.JSONField(default=dict)
    invoice_ids = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["company", "key"], name="api_idempotency_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.company_id}:{self.key} → {self.status_code}"


class Acknowledgement(models.Model):
    """The company's programme confirmed it has taken a received invoice in.

    Lets an ERP ask only for invoices it does not have yet (``?unacknowledged=true``), robust
    against lost responses and restarts: nothing is "consumed" by merely listing it.
    """

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.CASCADE,
        related_name="acknowledgements",
        verbose_name=_("invoice"),
    )
    at = models.DateTimeField(_("acknowledged"), default=timezone.now)
    api_key = models.ForeignKey(
        "companies.ApiKey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("API key"),
    )

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["company", "invoice"], name="api_ack_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} ack {self.invoice_id}"


class Webhook(models.Model):
    """A URL of the company's programme that is told when something happens to its invoices.

    The signing secret is needed in clear to compute each signature, so it is stored encrypted
    (Fernet, key derived from the platform secret, like certificates) and shown once.
    """

    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        related_name="webhooks",
        verbose_name=_("company"),
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret_encrypted = models.BinaryField(editable=False)
    secret_hint = models.CharField(max_length=12, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ("-created",)

    def __str__(self) -> str:
        return self.url

    def event_labels(self) -> list[str]:
        labels = dict(WebhookEvent.choices)
        return [str(labels.get(event, event)) for event in self.events]


class WebhookDelivery(models.Model):
    """One notification to one webhook, with its attempts: the delivery log."""

    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invoice"),
    )
    payload = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ("-created", "-id")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["webhook", "-created"], name="api_delivery_webhook"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} ({self.status})"
