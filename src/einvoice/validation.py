"""The inbound validation pipeline: bytes in, a :class:`Report` out, never an exception.

DESIGN.md, "Pipelines": ``size limit → hardened parse → detect format+version → XSD → parse
→ official rules → Spanish rules``.  Each step can stop the document with violations that
name the file, the invoice of a batch, the rule id and a sentence in English and Spanish:

1. **XML** (:func:`einvoice.xml.parse_bytes`): empty, too large, DOCTYPE/entities (XXE,
   billion laughs; searched in the whole file and in UTF-16/32 too), malformed.  Stops.
2. **Detect** (:func:`einvoice.formats.detect_tree`): XML that is not a supported invoice.
   Stops.
3. **Schema**: the XSD of the detected format and version.  A schema-invalid document is
   still parsed when possible (to show its invoice numbers) but no business rule runs on it:
   their findings on a broken structure would only be noise.
4. **Parse** into canonical invoices.  Stops on error.
5. **Official rules** (optional, the slow part: ``official=False`` skips them):
   UBL → CEN EN 16931 UBL, plus Peppol BIS 3 when the ``CustomizationID`` claims Peppol;
   CII → CEN EN 16931 CII; Facturae → each invoice rendered to UBL and checked with the CEN
   UBL rules, so a Facturae invoice is held to EN 16931 semantics too (locations are then
   given as the business terms the rule names, since the UBL paths do not exist in the
   file).  For Facturae these findings are warnings: Facturae is not an EN 16931 syntax
   and its legal validity rests on its schema and Spanish law; data UBL needs but the
   Facturae invoice lacks is reported as warnings too.
6. **Spanish rules** (:mod:`einvoice.rules.spain`) on every invoice, and batch totals.

A document is acceptable (``Report.ok``) when no step found a fatal violation.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from lxml import etree

from einvoice import formats
from einvoice.errors import ConversionError, EInvoiceError, Layer, Severity, Violation
from einvoice.formats import facturx
from einvoice.formats.base import Detected
from einvoice.model import Document, Invoice
from einvoice.rules import spain
from einvoice.rules.figures import has_figures, with_figures
from einvoice.xml import DEFAULT_MAX_BYTES, parse_bytes

__all__ = ["DEFAULT_MAX_BYTES", "InvoiceResult", "Report", "official_artefacts", "validate"]

log = logging.getLogger(__name__)

PEPPOL_BIS_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:3.0"
"""Marker of Peppol BIS Billing 3 inside a UBL ``CustomizationID`` (BT-24)."""

_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_TERMS = re.compile(r"\bB[TG]-\d+\b")


@dataclass(frozen=True, slots=True, kw_only=True)
class InvoiceResult:
    """The findings for one invoice of the file (the only one, or one of a batch)."""

    index: int
    """0-based position in the file."""
    number: str
    """BT-1 invoice number (Facturae series + number)."""
    violations: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        """No fatal violation for this invoice."""
        return not any(v.is_fatal for v in self.violations)

    def as_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "number": self.number,
            "ok": self.ok,
            "violations": [v.as_dict() for v in self.violations],
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """Everything :func:`validate` found out about one file."""

    filename: str = ""
    format: str = ""
    """``facturae``, ``ubl`` or ``cii`` ('' when not detected)."""
    version: str = ""
    kind: str = ""
    """``invoice`` or ``credit_note`` ('' when not detected)."""
    signed: bool = False
    """The file carries an enveloped XML signature (not verified here)."""
    violations: tuple[Violation, ...] = ()
    """Findings about the file as a whole: XML, format, schema, batch totals."""
    invoices: tuple[InvoiceResult, ...] = ()
    document: Document | None = field(default=None, compare=False)
    """The parsed document; ``None`` when parsing failed or never started."""
    official: bool = False
    """Whether the official EN 16931 / Peppol rules ran on every invoice of the file (never
    ``True`` when the file stopped before them or they were skipped)."""
    container: str = ""
    """``facturx`` when the invoice came embedded in a Factur-X / ZUGFeRD PDF, else ''."""

    @property
    def ok(self) -> bool:
        """No fatal violation anywhere in the file."""
        return not any(v.is_fatal for v in self.all_violations())

    def all_violations(self) -> Iterator[Violation]:
        """Document-level violations, then each invoice's."""
        yield from self.violations
        for result in self.invoices:
            yield from result.violations

    def counts(self) -> dict[str, int]:
        """Number of violations per severity."""
        out = {str(s): 0 for s in Severity}
        for v in self.all_violations():
            out[str(v.severity)] += 1
        return out

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dictionary (the ``--json`` output and the API response)."""
        return {
            "filename": self.filename,
            "format": self.format,
            "version": self.version,
            "kind": self.kind,
            "signed": self.signed,
            "ok": self.ok,
            "official_rules": self.official,
            "container": self.container,
            "counts": self.counts(),
            "violations": [v.as_dict() for v in self.violations],
            "invoices": [r.as_dict() for r in self.invoices],
        }


def official_artefacts(detected: Detected, tree: etree._ElementTree) -> tuple[str, ...]:
    """Which official artefacts apply to a UBL or CII document (none for Facturae itself)."""
    if detected.format == "cii":
        return ("cen-cii",)
    if detected.format == "ubl":
        customization = tree.getroot().findtext(f"{{{_CBC}}}CustomizationID") or ""
        if PEPPOL_BIS_BILLING in customization:
            return ("cen-ubl", "peppol-ubl")
        return ("cen-ubl",)
    return ()


_DTD_TEXT = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_WIDE_ENCODINGS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


def _declares_dtd(data: bytes) -> bool:
    """Whether the document declares a DOCTYPE or entities anywhere, in any encoding.

    The hardened parser looks for DOCTYPE in the first kilobytes of the raw bytes; this
    also catches one pushed further by a long comment, and UTF-16/32 documents, whose
    bytes never contain the ASCII text ``<!DOCTYPE``.  No e-invoice format uses a DTD.
    """
    for bom, codec in _WIDE_ENCODINGS:
        if data.startswith(bom):
            return bool(_DTD_TEXT.search(data.decode(codec, errors="ignore")))
    # "<!" followed by DOCTYPE or ENTITY in any letter case; only the few "<!" of a file
    # (comments, CDATA) are looked at, which is far cheaper than a case-insensitive regular
    # expression over the whole file (0.1 ms for a 30 kB invoice).
    start = data.find(b"<!")
    while start != -1:
        if data[start + 2 : start + 9].upper().startswith((b"DOCTYPE", b"ENTITY")):
            return True
        start = data.find(b"<!", start + 2)
    return False


def _dtd_violation(filename: str) -> Violation:
    where = f" ({filename})" if filename else ""
    return Violation(
        rule="XML-DTD",
        message=f"The file{where} declares a DOCTYPE or entities, which e-invoices never use; "
        "it was refused for safety.",
        message_es=f"El fichero{where} declara un DOCTYPE o entidades, que las facturas "
        "electrónicas no usan; se ha rechazado por seguridad.",
        layer=Layer.XML,
    )


def _internal(step_en: str, step_es: str, exc: Exception) -> Violation:
    """A bug or unforeseen input in a library step, reported instead of raised."""
    log.exception("validation step failed: %s", step_en)
    return Violation(
        rule="INTERNAL",
        message=f"The document could not be {step_en} because of an unexpected error "
        f"({type(exc).__name__}); please report it with the file.",
        message_es=f"No se pudo {step_es} el documento por un error inesperado "
        f"({type(exc).__name__}); por favor, comuníquelo adjuntando el fichero.",
        layer=Layer.XML,
    )


def _run_official(tree: etree._ElementTree, artefacts: tuple[str, ...]) -> list[Violation]:
    from einvoice.rules import official

    return official.check_all(tree, artefacts)


def _through_conversion(violation: Violation) -> Violation:
    """Say that a finding is about efactura's EN 16931 (UBL) rendering of the invoice, not
    about the file as the user sent it: the rules ran on what efactura made of it."""
    return replace(
        violation,
        message=f"In the EN 16931 form of this invoice (as efactura converts it to UBL): "
        f"{violation.message}",
        message_es="En la forma EN 16931 de esta factura (tal como efactura la convierte a "
        f"UBL): {violation.message_es or violation.message}",
    )


def _official_on_facturae(invoice: Invoice, index: int | None) -> tuple[list[Violation], bool]:
    """EN 16931 rules on a Facturae invoice's meaning, through its UBL rendering.

    Returns the findings and whether the rules ran (not when the UBL rendering failed).
    """
    from einvoice.formats.ubl import reader as ubl_reader
    from einvoice.formats.ubl import writer as ubl_writer
    from einvoice.rules import official

    try:
        ubl = ubl_writer.build([invoice])
    except ConversionError as exc:
        return [
            replace(v, severity=Severity.WARNING, layer=Layer.CONVERSION, invoice=index)
            for v in exc.violations
        ], False
    except EInvoiceError as exc:
        return [replace(v, severity=Severity.WARNING, invoice=index) for v in exc.violations], False
    except Exception as exc:  # another package's bug must not sink the whole report
        problem = _internal("checked against EN 16931", "validar según la EN 16931", exc)
        return [replace(problem, severity=Severity.WARNING, invoice=index)], False
    # The rendering goes to Saxon as text, exactly as ``formats.render`` would write it,
    # without a round trip through bytes and the lxml parser.
    found = official.check(
        etree.tostring(ubl, encoding="unicode", pretty_print=True), "cen-ubl", lines=False
    )
    if not found:
        return [], True
    as_checked = invoice
    if any(has_figures(v.rule) for v in found):
        try:
            # The figures quoted in arithmetic findings are those of the invoice as checked
            # (its UBL form), read back only when such a finding needs them.
            (as_checked,) = ubl_reader.read(etree.ElementTree(ubl)).invoices
        except (EInvoiceError, ValueError):
            as_checked = invoice
    found = [_through_conversion(with_figures(v, as_checked)) for v in found]
    # Advisory only: Facturae is not one of the EN 16931 syntaxes (CEN/TS 16931-3 binds
    # UBL and CII); a Facturae invoice is lawful when it meets its own schema and Spanish
    # law (Orden HAP/1650/2015), which the schema and Spanish rules check with fatal
    # severity.  These findings say what a recipient of its UBL/Peppol conversion would
    # reject, and some stem from Facturae concepts EN 16931 cannot express (equivalence
    # surcharge, withholdings, general discounts without a tax category).
    return [
        replace(
            v,
            severity=Severity.WARNING,
            location=", ".join(dict.fromkeys(_TERMS.findall(v.message))),
            invoice=index,
        )
        for v in found
    ], True


def validate(
    data: bytes,
    *,
    filename: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
    official: bool = True,
    today: dt.date | None = None,
) -> Report:
    """Run the whole inbound pipeline on one file's bytes; never raises on bad input.

    ``official=False`` skips the official EN 16931 / Peppol rules (the slow step) for callers
    that only need structure.  ``today`` fixes the date the "issue date in the future" rule
    compares with (tests); it defaults to the current date.  A step that fails on input it
    did not foresee gives an ``INTERNAL`` finding (and a logged traceback), never an
    exception: the edges (web, API, CLI) must always have a report to show.
    """
    try:
        return _validate(
            data, filename=filename, max_bytes=max_bytes, official=official, today=today
        )
    except Exception as exc:
        return Report(filename=filename, violations=(_internal("checked", "comprobar", exc),))


def _validate(
    data: bytes,
    *,
    filename: str,
    max_bytes: int,
    official: bool,
    today: dt.date | None,
) -> Report:
    report = Report(filename=filename)
    if len(data) <= max_bytes:
        if facturx.sniff(data):
            return _validate_pdf(
                data, filename=filename, max_bytes=max_bytes, official=official, today=today
            )
        non_xml = formats.sniff(data)
        if non_xml is not None:
            return _validate_non_xml(
                non_xml, data, filename=filename, official=official, today=today
            )
    if len(data) <= max_bytes and _declares_dtd(data):
        return replace(report, violations=(_dtd_violation(filename),))
    try:
        tree = parse_bytes(data, max_bytes=max_bytes, filename=filename)
    except EInvoiceError as exc:
        return replace(report, violations=tuple(exc.violations))
    doctype: object = getattr(tree.docinfo, "doctype", "")
    if doctype or tree.docinfo.internalDTD is not None:  # belt and braces after the search
        return replace(report, violations=(_dtd_violation(filename),))
    try:
        detected = formats.detect_tree(tree, filename=filename)
    except EInvoiceError as exc:
        return replace(report, violations=tuple(exc.violations))
    except Exception as exc:  # a detector bug must still give the user a report
        return replace(report, violations=(_internal("recognised", "reconocer", exc),))
    report = replace(
        report,
        format=detected.format,
        version=detected.version,
        kind=str(detected.kind),
        signed=detected.signed,
    )
    module = formats.get(detected.format)
    doc_violations: list[Violation] = []
    try:
        doc_violations.extend(module.validate_schema(tree, detected.version))
    except EInvoiceError as exc:
        doc_violations.extend(exc.violations)
    except (etree.LxmlError, ValueError) as exc:
        # libxml2 can give up on pathological input ("Internal error in XML Schema
        # validation"); that is a schema failure of the document, not a crash.
        doc_violations.append(
            Violation(
                rule="XSD",
                message=f"The document could not be checked against its schema: {exc}.",
                message_es=f"No se pudo comprobar el documento con su esquema: {exc}.",
                layer=Layer.SCHEMA,
            )
        )
    schema_ok = not any(v.is_fatal for v in doc_violations)

    try:
        document: Document | None = module.parse(tree, version=detected.version)
    except EInvoiceError as exc:
        document = None
        doc_violations.extend(exc.violations)
    except Exception as exc:  # a parser bug must still give the user a report
        document = None
        doc_violations.append(_internal("read", "leer", exc))

    if document is None or not schema_ok:
        invoices: tuple[InvoiceResult, ...] = ()
        if document is not None:
            invoices = tuple(
                InvoiceResult(index=i, number=inv.full_number)
                for i, inv in enumerate(document.invoices)
            )
        return replace(
            report, violations=tuple(doc_violations), invoices=invoices, document=document
        )

    # Every Facturae file has a Batch element; only several invoices make it a batch.
    batch = len(document.invoices) > 1
    per_invoice: list[list[Violation]] = [[] for _ in document.invoices]

    ran = False
    if official:
        if detected.format == "facturae":
            ran = bool(document.invoices)
            for i, invoice in enumerate(document.invoices):
                found_i, ran_i = _official_on_facturae(invoice, i if batch else None)
                per_invoice[i].extend(found_i)
                ran = ran and ran_i
        else:
            found = _run_official(tree, official_artefacts(detected, tree))
            if len(document.invoices) == 1:
                found = [with_figures(v, document.invoices[0]) for v in found]
            ran = not any(v.rule == "RULES-ERROR" for v in found)
            if len(per_invoice) == 1:
                per_invoice[0].extend(found)
            else:
                doc_violations.extend(found)

    doc_violations.extend(spain.check_batch(document))
    strict = spain.is_strict(document)
    for i, invoice in enumerate(document.invoices):
        per_invoice[i].extend(
            spain.check_invoice(invoice, index=i if batch else None, today=today, strict=strict)
        )

    results = tuple(
        InvoiceResult(index=i, number=inv.full_number, violations=tuple(per_invoice[i]))
        for i, inv in enumerate(document.invoices)
    )
    return replace(
        report,
        violations=tuple(doc_violations),
        invoices=results,
        document=document,
        official=ran,
    )


def _validate_pdf(
    data: bytes, *, filename: str, max_bytes: int, official: bool, today: dt.date | None
) -> Report:
    """A Factur-X / ZUGFeRD PDF: its embedded XML goes through the whole XML pipeline."""
    empty = Report(filename=filename, container="facturx")
    try:
        _, xml = facturx.extract(data, filename=filename)
    except EInvoiceError as exc:
        return replace(empty, violations=tuple(exc.violations))
    except Exception as exc:  # pypdf on a hostile PDF must still give a report
        return replace(empty, violations=(_internal("read", "leer", exc),))
    if facturx.sniff(xml):  # a PDF inside a PDF is not an invoice
        return replace(
            empty,
            violations=(
                Violation(
                    rule="PDF-NO-INVOICE",
                    message="The PDF embeds another PDF, not an invoice XML.",
                    message_es="El PDF lleva incrustado otro PDF, no el XML de una factura.",
                    layer=Layer.XML,
                ),
            ),
        )
    inner = validate(xml, filename=filename, max_bytes=max_bytes, official=official, today=today)
    if not inner.format and b"urn:ferd:CrossIndustryDocument:invoice:1p0" in xml[:4096]:
        where = f" ({filename})" if filename else ""
        return replace(
            empty,
            violations=(
                Violation(
                    rule="PDF-ZUGFERD1",
                    message=f"The PDF{where} carries a ZUGFeRD 1.0 invoice "
                    "(CrossIndustryDocument), a version older than EN 16931 that this platform "
                    "does not read; ask the sender for ZUGFeRD 2 / Factur-X, UBL or CII.",
                    message_es=f"El PDF{where} lleva una factura ZUGFeRD 1.0 "
                    "(CrossIndustryDocument), una versión anterior a la EN 16931 que esta "
                    "plataforma no lee; pida al emisor ZUGFeRD 2 / Factur-X, UBL o CII.",
                    layer=Layer.XML,
                ),
            ),
        )
    return replace(inner, container="facturx")


def _edifact_segments(message: str) -> tuple[str, str]:
    """Where the business terms ``message`` names sit in an EDIFACT message (English and
    Spanish suffix, empty when it names none the table knows)."""
    from einvoice.formats.edifact._codes import TERM_SEGMENTS

    found = [
        f"{term} = {TERM_SEGMENTS[term]}"
        for term in dict.fromkeys(_TERMS.findall(message))
        if term in TERM_SEGMENTS
    ]
    if not found:
        return "", ""
    joined = "; ".join(found)
    return f" In the EDIFACT message: {joined}.", f" En el mensaje EDIFACT: {joined}."


def _official_on_edifact(invoice: Invoice, index: int | None) -> tuple[list[Violation], bool]:
    """EN 16931 rules on an EDIFACT invoice, through its UBL rendering.

    The CEN EDIFACT artefacts need the ISO 20625 XML form, which no maintained converter
    produces, so the official CEN UBL rules run on the invoice's UBL rendering.  Unlike
    Facturae, EDIFACT *is* an EN 16931 syntax (CEN/TS 16931-3-4) and RD 238/2026 wants its
    invoices to conform: a business rule (``BR-*``) that fails is a fault of the message
    itself and keeps the artefact's severity (fatal ones are errors), with the EDIFACT
    segments of the terms it names.  The UBL syntax rules (``UBL-*``) can only be about
    efactura's rendering, so they stay warnings that say so — never blamed on the file.
    """
    from einvoice.rules import official

    try:
        ubl = formats.render("ubl", [invoice])
    except EInvoiceError as exc:
        return [replace(v, severity=Severity.WARNING, invoice=index) for v in exc.violations], False
    except Exception as exc:  # another package's bug must not sink the whole report
        problem = _internal("checked against EN 16931", "validar según la EN 16931", exc)
        return [replace(problem, severity=Severity.WARNING, invoice=index)], False
    found = official.check(ubl, "cen-ubl", lines=False)
    try:
        (as_checked,) = formats.parse(ubl).invoices
    except (EInvoiceError, ValueError):
        as_checked = invoice
    out: list[Violation] = []
    for v in found:
        v = with_figures(v, as_checked)
        location = ", ".join(dict.fromkeys(_TERMS.findall(v.message)))
        if v.rule.startswith("BR-"):
            en, es = _edifact_segments(v.message)
            out.append(
                replace(
                    v,
                    message=f"{v.message}{en}",
                    message_es=f"{v.message_es or v.message}{es}",
                    location=location,
                    invoice=index,
                )
            )
        else:
            out.append(
                replace(
                    _through_conversion(v),
                    severity=Severity.WARNING,
                    location=location,
                    invoice=index,
                )
            )
    return out, not any(v.rule == "RULES-ERROR" for v in found)


def _validate_non_xml(
    name: str, data: bytes, *, filename: str, official: bool, today: dt.date | None
) -> Report:
    """The pipeline for a format that is not XML (EDIFACT): syntax instead of XSD, then the
    same parse, official and Spanish steps as a Facturae file.

    The CEN EN 16931 EDIFACT rules run on the ISO 20625 XML form of a message, which no
    maintained converter produces; EN 16931 is therefore checked through the invoice's UBL
    rendering (:func:`_official_on_edifact`): business rules are real findings of the file,
    named with their EDIFACT segments; syntax findings of the rendering are warnings.
    """
    report = Report(filename=filename)
    module = formats.get_bytes_format(name)
    try:
        detected = module.detect_bytes(data, filename=filename)
    except EInvoiceError as exc:
        return replace(report, violations=tuple(exc.violations))
    except Exception as exc:  # a detector bug must still give the user a report
        return replace(report, violations=(_internal("recognised", "reconocer", exc),))
    if detected is None:
        return replace(report, violations=(_internal("recognised", "reconocer", ValueError()),))
    report = replace(
        report, format=detected.format, version=detected.version, kind=str(detected.kind)
    )
    doc_violations = list(module.validate_syntax(data, filename=filename))
    syntax_ok = not any(v.is_fatal for v in doc_violations)
    try:
        document: Document | None = module.parse_bytes(data, filename=filename)
    except EInvoiceError as exc:
        document = None
        doc_violations.extend(exc.violations)
    except Exception as exc:  # a parser bug must still give the user a report
        document = None
        doc_violations.append(_internal("read", "leer", exc))
    if document is None or not syntax_ok:
        invoices = tuple(
            InvoiceResult(index=i, number=inv.full_number)
            for i, inv in enumerate(document.invoices if document is not None else ())
        )
        return replace(
            report, violations=tuple(doc_violations), invoices=invoices, document=document
        )
    batch = len(document.invoices) > 1
    per_invoice: list[list[Violation]] = [[] for _ in document.invoices]
    ran = official and bool(document.invoices)
    for i, invoice in enumerate(document.invoices):
        if official:
            found_i, ran_i = _official_on_edifact(invoice, i if batch else None)
            per_invoice[i].extend(found_i)
            ran = ran and ran_i
    strict = spain.is_strict(document)
    for i, invoice in enumerate(document.invoices):
        per_invoice[i].extend(
            spain.check_invoice(invoice, index=i if batch else None, today=today, strict=strict)
        )
    results = tuple(
        InvoiceResult(index=i, number=inv.full_number, violations=tuple(per_invoice[i]))
        for i, inv in enumerate(document.invoices)
    )
    return replace(
        report,
        violations=tuple(doc_violations),
        invoices=results,
        document=document,
        official=ran,
    )
