"""Shared pieces of the invoice services.

The rejection error, the permission check, timeline events, the seller party, and
:func:`create_invoice` — how every path (issue, import, partner platform) stores a new invoice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from efactura.accounts.models import User
from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.acting import Actor, actor_label, check_role
from efactura.companies.models import Company
from efactura.invoices import effects, storage
from efactura.invoices.choices import (
    DEFAULT_RESPONSE_DAYS,
)
from efactura.invoices.mapping import canonical_of
from efactura.invoices.models import Event, Invoice
from einvoice import model as em
from einvoice.errors import Layer, Violation


class InvoiceRejected(Exception):
    """The invoice cannot be issued or imported; ``violations`` say why (rule ids, sentences)."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = list(violations)
        first = self.violations[0].message if self.violations else "rejected"
        super().__init__(first)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _violation(rule: str, en: str, es: str, *, layer: Layer = Layer.SPAIN) -> Violation:
    return Violation(rule=rule, message=en, message_es=es, layer=layer)


def _require_writer(*, actor: Actor, company: Company) -> None:
    """Viewers read only; admins and accountants act; an API key acts for its own company."""
    check_role(
        actor=actor,
        company=company,
        message=_("Your role in this company does not allow changing invoices."),
    )


def response_days() -> int:
    return int(getattr(settings, "EFACTURA_RESPONSE_DAYS", DEFAULT_RESPONSE_DAYS))


def _add_event(
    *,
    invoice: Invoice,
    kind: str,
    actor: Actor,
    company: Company | None,
    source: str,
    data: dict[str, Any] | None = None,
) -> Event:
    return Event.objects.create(
        invoice=invoice,
        kind=kind,
        actor=actor if isinstance(actor, User) else None,
        actor_label=actor_label(actor),
        company=company,
        source=source,
        data=data or {},
    )


def seller_party(company: Company) -> em.Party:
    """The company as the seller printed on its invoices (snapshot at issue time)."""
    return em.Party(
        name=company.legal_name,
        tax_id=company.tax_id,
        address=em.Address(
            line1=company.address,
            city=company.city,
            postal_code=company.postal_code,
            subdivision=company.province,
            country=company.country,
        ),
        contact=em.Contact(email=company.contact_email),
        residence=em.Residence.RESIDENT if company.country == "ES" else em.Residence.EU,
    )


def canonical(invoice: Invoice) -> em.Invoice:
    """The canonical invoice of a row (re-exported for edges that render it)."""
    return canonical_of(invoice)


@dataclass(frozen=True)
class Archived:
    """A document to archive with a new invoice (see :func:`storage.archive`)."""

    data: bytes
    role: str
    filename: str
    fmt: str
    version: str
    signed: bool
    batch_index: int | None = None
    content_type: str = "application/xml"


_created_hook: ContextVar[Callable[[Invoice], None] | None] = ContextVar(
    "invoice_created_hook", default=None
)


@contextmanager
def on_invoice_created(hook: Callable[[Invoice], None]) -> Iterator[None]:
    """Call ``hook(invoice)`` for every invoice :func:`create_invoice` stores while the block
    runs, inside the invoice's own transaction (so what the hook writes commits — or rolls
    back — with the invoice).  The API's idempotency records use it to remember what a
    request created even if the process dies before the answer is stored."""
    token = _created_hook.set(hook)
    try:
        yield
    finally:
        _created_hook.reset(token)


def create_invoice(
    *,
    fields: dict[str, Any],
    documents: Sequence[Archived],
    company: Company,
    actor: Actor,
    source: str,
    event: tuple[str, dict[str, Any]],
    audit: tuple[str, dict[str, Any]],
    effect: str | None = None,
) -> Invoice:
    """Store a new invoice the one way every path does it, in the caller's transaction:
    the row (``fields``), its archived ``documents`` (hash-chained), the timeline ``event``
    (kind, data), the audit entry (action, data), and — when given — the side ``effect``
    of :mod:`efactura.invoices.effects`.  Issued invoices pass no effect: routing enqueues it.
    """
    invoice = Invoice.objects.create(**fields)
    if documents:
        storage.archive_many(
            invoice=invoice,
            documents=[
                {
                    "data": d.data,
                    "role": d.role,
                    "filename": d.filename,
                    "fmt": d.fmt,
                    "version": d.version,
                    "signed": d.signed,
                    "batch_index": d.batch_index,
                    "content_type": d.content_type,
                }
                for d in documents
            ],
        )
    kind, event_data = event
    _add_event(
        invoice=invoice, kind=kind, actor=actor, company=company, source=source, data=event_data
    )
    action, audit_data = audit
    record(
        action=action,
        actor=actor,
        company=company,
        obj=invoice,
        source=Source(source),
        data=audit_data,
    )
    if effect is not None:
        effects.enqueue(effect, invoice=invoice, source=source)
    hook = _created_hook.get()
    if hook is not None:
        hook(invoice)
    return invoice
