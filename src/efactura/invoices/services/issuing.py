"""Issuing an invoice from the canonical model (web form, API JSON)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Any

from django.db import transaction
from django.utils import timezone

from efactura.audit.choices import Source
from efactura.companies.acting import Actor
from efactura.companies.models import Company
from efactura.invoices.choices import (
    EventKind,
    Origin,
)
from efactura.invoices.mapping import row_fields
from efactura.invoices.models import Customer, Document, Invoice, Series
from efactura.invoices.services._common import (
    Archived,
    InvoiceRejected,
    _require_writer,
    _violation,
    create_invoice,
    seller_party,
)
from efactura.invoices.services.numbering import allocate_number, peek_number
from efactura.invoices.services.routing import RouteDecision, discover_route, route_invoice
from einvoice import formats, totals
from einvoice import model as em
from einvoice.errors import EInvoiceError, Violation

# ---------------------------------------------------------------------------------------------
# Issuing
# ---------------------------------------------------------------------------------------------


def month_of(day: dt.date) -> em.Period:
    """The calendar month of ``day``: the tax period Facturae asks of a corrected invoice."""
    first = day.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return em.Period(start=first, end=last)


def _spanish_violations(invoice: em.Invoice) -> list[Violation]:
    from einvoice.rules import spain

    return [v for v in spain.check_invoice(invoice) if v.is_fatal]


def _sign(company: Company, xml: bytes) -> tuple[bytes, dict[str, Any]]:
    """Sign a rendered Facturae for ``company`` following its signing policy."""
    from efactura.signing.services import sign_for_company

    return sign_for_company(company=company, xml=xml)


def _upsert_customer(*, company: Company, buyer: em.Party, email: str = "") -> None:
    defaults: dict[str, Any] = {
        "name": buyer.full_name[:200],
        "address": buyer.address.line1[:200],
        "postal_code": buyer.address.postal_code[:10],
        "city": buyer.address.city[:100],
        "province": buyer.address.subdivision[:100],
        "country": (buyer.address.country or buyer.country or "ES")[:2],
        "last_invoiced": timezone.now(),
    }
    if email or buyer.contact.email:
        defaults["email"] = email or buyer.contact.email
    # One UPDATE for the usual case (a known customer); the first invoice creates the row.
    if not Customer.objects.filter(company=company, tax_id=buyer.tax_id).update(**defaults):
        Customer.objects.update_or_create(company=company, tax_id=buyer.tax_id, defaults=defaults)


def _with_sealing_party(company: Company, invoice: em.Invoice) -> em.Invoice:
    """When the platform seal signs for ``company``, the invoice names the platform as the
    Facturae third party issuing on its behalf (InvoiceIssuerType TE), so the signer of the
    seal is a party of the invoice and verifiers can check it."""
    from efactura.signing.services import issuing_as_third_party, sealing_party

    if not issuing_as_third_party(company) or invoice.issuer_type is not em.IssuerType.SELLER:
        return invoice
    return dataclasses.replace(
        invoice, issuer_type=em.IssuerType.THIRD_PARTY, third_party=sealing_party()
    )


NEGATIVE_TOTAL = "EF-NEGATIVE-TOTAL"
"""Rule id of the refusal of an ordinary invoice with a negative total."""

SIGN_ATTEMPTS = 3
"""How often issuing signs outside the lock before it gives up racing a busy series."""


def do_issue_invoice(
    *,
    company: Company,
    actor: Actor,
    draft: em.Invoice,
    series_code: str = "",
    customer_email: str = "",
    source: str = Source.WEB,
    corrects: Invoice | None = None,
) -> Invoice:
    """Issue ``draft`` as ``company``: number it, compute totals, check the rules, render
    Facturae 3.2.2, sign it, archive the signed original and route it.

    The seller is always ``company`` (its registered data), whatever the draft says; the
    number comes from ``series_code``'s correlative counter.  Raises :class:`InvoiceRejected`
    with the rules' violations, or ``SigningRefused`` when the company's policy forbids
    issuing without a usable certificate.

    Transaction boundaries: everything slow runs before any transaction — checks, rendering,
    signing and route discovery (which may ask partner platforms over HTTP).  The number is
    allocated last, in one short transaction that locks the series row and stores the signed
    invoice.  The signature already carries the number :func:`peek_number` predicted; when a
    concurrent issue took it meanwhile, the attempt is dropped (nothing was written) and
    repeated.  Only after :data:`SIGN_ATTEMPTS` lost races does the signing happen under the
    lock, so numbers stay gapless whatever the load.
    """
    _require_writer(actor=actor, company=company)
    from einvoice.identifiers import normalise_tax_id

    try:
        buyer_tax = normalise_tax_id(draft.buyer.tax_id, draft.buyer.address.country or "ES")
    except ValueError as exc:
        raise InvoiceRejected(
            [
                _violation(
                    "ES-TAXID-02",
                    f"The customer's tax ID '{draft.buyer.tax_id}' is not valid: {exc}",
                    f"El NIF del cliente '{draft.buyer.tax_id}' no es válido: {exc}",
                )
            ]
        ) from exc
    unnumbered = _prepare(
        company=company,
        draft=draft,
        series_code=series_code,
        buyer_tax=buyer_tax,
        corrects=corrects,
    )
    # May call partner platforms (SMP lookups): never inside a transaction or under a lock.
    discovered = discover_route(tax_id=buyer_tax)
    store = functools.partial(
        _store_issued,
        company=company,
        actor=actor,
        source=source,
        corrects=corrects,
        customer_email=customer_email,
        discovered=discovered,
    )
    for _attempt in range(SIGN_ATTEMPTS):
        number = peek_number(company=company, series_code=series_code)
        computed, xml = _numbered(unnumbered, number)
        signed_xml, signature = _sign(company, xml)
        with transaction.atomic():
            series, allocated = allocate_number(company=company, series_code=series_code)
            if allocated == number:
                return store(
                    series=series, computed=computed, signed_xml=signed_xml, signature=signature
                )
    # A busy series beat us every time: sign under the lock this once (still no network).
    with transaction.atomic():
        series, number = allocate_number(company=company, series_code=series_code)
        computed, xml = _numbered(unnumbered, number)
        signed_xml, signature = _sign(company, xml)
        return store(series=series, computed=computed, signed_xml=signed_xml, signature=signature)


def _prepare(
    *,
    company: Company,
    draft: em.Invoice,
    series_code: str,
    buyer_tax: str,
    corrects: Invoice | None,
) -> em.Invoice:
    """The draft as it will be issued, but for its number; checked once with a trial number
    so that a draft the rules refuse never reaches the numbering lock."""
    prepared = dataclasses.replace(
        draft,
        series=series_code,
        seller=seller_party(company),
        buyer=dataclasses.replace(draft.buyer, tax_id=buyer_tax),
    )
    if corrects is not None and prepared.correction is None:
        prepared = dataclasses.replace(
            prepared,
            correction=em.Correction(
                number=corrects.number,
                series=corrects.series,
                issue_date=corrects.issue_date,
                reason_code="01",
                method="01",
                period=month_of(corrects.issue_date),
            ),
        )
    if prepared.correction is not None and not prepared.preceding:
        prepared = dataclasses.replace(
            prepared,
            preceding=(
                em.PrecedingInvoice(
                    number=f"{prepared.correction.series}{prepared.correction.number}",
                    issue_date=prepared.correction.issue_date,
                ),
            ),
            invoice_class="OR",
        )
    prepared = _with_sealing_party(company, prepared)
    _numbered(prepared, peek_number(company=company, series_code=series_code))
    return prepared


def _numbered(prepared: em.Invoice, number: str) -> tuple[em.Invoice, bytes]:
    """Number, total, check and render ``prepared``: pure computation, no database."""
    try:
        computed = totals.compute(dataclasses.replace(prepared, number=number))
    except EInvoiceError as exc:
        raise InvoiceRejected(exc.violations) from exc
    if computed.correction is None and computed.totals.invoice_total < 0:
        # RD 1619/2012 art. 15: an amount is reduced by a corrective invoice, never by an
        # ordinary one with a negative total.
        raise InvoiceRejected(
            [
                _violation(
                    NEGATIVE_TOTAL,
                    "An ordinary invoice cannot have a negative total "
                    f"({computed.totals.invoice_total}): to reduce or cancel an amount, issue "
                    "a corrective invoice of the invoice you issued.",
                    "Una factura ordinaria no puede tener un total negativo "
                    f"({computed.totals.invoice_total}): para reducir o anular un importe, emita "
                    "una factura rectificativa de la factura que emitió.",
                )
            ]
        )
    problems = _spanish_violations(computed)
    if problems:
        raise InvoiceRejected(problems)
    try:
        xml = formats.render("facturae", [computed])
    except EInvoiceError as exc:
        raise InvoiceRejected(exc.violations) from exc
    return computed, xml


def _store_issued(
    *,
    company: Company,
    actor: Actor,
    source: str,
    corrects: Invoice | None,
    customer_email: str,
    discovered: RouteDecision | None,
    series: Series,
    computed: em.Invoice,
    signed_xml: bytes,
    signature: dict[str, Any],
) -> Invoice:
    """Inside the numbering transaction: store the signed invoice, advance the series, route."""
    invoice = create_invoice(
        fields={
            "issuer": company,
            "origin": Origin.API if source == Source.API else Origin.ISSUED,
            "corrects": corrects,
            "signature": signature,
            **row_fields(computed),
        },
        documents=[
            Archived(
                data=signed_xml,
                role=Document.Role.ORIGINAL,
                filename=f"{computed.full_number}.xsig",
                fmt="facturae",
                version="3.2.2",
                signed=bool(signature.get("status") == "valid"),
            )
        ],
        company=company,
        actor=actor,
        source=source,
        event=(EventKind.ISSUED, {"number": computed.full_number, "email": customer_email}),
        audit=(
            "invoices.invoice.issued",
            {
                "number": computed.full_number,
                "buyer": computed.buyer.tax_id,
                "total": str(computed.totals.invoice_total),
            },
        ),
    )
    series.next_number += 1
    series.save(update_fields=["next_number"])
    # VERI*FACTU: the billing record is made in the same transaction as the invoice.
    from efactura.verifactu.services import do_register_issued_invoice

    do_register_issued_invoice(invoice=invoice, canonical=computed, company=company)
    route_invoice(invoice=invoice, actor=actor, source=source, discovered=discovered)
    # Last: the customer row is shared by every invoice to this customer and stays locked
    # until commit; taken just before the commit, concurrent invoices barely wait for it.
    _upsert_customer(company=company, buyer=computed.buyer, email=customer_email)
    return invoice
