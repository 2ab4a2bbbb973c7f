"""Reads of bank accounts and payment orders, scoped to the acting company."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from efactura.companies.models import Company
from efactura.invoices.choices import Status
from efactura.invoices.models import Invoice
from efactura.payments.models import BankAccount, PaymentOrder, PaymentOrderItem

PAYABLE_STATUSES = (Status.RECEIVED, Status.READ, Status.ACCEPTED, Status.PARTIALLY_PAID)
DEFAULT_DAYS = 7
"""Invoices due within this many days (or overdue) are selected by default for payment."""


def list_bank_accounts(*, company: Company) -> QuerySet[BankAccount]:
    return BankAccount.objects.filter(company=company)


def default_bank_account(*, company: Company) -> BankAccount | None:
    return list_bank_accounts(company=company).order_by("-is_default", "pk").first()


def list_payment_orders(*, company: Company) -> QuerySet[PaymentOrder]:
    return PaymentOrder.objects.filter(company=company).select_related("bank_account")


def access_payment_order_by_id(*, company: Company, order_id: Any) -> PaymentOrder:
    """The order if it is ``company``'s; ``PaymentOrder.DoesNotExist`` otherwise."""
    return list_payment_orders(company=company).get(pk=order_id)


def ordered_invoice_ids(*, company: Company, invoice_ids: Iterable[Any] | None = None) -> set[str]:
    """Ids (as strings) of ``company``'s invoices in a payment order not yet confirmed:
    the "payment ordered" marker of lists and invoice pages."""
    items = PaymentOrderItem.objects.filter(order__company=company).exclude(
        order__state=PaymentOrder.State.CONFIRMED
    )
    if invoice_ids is not None:
        items = items.filter(invoice_id__in=list(invoice_ids))
    return {str(pk) for pk in items.values_list("invoice_id", flat=True)}


def list_payable_candidates(*, company: Company) -> QuerySet[Invoice]:
    """Invoices payable ``company`` may still pay, the earliest due first."""
    return (
        Invoice.objects.filter(recipient=company, status__in=PAYABLE_STATUSES)
        .filter(payable__gt=F("paid_amount"))
        .order_by(F("due_date").asc(nulls_last=True), "full_number")
    )


def default_selection(invoices: Iterable[Invoice], *, days: int) -> set[str]:
    """The invoices due within ``days`` days, or already overdue (no due date: not selected)."""
    limit = timezone.localdate() + dt.timedelta(days=days)
    return {str(i.pk) for i in invoices if i.due_date is not None and i.due_date <= limit}


def open_payment_order(*, company: Company, invoice: Invoice) -> PaymentOrder | None:
    """The open order that pays ``invoice``, if any (the invoice page links to it)."""
    return (
        PaymentOrder.objects.filter(company=company, items__invoice=invoice)
        .exclude(state=PaymentOrder.State.CONFIRMED)
        .first()
    )
