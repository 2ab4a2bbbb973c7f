"""UN/CEFACT CII D16B format package: every CEN sample, round trips, a Spanish invoice.

Every file under ``corpus/cii/samples`` becomes a test case of each corpus test: drop a new
sample there and it is detected, schema-checked, parsed, rendered, validated with the
official CEN artefact and round-tripped automatically.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from tests.corpus import samples

from einvoice.errors import ConversionError, ParseError, UnsupportedDocument
from einvoice.formats import cii
from einvoice.formats.cii._names import RAM as RAM_TAG
from einvoice.model import (
    Address,
    AdministrativeCentre,
    AllowanceCharge,
    Contact,
    Correction,
    CreditTransfer,
    DocumentKind,
    Identifier,
    Instalment,
    Invoice,
    IssuerType,
    Line,
    Note,
    Party,
    Payment,
    Period,
    PrecedingInvoice,
    TaxType,
    Totals,
    VatBreakdown,
    VatCategory,
    Withholding,
)
from einvoice.rules.official import check
from einvoice.xml import parse_bytes

SAMPLES = samples("cii", "samples")

# Samples that the CEN artefact itself rejects, with the fatal rule ids it reports.  Checked
# for every sample: all CEN TC434 CII examples in the corpus pass today, so this is empty;
# a future invalid sample must be listed here with the rules it breaks.
KNOWN_INVALID: dict[str, set[str]] = {}


def _id(path: Path) -> str:
    return path.name


def _parse_file(path: Path) -> Invoice:
    tree = parse_bytes(path.read_bytes(), filename=path.name)
    document = cii.parse(tree, version="D16B")
    assert len(document.invoices) == 1
    return document.invoices[0]


def _fatal(xml: bytes) -> set[str]:
    return {v.rule for v in check(xml, "cen-cii") if v.is_fatal}


def _parse_bytes(data: bytes) -> Invoice:
    return cii.parse(parse_bytes(data), version="D16B").invoices[0]


def _differences(a: object, b: object, path: str = "invoice") -> list[str]:
    """Field-by-field differences, so a failing round trip names the business term."""
    if dataclasses.is_dataclass(a) and type(a) is type(b):
        out: list[str] = []
        for f in dataclasses.fields(a):
            out += _differences(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
        return out
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += _differences(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def test_corpus_has_cii_samples() -> None:
    assert len(SAMPLES) >= 10


# ---------------------------------------------------------------------------------------------
# Every sample
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=_id)
def test_sample_detect_schema_parse(path: Path) -> None:
    tree = parse_bytes(path.read_bytes())
    found = cii.detect(tree.getroot())
    assert found is not None
    assert (found.format, found.version, found.signed) == ("cii", "D16B", False)
    type_code = tree.getroot().findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=_NS)
    expected_kind = DocumentKind.CREDIT_NOTE if type_code == "381" else DocumentKind.INVOICE
    assert found.kind is expected_kind
    assert cii.validate_schema(tree, "D16B") == []
    invoice = _parse_file(path)
    assert invoice.number
    assert invoice.lines
    assert invoice.vat_breakdown
    assert invoice.seller.name and invoice.buyer.name


@pytest.mark.parametrize("path", SAMPLES, ids=_id)
def test_sample_against_cen_artefact(path: Path) -> None:
    assert _fatal(path.read_bytes()) == KNOWN_INVALID.get(path.name, set())


@pytest.mark.parametrize("path", SAMPLES, ids=_id)
def test_render_is_schema_valid_and_passes_cen(path: Path) -> None:
    rendered = cii.render([_parse_file(path)])
    assert cii.validate_schema(parse_bytes(rendered), "D16B") == []
    assert _fatal(rendered) == set()


@pytest.mark.parametrize("path", SAMPLES, ids=_id)
def test_round_trip_keeps_every_business_term(path: Path) -> None:
    first = _parse_file(path)
    rendered = cii.render([first])
    second = _parse_bytes(rendered)
    assert _differences(first, second) == []
    # Deterministic output: rendering the re-parsed invoice gives the same bytes.
    assert cii.render([second]) == rendered


# ---------------------------------------------------------------------------------------------
# Specific business terms read from the CEN examples
# ---------------------------------------------------------------------------------------------


def _sample(name: str) -> Invoice:
    [path] = [p for p in SAMPLES if p.name == name]
    return _parse_file(path)


def test_business_example_01_terms() -> None:
    invoice = _sample("CII_business_example_01.xml")
    assert invoice.number == "TOSL108"
    assert invoice.issue_date == dt.date(2013, 6, 30)
    assert invoice.currency == "NOK"
    assert invoice.specification_id == "urn:cen.eu:en16931:2017"
    assert invoice.seller.tax_id == "NO123456789MVA"
    assert invoice.buyer.identifiers == (Identifier(value="3456789012098", scheme="0088"),)
    assert invoice.buyer.legal_id == Identifier(value="987654321")
    assert invoice.buyer.contact == Contact(
        name="John Doe", phone="5121230", email="john@buyercompany.no"
    )
    assert invoice.tax_representative is not None
    assert invoice.tax_representative.tax_id == "NO967611265MVA"
    assert invoice.payee is not None and invoice.payee.name == "Ebeneser Scrooge AS"
    assert invoice.order_ref == "123" and invoice.contract_ref == "Contract321"
    assert invoice.tax_point_date == dt.date(2013, 6, 30)
    assert invoice.due_date == dt.date(2013, 7, 20)
    assert invoice.delivery is not None and invoice.delivery.date == dt.date(2013, 6, 15)
    assert invoice.delivery.location_id == Identifier(value="6754238987643", scheme="0088")
    assert invoice.accounting_ref == "Project cost code 123"
    [attachment] = invoice.attachments
    assert attachment.id == "Doc1" and attachment.description == "Timesheet"
    assert attachment.mime_type == "application/pdf" and attachment.filename == "EHF.pdf"
    assert attachment.content.startswith(b"JVBERi0xLjUNCiUNCjEgMCBvYmo")
    totals = invoice.totals
    assert totals.vat_total == Decimal("365.28")
    assert totals.prepaid == Decimal("1000") and totals.payable == Decimal("801.78")
    allowance, charge = invoice.allowances_charges
    assert not allowance.is_charge and allowance.reason_code == "95"
    assert charge.is_charge and charge.vat_rate == Decimal("25")
    exempt = invoice.vat_breakdown[2]
    assert exempt.category is VatCategory.EXEMPT
    assert exempt.exemption_reason == "Exempt New Means of Transport"
    line = invoice.lines[0]
    assert line.gross_price == Decimal("1498") and line.price_discount == Decimal("225")
    assert line.standard_item_id == Identifier(value="1234567890128", scheme="0088")
    assert line.classifications == (Identifier(value="65434568", scheme="STI"),)
    assert line.attributes == (("Color", "Black"),)
    assert line.origin_country == "DE" and line.order_line_ref == "1"
    assert line.accounting_ref == "BookingCode001" and line.note == "Scratch on box"
    assert [c.is_charge for c in line.allowances_charges] == [False, True]
    assert invoice.lines[1].quantity == Decimal("-1")


def test_tax_currency_gives_bt111() -> None:
    invoice = _sample("CII_example5.xml")
    assert (invoice.currency, invoice.tax_currency) == ("DKK", "EUR")
    assert invoice.totals.vat_total == Decimal("675.00")
    assert invoice.totals.vat_total_tax_currency == Decimal("628.62")


def test_empty_business_process_and_not_subject_category() -> None:
    invoice = _sample("XRechnung-O.xml")
    assert invoice.process_id == ""  # the sample has an empty BT-23 element
    assert invoice.delivery is None  # …and an empty ShipToTradeParty
    assert {row.category for row in invoice.vat_breakdown} == {VatCategory.NOT_SUBJECT}


def test_credit_note_type_code_detected(tmp_path: Path) -> None:
    data = SAMPLES[0].read_bytes()
    root = parse_bytes(data).getroot()
    type_code = root.find("rsm:ExchangedDocument/ram:TypeCode", _NS)
    assert type_code is not None
    type_code.text = "381"
    found = cii.detect(root)
    assert found is not None and found.kind is DocumentKind.CREDIT_NOTE
    invoice = cii.parse(root.getroottree(), version="D16B").invoices[0]
    assert invoice.kind is DocumentKind.CREDIT_NOTE and invoice.type_code == "381"


_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


# ---------------------------------------------------------------------------------------------
# Clear errors on unreadable content
# ---------------------------------------------------------------------------------------------


def test_detect_ignores_other_documents() -> None:
    assert cii.detect(parse_bytes(b"<Invoice xmlns='urn:x'/>").getroot()) is None


def _mutated(old: bytes, new: bytes) -> bytes:
    data = SAMPLES[0].read_bytes()
    assert old in data
    return data.replace(old, new, 1)


def test_date_in_other_format_is_a_bilingual_parse_error() -> None:
    data = SAMPLES[0].read_bytes()
    root = parse_bytes(data).getroot()
    node = root.find("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", _NS)
    assert node is not None
    node.set("format", "610")
    with pytest.raises(ParseError) as info:
        cii.parse(root.getroottree(), version="D16B")
    violation = info.value.violations[0]
    assert violation.rule == "CII-DATE"
    assert "BT-2" in violation.message and "BT-2" in violation.message_es
    assert "IssueDateTime" in violation.location


def test_number_that_is_not_a_number_is_a_parse_error() -> None:
    root = parse_bytes(SAMPLES[0].read_bytes()).getroot()
    node = root.find(".//ram:DuePayableAmount", _NS)
    assert node is not None
    node.text = "12,50"
    with pytest.raises(ParseError) as info:
        cii.parse(root.getroottree(), version="D16B")
    assert info.value.violations[0].rule == "CII-NUMBER"
    assert "BT-115" in info.value.violations[0].message_es


def test_missing_total_names_the_element() -> None:
    root = parse_bytes(SAMPLES[0].read_bytes()).getroot()
    node = root.find(".//ram:GrandTotalAmount", _NS)
    assert node is not None
    node.getparent().remove(node)
    with pytest.raises(ParseError) as info:
        cii.parse(root.getroottree(), version="D16B")
    violation = info.value.violations[0]
    assert violation.rule == "CII-MISSING"
    assert "GrandTotalAmount" in violation.message and "BT-112" in violation.message


def test_unknown_vat_category_is_unsupported() -> None:
    root = parse_bytes(SAMPLES[0].read_bytes()).getroot()
    node = root.find(".//ram:IncludedSupplyChainTradeLineItem//ram:CategoryCode", _NS)
    assert node is not None
    node.text = "X"
    with pytest.raises(UnsupportedDocument) as info:
        cii.parse(root.getroottree(), version="D16B")
    assert info.value.violations[0].rule == "CII-VAT-CATEGORY"


def test_unsupported_version() -> None:
    tree = parse_bytes(SAMPLES[0].read_bytes())
    with pytest.raises(UnsupportedDocument):
        cii.parse(tree, version="D22B")
    with pytest.raises(UnsupportedDocument):
        cii.validate_schema(tree, "D22B")


# ---------------------------------------------------------------------------------------------
# A hand-built Spanish invoice: IVA 21 % with recargo 5.2 %, IRPF 15 %, one IGIC line
# ---------------------------------------------------------------------------------------------


def _spanish_invoice(*, withholding: bool = True) -> Invoice:
    seller = Party(
        name="Distribuciones Ejemplo SL",
        tax_id="ESB12345674",
        address=Address(
            line1="Calle Mayor 1",
            city="Madrid",
            postal_code="28013",
            subdivision="Madrid",
            country="ES",
        ),
        contact=Contact(name="Ana García", email="facturas@ejemplo.es"),
        endpoint=Identifier(value="ESB12345674", scheme="9920"),
    )
    buyer = Party(
        name="Comercial Minorista Pérez SA",
        tax_id="ESA28123453",
        address=Address(line1="Rúa Nova 5", city="Santiago", postal_code="15705", country="ES"),
        centres=(
            AdministrativeCentre(code="L01234567", role="01", name="Oficina contable"),
            AdministrativeCentre(code="L01234568", role="02", name="Órgano gestor"),
        ),
    )
    irpf = (
        (
            Withholding(
                tax_type=TaxType.IRPF,
                rate=Decimal("15"),
                base=Decimal("1000.00"),
                amount=Decimal("150.00"),
            ),
        )
        if withholding
        else ()
    )
    lines = (
        Line(
            id="1",
            name="Servicio de asesoría",
            quantity=Decimal("10"),
            unit_code="HUR",
            net_price=Decimal("100.00"),
            net_amount=Decimal("1000.00"),
            vat_category=VatCategory.STANDARD,
            vat_rate=Decimal("21"),
            surcharge_rate=Decimal("5.2"),
            withholdings=irpf,
            order_ref="PED-7",
            delivery_date=dt.date(2026, 3, 2),
        ),
        Line(
            id="2",
            name="Envío a Canarias",
            quantity=Decimal("2"),
            net_price=Decimal("50.00"),
            net_amount=Decimal("100.00"),
            vat_category=VatCategory.CANARY_IGIC,
            vat_rate=Decimal("7"),
            tax_type=TaxType.IGIC,
        ),
    )
    withheld = Decimal("150.00") if withholding else Decimal("0")
    total_tax = Decimal("210.00") + Decimal("7.00") + Decimal("52.00")
    return Invoice(
        number="2026-0001",
        series="A",
        specification_id="urn:cen.eu:en16931:2017",
        issue_date=dt.date(2026, 3, 5),
        due_date=dt.date(2026, 4, 4),
        buyer_reference="L01234567",
        seller=seller,
        buyer=buyer,
        notes=(Note(text="Gracias por su confianza."),),
        legal_literals=("Factura sujeta a recargo de equivalencia (art. 154 LIVA).",),
        payment=Payment(
            means_code="58",
            credit_transfers=(
                CreditTransfer(account="ES9121000418450200051332", bic="CAIXESBBXXX"),
            ),
            remittance_info="A2026-0001",
        ),
        allowances_charges=(),
        vat_breakdown=(
            VatBreakdown(
                category=VatCategory.STANDARD,
                rate=Decimal("21"),
                taxable_amount=Decimal("1000.00"),
                tax_amount=Decimal("210.00"),
                surcharge_rate=Decimal("5.2"),
                surcharge_amount=Decimal("52.00"),
            ),
            VatBreakdown(
                category=VatCategory.CANARY_IGIC,
                rate=Decimal("7"),
                taxable_amount=Decimal("100.00"),
                tax_amount=Decimal("7.00"),
                tax_type=TaxType.IGIC,
            ),
        ),
        withholdings=irpf,
        lines=lines,
        totals=Totals(
            line_net_total=Decimal("1100.00"),
            tax_exclusive=Decimal("1100.00"),
            vat_total=total_tax,
            tax_inclusive=Decimal("1100.00") + total_tax,
            withheld_total=withheld,
            surcharge_total=Decimal("52.00"),
            payable=Decimal("1100.00") + total_tax - withheld,
        ),
    )


@pytest.mark.parametrize("withholding", [True, False], ids=["irpf", "no-irpf"])
def test_spanish_invoice_renders_valid_and_parses_back_equal(withholding: bool) -> None:
    invoice = _spanish_invoice(withholding=withholding)
    rendered = cii.render([invoice])
    assert cii.validate_schema(parse_bytes(rendered), "D16B") == []
    assert _fatal(rendered) == set()
    back = _parse_bytes(rendered)
    assert _differences(invoice, back) == []


def test_spanish_invoice_en16931_amounts() -> None:
    """BT-110/112 are pure VAT; BT-113 nets the IRPF withheld against the surcharge."""
    rendered = cii.render([_spanish_invoice()])
    root = parse_bytes(rendered).getroot()
    summation = root.find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", _NS)
    assert summation is not None

    def amount(name: str) -> Decimal:
        return Decimal(summation.findtext(f"ram:{name}", namespaces=_NS) or "nan")

    assert amount("TaxTotalAmount") == Decimal("217.00")
    assert amount("GrandTotalAmount") == Decimal("1317.00")
    assert amount("TotalPrepaidAmount") == Decimal("98.00")  # 150 withheld - 52 surcharge
    assert amount("DuePayableAmount") == Decimal("1219.00")  # 1369 - 150 IRPF
    assert root.findtext("rsm:ExchangedDocument/ram:ID", namespaces=_NS) == "A2026-0001"
    categories = [
        node.text
        for node in root.findall(
            ".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode", _NS
        )
    ]
    assert categories == ["S", "L"]


def test_foreign_structured_looking_note_stays_a_note() -> None:
    invoice = dataclasses.replace(
        _spanish_invoice(),
        notes=(Note(text="Broken {efactura:WH rate=abc}"),),
    )
    back = _parse_bytes(cii.render([invoice]))
    assert Note(text="Broken {efactura:WH rate=abc}") in back.notes


def test_breakdown_rows_with_the_same_rate_are_merged_for_cen() -> None:
    """Surcharge and non-surcharge IVA 21 % rows become one CII row (BR-S-08) and come back."""
    base = _spanish_invoice(withholding=False)
    extra_line = dataclasses.replace(
        base.lines[0],
        id="3",
        surcharge_rate=None,
        net_amount=Decimal("200.00"),
        quantity=Decimal("2"),
    )
    rows = (
        base.vat_breakdown[0],
        VatBreakdown(
            category=VatCategory.STANDARD,
            rate=Decimal("21"),
            taxable_amount=Decimal("200.00"),
            tax_amount=Decimal("42.00"),
        ),
        base.vat_breakdown[1],
    )
    tax = Decimal("210.00") + Decimal("42.00") + Decimal("7.00") + Decimal("52.00")
    invoice = dataclasses.replace(
        base,
        lines=(*base.lines, extra_line),
        vat_breakdown=rows,
        totals=dataclasses.replace(
            base.totals,
            line_net_total=Decimal("1300.00"),
            tax_exclusive=Decimal("1300.00"),
            vat_total=tax,
            tax_inclusive=Decimal("1300.00") + tax,
            payable=Decimal("1300.00") + tax,
        ),
    )
    rendered = cii.render([invoice])
    assert _fatal(rendered) == set()
    assert _differences(invoice, _parse_bytes(rendered)) == []


def test_document_allowance_round_trip() -> None:
    base = _spanish_invoice(withholding=False)
    allowance = AllowanceCharge(
        is_charge=False,
        amount=Decimal("100.00"),
        reason="Descuento pronto pago",
        reason_code="95",
        vat_category=VatCategory.STANDARD,
        vat_rate=Decimal("21"),
    )
    tax = Decimal("189.00") + Decimal("7.00") + Decimal("46.80")
    invoice = dataclasses.replace(
        base,
        allowances_charges=(allowance,),
        vat_breakdown=(
            dataclasses.replace(
                base.vat_breakdown[0],
                taxable_amount=Decimal("900.00"),
                tax_amount=Decimal("189.00"),
                surcharge_amount=Decimal("46.80"),
            ),
            base.vat_breakdown[1],
        ),
        totals=dataclasses.replace(
            base.totals,
            allowance_total=Decimal("100.00"),
            tax_exclusive=Decimal("1000.00"),
            vat_total=tax,
            tax_inclusive=Decimal("1000.00") + tax,
            surcharge_total=Decimal("46.80"),
            payable=Decimal("1000.00") + tax,
        ),
    )
    rendered = cii.render([invoice])
    assert _fatal(rendered) == set()
    assert _differences(invoice, _parse_bytes(rendered)) == []


# ---------------------------------------------------------------------------------------------
# Rendering refuses what it cannot write
# ---------------------------------------------------------------------------------------------


def test_render_needs_exactly_one_invoice() -> None:
    invoice = _spanish_invoice()
    with pytest.raises(ConversionError):
        cii.render([])
    with pytest.raises(ConversionError):
        cii.render([invoice, invoice])
    with pytest.raises(ConversionError):
        cii.render([invoice], version="D22B")


def test_render_names_each_missing_business_term() -> None:
    invoice = _spanish_invoice()
    broken = dataclasses.replace(
        invoice,
        number="",
        series="",
        currency="",
        buyer=dataclasses.replace(invoice.buyer, name="", address=Address(), tax_id=""),
        lines=(),
    )
    with pytest.raises(ConversionError) as info:
        cii.render([broken])
    rules = {v.rule for v in info.value.violations}
    assert {"BT-1", "BT-5", "BT-44", "BT-55", "BG-25"} <= rules
    for violation in info.value.violations:
        assert violation.message and violation.message_es
        assert violation.message != violation.message_es


def test_render_refuses_control_characters() -> None:
    invoice = dataclasses.replace(_spanish_invoice(), notes=(Note(text="bad \x00 text"),))
    with pytest.raises(ConversionError) as info:
        cii.render([invoice])
    assert info.value.violations[0].rule == "CII-TEXT"


def test_facturae_document_data_round_trips_through_notes() -> None:
    base = _spanish_invoice()
    invoice = dataclasses.replace(
        base,
        totals=dataclasses.replace(
            base.totals,
            amounts_withheld=Decimal("19.00"),
            amounts_withheld_reason="Garantía de obra",
            payable=base.totals.payable - Decimal("19.00"),
        ),
        exchange_rate=Decimal("1.1"),
        language="es",
        issuer_type=IssuerType.BUYER,
        invoice_class="OR",
        correction=Correction(
            number="0007",
            series="A",
            reason_code="01",
            reason="Número",
            method="01",
            period=Period(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31)),
        ),
        preceding=(
            PrecedingInvoice(number="A0007", issue_date=dt.date(2026, 1, 15)),
            PrecedingInvoice(number="A0008"),
        ),
        instalments=(
            Instalment(
                due_date=dt.date(2026, 4, 4),
                amount=Decimal("600.00"),
                means_code="04",
                account="ES9121000418450200051332",
            ),
            Instalment(due_date=dt.date(2026, 5, 4), amount=Decimal("619.00")),
        ),
    )
    assert cii.losses(invoice) == []
    rendered = cii.render([invoice])
    assert _fatal(rendered) == set()
    assert _differences(invoice, _parse_bytes(rendered)) == []


def test_losses_are_bilingual_warnings_and_render_still_succeeds() -> None:
    invoice = _spanish_invoice()
    assert cii.losses(invoice) == []
    lossy = dataclasses.replace(
        invoice,
        third_party=Party(name="Gestoría Tercera SL", tax_id="ESB12345674"),
        buyer=dataclasses.replace(invoice.buyer, first_surname="Pérez"),
    )
    warnings = cii.losses(lossy)
    assert {v.rule for v in warnings} == {"ES-THIRD-PARTY", "ES-SURNAMES"}
    assert all(not v.is_fatal and v.message_es and v.message != v.message_es for v in warnings)
    assert _fatal(cii.render([lossy])) == set()


def test_general_discount_without_category_is_split_per_rate() -> None:
    """A Facturae general discount has no VAT category; CII needs one per allowance."""
    base = _spanish_invoice(withholding=False)
    discount = AllowanceCharge(is_charge=False, amount=Decimal("110.00"), reason="Rappel")
    tax = Decimal("189.00") + Decimal("6.30") + Decimal("46.80")
    invoice = dataclasses.replace(
        base,
        allowances_charges=(discount,),
        vat_breakdown=(
            dataclasses.replace(
                base.vat_breakdown[0],
                taxable_amount=Decimal("900.00"),
                tax_amount=Decimal("189.00"),
                surcharge_amount=Decimal("46.80"),
            ),
            dataclasses.replace(
                base.vat_breakdown[1], taxable_amount=Decimal("90.00"), tax_amount=Decimal("6.30")
            ),
        ),
        totals=dataclasses.replace(
            base.totals,
            allowance_total=Decimal("110.00"),
            tax_exclusive=Decimal("990.00"),
            vat_total=tax,
            tax_inclusive=Decimal("990.00") + tax,
            surcharge_total=Decimal("46.80"),
            payable=Decimal("990.00") + tax,
        ),
    )
    rendered = cii.render([invoice])
    assert _fatal(rendered) == set()
    # Written as one allowance per VAT rate, shared out as the breakdown says …
    written = [
        (
            node.findtext(f"{RAM_TAG}ActualAmount"),
            node.findtext(f"{RAM_TAG}CategoryTradeTax/{RAM_TAG}CategoryCode"),
        )
        for node in parse_bytes(rendered).iter(f"{RAM_TAG}SpecifiedTradeAllowanceCharge")
    ]
    assert written == [("100.00", "S"), ("10.00", "L")]
    # … and read back as the one Facturae general discount (SPLIT tag).
    back = _parse_bytes(rendered)
    assert [(c.amount, c.vat_category, c.reason) for c in back.allowances_charges] == [
        (Decimal("110.00"), None, "Rappel")
    ]
    assert not any("efactura:" in note.text for note in back.notes)


def test_tax_number_without_country_prefix_is_not_sent_as_vat_id() -> None:
    """BR-CO-09: a non-prefixed seller number becomes BT-32, a buyer's becomes BT-46."""
    base = _spanish_invoice()
    invoice = dataclasses.replace(
        base,
        seller=dataclasses.replace(base.seller, tax_id="0477472701"),
        buyer=dataclasses.replace(base.buyer, tax_id="K103179802"),
    )
    assert {v.rule for v in cii.losses(invoice)} == {"BT-31", "BT-48"}
    rendered = cii.render([invoice])
    assert _fatal(rendered) == set()
    back = _parse_bytes(rendered)
    assert (back.seller.tax_id, back.seller.tax_registration_id) == ("", "0477472701")
    # …and, since nothing else identifies the seller, BT-29 as well (BR-CO-26).
    assert back.seller.identifiers == (Identifier(value="0477472701"),)
    assert back.buyer.tax_id == ""
    assert Identifier(value="K103179802") in back.buyer.identifiers


def _tags_in(data: bytes) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """Every Spanish tag of a UBL or CII document: (kind, fields without CII's line index)."""
    from einvoice.formats import _tags

    found = []
    for node in parse_bytes(data).iter():
        for text in (node.text or "").split("\n") if isinstance(node.tag, str) else ():
            tagged = _tags.decode(text)
            if tagged is not None:
                fields = tuple(sorted((k, v) for k, v in tagged.fields.items() if k != "line"))
                found.append((tagged.kind, fields))
    return sorted(found)


def test_spanish_tags_are_the_same_in_ubl_and_cii() -> None:
    """One tag definition (einvoice.formats._tags): same kinds, same field names and values."""
    from einvoice.formats import ubl

    base = _spanish_invoice()
    centre = AdministrativeCentre(
        code="L01280796",
        role="01",
        name="Intervención",
        address=Address(line1="Calle de Alcalá 45", city="Madrid", postal_code="28014"),
    )
    invoice = dataclasses.replace(
        base,
        buyer=dataclasses.replace(base.buyer, centres=(centre,)),
        instalments=(
            Instalment(due_date=dt.date(2026, 4, 30), amount=base.totals.payable, means_code="04"),
        ),
        language="es",
    )
    from_ubl, from_cii = _tags_in(ubl.render([invoice])), _tags_in(cii.render([invoice]))
    assert {kind for kind, _ in from_cii} >= {"SERIES", "WH", "TOT", "CENTRE", "INST", "DOC"}
    assert from_ubl == from_cii
    back = _parse_bytes(cii.render([invoice]))
    assert back.buyer.centres == (centre,)
    assert back.instalments == invoice.instalments
