"""Peers, the discovery cache, and the messages exchanged with peers.

Peers come from ``EFACTURA_PEERS`` (settings, for infrastructure-as-code) and from
:class:`Peer` rows operators manage in the Django admin or with ``efactura peer add``; a
message from a node in neither list is refused.  Every message sent or received is kept: the
sender's :class:`OutboundMessage` records attempts and the peer's signed receipt; the
receiver's :class:`InboundMessage` makes receiving idempotent (same message id → same receipt).
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from efactura.federation.choices import InboundStatus, MessageKind, OutboundStatus


def validate_node_id(value: str) -> None:
    from efactura.federation.config import NODE_ID_PATTERN

    if not NODE_ID_PATTERN.match(value):
        raise ValidationError(
            _("Use lower-case letters, digits, dots and hyphens, e.g. bank-b."), code="invalid"
        )


def validate_public_key(value: str) -> None:
    from efactura.federation.config import public_key_bytes

    try:
        public_key_bytes(value)
    except ValueError as exc:
        raise ValidationError(
            _("This is not an Ed25519 public key in base64: %(reason)s.") % {"reason": exc},
            code="invalid",
        ) from None


class Peer(models.Model):
    """A federated platform this node trusts: its node id, address and public key."""

    node_id = models.CharField(
        _("node id"), max_length=63, unique=True, validators=[validate_node_id]
    )
    base_url = models.URLField(
        _("address"), help_text=_("Base address of the peer, e.g. https://efactura.bank.example")
    )
    public_key = models.CharField(
        _("public key"),
        max_length=64,
        validators=[validate_public_key],
        help_text=_("The peer's Ed25519 public key in base64, as its `efactura node` prints it."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("peer platform")
        verbose_name_plural = _("peer platforms")
        ordering = ("node_id",)

    def __str__(self) -> str:
        return f"{self.node_id} ({self.base_url})"


class ParticipantRoute(models.Model):
    """Discovery cache: which peer serves a participant (empty ``peer_id``: none), until when."""

    participant = models.CharField(_("participant"), max_length=80, unique=True)
    peer_id = models.CharField(_("peer"), max_length=63, blank=True)
    checked = models.DateTimeField(_("checked"), default=timezone.now)
    expires = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("discovery answer")
        verbose_name_plural = _("discovery answers")
        ordering = ("participant",)

    def __str__(self) -> str:
        return f"{self.participant} → {self.peer_id or '-'}"


class OutboundMessage(models.Model):
    """A message this node sends to a peer: an invoice or a status change, with its attempts."""

    message_id = models.UUIDField(_("message id"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.PROTECT,
        related_name="outbound_messages",
        verbose_name=_("invoice"),
    )
    peer_id = models.CharField(_("peer"), max_length=63, db_index=True)
    sender_participant = models.CharField(max_length=80)
    receiver_participant = models.CharField(max_length=80)
    document_type = models.CharField(max_length=40)
    reference = models.JSONField(_("invoice reference"), default=dict)
    payload = models.JSONField(
        _("status payload"), default=dict, blank=True, help_text=_("Status messages only.")
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OutboundStatus.choices,
        default=OutboundStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    receipt = models.JSONField(_("receipt"), default=dict, blank=True)
    receipt_signature = models.CharField(max_length=120, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("outgoing federation message")
        verbose_name_plural = _("outgoing federation messages")
        ordering = ("-created",)

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id} → {self.peer_id} ({self.status})"


class InboundMessage(models.Model):
    """A message a peer sent here, and the receipt this node answered (idempotency record)."""

    message_id = models.UUIDField(_("message id"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=MessageKind.choices)
    peer_id = models.CharField(_("peer"), max_length=63, db_index=True)
    fingerprint = models.CharField(max_length=64)
    envelope = models.JSONField(_("envelope"))
    status = models.CharField(_("status"), max_length=16, choices=InboundStatus.choices)
    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("invoice"),
    )
    receipt = models.JSONField(_("receipt"))
    received = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("incoming federation message")
        verbose_name_plural = _("incoming federation messages")
        ordering = ("-received",)

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id} ← {self.peer_id} ({self.status})"
