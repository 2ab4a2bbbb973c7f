"""Hooks for invoices and statuses that arrive from partner platforms (source PEER)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.invoices import effects
from efactura.invoices.choices import (
    EventKind,
    Origin,
    Route,
    Status,
    Transport,
)
from efactura.invoices.models import Event, Invoice
from efactura.invoices.services.lifecycle import _locked

# ---------------------------------------------------------------------------------------------
# Interconnection hooks (called by efactura.interconnection.services, source PEER)
# ---------------------------------------------------------------------------------------------


def do_mark_received_from_partner(*, invoice: Invoice, partner: str, message_id: str) -> Invoice:
    """Record that an invoice stored by the inbound pipeline came from a partner platform.

    The invoice itself went through ``do_import_files`` exactly like a web import or an API
    upload; this only sets where it came from (origin and route PEER, the partner's name).
    """
    with transaction.atomic():
        invoice = _locked(invoice)
        invoice.origin = Origin.PEER
        invoice.route = Route.PEER
        invoice.route_detail = partner[:200]
        invoice.save(update_fields=["origin", "route", "route_detail"])
        record(
            action="invoices.invoice.received",
            company=invoice.recipient,
            obj=invoice,
            source=Source.PEER,
            data={"number": invoice.full_number, "peer": partner, "message_id": message_id},
        )
    return invoice


def do_record_peer_delivery(
    *, invoice: Invoice, peer_id: str, delivered: bool, data: dict[str, Any]
) -> Invoice:
    """Record the outcome of sending an issued invoice to a peer: delivered, or failed."""
    with transaction.atomic():
        invoice = _locked(invoice)
        now = timezone.now()
        invoice.transport = Transport.DELIVERED if delivered else Transport.FAILED
        if delivered:
            invoice.received_at = invoice.received_at or now
        invoice.updated = now
        invoice.save(update_fields=["transport", "received_at", "updated"])
        # The peer platform did this, not the issuer: the timeline names the peer.
        event = Event.objects.create(
            invoice=invoice,
            kind=EventKind.DELIVERED if delivered else EventKind.DELIVERY_FAILED,
            actor_label=peer_id,
            source=Source.PEER,
            data={"peer": peer_id, "route": Route.PEER, **data},
        )
        verb = "delivered" if delivered else "delivery_failed"
        record(
            action=f"invoices.invoice.{verb}",
            company=invoice.issuer,
            obj=invoice,
            source=Source.PEER,
            data={"number": invoice.full_number, "peer": peer_id, **data},
        )
        if not delivered:
            effects.enqueue(
                effects.DELIVERY_FAILED, invoice=invoice, event=event, source=Source.PEER
            )
    return invoice


def do_apply_peer_status(
    *,
    invoice: Invoice,
    peer_id: str,
    kind: str,
    status: str,
    reason: str = "",
    paid_total: Decimal | None = None,
    paid_date: dt.date | None = None,
    reason_code: str = "",
    data: dict[str, Any] | None = None,
) -> Event:
    """Apply to an issued invoice a status its recipient set on a federated platform.

    The peer is the recipient's platform, which enforced the lifecycle there; this records
    the outcome (same fields, an event with source PEER) so the issuer sees it.  A late
    "read" never undoes an answer that arrived before it.
    """
    if status not in Status.values or kind not in EventKind.values:
        raise ValidationError(f"Unknown status {status!r} or event {kind!r}.", code="invalid")
    with transaction.atomic():
        invoice = _locked(invoice)
        now = timezone.now()
        if kind == EventKind.READ:
            invoice.read_at = invoice.read_at or now
            if invoice.status == Status.RECEIVED:
                invoice.status = Status.READ
        else:
            invoice.status = status
            invoice.read_at = invoice.read_at or now
        if kind == EventKind.REJECTED:
            invoice.rejection_reason = reason[:2000]
            invoice.rejection_code = reason_code[:3]
        elif kind == EventKind.REJECTION_CANCELLED:
            invoice.rejection_reason = invoice.rejection_code = ""
        if paid_total is not None:
            invoice.paid_amount = paid_total
        if paid_date is not None or kind == EventKind.PAYMENT_CANCELLED:
            invoice.paid_date = paid_date
        invoice.updated = now
        invoice.save()
        details = {
            "peer": peer_id,
            **({"reason": reason} if reason else {}),
            **({"reason_code": reason_code} if reason_code else {}),
            **({"paid_total": str(paid_total)} if paid_total is not None else {}),
            **(data or {}),
        }
        # The customer on the peer platform did this: the timeline names them, not the issuer.
        event = Event.objects.create(
            invoice=invoice,
            kind=kind,
            actor_label=f"{invoice.buyer_name} ({peer_id})"[:200],
            source=Source.PEER,
            data=details,
        )
        record(
            action=f"invoices.invoice.{kind}",
            company=invoice.issuer,
            obj=invoice,
            source=Source.PEER,
            data={"number": invoice.full_number, **details},
        )
        effects.enqueue(effects.STATUS_CHANGED, invoice=invoice, event=event, source=Source.PEER)
        return event
