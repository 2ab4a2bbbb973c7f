"""Importing files (single documents, batches, zips) through the inbound pipeline."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import lzma
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Q, Value, When
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
from einvoice.errors import ConversionError, Layer, Severity, Violation

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


def _zip_problem(rule: str, en: str, es: str) -> Violation:
    return _violation(rule, en, es, layer=Layer.XML)


_ZIP_METHODS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
"""Compression methods Python reads; any other (e.g. Deflate64, PPMd) is refused per entry."""

_ZIP_READ_ERRORS = (
    zipfile.BadZipFile,  # bad CRC, truncated data, a size header that lies
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,  # unknown compression method
    RuntimeError,  # encrypted entry
)


def _document_limit() -> int:
    return int(getattr(settings, "EFACTURA_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024))


def expand_upload(filename: str, data: bytes) -> Iterator[tuple[str, bytes | Violation]]:
    """A .zip becomes its entries, one at a time; any other file is itself.

    Bounded: at most :data:`MAX_ZIP_ENTRIES` entries, each at most the document size limit
    and :data:`MAX_ZIP_TOTAL_BYTES` decompressed in all, counted on the bytes really read
    (the sizes in a zip's headers may lie); no nested zips.  Entries are decompressed
    lazily, so only the one being imported is in memory.  An entry that cannot be read (bad
    CRC, truncated, encrypted, unknown compression) becomes a :class:`Violation` in its
    place and the others are still read.
    """
    if not (filename.lower().endswith(".zip") or data[:4] == b"PK\x03\x04"):
        yield filename, data
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [
            i
            for i in archive.infolist()
            if not i.is_dir()
            and not i.filename.startswith("__MACOSX/")
            and not i.filename.split("/")[-1].startswith(".")
        ]
    except _ZIP_READ_ERRORS:
        yield (
            filename,
            _zip_problem(
                "IMPORT-ZIP",
                f"{filename} is not a readable .zip file.",
                f"{filename} no es un fichero .zip legible.",
            ),
        )
        return
    megabytes = MAX_ZIP_TOTAL_BYTES // (1024 * 1024)
    too_much = _zip_problem(
        "IMPORT-ZIP-SIZE",
        f"{filename} holds too many files or too much data (at most "
        f"{MAX_ZIP_ENTRIES} files and {megabytes} MB).",
        f"{filename} contiene demasiados ficheros o datos (como máximo "
        f"{MAX_ZIP_ENTRIES} ficheros y {megabytes} MB).",
    )
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_ZIP_TOTAL_BYTES:
        yield filename, too_much
        return
    limit = _document_limit()
    total = 0
    for info in infos:
        name = f"{filename}/{info.filename}"
        problem = _entry_problem(name, info, limit)
        if problem is not None:
            yield name, problem
            continue
        try:
            with archive.open(info) as handle:
                content = handle.read(limit + 1)
        except _ZIP_READ_ERRORS as exc:
            yield (
                name,
                _zip_problem(
                    "IMPORT-ZIP-ENTRY",
                    f"{name} could not be read from the .zip file ({exc}); the file is "
                    "damaged. Create the .zip again.",
                    f"No se pudo leer {name} del fichero .zip ({exc}); el fichero está "
                    "dañado. Vuelva a crear el .zip.",
                ),
            )
            continue
        if len(content) > limit:  # the size header lied
            yield name, _too_large(name, limit, len(content))
            continue
        total += len(content)
        if total > MAX_ZIP_TOTAL_BYTES:
            yield filename, too_much
            return
        yield name, content


def _too_large(name: str, limit: int, size: int) -> Violation:
    return _zip_problem(
        "XML-SIZE",
        f"{name} is over {min(size, limit + 1) - 1:,} bytes; the limit is {limit:,} bytes.",
        f"{name} ocupa más de {min(size, limit + 1) - 1:,} bytes; el límite es {limit:,} bytes.",
    )


def _entry_problem(name: str, info: zipfile.ZipInfo, limit: int) -> Violation | None:
    """Why an entry is refused before reading it, or ``None``."""
    if info.filename.lower().endswith(".zip"):
        return _zip_problem(
            "IMPORT-ZIP-NESTED",
            f"{name}: zip files inside zip files are not read.",
            f"{name}: no se leen ficheros zip dentro de otros zip.",
        )
    if info.flag_bits & 0x1:
        return _zip_problem(
            "IMPORT-ZIP-ENCRYPTED",
            f"{name} is encrypted (password-protected); put it in the .zip without a password.",
            f"{name} está cifrado (protegido con contraseña); inclúyalo en el .zip sin contraseña.",
        )
    if info.compress_type not in _ZIP_METHODS:
        return _zip_problem(
            "IMPORT-ZIP-METHOD",
            f"{name} uses a compression method this platform does not read (method "
            f"{info.compress_type}); create the .zip with the usual Deflate compression.",
            f"{name} usa un método de compresión que esta plataforma no lee (método "
            f"{info.compress_type}); cree el .zip con la compresión Deflate habitual.",
        )
    if info.file_size > limit:
        return _too_large(name, limit, info.file_size)
    return None


def _find_duplicate(*, invoice: em.Invoice) -> Invoice | None:
    """An invoice already stored with the same seller and number, or else with the same
    content; one query (both lookups are indexed), the number match preferred."""
    same_number = Q(seller_tax_id=invoice.seller.tax_id, series=invoice.series) & Q(
        number=invoice.number
    )
    found = list(
        Invoice.objects.filter(same_number | Q(content_hash=content_hash(invoice)))
        .annotate(
            by_number=Case(When(same_number, then=Value(0)), default=Value(1)),
        )
        .order_by("by_number", "pk")[:1]
    )
    return found[0] if found else None


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

    return validate(data, filename=filename, max_bytes=_document_limit())


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
            try:
                signed_xml, signature = _sign(company, data)
            except ValidationError as exc:  # the company's signing policy refused
                refused = _signing_refused(exc)
                for index, _invoice in candidates:
                    result.invoices[index].violations.append(refused)
                return result
            shared_original = (signed_xml, signature.get("status") == "valid")

    for index, invoice in candidates:
        item = result.invoices[index]
        # Signing and route discovery (HTTP to partner platforms) happen before the
        # invoice's transaction opens, never inside it.
        original = (*shared_original, result.version) if shared_original is not None else None
        item_signature = signature
        discovered: RouteDecision | None = None
        if direction == "issued":
            # None: the invoice cannot be sealed as Facturae (e.g. a credit note without
            # Facturae's correction data); it is kept in its own syntax, with warnings.
            xml = None if original is not None else _facturae_or_none(company, invoice, result)
            if xml is not None:
                try:
                    signed_xml, item_signature = _sign(company, xml)
                except ValidationError as exc:  # the company's signing policy refused
                    item.violations.append(_signing_refused(exc))
                    continue
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


def _signing_refused(exc: ValidationError) -> Violation:
    message = " ".join(str(m) for m in exc.messages)
    return _violation("SIGNING", message, message, layer=Layer.SIGNATURE)


def _facturae_or_none(company: Company, invoice: em.Invoice, result: FileReport) -> bytes | None:
    """The issued invoice rendered as Facturae for sealing, or ``None`` when its data does not
    allow it (e.g. a UBL CreditNote or CII 381/384 without Facturae's correction data).

    Such an invoice is still valid in its own syntax (RD 238/2026 admits UBL and CII), so it
    is stored and delivered as it came; why it has no Facturae copy is added to the file's
    warnings in the import report.
    """
    try:
        return formats.render("facturae", [_with_sealing_party(company, invoice)])
    except ConversionError as exc:
        result.warnings.extend(
            dataclasses.replace(
                v,
                severity=Severity.WARNING,
                message=f"Kept in its own syntax, not sealed as Facturae: {v.message}",
                message_es=f"Se conserva en su sintaxis original, sin sellar como Facturae: "
                f"{v.message_es or v.message}",
            )
            for v in exc.violations
        )
        return None


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
        route_invoice(invoice=row, actor=actor, source=source, discovered=discovered)
        # Last: every invoice to this customer updates its row, whose lock is held until
        # commit; taken just before the commit, concurrent invoices barely wait for it.
        _upsert_customer(company=company, buyer=invoice.buyer)
    return row


def count_upload_files(filename: str, data: bytes) -> int:
    """How many files an upload holds for the import report: a .zip's entries (read from its
    directory, nothing decompressed), else 1."""
    if not (filename.lower().endswith(".zip") or data[:4] == b"PK\x03\x04"):
        return 1
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except _ZIP_READ_ERRORS:
        return 1
    return max(1, sum(1 for i in infos if not i.is_dir()))


def do_import_files(
    *,
    company: Company,
    actor: Actor,
    files: Iterable[tuple[str, bytes]],
    direction: Direction,
    source: str = Source.WEB,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import uploaded files (Facturae incl. batches, UBL, CII, or .zip of them).

    Each invoice is stored in its own transaction after passing every check, so a rejected
    invoice leaves no trace but the report; a signed file is archived whole or not at all.
    ``direction`` says which side ``company`` is on: ``issued`` (we are the seller: the
    invoice is signed if needed and routed) or ``received`` (a supplier's invoice that reached
    us by other means: it lands in our *Invoices payable*).  ``files`` may be a lazy iterable
    and the entries of a .zip are decompressed one at a time, so only one document is in
    memory; ``on_progress`` is called with the number of files checked after each one.
    """
    _require_writer(actor=actor, company=company)
    report = ImportReport()
    for upload_name, upload_data in files:
        for name, content in expand_upload(upload_name, upload_data):
            if isinstance(content, Violation):
                report.files.append(FileReport(filename=name, violations=[content]))
                if on_progress is not None:
                    on_progress(len(report.files))
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
            if on_progress is not None:
                on_progress(len(report.files))
    return report
