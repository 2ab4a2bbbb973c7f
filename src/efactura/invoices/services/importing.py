"""Importing files (single documents, batches, zips) through the inbound pipeline."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from typing import Any, Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from efactura.audit.choices import Source
from efactura.companies.acting import Actor
from efactura.companies.models import Company
from efactura.invoices import effects
from efactura.invoices.choices import (
    EventKind,
    Origin,
    Route,
    Transport,
)
from efactura.invoices.mapping import content_hash, row_fields
from efactura.invoices.models import Document, Invoice
from efactura.invoices.services._common import (
    Archived,
    InvoiceRejected,
    _require_writer,
    _violation,
    create_invoice,
    response_days,
)
from efactura.invoices.services.issuing import _sign, _upsert_customer, _with_sealing_party
from efactura.invoices.services.routing import RouteDecision, discover_route, route_invoice
from einvoice import formats
from einvoice import model as em
from einvoice.errors import Layer, Violation

Direction = Literal["issued", "received"]

MAX_ZIP_ENTRIES = 1000
MAX_ZIP_TOTAL_BYTES = 500 * 1024 * 1024


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
    actor: Actor,
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
        # Signing and route discovery (HTTP to partner platforms) happen before the
        # invoice's transaction opens, never inside it.
        original = (*shared_original, result.version) if shared_original is not None else None
        item_signature = signature
        discovered: RouteDecision | None = None
        if direction == "issued":
            if original is None:
                xml = formats.render("facturae", [_with_sealing_party(company, invoice)])
                signed_xml, item_signature = _sign(company, xml)
                original = (signed_xml, item_signature.get("status") == "valid", "3.2.2")
            discovered = discover_route(tax_id=invoice.buyer.tax_id)
        try:
            with transaction.atomic():
                item.invoice = _store_imported(
                    company=company,
                    actor=actor,
                    invoice=invoice,
                    filename=filename,
                    raw=data,
                    original=original,
                    batch_index=index if len(document.invoices) > 1 else None,
                    fmt=result.format,
                    version=result.version,
                    direction=direction,
                    signature=item_signature,
                    source=source,
                    discovered=discovered,
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


def _content_type(data: bytes) -> str:
    """Media type of an archived file: a Factur-X PDF, an EDIFACT interchange, or XML."""
    from einvoice.formats import edifact, facturx

    if facturx.sniff(data):
        return facturx.MEDIA_TYPE
    if edifact.sniff(data):
        return edifact.MEDIA_TYPE
    return "application/xml"


def _store_imported(
    *,
    company: Company,
    actor: Actor,
    invoice: em.Invoice,
    filename: str,
    raw: bytes,
    original: tuple[bytes, bool, str] | None,
    batch_index: int | None,
    fmt: str,
    version: str,
    direction: Direction,
    signature: dict[str, Any],
    source: str,
    discovered: RouteDecision | None,
) -> Invoice:
    """Store one checked invoice, in the caller's transaction.  ``original`` is the document
    to archive as the legal original (bytes, signed, Facturae version; signed before the
    transaction), ``None`` for a received invoice kept as uploaded."""
    if original is not None:
        original_bytes, signed, original_version = original
        original_fmt = "facturae"
    else:
        original_bytes, signed, original_fmt, original_version = raw, False, fmt, version
    received: dict[str, Any] = {}
    if direction == "received":
        now = timezone.now()
        received = {
            "route": Route.NONE,
            "transport": Transport.DELIVERED,
            "received_at": now,
            "response_due": timezone.localdate(now) + dt.timedelta(days=response_days()),
        }
    documents = [
        Archived(
            data=original_bytes,
            role=Document.Role.ORIGINAL,
            filename=filename,
            fmt=original_fmt,
            version=original_version,
            signed=signed,
            batch_index=batch_index,
            content_type=_content_type(original_bytes),
        )
    ]
    if original_bytes is not raw:
        documents.append(
            Archived(
                data=raw,
                role=Document.Role.UPLOADED,
                filename=filename,
                fmt=fmt,
                version=version,
                signed=False,
                batch_index=batch_index,
                content_type=_content_type(raw),
            )
        )
    row = create_invoice(
        fields={
            "issuer": company if direction == "issued" else None,
            "recipient": company if direction == "received" else None,
            "origin": (
                Origin.IMPORTED_ISSUED if direction == "issued" else Origin.IMPORTED_RECEIVED
            ),
            "signature": signature,
            **received,
            **row_fields(invoice),
        },
        documents=documents,
        company=company,
        actor=actor,
        source=source,
        event=(
            EventKind.IMPORTED,
            {"filename": filename, "format": fmt, "version": version, "direction": direction},
        ),
        audit=(
            "invoices.invoice.imported",
            {"number": invoice.full_number, "direction": direction, "filename": filename},
        ),
        effect=effects.INVOICE_RECEIVED if direction == "received" else None,
    )
    if direction == "issued":
        _upsert_customer(company=company, buyer=invoice.buyer)
        route_invoice(invoice=row, actor=actor, source=source, discovered=discovered)
    return row


def do_import_files(
    *,
    company: Company,
    actor: Actor,
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
