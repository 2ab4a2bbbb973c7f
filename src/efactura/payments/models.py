"""The company's bank accounts and the SEPA credit-transfer orders it makes from its inbox.

A :class:`PaymentOrder` is one pain.001 file paying one or more invoices payable from one of
the company's accounts.  It does not change the invoices' business status by itself: while an
order is open the invoices show "payment ordered" (read from here, not from
``Invoice.status``); when the bank confirms the order, each invoice's payment is recorded
through the invoices lifecycle service (:mod:`efactura.payments.services`).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BankAccount(models.Model):
    """An account of the company (IBAN validated with schwifty when it is added)."""

    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        related_name="bank_accounts",
        verbose_name=_("company"),
    )
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    label = models.CharField(_("name"), max_length=100, blank=True)
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_("Pre-filled on new invoices and used for payment orders."),
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ("-is_default", "label", "iban")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["company", "iban"], name="payments_account_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.formatted}".strip()

    @property
    def formatted(self) -> str:
        """The IBAN in groups of four, as people read it."""
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))


class PaymentOrder(models.Model):
    """A SEPA credit-transfer order (pain.001.001.03) for invoices payable."""

    class State(models.TextChoices):
        CREATED = "created", _("Ready to download")
        SENT = "sent", _("Handed to the bank")
        SEND_FAILED = "send_failed", _("Not accepted by the bank")
        CONFIRMED = "confirmed", _("Paid")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        related_name="payment_orders",
        verbose_name=_("company"),
    )
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="orders", verbose_name=_("account")
    )
    message_id = models.CharField(_("message id"), max_length=35)
    execution_date = models.DateField(_("execution date"))
    total = models.DecimalField(_("total"), max_digits=18, decimal_places=2)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.CREATED
    )
    state_detail = models.CharField(_("detail"), max_length=500, blank=True)
    xml = models.BinaryField(_("pain.001 file"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("handed to the bank"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        ordering = ("-created",)

    def __str__(self) -> str:
        return self.message_id

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CONFIRMED

    @property
    def filename(self) -> str:
        return f"pain001-{self.message_id}.xml"


class PaymentOrderItem(models.Model):
    """One credit transfer of an order: an invoice, its creditor and the amount ordered."""

    order = models.ForeignKey(
        PaymentOrder, on_delete=models.CASCADE, related_name="items", verbose_name=_("order")
    )
    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.PROTECT,
        related_name="payment_order_items",
        verbose_name=_("invoice"),
    )
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    creditor_name = models.CharField(_("creditor"), max_length=200)
    creditor_iban = models.CharField(_("creditor IBAN"), max_length=34)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35)

    class Meta:
        verbose_name = _("payment order line")
        verbose_name_plural = _("payment order lines")
        ordering = ("pk",)

    def __str__(self) -> str:
        return f"{self.order_id}: {self.invoice_id}"
