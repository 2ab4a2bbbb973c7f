"""The SPFE outbound queue: one item per invoice copy and per status message."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from efactura.spfe.choices import ItemKind, ItemState


class Item(models.Model):
    """One message for the SPFE: the faithful UBL copy of an invoice, or one status message.

    Items of one invoice are delivered strictly in order (the copy first, then each status as
    it happened); ``key`` is the idempotency key the SPFE sees, so an item sent twice (a
    worker killed after sending) is registered once.  The verification code is what the SPFE
    answered when it registered the item."""

    key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.CASCADE,
        related_name="spfe_items",
        verbose_name=_("invoice"),
    )
    event = models.OneToOneField(
        "invoices.Event",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="spfe_item",
        verbose_name=_("status event"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ItemKind.choices)
    code = models.CharField(_("SPFE message"), max_length=20)
    payload = models.TextField(_("content sent"))
    state = models.CharField(
        _("state"), max_length=10, choices=ItemState.choices, default=ItemState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt = models.DateTimeField(_("next attempt"), null=True, blank=True)
    verification_code = models.CharField(_("verification code"), max_length=80, blank=True)
    error = models.TextField(_("last error"), blank=True)
    created = models.DateTimeField(_("queued"), default=timezone.now)
    sent_at = models.DateTimeField(_("registered"), null=True, blank=True)

    class Meta:
        verbose_name = _("SPFE queue item")
        verbose_name_plural = _("SPFE queue")
        ordering = ("invoice", "id")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(kind="copy"), name="spfe_one_copy_per_invoice"
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["state", "next_attempt"], name="spfe_item_due"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.invoice_id} · {self.get_state_display()}"
