"""Writes on invoices: issue, import, route, and the business lifecycle.

Every function is keyword-only, takes the acting company and user explicitly (``actor`` is
``None`` for API keys, peers and the system) and the edge it came through (``source``), runs in
one transaction, appends an :class:`~efactura.invoices.models.Event` to the invoice's timeline
and an audit entry, and fires the signals of :mod:`efactura.invoices.signals` so notifications,
federation and webhooks act after commit.

Errors a user can fix raise :class:`InvoiceRejected` (carrying the standards library's
violations, each with rule id and a bilingual sentence) or Django's ``ValidationError``;
acting on an invoice of another company raises ``Invoice.DoesNotExist`` (a 404 at the edges,
so nobody learns that the invoice exists).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from efactura.accounts.models import User
from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.models import Company, Membership
from efactura.invoices import signals, storage
from efactura.invoices.choices import (
    DEFAULT_RESPONSE_DAYS,
    EventKind,
    Origin,
    Route,
    Status,
    Transport,
)
from efactura.invoices.mapping import canonical_of, content_hash, row_fields
from efactura.invoices.models import Customer, Document, Event, Invoice, Series
from einvoice import formats, totals
from einvoice import model as em
from einvoice.errors import EInvoiceError, Layer, Violation

Direction = Literal["issued", "received"]

MAX_ZIP_ENTRIES = 1000
MAX_ZIP_TOTAL_BYTES = 500 * 1024 * 1024


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


def _require_writer(*, actor: User | None, company: Company) -> None:
    """Viewers read only; admins and accountants act (API keys are checked at the edge)."""
    if actor is None:
        return
    membership = Membership.objects.filter(user=actor, company=company).first()
    if membership is None or not membership.can_write:
        raise PermissionDenied(_("Your role in this company does not allow changing invoices."))


def response_days() -> int:
    return int(getattr(settings, "EFACTURA_RESPONSE_DAYS", DEFAULT_RESPONSE_DAYS))


def _add_event(
    *,
    invoice: Invoice,
    kind: str,
    actor: User | None,
    company: Company | None,
    source: str,
    data: dict[str, Any] | None = None,
) -> Event:
    return Event.objects.create(
        invoice=invoice,
        kind=kind,
        actor=actor,
        actor_label=actor.email if actor is not None else "",
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


# ---------------------------------------------------------------------------------------------
# Numbering
# ---------------------------------------------------------------------------------------------


def allocate_number(*, company: Company, series_code: str) -> tuple[Series, str]:
    """Lock the series row and return the next free number (no gaps, no duplicates).

    Must run inside the caller's transaction: the number is consumed only if that
    transaction commits (``Series.next_number`` is advanced by the caller via ``save``).
    A number already taken by an imported invoice is skipped.
    """
    Series.objects.get_or_create(company=company, code=series_code)
    series = Series.objects.select_for_update().get(company=company, code=series_code)
    while True:
        number = series.format_number(series.next_number)
        taken = Invoice.objects.filter(
            seller_tax_id=company.tax_id, series=series_code, number=number
        ).exists()
        if not taken:
            return series, number
        series.next_number += 1


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


def do_issue_invoice(
    *,
    company: Company,
    actor: User | None,
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
    with transaction.atomic():
        series, number = allocate_number(company=company, series_code=series_code)
        prepared = dataclasses.replace(
            draft,
            series=series_code,
            number=number,
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
        try:
            computed = totals.compute(prepared)
        except EInvoiceError as exc:
            raise InvoiceRejected(exc.violations) from exc
        problems = _spanish_violations(computed)
        if problems:
            raise InvoiceRejected(problems)
        try:
            xml = formats.render("facturae", [computed])
        except EInvoiceError as exc:
            raise InvoiceRejected(exc.violations) from exc
        signed_xml, signature = _sign(company, xml)
        invoice = Invoice.objects.create(
            issuer=company,
            origin=Origin.API if source == Source.API else Origin.ISSUED,
            corrects=corrects,
            signature=signature,
            **row_fields(computed),
        )
        storage.archive(
            invoice=invoice,
            data=signed_xml,
            role=Document.Role.ORIGINAL,
            filename=f"{computed.full_number}.xsig",
            fmt="facturae",
            version="3.2.2",
            signed=bool(signature.get("status") == "valid"),
        )
        series.next_number += 1
        series.save(update_fields=["next_number"])
        _upsert_customer(company=company, buyer=computed.buyer, email=customer_email)
        _add_event(
            invoice=invoice,
            kind=EventKind.ISSUED,
            actor=actor,
            company=company,
            source=source,
            data={"number": computed.full_number, "email": customer_email},
        )
        record(
            action="invoices.invoice.issued",
            actor=actor,
            company=company,
            obj=invoice,
            source=Source(source),
            data={
                "number": computed.full_number,
                "buyer": computed.buyer.tax_id,
                "total": str(computed.totals.invoice_total),
            },
        )
        route_invoice(invoice=invoice, actor=actor, source=source)
    return invoice


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
    (dotted paths to ``callable(tax_id) -> RouteDecision | None``, e.g. federation
    discovery) that knows the participant; 3. awaiting registration.
    """
    company = Company.objects.filter(tax_id=tax_id, is_active=True).first()
    if company is not None:
        return RouteDecision(route=Route.LOCAL, detail=company.legal_name, company=company)
    for dotted in getattr(settings, "EFACTURA_ROUTE_RESOLVERS", []):
        decision = import_string(dotted)(tax_id)
        if decision is not None and decision.detail != exclude_peer:
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
    signals.invoice_routed.send(sender=Invoice, invoice=invoice, route=invoice.route, source=source)
    return decision


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


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class ImportedInvoice:
    """The outcome for one invoice of an uploaded file."""

    index: int
    number: str = ""
    outcome: Literal["imported", "rejected", "duplicate"] = "rejected"
    violations: list[Violation] = dataclasses.field(default_factory=list)
    invoice: Invoice | None = None
    duplicate_of: Invoice | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "number": self.number,
            "outcome": self.outcome,
            "id": str(self.invoice.pk) if self.invoice else None,
            "duplicate_of": str(self.duplicate_of.pk) if self.duplicate_of else None,
            "violations": [v.as_dict() for v in self.violations],
        }


@dataclasses.dataclass
class FileReport:
    """The outcome for one uploaded file (a zip gives one report per entry)."""

    filename: str
    format: str = ""
    version: str = ""
    signed: bool = False
    violations: list[Violation] = dataclasses.field(default_factory=list)
    warnings: list[Violation] = dataclasses.field(default_factory=list)
    invoices: list[ImportedInvoice] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations and all(i.outcome == "imported" for i in self.invoices)

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "format": self.format,
            "version": self.version,
            "signed": self.signed,
            "ok": self.ok,
            "violations": [v.as_dict() for v in self.violations],
            "warnings": [v.as_dict() for v in self.warnings],
            "invoices": [i.as_dict() for i in self.invoices],
        }


@dataclasses.dataclass
class ImportReport:
    files: list[FileReport] = dataclasses.field(default_factory=list)

    @property
    def imported(self) -> list[Invoice]:
        return [i.invoice for f in self.files for i in f.invoices if i.invoice is not None]

    @property
    def rejected_count(self) -> int:
        bad_files = sum(1 for f in self.files if f.violations and not f.invoices)
        return bad_files + sum(1 for f in self.files for i in f.invoices if i.outcome != "imported")

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "imported": len(self.imported),
            "rejected": self.rejected_count,
            "files": [f.as_dict() for f in self.files],
        }


def expand_upload(filename: str, data: bytes) -> list[tuple[str, bytes | Violation]]:
    """A .zip becomes its entries (bounded: entry count, total size, no nesting); any other
    file is itself.  An entry that cannot be read becomes a Violation in its place."""
    if not (filename.lower().endswith(".zip") or data[:4] == b"PK\x03\x04"):
        return [(filename, data)]
    try:
        archive_file = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return [
            (
                filename,
                _violation(
                    "IMPORT-ZIP",
                    f"{filename} is not a readable .zip file.",
                    f"{filename} no es un fichero .zip legible.",
                    layer=Layer.XML,
                ),
            )
        ]
    out: list[tuple[str, bytes | Violation]] = []
    infos = [
        i
        for i in archive_file.infolist()
        if not i.is_dir()
        and not i.filename.startswith("__MACOSX/")
        and not i.filename.split("/")[-1].startswith(".")
    ]
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_ZIP_TOTAL_BYTES:
        return [
            (
                filename,
                _violation(
                    "IMPORT-ZIP-SIZE",
                    f"{filename} holds too many files or too much data (at most "
                    f"{MAX_ZIP_ENTRIES} files and {MAX_ZIP_TOTAL_BYTES // (1024 * 1024)} MB).",
                    f"{filename} contiene demasiados ficheros o datos (como máximo "
                    f"{MAX_ZIP_ENTRIES} ficheros y {MAX_ZIP_TOTAL_BYTES // (1024 * 1024)} MB).",
                    layer=Layer.XML,
                ),
            )
        ]
    limit = int(getattr(settings, "EFACTURA_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024))
    for info in infos:
        name = f"{filename}/{info.filename}"
        if info.filename.lower().endswith(".zip"):
            out.append(
                (
                    name,
                    _violation(
                        "IMPORT-ZIP-NESTED",
                        f"{name}: zip files inside zip files are not read.",
                        f"{name}: no se leen ficheros zip dentro de otros zip.",
                        layer=Layer.XML,
                    ),
                )
            )
            continue
        if info.file_size > limit:
            out.append(
                (
                    name,
                    _violation(
                        "XML-SIZE",
                        f"{name} is {info.file_size:,} bytes; the limit is {limit:,} bytes.",
                        f"{name} ocupa {info.file_size:,} bytes; el límite es {limit:,} bytes.",
                        layer=Layer.XML,
                    ),
                )
            )
            continue
        with archive_file.open(info) as handle:
            content = handle.read(limit + 1)
        out.append((name, content))
    return out


def _find_duplicate(*, invoice: em.Invoice) -> Invoice | None:
    existing = Invoice.objects.filter(
        seller_tax_id=invoice.seller.tax_id, series=invoice.series, number=invoice.number
    ).first()
    if existing is not None:
        return existing
    return Invoice.objects.filter(content_hash=content_hash(invoice)).first()


def _duplicate_violation(*, invoice: em.Invoice, existing: Invoice, company: Company) -> Violation:
    visible = company.pk in (existing.issuer_id, existing.recipient_id)
    if visible:
        return _violation(
            "IMPORT-DUPLICATE",
            f"Invoice {invoice.full_number} from {invoice.seller.tax_id} is already on the "
            f"platform (issued {existing.issue_date:%d/%m/%Y}).",
            f"La factura {invoice.full_number} de {invoice.seller.tax_id} ya está en la "
            f"plataforma (emitida el {existing.issue_date:%d/%m/%Y}).",
        )
    return _violation(
        "IMPORT-DUPLICATE",
        f"Invoice number {invoice.full_number} of seller {invoice.seller.tax_id} is already "
        "registered on the platform; an invoice number can be used only once.",
        f"El número de factura {invoice.full_number} del emisor {invoice.seller.tax_id} ya "
        "está registrado en la plataforma; un número de factura solo puede usarse una vez.",
    )


def _side_violation(
    *, invoice: em.Invoice, company: Company, direction: Direction
) -> Violation | None:
    if direction == "issued" and invoice.seller.tax_id != company.tax_id:
        return _violation(
            "IMPORT-NOT-SELLER",
            f"Invoice {invoice.full_number} was issued by {invoice.seller.tax_id}, not by your "
            f"company ({company.tax_id}); import it as a received invoice instead.",
            f"La factura {invoice.full_number} la emitió {invoice.seller.tax_id}, no su empresa "
            f"({company.tax_id}); impórtela como factura recibida.",
        )
    if direction == "received" and invoice.buyer.tax_id != company.tax_id:
        return _violation(
            "IMPORT-NOT-BUYER",
            f"Invoice {invoice.full_number} is addressed to {invoice.buyer.tax_id}, not to your "
            f"company ({company.tax_id}).",
            f"La factura {invoice.full_number} va dirigida a {invoice.buyer.tax_id}, no a su "
            f"empresa ({company.tax_id}).",
        )
    return None


def _validate(data: bytes, filename: str) -> Any:
    from einvoice.validation import validate

    limit = int(getattr(settings, "EFACTURA_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024))
    return validate(data, filename=filename, max_bytes=limit)


def _verify_signature(data: bytes) -> dict[str, Any]:
    from einvoice.signing.verify import verify

    report: dict[str, Any] = verify(data).as_dict()
    return report


def _import_one_file(
    *,
    company: Company,
    actor: User | None,
    filename: str,
    data: bytes,
    direction: Direction,
    source: str,
) -> FileReport:
    report = _validate(data, filename)
    result = FileReport(
        filename=filename,
        format=report.format,
        version=report.version,
        signed=bool(report.signed),
    )
    result.violations = [v for v in report.violations if v.is_fatal]
    result.warnings = [v for v in report.violations if not v.is_fatal]
    document = report.document
    if result.violations or document is None:
        if not result.violations:
            result.violations = [
                _violation(
                    "IMPORT-UNREADABLE",
                    f"{filename} could not be read.",
                    f"No se pudo leer {filename}.",
                )
            ]
        return result

    signature: dict[str, Any] = {}
    if result.signed:
        signature = _verify_signature(data)
        if signature.get("status") != "valid":
            result.violations.append(
                _violation(
                    "SIG-INVALID",
                    f"The electronic signature of {filename} is not valid: "
                    f"{signature.get('reason')}",
                    f"La firma electrónica de {filename} no es válida: "
                    f"{signature.get('reason_es')}",
                    layer=Layer.SIGNATURE,
                )
            )
            return result

    per_invoice = {r.index: r for r in report.invoices}
    candidates: list[tuple[int, em.Invoice]] = []
    for index, invoice in enumerate(document.invoices):
        item = ImportedInvoice(index=index, number=invoice.full_number)
        inv_report = per_invoice.get(index)
        if inv_report is not None:
            item.violations = [v for v in inv_report.violations if v.is_fatal]
            result.warnings.extend(v for v in inv_report.violations if not v.is_fatal)
        side = _side_violation(invoice=invoice, company=company, direction=direction)
        if side is not None:
            item.violations.append(side)
        if not item.violations:
            existing = _find_duplicate(invoice=invoice)
            if existing is not None:
                item.outcome = "duplicate"
                item.violations.append(
                    _duplicate_violation(invoice=invoice, existing=existing, company=company)
                )
                if company.pk in (existing.issuer_id, existing.recipient_id):
                    item.duplicate_of = existing
        result.invoices.append(item)
        if not item.violations:
            candidates.append((index, invoice))

    whole_file = len(candidates) == len(document.invoices)
    if result.signed and not whole_file:
        # A signed file is one legal document: it is archived whole or not at all.
        for item in result.invoices:
            if not item.violations:
                item.violations.append(
                    _violation(
                        "IMPORT-SIGNED-BATCH",
                        "Not imported: another invoice of this signed file was rejected, and a "
                        "signed file is kept whole or not at all.",
                        "No importada: otra factura de este fichero firmado fue rechazada, y un "
                        "fichero firmado se guarda entero o no se guarda.",
                    )
                )
        return result

    shared_original: tuple[bytes, bool] | None = None
    if result.format == "facturae" and whole_file:
        if result.signed or direction == "received":
            shared_original = (data, result.signed)
        else:
            signed_xml, signature = _sign(company, data)
            shared_original = (signed_xml, signature.get("status") == "valid")

    for index, invoice in candidates:
        item = result.invoices[index]
        try:
            with transaction.atomic():
                item.invoice = _store_imported(
                    company=company,
                    actor=actor,
                    invoice=invoice,
                    filename=filename,
                    raw=data,
                    shared_original=shared_original,
                    batch_index=index if len(document.invoices) > 1 else None,
                    fmt=result.format,
                    version=result.version,
                    direction=direction,
                    signature=signature,
                    source=source,
                )
                item.outcome = "imported"
        except IntegrityError:
            item.outcome = "duplicate"
            item.violations.append(
                _violation(
                    "IMPORT-DUPLICATE",
                    f"Invoice {invoice.full_number} was stored by someone else at the same moment.",
                    f"La factura {invoice.full_number} la ha guardado otra persona a la vez.",
                )
            )
        except InvoiceRejected as exc:
            item.violations.extend(exc.violations)
    return result


def _store_imported(
    *,
    company: Company,
    actor: User | None,
    invoice: em.Invoice,
    filename: str,
    raw: bytes,
    shared_original: tuple[bytes, bool] | None,
    batch_index: int | None,
    fmt: str,
    version: str,
    direction: Direction,
    signature: dict[str, Any],
    source: str,
) -> Invoice:
    if shared_original is not None:
        original, signed = shared_original
        original_fmt, original_version = "facturae", version
    elif direction == "issued":
        xml = formats.render("facturae", [_with_sealing_party(company, invoice)])
        original, signature = _sign(company, xml)
        signed = signature.get("status") == "valid"
        original_fmt, original_version = "facturae", "3.2.2"
    else:
        original, signed, original_fmt, original_version = raw, False, fmt, version
    row = Invoice.objects.create(
        issuer=company if direction == "issued" else None,
        recipient=company if direction == "received" else None,
        origin=Origin.IMPORTED_ISSUED if direction == "issued" else Origin.IMPORTED_RECEIVED,
        signature=signature,
        **row_fields(invoice),
    )
    storage.archive(
        invoice=row,
        data=original,
        role=Document.Role.ORIGINAL,
        filename=filename,
        fmt=original_fmt,
        version=original_version,
        signed=signed,
        batch_index=batch_index,
    )
    if original is not raw:
        storage.archive(
            invoice=row,
            data=raw,
            role=Document.Role.UPLOADED,
            filename=filename,
            fmt=fmt,
            version=version,
            signed=False,
            batch_index=batch_index,
        )
    _add_event(
        invoice=row,
        kind=EventKind.IMPORTED,
        actor=actor,
        company=company,
        source=source,
        data={"filename": filename, "format": fmt, "version": version, "direction": direction},
    )
    record(
        action="invoices.invoice.imported",
        actor=actor,
        company=company,
        obj=row,
        source=Source(source),
        data={"number": invoice.full_number, "direction": direction, "filename": filename},
    )
    if direction == "issued":
        _upsert_customer(company=company, buyer=invoice.buyer)
        route_invoice(invoice=row, actor=actor, source=source)
    else:
        now = timezone.now()
        row.route = Route.NONE
        row.transport = Transport.DELIVERED
        row.received_at = now
        row.response_due = timezone.localdate(now) + dt.timedelta(days=response_days())
        row.save(update_fields=["route", "transport", "received_at", "response_due"])
        signals.invoice_received.send(sender=Invoice, invoice=row, source=source)
    return row


def do_import_files(
    *,
    company: Company,
    actor: User | None,
    files: Iterable[tuple[str, bytes]],
    direction: Direction,
    source: str = Source.WEB,
) -> ImportReport:
    """Import uploaded files (Facturae incl. batches, UBL, CII, or .zip of them).

    Each invoice is stored in its own transaction after passing every check, so a rejected
    invoice leaves no trace but the report; a signed file is archived whole or not at all.
    ``direction`` says which side ``company`` is on: ``issued`` (we are the seller: the
    invoice is signed if needed and routed) or ``received`` (a supplier's invoice that reached
    us by other means: it lands in our *Invoices payable*).
    """
    _require_writer(actor=actor, company=company)
    report = ImportReport()
    for upload_name, upload_data in files:
        for name, content in expand_upload(upload_name, upload_data):
            if isinstance(content, Violation):
                report.files.append(FileReport(filename=name, violations=[content]))
                continue
            report.files.append(
                _import_one_file(
                    company=company,
                    actor=actor,
                    filename=name,
                    data=content,
                    direction=direction,
                    source=source,
                )
            )
    return report


# ---------------------------------------------------------------------------------------------
# Business lifecycle
# ---------------------------------------------------------------------------------------------


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _status_event(
    *,
    invoice: Invoice,
    kind: str,
    actor: User | None,
    company: Company,
    source: str,
    data: dict[str, Any] | None = None,
) -> Event:
    invoice.updated = timezone.now()
    invoice.save()
    event = _add_event(
        invoice=invoice, kind=kind, actor=actor, company=company, source=source, data=data
    )
    record(
        action=f"invoices.invoice.{kind}",
        actor=actor,
        company=company,
        obj=invoice,
        source=Source(source),
        data={"number": invoice.full_number, **(data or {})},
    )
    signals.invoice_status_changed.send(sender=Invoice, invoice=invoice, event=event, source=source)
    return event


def _as_recipient(invoice: Invoice, company: Company) -> None:
    if invoice.recipient_id != company.pk:
        if invoice.issuer_id == company.pk:
            raise PermissionDenied(_("Only the customer can do this with the invoice."))
        raise Invoice.DoesNotExist


def _as_issuer(invoice: Invoice, company: Company) -> None:
    if invoice.issuer_id != company.pk:
        if invoice.recipient_id == company.pk:
            raise PermissionDenied(_("Only the issuer can do this with the invoice."))
        raise Invoice.DoesNotExist


def do_mark_read(
    *, invoice: Invoice, company: Company, actor: User | None, source: str = Source.WEB
) -> bool:
    """The recipient opened the invoice for the first time; returns whether it changed."""
    if invoice.recipient_id != company.pk or invoice.read_at is not None:
        return False
    with transaction.atomic():
        invoice = _locked(invoice)
        if invoice.read_at is not None:
            return False
        invoice.read_at = timezone.now()
        if invoice.status == Status.RECEIVED:
            invoice.status = Status.READ
        _status_event(
            invoice=invoice, kind=EventKind.READ, actor=actor, company=company, source=source
        )
    return True


def _check_open(invoice: Invoice, allowed: set[str], action: str) -> None:
    if invoice.status not in allowed:
        raise ValidationError(
            _("This invoice is %(status)s; it cannot be %(action)s now.")
            % {"status": invoice.get_status_display().lower(), "action": action},
            code="invalid_state",
        )


def do_accept_invoice(
    *,
    invoice: Invoice,
    company: Company,
    actor: User | None,
    source: str = Source.WEB,
    note: str = "",
) -> Invoice:
    """The recipient accepts the invoice (Peppol AP, FACe 2400)."""
    _as_recipient(invoice, company)
    _require_writer(actor=actor, company=company)
    with transaction.atomic():
        invoice = _locked(invoice)
        _check_open(invoice, {Status.RECEIVED, Status.READ}, _("accepted"))
        invoice.status = Status.ACCEPTED
        invoice.read_at = invoice.read_at or timezone.now()
        _status_event(
            invoice=invoice,
            kind=EventKind.ACCEPTED,
            actor=actor,
            company=company,
            source=source,
            data={"note": note} if note else {},
        )
    return invoice


def do_reject_invoice(
    *,
    invoice: Invoice,
    company: Company,
    actor: User | None,
    reason: str,
    source: str = Source.WEB,
) -> Invoice:
    """The recipient rejects the invoice with a reason (Peppol RE, FACe 2600)."""
    _as_recipient(invoice, company)
    _require_writer(actor=actor, company=company)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the invoice is rejected."), code="required")
    with transaction.atomic():
        invoice = _locked(invoice)
        _check_open(invoice, {Status.RECEIVED, Status.READ}, _("rejected"))
        invoice.status = Status.REJECTED
        invoice.rejection_reason = reason[:2000]
        invoice.read_at = invoice.read_at or timezone.now()
        _status_event(
            invoice=invoice,
            kind=EventKind.REJECTED,
            actor=actor,
            company=company,
            source=source,
            data={"reason": reason[:2000]},
        )
    return invoice


def do_record_payment(
    *,
    invoice: Invoice,
    company: Company,
    actor: User | None,
    amount: Decimal,
    date: dt.date,
    source: str = Source.WEB,
) -> Invoice:
    """The recipient records a payment; partial payments add up (Peppol PD, FACe 2500)."""
    _as_recipient(invoice, company)
    _require_writer(actor=actor, company=company)
    if amount <= 0:
        raise ValidationError(_("The amount paid must be greater than zero."), code="amount")
    if date > timezone.localdate() + dt.timedelta(days=1):
        raise ValidationError(_("The payment date cannot be in the future."), code="date")
    with transaction.atomic():
        invoice = _locked(invoice)
        _check_open(
            invoice,
            {Status.RECEIVED, Status.READ, Status.ACCEPTED, Status.PARTIALLY_PAID},
            _("paid"),
        )
        outstanding = invoice.payable - invoice.paid_amount
        if amount > outstanding:
            raise ValidationError(
                _("The amount paid (%(amount)s) is more than what is outstanding (%(due)s).")
                % {"amount": amount, "due": outstanding},
                code="amount",
            )
        invoice.paid_amount += amount
        invoice.paid_date = date
        invoice.read_at = invoice.read_at or timezone.now()
        invoice.status = (
            Status.PAID if invoice.paid_amount >= invoice.payable else Status.PARTIALLY_PAID
        )
        _status_event(
            invoice=invoice,
            kind=EventKind.PAYMENT,
            actor=actor,
            company=company,
            source=source,
            data={
                "amount": str(amount),
                "date": date.isoformat(),
                "paid_total": str(invoice.paid_amount),
            },
        )
    return invoice


def do_request_cancellation(
    *,
    invoice: Invoice,
    company: Company,
    actor: User | None,
    reason: str,
    source: str = Source.WEB,
) -> Invoice:
    """The issuer asks to cancel the invoice; the recipient accepts or refuses.

    An invoice nobody has received yet (awaiting registration) is cancelled at once.
    """
    _as_issuer(invoice, company)
    _require_writer(actor=actor, company=company)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the invoice should be cancelled."), code="required")
    with transaction.atomic():
        invoice = _locked(invoice)
        _check_open(
            invoice,
            {Status.RECEIVED, Status.READ, Status.ACCEPTED, Status.REJECTED},
            _("cancelled"),
        )
        invoice.status_before_cancellation = invoice.status
        if invoice.recipient_id is None:
            invoice.status = Status.CANCELLED
            _status_event(
                invoice=invoice,
                kind=EventKind.CANCELLATION_ACCEPTED,
                actor=actor,
                company=company,
                source=source,
                data={"reason": reason},
            )
        else:
            invoice.status = Status.CANCELLATION_REQUESTED
            _status_event(
                invoice=invoice,
                kind=EventKind.CANCELLATION_REQUESTED,
                actor=actor,
                company=company,
                source=source,
                data={"reason": reason},
            )
    return invoice


def do_answer_cancellation(
    *,
    invoice: Invoice,
    company: Company,
    actor: User | None,
    accept: bool,
    reason: str = "",
    source: str = Source.WEB,
) -> Invoice:
    """The recipient accepts (invoice cancelled) or refuses (back to its earlier status)."""
    _as_recipient(invoice, company)
    _require_writer(actor=actor, company=company)
    with transaction.atomic():
        invoice = _locked(invoice)
        _check_open(invoice, {Status.CANCELLATION_REQUESTED}, _("answered"))
        if accept:
            invoice.status = Status.CANCELLED
            kind = EventKind.CANCELLATION_ACCEPTED
        else:
            invoice.status = invoice.status_before_cancellation or Status.RECEIVED
            kind = EventKind.CANCELLATION_REFUSED
        _status_event(
            invoice=invoice,
            kind=kind,
            actor=actor,
            company=company,
            source=source,
            data={"reason": reason.strip()} if reason.strip() else {},
        )
    return invoice


# ---------------------------------------------------------------------------------------------
# Federation hooks (called by efactura.federation.services, source PEER)
# ---------------------------------------------------------------------------------------------


def do_store_peer_invoice(
    *,
    company: Company,
    invoice: em.Invoice,
    original: bytes,
    filename: str,
    fmt: str,
    version: str,
    signed: bool,
    signature: dict[str, Any],
    peer_id: str,
    message_id: str,
) -> Invoice:
    """Put an invoice a federated platform delivered into ``company``'s *Invoices payable*.

    The caller (federation) has verified the peer, the envelope, the document and its
    signature; ``original`` is archived byte for byte as the peer sent it.
    """
    now = timezone.now()
    with transaction.atomic():
        row = Invoice.objects.create(
            issuer=None,
            recipient=company,
            origin=Origin.PEER,
            route=Route.PEER,
            route_detail=peer_id[:200],
            transport=Transport.DELIVERED,
            received_at=now,
            response_due=timezone.localdate(now) + dt.timedelta(days=response_days()),
            signature=signature,
            **row_fields(invoice),
        )
        storage.archive(
            invoice=row,
            data=original,
            role=Document.Role.ORIGINAL,
            filename=filename,
            fmt=fmt,
            version=version,
            signed=signed,
        )
        _add_event(
            invoice=row,
            kind=EventKind.DELIVERED,
            actor=None,
            company=company,
            source=Source.PEER,
            data={"from_peer": peer_id, "message_id": message_id, "route": Route.PEER},
        )
        record(
            action="invoices.invoice.received",
            company=company,
            obj=row,
            source=Source.PEER,
            data={"number": invoice.full_number, "peer": peer_id, "message_id": message_id},
        )
        signals.invoice_received.send(sender=Invoice, invoice=row, source=Source.PEER)
    return row


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
        Event.objects.create(
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
        if paid_total is not None:
            invoice.paid_amount = paid_total
        if paid_date is not None:
            invoice.paid_date = paid_date
        invoice.updated = now
        invoice.save()
        details = {"peer": peer_id, **({"reason": reason} if reason else {}), **(data or {})}
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
        signals.invoice_status_changed.send(
            sender=Invoice, invoice=invoice, event=event, source=Source.PEER
        )
        return event


def canonical(invoice: Invoice) -> em.Invoice:
    """The canonical invoice of a row (re-exported for edges that render it)."""
    return canonical_of(invoice)


__all__ = [
    "FileReport",
    "ImportReport",
    "ImportedInvoice",
    "InvoiceRejected",
    "RouteDecision",
    "allocate_number",
    "do_accept_invoice",
    "do_answer_cancellation",
    "do_apply_peer_status",
    "do_deliver_waiting_invoices",
    "do_import_files",
    "do_issue_invoice",
    "do_mark_read",
    "do_record_payment",
    "do_record_peer_delivery",
    "do_reject_invoice",
    "do_request_cancellation",
    "do_store_peer_invoice",
    "find_route",
    "route_invoice",
    "seller_party",
]
