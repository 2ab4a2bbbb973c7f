"""Routing: one decision per invoice (local inbox, partner platform, awaiting registration)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.acting import Actor
from efactura.companies.models import Company
from efactura.invoices import effects
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


def find_route(*, tax_id: str, exclude_peer: str = "") -> RouteDecision:
    """Decide where invoices for ``tax_id`` go (DESIGN.md "Routing").

    1. a company registered here; 2. the first resolver in ``EFACTURA_ROUTE_RESOLVERS``
    (dotted paths to ``callable(tax_id) -> RouteDecision | None``, e.g. AS4 partner
    discovery) that knows the participant; 3. awaiting registration.

    Resolvers may make network calls: call this outside any transaction.
    """
    return (
        _local_route(tax_id)
        or discover_route(tax_id=tax_id, exclude_peer=exclude_peer)
        or RouteDecision(route=Route.AWAITING_REGISTRATION)
    )


def discover_route(*, tax_id: str, exclude_peer: str = "") -> RouteDecision | None:
    """Ask the resolvers of ``EFACTURA_ROUTE_RESOLVERS`` which partner platform serves
    ``tax_id`` (``None``: nobody).  They may make HTTP calls (up to seconds), so services call
    this before opening their transaction and hand the answer to :func:`route_invoice`."""
    for dotted in getattr(settings, "EFACTURA_ROUTE_RESOLVERS", []):
        decision = import_string(dotted)(tax_id)
        # A decision without detail (a partner network pending discovery) is never excluded.
        if decision is not None and (not exclude_peer or decision.detail != exclude_peer):
            return decision
    return None


def _local_route(tax_id: str) -> RouteDecision | None:
    company = Company.objects.filter(tax_id=tax_id, is_active=True).first()
    if company is None:
        return None
    return RouteDecision(route=Route.LOCAL, detail=company.legal_name, company=company)


def _deliver_locally(*, invoice: Invoice, company: Company, actor: Actor, source: str) -> None:
    """Put ``invoice`` into ``company``'s inbox (row and timeline); the caller enqueues
    :data:`effects.INVOICE_RECEIVED` with its other effects of the same transaction."""
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


def route_invoice(
    *,
    invoice: Invoice,
    actor: Actor,
    source: str,
    discovered: RouteDecision | None = None,
) -> RouteDecision:
    """Record the routing decision for an issued invoice, in the caller's transaction.

    ``discovered`` is what :func:`discover_route` answered before the transaction began; the
    local lookup (a database read) is repeated here, so a company that registered meanwhile
    still gets the invoice in its inbox.  No network call happens here.
    """
    decision = (
        _local_route(invoice.buyer_tax_id)
        or discovered
        or RouteDecision(route=Route.AWAITING_REGISTRATION)
    )
    if decision.route == Route.LOCAL and decision.company is not None:
        _deliver_locally(invoice=invoice, company=decision.company, actor=actor, source=source)
        # Routed and received in the same transaction: one task runs both changes' handlers.
        effects.enqueue(
            effects.INVOICE_ROUTED, effects.INVOICE_RECEIVED, invoice=invoice, source=source
        )
        return decision
    if decision.route == Route.PEER:
        invoice.route = Route.PEER
        invoice.route_detail = decision.detail[:200]
        invoice.transport = Transport.CREATED
        invoice.save(update_fields=["route", "route_detail", "transport"])
    else:
        _await_registration(invoice)
    effects.enqueue(effects.INVOICE_ROUTED, invoice=invoice, source=source)
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
        effects.enqueue(effects.INVOICE_ROUTED, invoice=invoice, source=Source.SYSTEM)
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
            effects.enqueue(effects.INVOICE_RECEIVED, invoice=invoice, source=source)
            delivered.append(invoice)
        if delivered:
            record(
                action="invoices.invoice.released",
                company=company,
                source=Source(source),
                data={"count": len(delivered), "tax_id": company.tax_id},
            )
    return delivered
