"""Facturae format package: every corpus sample is a test case.

Valid samples (outside ``invalid/``) must be detected with the version INDEX.tsv gives,
validate, parse into as many invoices as the file holds, and survive
parse -> render 3.2.2 -> parse unchanged.  Invalid samples whose INDEX.tsv says
``xsd_valid FAIL`` must produce schema violations.  A new sample dropped into the corpus
(and catalogued in INDEX.tsv) becomes a new test automatically.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from tests.corpus import CORPUS, samples

from einvoice.errors import ConversionError, Layer, ParseError, UnsupportedDocument
from einvoice.formats import facturae
from einvoice.formats.facturae import codes, sign
from einvoice.formats.facturae.reader import canonical_tax_id, registration_parts, vat_category
from einvoice.model import (
    Address,
    Attachment,
    Document,
    DocumentKind,
    Invoice,
    Line,
    Party,
    Payment,
    Residence,
    TaxType,
    VatCategory,
)
from einvoice.xml import parse_bytes

SAMPLES_DIR = CORPUS / "facturae" / "samples"
ALL = samples("facturae", "samples")
VALID = [p for p in ALL if "invalid" not in p.relative_to(SAMPLES_DIR).parts]
INVALID = [p for p in ALL if "invalid" in p.relative_to(SAMPLES_DIR).parts]
SCHEMAS = Path(facturae.__file__).resolve().parent / "schemas"
XS = "{http://www.w3.org/2001/XMLSchema}"


def _index() -> dict[str, dict[str, str]]:
    with (SAMPLES_DIR / "INDEX.tsv").open(encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


INDEX = _index()


def _rel(path: Path) -> str:
    return path.relative_to(SAMPLES_DIR).as_posix()


def _entry(path: Path) -> dict[str, str]:
    entry = INDEX.get(_rel(path))
    assert entry is not None, f"{_rel(path)} is not catalogued in INDEX.tsv"
    return entry


def _expected_count(entry: dict[str, str]) -> int:
    match = re.search(r"batch:(\d+)", entry["features"])
    return int(match.group(1)) if match else 1


def _load(path: Path) -> tuple[etree._ElementTree, str]:
    tree = parse_bytes(path.read_bytes(), filename=path.name)
    found = facturae.detect(tree.getroot())
    assert found is not None
    return tree, found.version


def _parse(path: Path) -> Document:
    tree, version = _load(path)
    return facturae.parse(tree, version=version)


def _roundtrip(invoices: tuple[Invoice, ...], version: str = "3.2.2") -> Document:
    out = facturae.render(invoices, version=version)
    tree = parse_bytes(out)
    assert facturae.validate_schema(tree, version) == []
    return facturae.parse(tree, version=version)


def _ids(paths: list[Path]) -> list[str]:
    return [_rel(p) for p in paths]


# ---------------------------------------------------------------------------------------------
# Corpus: detection, schema, parsing
# ---------------------------------------------------------------------------------------------


def test_corpus_is_present() -> None:
    assert VALID, f"no Facturae samples under {SAMPLES_DIR}"
    assert INVALID


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_detects_version_and_signature(path: Path) -> None:
    entry = _entry(path)
    tree = parse_bytes(path.read_bytes())
    found = facturae.detect(tree.getroot())
    assert found is not None
    assert found.format == "facturae"
    assert found.version == entry["version"]
    assert found.signed is (entry["signed"] == "yes")


@pytest.mark.parametrize("path", VALID, ids=_ids(VALID))
def test_valid_sample_validates_and_parses(path: Path) -> None:
    entry = _entry(path)
    tree, version = _load(path)
    assert facturae.validate_schema(tree, version) == []
    document = facturae.parse(tree, version=version)
    assert document.format == "facturae"
    assert document.version == entry["version"]
    assert document.signed is (entry["signed"] == "yes")
    assert len(document.invoices) == _expected_count(entry)
    assert document.batch_totals is not None
    assert document.batch_totals.invoices_count == len(document.invoices)
    assert document.batch_id


@pytest.mark.parametrize("path", VALID, ids=_ids(VALID))
def test_amounts_are_exactly_as_written(path: Path) -> None:
    """Decimals keep the file's digits: compare with the raw text of the elements."""
    tree, version = _load(path)
    document = facturae.parse(tree, version=version)
    for invoice, el in zip(document.invoices, tree.getroot().iterfind("Invoices/Invoice")):
        if invoice.kind is DocumentKind.CREDIT_NOTE:
            # A negative corrective reads as a credit note: the same digits, sign reversed.
            invoice = sign.as_facturae(invoice)
        totals = el.find("InvoiceTotals")
        assert str(invoice.totals.invoice_total) == totals.findtext("InvoiceTotal").strip()
        assert str(invoice.totals.payable) == totals.findtext("TotalExecutableAmount").strip()
        assert str(invoice.totals.line_net_total) == totals.findtext("TotalGrossAmount").strip()
        raw_lines = el.findall("Items/InvoiceLine")
        assert len(raw_lines) == len(invoice.lines)
        for line, raw in zip(invoice.lines, raw_lines):
            assert str(line.net_amount) == raw.findtext("GrossAmount").strip()
            assert str(line.net_price) == raw.findtext("UnitPriceWithoutTax").strip()
            assert str(line.quantity) == raw.findtext("Quantity").strip()
        # Rows repeating a tax and rate are added up (one BG-23 row per category and rate).
        raw_bases: dict[tuple[str, Decimal], Decimal] = {}
        for raw in el.findall("TaxesOutputs/Tax"):
            key = (raw.findtext("TaxTypeCode").strip(), Decimal(raw.findtext("TaxRate")))
            base = Decimal(raw.findtext("TaxableBase/TotalAmount"))
            raw_bases[key] = raw_bases.get(key, Decimal(0)) + base
        model_bases: dict[tuple[str, Decimal], Decimal] = {}
        for row in invoice.vat_breakdown:
            key = (row.tax_type.value, row.rate or Decimal(0))
            model_bases[key] = model_bases.get(key, Decimal(0)) + row.taxable_amount
        assert model_bases == raw_bases
        if len(raw_bases) == len(el.findall("TaxesOutputs/Tax")):
            for row, raw in zip(invoice.vat_breakdown, el.findall("TaxesOutputs/Tax")):
                assert str(row.taxable_amount) == raw.findtext("TaxableBase/TotalAmount").strip()


@pytest.mark.parametrize(
    "path",
    [p for p in INVALID if _entry(p)["xsd_valid"] == "FAIL"],
    ids=_ids([p for p in INVALID if _entry(p)["xsd_valid"] == "FAIL"]),
)
def test_schema_invalid_sample_gives_violations(path: Path) -> None:
    tree, version = _load(path)
    violations = facturae.validate_schema(tree, version)
    assert violations
    for v in violations:
        assert v.rule == "XSD"
        assert v.layer is Layer.SCHEMA
        assert v.line
        assert v.message and v.message_es


@pytest.mark.parametrize(
    "path",
    [p for p in INVALID if _entry(p)["xsd_valid"] == "PASS"],
    ids=_ids([p for p in INVALID if _entry(p)["xsd_valid"] == "PASS"]),
)
def test_business_invalid_sample_is_schema_valid_and_parses(path: Path) -> None:
    """These are wrong in content (totals, NIF) only: the format layer must read them."""
    tree, version = _load(path)
    assert facturae.validate_schema(tree, version) == []
    assert len(facturae.parse(tree, version=version).invoices) == _expected_count(_entry(path))


@pytest.mark.parametrize("path", INVALID, ids=_ids(INVALID))
def test_invalid_sample_never_crashes_the_reader(path: Path) -> None:
    tree, version = _load(path)
    try:
        facturae.parse(tree, version=version)
    except ParseError as error:
        assert error.violations[0].message_es
        assert error.violations[0].location


# ---------------------------------------------------------------------------------------------
# Round trip
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", VALID, ids=_ids(VALID))
def test_roundtrip_through_322(path: Path) -> None:
    # No normalisation is needed: the reader maps only what 3.2.2 can write back, and the
    # elements 3.2.2 added (InvoiceDescription, header references, Corrective issue date)
    # are absent from older files.
    original = _parse(path)
    again = _roundtrip(original.invoices)
    assert again.invoices == original.invoices
    assert len(again.invoices) == len(original.invoices)


def _without_322_only(invoice: Invoice) -> Invoice:
    """What a 3.2.1 file cannot hold: 3.2.2 header references, InvoiceDescription, the
    corrected invoice's issue date and the unit 36 (kWh)."""
    correction = invoice.correction
    if correction is not None:
        correction = dataclasses.replace(correction, issue_date=None)
    preceding = tuple(dataclasses.replace(p, issue_date=None) for p in invoice.preceding)
    return dataclasses.replace(
        invoice,
        order_ref="",
        contract_ref="",
        buyer_reference="",
        notes=tuple(n for n in invoice.notes if n.subject != "AAI"),
        correction=correction,
        preceding=preceding,
        lines=tuple(
            dataclasses.replace(ln, unit_code="ZZ") if ln.unit_code == "KWH" else ln
            for ln in invoice.lines
        ),
    )


@pytest.mark.parametrize("path", VALID, ids=_ids(VALID))
def test_render_321_on_request(path: Path) -> None:
    original = _parse(path)
    out = facturae.render(original.invoices, version="3.2.1")
    tree = parse_bytes(out)
    found = facturae.detect(tree.getroot())
    assert found is not None and found.version == "3.2.1"
    assert facturae.validate_schema(tree, "3.2.1") == []
    again = facturae.parse(tree, version="3.2.1")
    # The corrective's issue date also feeds BG-3 (BT-26), so it is normalised there too.
    assert again.invoices == tuple(_without_322_only(i) for i in original.invoices)


def test_render_is_deterministic_utf8_and_unsigned() -> None:
    invoices = _parse(SAMPLES_DIR / "gobl-facturae" / "invoice-vat.xml").invoices
    first = facturae.render(invoices)
    assert first == facturae.render(invoices)
    assert first.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = parse_bytes(first).getroot()
    assert root.find(f"{{{codes.DSIG_NS}}}Signature") is None
    assert facturae.detect(root) is not None
    assert root.findtext("FileHeader/SchemaVersion") == "3.2.2"


def test_render_refuses_versions_it_cannot_write() -> None:
    invoices = _parse(SAMPLES_DIR / "gobl-facturae" / "invoice-vat.xml").invoices
    with pytest.raises(UnsupportedDocument):
        facturae.render(invoices, version="3.2")


# ---------------------------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def base_invoice() -> Invoice:
    return _parse(SAMPLES_DIR / "omeuid" / "Facturae-3.2.2-valid.xml").invoices[0]


def test_several_invoices_become_one_batch(base_invoice: Invoice) -> None:
    second = dataclasses.replace(base_invoice, number="2")
    out = facturae.render([base_invoice, second])
    tree = parse_bytes(out)
    assert facturae.validate_schema(tree, "3.2.2") == []
    header = tree.getroot().find("FileHeader")
    assert header.findtext("Modality") == "L"
    assert header.findtext("Batch/InvoicesCount") == "2"
    # Seller tax ID (as written in Facturae) + first invoice's number + series.
    assert header.findtext("Batch/BatchIdentifier") == "B28015865" + "1" + "A"
    document = facturae.parse(tree, version="3.2.2")
    assert [i.number for i in document.invoices] == ["1", "2"]
    assert document.batch_totals is not None
    expected = base_invoice.totals.invoice_total * 2
    assert document.batch_totals.total_invoices_amount == expected


def test_batch_needs_one_buyer(base_invoice: Invoice) -> None:
    other_buyer = dataclasses.replace(base_invoice.buyer, tax_id="ESB99999999")
    second = dataclasses.replace(base_invoice, number="2", buyer=other_buyer)
    with pytest.raises(ConversionError) as info:
        facturae.render([base_invoice, second])
    assert info.value.violations[0].rule == "FACTURAE-BATCH"
    assert info.value.violations[0].invoice == 1


# ---------------------------------------------------------------------------------------------
# Missing data: ConversionError naming the business term
# ---------------------------------------------------------------------------------------------


def test_buyer_without_tax_id_names_bt48(base_invoice: Invoice) -> None:
    invoice = dataclasses.replace(
        base_invoice, buyer=dataclasses.replace(base_invoice.buyer, tax_id="")
    )
    with pytest.raises(ConversionError) as info:
        facturae.render([invoice])
    rules = [v.rule for v in info.value.violations]
    assert rules == ["BT-48"]
    violation = info.value.violations[0]
    assert violation.layer is Layer.CONVERSION
    assert "tax identification" in violation.message
    assert "NIF" in violation.message_es


def test_seller_without_tax_id_and_buyer_address_incomplete(base_invoice: Invoice) -> None:
    address = dataclasses.replace(base_invoice.buyer.address, postal_code="", city="")
    invoice = dataclasses.replace(
        base_invoice,
        seller=dataclasses.replace(base_invoice.seller, tax_id=""),
        buyer=dataclasses.replace(base_invoice.buyer, address=address),
    )
    with pytest.raises(ConversionError) as info:
        facturae.render([invoice])
    rules = {v.rule for v in info.value.violations}
    assert {"BT-31", "BT-52", "BT-53"} <= rules
    assert all(v.message_es for v in info.value.violations)


def test_too_long_values_are_refused_not_truncated(base_invoice: Invoice) -> None:
    invoice = dataclasses.replace(base_invoice, number="X" * 21)
    with pytest.raises(ConversionError) as info:
        facturae.render([invoice])
    assert [v.rule for v in info.value.violations] == ["BT-1"]


def test_credit_note_without_correction_data_is_refused(base_invoice: Invoice) -> None:
    invoice = dataclasses.replace(base_invoice, type_code="381")
    with pytest.raises(ConversionError) as info:
        facturae.render([invoice])
    assert info.value.violations[0].rule == "BG-3"


def test_payment_without_due_date_is_refused(base_invoice: Invoice) -> None:
    invoice = dataclasses.replace(
        base_invoice, instalments=(), due_date=None, payment=Payment(means_code="58")
    )
    with pytest.raises(ConversionError) as info:
        facturae.render([invoice])
    assert [v.rule for v in info.value.violations] == ["BT-9"]


def test_unknown_country_is_refused(base_invoice: Invoice) -> None:
    buyer = dataclasses.replace(
        base_invoice.buyer,
        tax_id="XK123456",
        address=Address(line1="Rr. Nëna Terezë 1", city="Prishtinë", country="XK"),
    )
    with pytest.raises(ConversionError) as info:
        facturae.render([dataclasses.replace(base_invoice, buyer=buyer)])
    assert [v.rule for v in info.value.violations] == ["BT-55"]


# ---------------------------------------------------------------------------------------------
# Mapping details
# ---------------------------------------------------------------------------------------------


def test_tax_id_prefix_rules() -> None:
    assert canonical_tax_id("B12345674", Residence.RESIDENT) == "ESB12345674"
    assert canonical_tax_id("ESB12345674", Residence.RESIDENT) == "ESB12345674"
    assert canonical_tax_id("12345678Z", Residence.RESIDENT) == "ES12345678Z"
    assert canonical_tax_id("q-2222222-i", Residence.RESIDENT) == "ESQ2222222I"
    assert canonical_tax_id("DE111111125", Residence.EU, "DE") == "DE111111125"
    assert canonical_tax_id("0477472701", Residence.EU, "BE") == "BE0477472701"
    assert canonical_tax_id("12-3456789", Residence.FOREIGN, "") == "123456789"


def test_spanish_resident_is_written_without_prefix_foreigner_with(base_invoice: Invoice) -> None:
    buyer = Party(
        name="Kunde GmbH",
        tax_id="DE111111125",
        address=Address(line1="Hauptstr. 1", city="Berlin", postal_code="10115", country="DE"),
    )
    out = facturae.render([dataclasses.replace(base_invoice, buyer=buyer)])
    root = parse_bytes(out).getroot()
    assert root.findtext("Parties/SellerParty/TaxIdentification/TaxIdentificationNumber") == (
        "B28015865"
    )
    tax = root.find("Parties/BuyerParty/TaxIdentification")
    assert tax.findtext("TaxIdentificationNumber") == "DE111111125"
    # The model default R is corrected from the VAT prefix: Germany is in the EU -> U.
    assert tax.findtext("ResidenceTypeCode") == "U"
    overseas = root.find("Parties/BuyerParty/LegalEntity/OverseasAddress")
    assert overseas.findtext("PostCodeAndTown") == "10115 Berlin"
    assert overseas.findtext("CountryCode") == "DEU"


def test_province_is_derived_from_spanish_post_code(base_invoice: Invoice) -> None:
    address = dataclasses.replace(base_invoice.buyer.address, subdivision="", postal_code="38001")
    buyer = dataclasses.replace(base_invoice.buyer, address=address)
    root = parse_bytes(facturae.render([dataclasses.replace(base_invoice, buyer=buyer)])).getroot()
    assert root.findtext("Parties/BuyerParty/LegalEntity/AddressInSpain/Province") == (
        "S.C. de Tenerife"
    )


@pytest.mark.parametrize(
    ("tax_type", "rate", "event", "expected"),
    [
        (TaxType.IVA, Decimal("21"), "", VatCategory.STANDARD),
        (TaxType.IVA, Decimal("0"), "01", VatCategory.EXEMPT),
        (TaxType.IVA, Decimal("0.00"), "02", VatCategory.NOT_SUBJECT),
        (TaxType.IVA, Decimal("0"), "", VatCategory.ZERO_RATED),
        (TaxType.IGIC, Decimal("7"), "", VatCategory.CANARY_IGIC),
        (TaxType.IGIC, Decimal("0"), "", VatCategory.ZERO_RATED),  # BR-AF-05
        (TaxType.IPSI, Decimal("0"), "", VatCategory.ZERO_RATED),  # BR-AG-05
        (TaxType.IGIC, Decimal("0"), "01", VatCategory.EXEMPT),
        (TaxType.IVA, Decimal("21"), "01", VatCategory.STANDARD),
        (TaxType.IPSI, Decimal("4"), "", VatCategory.CEUTA_MELILLA_IPSI),
        (TaxType.OTHER, Decimal("4"), "", VatCategory.ZERO_RATED),
    ],
)
def test_vat_category(tax_type: TaxType, rate: Decimal, event: str, expected: VatCategory) -> None:
    assert vat_category(tax_type, rate, event) is expected


def test_repeated_tax_rows_are_added_up(base_invoice: Invoice) -> None:
    # The file lists IVA 16 % with surcharge 1 % twice (25.00 and 26.00).
    assert len(base_invoice.vat_breakdown) == 1
    row = base_invoice.vat_breakdown[0]
    assert (row.taxable_amount, row.tax_amount) == (Decimal("51.00"), Decimal("8.16"))
    assert row.surcharge_amount == Decimal("0.51")
    assert base_invoice.totals.surcharge_total == Decimal("0.51")


def test_exempt_line_gives_exempt_breakdown() -> None:
    invoice = _parse(SAMPLES_DIR / "haltr" / "invoice_gob_es.xml").invoices[0]
    exempt = [row for row in invoice.vat_breakdown if row.category is VatCategory.EXEMPT]
    assert len(exempt) == 1
    assert exempt[0].exemption_reason.startswith("Concepto exento")
    assert invoice.lines[0].vat_category is VatCategory.EXEMPT
    # IRPF-like "other" withholding and the equivalence surcharge are kept.
    assert invoice.withholdings[0].tax_type is TaxType.OTHER
    assert invoice.vat_breakdown[0].surcharge_rate == Decimal("1.00")
    assert invoice.totals.surcharge_total == Decimal("0.26")


def test_not_subject_line_has_no_rate(base_invoice: Invoice) -> None:
    line = dataclasses.replace(
        base_invoice.lines[1],
        vat_category=VatCategory.NOT_SUBJECT,
        vat_rate=None,
        surcharge_rate=None,
        exemption_reason="Operación no sujeta (art. 7 LIVA)",
    )
    invoice = dataclasses.replace(base_invoice, lines=(base_invoice.lines[0], line))
    again = _roundtrip((invoice,)).invoices[0]
    assert again.lines[1].vat_category is VatCategory.NOT_SUBJECT
    assert again.lines[1].vat_rate is None
    assert again.lines[1].exemption_code == "VATEX-EU-O"


def test_corrective_invoice_maps_to_correction_and_preceding() -> None:
    invoice = _parse(SAMPLES_DIR / "gobl-facturae" / "credit-note.xml").invoices[0]
    assert invoice.invoice_class == "OR"
    # Its amounts are all negative: an EN 16931 credit note with positive amounts.
    assert (invoice.kind, invoice.type_code) == (DocumentKind.CREDIT_NOTE, "381")
    assert invoice.correction is not None
    assert invoice.correction.number == "TEST01001F"
    assert invoice.correction.reason_code == "01"
    assert invoice.correction.method == "02"
    assert invoice.correction.period is not None
    assert invoice.preceding[0].number == "TEST01001F"
    assert invoice.preceding[0].issue_date == dt.date(2021, 12, 8)
    assert invoice.totals.payable > 0
    written = facturae.render([invoice])
    assert b"<TotalExecutableAmount>-" in written  # written back as the negative corrective
    back = facturae.parse(parse_bytes(written), version="3.2.2").invoices[0]
    assert (back.kind, back.totals, back.lines) == (invoice.kind, invoice.totals, invoice.lines)


def test_public_buyer_centres() -> None:
    invoice = _parse(SAMPLES_DIR / "gobl-facturae" / "invoice-face.xml").invoices[0]
    roles = {c.role: c.code for c in invoice.buyer.centres}
    assert roles == {"01": "L01280796", "02": "LA0007407", "03": "LA0007408"}


def test_attachment_roundtrip(base_invoice: Invoice) -> None:
    pdf = b"%PDF-1.4\n% test attachment\n"
    invoice = dataclasses.replace(
        base_invoice,
        attachments=(
            Attachment(id="1", description="Albarán", content=pdf, mime_type="application/pdf"),
        ),
    )
    again = _roundtrip((invoice,)).invoices[0]
    assert again.attachments == invoice.attachments


def test_attachment_of_unsupported_type_is_refused(base_invoice: Invoice) -> None:
    invoice = dataclasses.replace(
        base_invoice,
        attachments=(Attachment(id="sheet", content=b"a,b\n", mime_type="text/csv"),),
    )
    with pytest.raises(ConversionError) as info:
        facturae.render([invoice])
    assert [v.rule for v in info.value.violations] == ["BT-125"]


def test_units_convert_both_ways(base_invoice: Invoice) -> None:
    lines = tuple(
        Line(
            id=str(n),
            name=f"item {n}",
            quantity=Decimal("1"),
            unit_code=rec20,
            net_price=Decimal("1.00"),
            net_amount=Decimal("1.00"),
            vat_rate=Decimal("16.00"),
        )
        for n, rec20 in enumerate(["HUR", "KGM", "XBX", "KWH", "H87", "MON"], start=1)
    )
    root = parse_bytes(facturae.render([dataclasses.replace(base_invoice, lines=lines)])).getroot()
    written = [u.text for u in root.iterfind("Invoices/Invoice/Items/InvoiceLine/UnitOfMeasure")]
    assert written == ["02", "03", "06", "36", "01", "05"]
    old = facturae.render([dataclasses.replace(base_invoice, lines=lines)], version="3.2.1")
    written_321 = [
        u.text for u in parse_bytes(old).getroot().iterfind(".//InvoiceLine/UnitOfMeasure")
    ]
    assert written_321[3] == "05"  # kWh does not exist in 3.2.1


def test_payment_means_and_accounts() -> None:
    invoice = _parse(SAMPLES_DIR / "gobl-facturae" / "invoice-face.xml").invoices[0]
    assert invoice.payment is not None
    assert invoice.instalments[0].means_code == "04"
    assert invoice.payment.means_code == "58"  # credit transfer to an IBAN
    assert invoice.payment.credit_transfers[0].account == invoice.instalments[0].account
    assert invoice.due_date == invoice.instalments[0].due_date


# ---------------------------------------------------------------------------------------------
# Hostile or broken content: typed, bilingual errors only
# ---------------------------------------------------------------------------------------------


def _mutated(change: str, replacement: str) -> etree._ElementTree:
    data = (SAMPLES_DIR / "omeuid" / "Facturae-3.2.2-valid.xml").read_bytes()
    assert change.encode() in data
    return parse_bytes(data.replace(change.encode(), replacement.encode(), 1))


def test_bad_number_is_a_parse_error() -> None:
    tree = _mutated("<GrossAmount>33.750000</GrossAmount>", "<GrossAmount>NaN</GrossAmount>")
    with pytest.raises(ParseError) as info:
        facturae.parse(tree, version="3.2.2")
    assert info.value.violations[0].rule == "FACTURAE-NUMBER"
    assert "GrossAmount" in info.value.violations[0].message_es


def test_bad_date_is_a_parse_error() -> None:
    tree = _mutated("<IssueDate>2013-04-30</IssueDate>", "<IssueDate>30/04/2013</IssueDate>")
    with pytest.raises(ParseError) as info:
        facturae.parse(tree, version="3.2.2")
    assert info.value.violations[0].rule == "FACTURAE-DATE"


def test_unknown_code_is_a_parse_error() -> None:
    tree = _mutated("<TaxTypeCode>04</TaxTypeCode>", "<TaxTypeCode>99</TaxTypeCode>")
    with pytest.raises(ParseError) as info:
        facturae.parse(tree, version="3.2.2")
    assert info.value.violations[0].rule == "FACTURAE-CODE"


def test_bad_base64_attachment_is_a_parse_error() -> None:
    block = (
        "<AdditionalData><RelatedDocuments><Attachment><AttachmentFormat>pdf</AttachmentFormat>"
        "<AttachmentEncoding>BASE64</AttachmentEncoding><AttachmentData>%%%</AttachmentData>"
        "</Attachment></RelatedDocuments></AdditionalData></Invoice>"
    )
    tree = _mutated("</Invoice>", block)
    with pytest.raises(ParseError) as info:
        facturae.parse(tree, version="3.2.2")
    assert info.value.violations[0].rule == "FACTURAE-ATTACHMENT"


def test_base64_attachment_is_decoded() -> None:
    payload = b"<albaran>1</albaran>"
    block = (
        "<AdditionalData><RelatedDocuments><Attachment><AttachmentFormat>xml</AttachmentFormat>"
        "<AttachmentEncoding>BASE64</AttachmentEncoding><AttachmentDescription>Albarán"
        f"</AttachmentDescription><AttachmentData>{base64.b64encode(payload).decode()}"
        "</AttachmentData></Attachment></RelatedDocuments></AdditionalData></Invoice>"
    )
    tree = _mutated("</Invoice>", block)
    attachment = facturae.parse(tree, version="3.2.2").invoices[0].attachments[0]
    assert attachment.content == payload
    assert attachment.mime_type == "application/xml"
    assert attachment.description == "Albarán"


def test_detect_ignores_other_documents() -> None:
    other = parse_bytes(
        b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>"
    )
    assert facturae.detect(other.getroot()) is None
    wrong = parse_bytes(b"<Facturae xmlns='http://example.com/not-facturae'/>")
    assert facturae.detect(wrong.getroot()) is None


# ---------------------------------------------------------------------------------------------
# Code tables are complete against the official XSD enumerations
# ---------------------------------------------------------------------------------------------


def _enumeration(version: str, type_name: str) -> list[str]:
    tree = etree.parse(str(SCHEMAS / codes.SCHEMA_FILES[version]))
    for simple in tree.getroot().iter(f"{XS}simpleType"):
        if simple.get("name") == type_name:
            return [e.get("value") for e in simple.iter(f"{XS}enumeration")]
    raise AssertionError(f"{type_name} not in Facturae {version} XSD")


@pytest.mark.parametrize("version", facturae.VERSIONS)
def test_country_table_covers_xsd(version: str) -> None:
    enumerated = _enumeration(version, "CountryType")
    assert set(enumerated) == set(codes.ALPHA3_TO_ALPHA2)
    # alpha-2 codes are unique, so the reverse table loses nothing.
    assert len(codes.ALPHA2_TO_ALPHA3) == len(codes.ALPHA3_TO_ALPHA2)


@pytest.mark.parametrize("version", ["3.2.1", "3.2.2"])
def test_unit_table_covers_xsd(version: str) -> None:
    enumerated = set(_enumeration(version, "UnitOfMeasureType"))
    assert enumerated == set(codes.UNITS_BY_VERSION[version])
    assert enumerated <= set(codes.UNIT_TO_REC20)
    for code in enumerated - {"14", "27"}:  # the two without a Rec 20 equivalent
        assert codes.REC20_TO_UNIT[codes.UNIT_TO_REC20[code]] == code


def test_payment_means_table_covers_xsd() -> None:
    enumerated = set(_enumeration("3.2.2", "PaymentMeansType"))
    assert enumerated == set(codes.PAYMENT_MEANS_TO_UNCL4461) == set(codes.PAYMENT_MEANS_NAMES)
    assert set(codes.UNCL4461_TO_PAYMENT_MEANS.values()) <= enumerated


def test_corrective_descriptions_match_xsd() -> None:
    assert _enumeration("3.2.2", "ReasonCodeType") == list(codes.REASON_DESCRIPTIONS)
    assert _enumeration("3.2.2", "ReasonDescriptionType") == list(
        codes.REASON_DESCRIPTIONS.values()
    )
    assert _enumeration("3.2.2", "CorrectionMethodType") == list(
        codes.CORRECTION_METHOD_DESCRIPTIONS
    )
    assert _enumeration("3.2.2", "CorrectionMethodDescriptionType") == list(
        codes.CORRECTION_METHOD_DESCRIPTIONS.values()
    )


def test_namespaces_match_xsd() -> None:
    for version, filename in codes.SCHEMA_FILES.items():
        root = etree.parse(str(SCHEMAS / filename)).getroot()
        assert root.get("targetNamespace") == codes.NAMESPACES[version]
        assert _enumeration(version, "SchemaVersionType") == [version]


# ---------------------------------------------------------------------------------------------
# Losses are reported, never silent
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", VALID, ids=_ids(VALID))
def test_reader_fills_nothing_the_writer_would_drop(path: Path) -> None:
    assert facturae.losses(_parse(path).invoices) == []


def test_losses_name_the_business_terms(base_invoice: Invoice) -> None:
    line = dataclasses.replace(base_invoice.lines[0], description="Long text", unit_code="MON")
    invoice = dataclasses.replace(
        base_invoice,
        payee=Party(name="Factor S.A.", tax_id="ESA00000000"),
        project_ref="PRJ-1",
        lines=(line, *base_invoice.lines[1:]),
    )
    warnings = facturae.losses([invoice])
    assert {w.rule for w in warnings} == {"BG-10", "BT-11", "BT-154", "BT-130"}
    assert all(w.severity.value == "warning" and w.message_es for w in warnings)
    # The file is still written: these are losses, not errors.
    assert facturae.render([invoice])


def test_registry_data_travels_in_bt33() -> None:
    seller = _parse(SAMPLES_DIR / "haltr" / "invoice_amounts_withheld.xml").invoices[0].seller
    assert seller.legal_form.startswith("Registro Mercantil de REG.MERC.MADRID, Tomo 1855")
    parts = registration_parts(seller.legal_form)
    assert parts is not None and parts["Sheet"] == "M-33855"
    assert registration_parts("Capital social 3.000 EUR") is None


def test_intra_community_line_is_written_exempt_and_reported(base_invoice: Invoice) -> None:
    line = dataclasses.replace(
        base_invoice.lines[1],
        vat_category=VatCategory.INTRA_COMMUNITY,
        vat_rate=Decimal("0"),
        surcharge_rate=None,
        exemption_reason="Entrega intracomunitaria exenta (art. 25 LIVA)",
    )
    invoice = dataclasses.replace(base_invoice, lines=(base_invoice.lines[0], line))
    assert [w.rule for w in facturae.losses([invoice])] == ["BT-151"]
    again = _roundtrip((invoice,)).invoices[0]
    assert again.lines[1].vat_category is VatCategory.EXEMPT
    assert again.lines[1].exemption_reason == line.exemption_reason


def test_third_party_issuer() -> None:
    document = _parse(SAMPLES_DIR / "gobl-facturae" / "invoice-vat.xml")
    invoice = document.invoices[0]
    assert invoice.issuer_type.value == "TE"
    assert invoice.third_party is not None
    assert invoice.third_party.tax_id.startswith("ES")
    root = parse_bytes(facturae.render(document.invoices)).getroot()
    assert root.findtext("FileHeader/InvoiceIssuerType") == "TE"
    assert root.find("FileHeader/ThirdParty/TaxIdentification") is not None


def test_corrective_without_tax_period_is_refused() -> None:
    invoice = _parse(SAMPLES_DIR / "gobl-facturae" / "credit-note.xml").invoices[0]
    assert invoice.correction is not None
    broken = dataclasses.replace(
        invoice, correction=dataclasses.replace(invoice.correction, period=None)
    )
    with pytest.raises(ConversionError) as info:
        facturae.render([broken])
    assert [v.rule for v in info.value.violations] == ["BG-3"]


def test_empty_tax_type_is_a_parse_error() -> None:
    tree = _mutated("<TaxTypeCode>04</TaxTypeCode>", "<TaxTypeCode></TaxTypeCode>")
    with pytest.raises(ParseError) as info:
        facturae.parse(tree, version="3.2.2")
    assert info.value.violations[0].rule == "FACTURAE-MISSING"


def test_precision_facturae_cannot_hold_is_refused_not_rounded(base_invoice: Invoice) -> None:
    line = dataclasses.replace(base_invoice.lines[0], net_price=Decimal("25.123456789"))
    instalment = dataclasses.replace(base_invoice.instalments[0], amount=Decimal("66.035"))
    invoice = dataclasses.replace(
        base_invoice, lines=(line, *base_invoice.lines[1:]), instalments=(instalment,)
    )
    with pytest.raises(ConversionError) as info:
        facturae.render([invoice])
    assert sorted(v.rule for v in info.value.violations) == ["BT-115", "BT-146"]
    assert "decimales" in info.value.violations[0].message_es
