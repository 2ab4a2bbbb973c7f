"""Partners, this platform's AS4 credential, and the AS4 messages sent and received.

A partner is another access point: its SMP, and the AS4 certificate it signs with (its AS4
endpoint and encryption certificate are read from its SMP per recipient).  Outbound messages
are the retry queue; inbound message ids are the duplicate-elimination record (ebMS 3.0,
reception awareness): a MessageId seen before gets the receipt it got the first time.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from efactura.interconnection.choices import MessageKind, OutboundStatus


def new_message_id() -> str:
    return f"{uuid.uuid4()}@efactura"


class Partner(models.Model):
    """Another platform this one exchanges AS4 messages with (``efactura partner add``)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    smp_url = models.URLField(_("SMP address"), max_length=500)
    party_id = models.CharField(
        _("AS4 party id"), max_length=200, help_text=_("Common name of its AP certificate.")
    )
    certificate = models.TextField(_("AS4 certificate (PEM)"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner platform")
        verbose_name_plural = _("partner platforms")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.party_id})"


class NodeCredential(models.Model):
    """This platform's AS4 certificate and private key (the key encrypted at rest)."""

    certificate = models.TextField(_("certificate (PEM)"))
    key_encrypted = models.BinaryField(editable=False, verbose_name=_("key encrypted"))
    created = models.DateTimeField(_("installed"), auto_now_add=True)

    class Meta:
        verbose_name = _("AS4 certificate of this platform")
        verbose_name_plural = _("AS4 certificates of this platform")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"AS4 certificate #{self.pk}"


class OutboundMessage(models.Model):
    """One AS4 user message to send, with its attempts (the retry queue)."""

    message_id = models.CharField(
        max_length=200, unique=True, default=new_message_id, verbose_name=_("message id")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=MessageKind.choices)
    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="as4_messages",
        verbose_name=_("invoice"),
    )
    sender_participant = models.CharField(max_length=140, verbose_name=_("sender participant"))
    recipient_participant = models.CharField(
        max_length=140, verbose_name=_("recipient participant")
    )
    payload = models.BinaryField(
        blank=True,
        default=b"",
        help_text="Business document (empty: the invoice's, at send time).",
        verbose_name=_("payload"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=OutboundStatus.choices,
        default=OutboundStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt = models.DateTimeField(_("next attempt"), null=True, blank=True)
    partner = models.CharField(_("partner"), max_length=200, blank=True)
    endpoint_url = models.CharField(_("AS4 endpoint"), max_length=500, blank=True)
    document_type = models.CharField(max_length=300, blank=True, verbose_name=_("document type"))
    instance_id = models.CharField(
        _("SBDH instance id"), max_length=64, default=uuid.uuid4, db_index=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    receipt = models.BinaryField(blank=True, default=b"", verbose_name=_("receipt"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        verbose_name = _("outbound AS4 message")
        verbose_name_plural = _("outbound AS4 messages")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id} → {self.recipient_participant}"


class InboundMessage(models.Model):
    """An AS4 user message received: its MessageId (unique) and the receipt it was given."""

    message_id = models.CharField(max_length=200, unique=True, verbose_name=_("message id"))
    kind = models.CharField(_("kind"), max_length=12, choices=MessageKind.choices)
    party_id = models.CharField(_("sending access point"), max_length=200)
    sender_participant = models.CharField(max_length=140, verbose_name=_("sender participant"))
    recipient_participant = models.CharField(
        max_length=140, verbose_name=_("recipient participant")
    )
    document_type = models.CharField(max_length=300, blank=True, verbose_name=_("document type"))
    instance_id = models.CharField(_("SBDH instance id"), max_length=200, blank=True)
    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="as4_inbound",
        verbose_name=_("invoice"),
    )
    outcome = models.CharField(_("outcome"), max_length=20)
    detail = models.TextField(_("detail"), blank=True)
    receipt = models.BinaryField(default=b"", verbose_name=_("receipt"))
    receipt_content_type = models.CharField(
        max_length=200, default="application/soap+xml", verbose_name=_("receipt content type")
    )
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("inbound AS4 message")
        verbose_name_plural = _("inbound AS4 messages")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id} ({self.outcome})"


class DiscoveryEntry(models.Model):
    """A cached discovery answer for one participant (reused until ``expires``).

    ``endpoints`` maps document type → ``{"url", "certificate", "partner", "process"}``;
    empty means no configured SMP serves the participant.
    """

    participant = models.CharField(max_length=140, unique=True, verbose_name=_("participant"))
    endpoints = models.JSONField(default=dict, verbose_name=_("endpoints"))
    expires = models.DateTimeField(verbose_name=_("expires"))

    class Meta:
        verbose_name = _("discovery answer")
        verbose_name_plural = _("discovery answers")

    def __str__(self) -> str:
        return self.participant
