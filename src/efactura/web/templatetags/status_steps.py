"""``{% status_steps invoice actions %}``: the payments and RD 238/2026 status steps box of the
invoice page (the forms post to :mod:`efactura.web.views_statuses`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone

from efactura.invoices.choices import Collection, EventKind
from efactura.invoices.models import Invoice
from efactura.invoices.services.statuses import list_payments

register = template.Library()

_OWN_STEPS = (
    "cancel_rejection",
    "cancel_payment",
    "settle",
    "cancel_settlement",
    "default",
    "cancel_default",
)


def _day(value: object) -> dt.date | str:
    """A date stored as ISO text in an event, as a date the template writes by locale."""
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value or "")


def _collection_date(invoice: Invoice) -> dt.date | str:
    """The date the issuer gave with its current collection/default report."""
    kind = EventKind.SETTLED if invoice.collection == Collection.SETTLED else EventKind.DEFAULTED
    event = invoice.events.filter(kind=kind).order_by("-at", "-id").only("data").first()
    return _day(event.data.get("date", "")) if event is not None else ""


@register.inclusion_tag("web/invoices/_status_steps.html")
def status_steps(invoice: Invoice, actions: dict[str, bool]) -> dict[str, Any]:
    """What the box needs: the steps ``actions`` allows (from ``list_allowed_actions``, i.e.
    :func:`efactura.invoices.transitions.allowed` for this user's side), the payments standing
    with their sum and what is still due, and the issuer's current report."""
    payments = [
        {
            "id": event.pk,
            "amount": Decimal(str(event.data.get("amount", "0"))),
            "date": _day(event.data.get("date", "")),
            "by": event.actor_label,
            "at": event.at,
        }
        for event in list_payments(invoice=invoice)
    ]
    steps = {name: bool(actions.get(name)) for name in _OWN_STEPS}
    return {
        "inv": invoice,
        "steps": steps,
        "show": any(steps.values()) or bool(payments) or bool(invoice.collection),
        "payments": payments,
        "paid": invoice.paid_amount,
        "outstanding": invoice.payable - invoice.paid_amount,
        "collection_date": _collection_date(invoice) if invoice.collection else "",
        "today": timezone.localdate(),
    }
