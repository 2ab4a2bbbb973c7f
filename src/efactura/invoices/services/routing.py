"""Routing: one decision per invoice (local inbox, partner platform, awaiting registration)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from efactura.accounts.models import User
from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.models import Company
from efactura.invoices import signals
from efactura.invoices.choices import (
    EventKind,
    Route,
    Transport,
)
from efactura.invoices.models import Invoice
from efactura.invoices.services._common import _add_event, response_days

# ---------------------------------------------------------------------------------------------
# Routing
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RouteDecision:
    """Where an invoice goes: ``route`` plus a detail (peer name, company)."""

    route: str
    detail: str = ""
    company: Company | None = None


def find_route(*, tax_id: str) -> RouteDecision:
    """Decide where invoices for ``tax_id`` go (DESIGN.md "Routing").

    1. a company registered here; 2. the first resolver in ``EFACTURA_ROUTE_RESOLVERS``
    (dotted paths to ``callable(tax_id) -> RouteDecision | None``, e.g. AS4 partner
    discovery) that knows the participant; 3. awaiting registration.
    """
    company = Company.objects.filter(tax_id=tax_id, is_active=True).first()
    if company is not None:
        return RouteDecision(route=Route.LOCAL, detail=company.legal_name, company=company)
    for dotted in getattr(settings, "EFACTURA_ROUTE_RESOLVERS", []):
        decision = import_string(dotted)(tax_id)
        if decision is not None:
            return decision  # type: ignore[no-any-return]
    return RouteDecision(route=Route.AWAITING_REGISTRATION)


def _deliver_locally(
    *, invoice: Invoice, company: Company, actor: User | None, source: str
) -> None:
    now = timezone.now()
    invoice.recipient = company
    invoice.route = Route.LOCAL
    invoice.route_detail = company.legal_name[:200]
    invoice.transport = Transport.DELIVERED
    invoice.received_at = now
    invoice.response_due = timezone.localdate(now) + dt.timedelta(days=response_days())
    invoice.updated = now
    invoice.save(
        update_fields=[
            "recipient",
            "route",
            "route_detail",
            "transport",
            "received_at",
            "response_due",
            "updated",
        ]
    )
    _add_event(
        invoice=invoice,
        kind=EventKind.DELIVERED,
        actor=actor,
        company=company,
        source=source,
        data={"to": company.tax_id, "route": Route.LOCAL},
    )
    signals.invoice_received.send(sender=Invoice, invoice=invoice, source=source)


def route_invoice(*, invoice: Invoice, actor: User | None, source: str) -> RouteDecision:
    """Record the routing decision for an issued invoice, in the caller's transaction."""
    decision = find_route(tax_id=invoice.buyer_tax_id)
    if decision.route == Route.LOCAL and decision.company is not None:
        _deliver_locally(invoice=invoice, company=decision.company, actor=actor, source=source)
    elif decision.route == Route.PEER:
        invoice.route = Route.PEER
        invoice.route_detail = decision.detail[:200]
        invoice.transport = Transport.CREATED
        invoice.save(update_fields=["route", "route_detail", "transport"])
    else:
        _await_registration(invoice)
    signals.invoice_routed.send(sender=Invoice, invoice=invoice, route=invoice.route, source=source)
    return decision


def _await_registration(invoice: Invoice) -> None:
    invoice.route = Route.AWAITING_REGISTRATION
    invoice.transport = Transport.AWAITING_REGISTRATION
    invoice.save(update_fields=["route", "transport"])
    _add_event(
        invoice=invoice,
        kind=EventKind.AWAITING_REGISTRATION,
        actor=None,
        company=invoice.issuer,
        source=Source.SYSTEM,
        data={"tax_id": invoice.buyer_tax_id},
    )


def do_fall_back_to_registration(*, invoice: Invoice) -> Invoice:
    """Discovery found no platform for an invoice routed to a partner: it waits for the
    customer's registration here instead (invitation, two codes), as if routed so at once."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.route != Route.PEER or invoice.transport != Transport.CREATED:
            return invoice
        _await_registration(invoice)
        signals.invoice_routed.send(
            sender=Invoice, invoice=invoice, route=invoice.route, source=Source.SYSTEM
        )
    return invoice


def do_deliver_waiting_invoices(*, company: Company, source: str = Source.SYSTEM) -> list[Invoice]:
    """Put every invoice awaiting ``company``'s tax ID — from every issuer — into its inbox.

    Called when a company registers (two-code registration, operator, CLI).
    """
    delivered: list[Invoice] = []
    with transaction.atomic():
        waiting = Invoice.objects.select_for_update().filter(
            buyer_tax_id=company.tax_id, route=Route.AWAITING_REGISTRATION, recipient__isnull=True
        )
        for invoice in waiting:
            _deliver_locally(invoice=invoice, company=company, actor=None, source=source)
            delivered.append(invoice)
        if delivered:
            record(
                action="invoices.invoice.released",
                company=company,
                source=Source(source),
                data={"count": len(delivered), "tax_id": company.tax_id},
            )
    return delivered
