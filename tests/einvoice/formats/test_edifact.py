"""UN/EDIFACT INVOIC: every sample read, round trips through EDIFACT and the other syntaxes.

Samples: CEN's EN 16931 EDIFACT examples (D14B), third-party EANCOM invoices (D96A, D97A,
D01B), and our own Spanish retail invoice (AECOC-style D96A with equivalence surcharge,
beside this file).  Round trips compare canonical models reduced to what every format on
the way carries (``edifact_carried``; the losses are listed in docs/formats/edifact.md).
None of these tests skips: a missing corpus or an unexpected refusal fails.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from tests.corpus import CORPUS, samples
from tests.einvoice.strategies import carried, differences

from einvoice import formats
from einvoice.errors import ConversionError, EInvoiceError, ParseError
from einvoice.formats import edifact
from einvoice.model import (
    Address,
    DocumentKind,
    Invoice,
    IssuerType,
    Party,
    PersonType,
    Residence,
    TaxType,
    Totals,
    VatCategory,
)
from einvoice.validation import validate

HERE = Path(__file__).resolve().parent
OWN = sorted((HERE / "edifact_samples").glob("*.edi"))
CEN = sorted((CORPUS / "edifact" / "en16931" / "examples").glob("*.TXT"))
THIRD_PARTY = sorted((CORPUS / "edifact" / "samples").rglob("*.edi"))
ALL_EDIFACT = [*OWN, *CEN, *THIRD_PARTY]

REFUSED = {
    # A parser torture test without a BGM segment: no invoice number.
    "edifact.Issue203.edi": "EDI-BGM",
}

_TAX_OF_CATEGORY = {
    VatCategory.CANARY_IGIC: TaxType.IGIC,
    VatCategory.CEUTA_MELILLA_IPSI: TaxType.IPSI,
}
_EXEMPT = {
    VatCategory.EXEMPT,
    VatCategory.REVERSE_CHARGE,
    VatCategory.INTRA_COMMUNITY,
    VatCategory.EXPORT,
    VatCategory.NOT_SUBJECT,
}


def _party(party: Party | None) -> Party | None:
    if party is None:
        return None
    return dataclasses.replace(
        party,
        name=party.full_name,
        first_surname="",
        second_surname="",
        trading_name="",
        person_type=PersonType.LEGAL,
        residence=Residence.RESIDENT,
        centres=(),
        identifiers=party.identifiers[:1],
    )


def edifact_carried(invoice: Invoice) -> Invoice:
    """``invoice`` reduced to what an INVOIC message carries (docs/formats/edifact.md)."""
    payment = invoice.payment
    if payment is not None:
        payment = dataclasses.replace(
            payment,
            means_text="",
            debited_account="",
            mandate_reference="",
            creditor_id="",
            card_pan="",
            card_holder="",
            credit_transfers=tuple(dict.fromkeys(payment.credit_transfers)),
        )
    delivery = invoice.delivery
    if (
        delivery is not None
        and delivery.address is not None
        and not any(dataclasses.astuple(delivery.address))
    ):
        delivery = dataclasses.replace(delivery, address=None)
    return dataclasses.replace(
        invoice,
        number=invoice.full_number,
        series="",
        specification_id="",
        process_id="",
        language="",
        vat_point_code="",
        invoiced_object=None,
        legal_literals=(),
        correction=None,
        issuer_type=IssuerType.SELLER,
        third_party=None,
        instalments=(),
        attachments=(),
        invoice_class="OO",
        document_type="AF" if invoice.type_code == "389" else "FC",
        kind=DocumentKind.CREDIT_NOTE if invoice.type_code in ("381", "83") else invoice.kind,
        seller=_party(invoice.seller) or invoice.seller,
        buyer=_party(invoice.buyer) or invoice.buyer,
        payee=_party(invoice.payee),
        tax_representative=_party(invoice.tax_representative),
        payment=payment,
        delivery=delivery,
        totals=dataclasses.replace(
            invoice.totals,
            reimbursable_total=Decimal(0),
            amounts_withheld=Decimal(0),
            amounts_withheld_reason="",
        ),
        allowances_charges=tuple(
            dataclasses.replace(
                ac,
                tax_type=_TAX_OF_CATEGORY.get(ac.vat_category, TaxType.IVA)
                if ac.vat_category
                else TaxType.IVA,
            )
            for ac in invoice.allowances_charges
        ),
        vat_breakdown=tuple(
            dataclasses.replace(
                row,
                rate=None if row.category is VatCategory.NOT_SUBJECT else row.rate,
                tax_type=_TAX_OF_CATEGORY.get(row.category, TaxType.IVA),
                exemption_code=row.exemption_code if row.category in _EXEMPT else "",
                exemption_reason=row.exemption_reason if row.category in _EXEMPT else "",
            )
            for row in invoice.vat_breakdown
        ),
        lines=tuple(
            dataclasses.replace(
                line,
                object_id=None,
                delivery_date=None,
                exemption_reason="",
                exemption_code="",
                order_ref="",
                tax_type=_TAX_OF_CATEGORY.get(line.vat_category, TaxType.IVA),
                vat_rate=None if line.vat_category is VatCategory.NOT_SUBJECT else line.vat_rate,
            )
            for line in invoice.lines
        ),
    )


def _through_edifact(invoice: Invoice, directory: str = "D16B") -> Invoice:
    data = edifact.render([invoice], version=directory)
    assert edifact.validate_syntax(data) == []
    (back,) = formats.parse(data).invoices
    return back


def _same(left: Invoice, right: Invoice) -> None:
    diff = differences(edifact_carried(left), edifact_carried(right))
    assert not diff, "\n".join(diff)


def test_the_samples_are_there() -> None:
    # The corpus is part of the test set-up: missing samples fail instead of skipping.
    assert OWN and len(CEN) >= 8 and len(THIRD_PARTY) >= 5


# --------------------------------------------------------------------------------------------
# Reading every sample, and EDIFACT -> canonical -> EDIFACT
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_EDIFACT, ids=lambda p: p.name)
def test_sample_is_detected(path: Path) -> None:
    found = formats.detect(path.read_bytes())
    assert found.format == "edifact"
    assert found.version in edifact.VERSIONS


@pytest.mark.parametrize("directory", edifact.WRITABLE_VERSIONS)
@pytest.mark.parametrize("path", ALL_EDIFACT, ids=lambda p: p.name)
def test_round_trip_edifact_canonical_edifact(path: Path, directory: str) -> None:
    data = path.read_bytes()
    if path.name in REFUSED:
        with pytest.raises(EInvoiceError) as caught:
            formats.parse(data)
        assert caught.value.violations[0].rule == REFUSED[path.name]
        report = validate(data, filename=path.name, official=False)
        assert not report.ok
        assert REFUSED[path.name] in {v.rule for v in report.violations}
        return
    document = formats.parse(data)
    assert document.format == "edifact"
    for invoice in document.invoices:
        _same(invoice, _through_edifact(invoice, directory))
    # Rendering is deterministic and reading our own output gives the same bytes again.
    once = edifact.render(document.invoices, version=directory)
    twice = edifact.render(formats.parse(once).invoices, version=directory)
    assert once == twice


def test_spanish_retail_invoice_is_read_with_its_meaning() -> None:
    (invoice,) = formats.parse(
        (HERE / "edifact_samples" / "aecoc_d96a_recargo.edi").read_bytes()
    ).invoices
    assert invoice.full_number == "2026A-0017"
    assert invoice.seller.name == "Distribuciones Ñandú, S.A."
    assert invoice.seller.tax_id == "ESA58818501"
    assert invoice.seller.identifiers[0].scheme == "0088"  # GS1 agency 9 = GLN
    assert invoice.buyer.address.line1 == "Avenida de la Constitución 5"
    assert invoice.delivery is not None and invoice.delivery.name == "Almacén Getafe"
    assert invoice.order_ref == "PED-88412"
    assert invoice.despatch_advice_ref == "ALB-2026-3310"
    assert invoice.payment is not None and invoice.payment.means_code == "31"
    assert invoice.payment.credit_transfers[0].bic == "CAIXESBBXXX"
    assert invoice.due_date is not None and invoice.due_date.isoformat() == "2026-12-20"
    assert [line.unit_code for line in invoice.lines] == ["H87", "H87"]  # EANCOM PCE
    assert [line.surcharge_rate for line in invoice.lines] == [Decimal("5.2"), Decimal("1.4")]
    assert [(r.rate, r.tax_amount, r.surcharge_amount) for r in invoice.vat_breakdown] == [
        (Decimal("21"), Decimal("5.25"), Decimal("1.30")),
        (Decimal("10"), Decimal("3.00"), Decimal("0.42")),
    ]
    t: Totals = invoice.totals
    assert (t.tax_exclusive, t.vat_total, t.surcharge_total, t.tax_inclusive, t.payable) == (
        Decimal("55.00"),
        Decimal("9.97"),  # 8.25 VAT + 1.72 surcharge: canonical BT-110 includes it
        Decimal("1.72"),
        Decimal("64.97"),
        Decimal("64.97"),
    )
    report = validate((HERE / "edifact_samples" / "aecoc_d96a_recargo.edi").read_bytes())
    assert report.format == "edifact" and report.version == "D96A"
    assert report.ok, [v.as_dict() for v in report.all_violations()]


def test_eancom_totals_are_completed_from_what_the_message_states() -> None:
    # EANCOM states 77 (invoice amount) and no 389/388/9: BT-109/112/115 are derived.
    path = CORPUS / "edifact" / "samples" / "pydifact" / "invoice1.edi"
    (invoice,) = formats.parse(path.read_bytes()).invoices
    assert invoice.kind is DocumentKind.CREDIT_NOTE
    assert invoice.totals.tax_inclusive == Decimal("1960.29")
    assert invoice.totals.payable == Decimal("1960.29")
    assert invoice.lines[0].base_quantity == Decimal("100")


# --------------------------------------------------------------------------------------------
# Across syntaxes: Facturae / UBL / CII -> EDIFACT -> canonical, and EDIFACT -> UBL / Facturae
# --------------------------------------------------------------------------------------------

FACTURAE = [
    p
    for p in samples("facturae", "samples")
    if "invalid" not in p.relative_to(CORPUS / "facturae" / "samples").parts
]
EN16931 = [*samples("ubl", "samples", "en16931"), *samples("cii", "samples")]


def _invoices(path: Path) -> tuple[Invoice, ...]:
    try:
        return formats.parse(path.read_bytes()).invoices
    except EInvoiceError:
        return ()


@pytest.mark.parametrize("path", [*FACTURAE, *EN16931], ids=lambda p: p.name)
def test_round_trip_other_syntax_edifact(path: Path) -> None:
    invoices = _invoices(path)
    if not invoices:  # samples our readers refuse are covered by their own tests
        assert formats.detect(path.read_bytes()).format in ("facturae", "ubl", "cii")
        return
    for invoice in invoices:
        _same(invoice, _through_edifact(invoice))


def _without_endpoints(invoice: Invoice) -> Invoice:
    """The UBL writer derives the Peppol endpoints (BT-34/BT-49) from the parties' ids and
    writes VAT numbers with their country prefix (BT-31 as EN 16931 requires)."""

    def party(p: Party | None) -> Party | None:
        if p is None:
            return None
        tax_id = p.tax_id
        if tax_id and not tax_id[:2].isalpha() and p.address.country:
            tax_id = p.address.country + tax_id
        return dataclasses.replace(p, endpoint=None, tax_id=tax_id)

    return dataclasses.replace(
        invoice,
        seller=party(invoice.seller) or invoice.seller,
        buyer=party(invoice.buyer) or invoice.buyer,
        tax_representative=party(invoice.tax_representative),
    )


def _facturae_view(invoice: Invoice) -> Invoice:
    """What Facturae additionally reshapes (docs/formats/facturae.md): address lines are one
    ``Address`` element, no BG-13 delivery information, Facturae units (EANCOM H87 "piece" reads
    back as C62 "unit"), no BT-157 standard item identifier."""

    def party(p: Party) -> Party:
        a = p.address
        joined = ", ".join(x for x in (a.line1, a.line2, a.line3) if x)
        return dataclasses.replace(
            p, address=dataclasses.replace(a, line1=joined, line2="", line3=""), identifiers=()
        )

    return dataclasses.replace(
        invoice,
        seller=party(invoice.seller),
        buyer=party(invoice.buyer),
        delivery=None,
        lines=tuple(
            dataclasses.replace(
                line,
                unit_code="C62" if line.unit_code == "H87" else line.unit_code,
                standard_item_id=None,
            )
            for line in invoice.lines
        ),
    )


def test_round_trip_edifact_ubl_edifact() -> None:
    source = formats.parse((HERE / "edifact_samples" / "aecoc_d96a_recargo.edi").read_bytes())
    (invoice,) = source.invoices
    (via_ubl,) = formats.parse(formats.render("ubl", [invoice])).invoices
    back = _through_edifact(via_ubl, "D96A")
    diff = differences(
        edifact_carried(_without_endpoints(carried(invoice, "ubl"))),
        edifact_carried(_without_endpoints(carried(back, "ubl"))),
    )
    assert not diff, "\n".join(diff)


def test_round_trip_edifact_facturae_edifact() -> None:
    source = formats.parse((HERE / "edifact_samples" / "aecoc_d96a_recargo.edi").read_bytes())
    (invoice,) = source.invoices
    (via_facturae,) = formats.parse(formats.render("facturae", [invoice])).invoices
    back = _through_edifact(via_facturae)
    diff = differences(
        _facturae_view(edifact_carried(carried(invoice, "facturae"))),
        _facturae_view(edifact_carried(carried(back, "facturae"))),
    )
    assert not diff, "\n".join(diff)


def test_cen_examples_to_ubl_and_cii_keep_their_meaning() -> None:
    converted = 0
    for path in CEN:
        if path.name in REFUSED:
            continue
        for invoice in formats.parse(path.read_bytes()).invoices:
            # CEN's Norwegian examples write VAT numbers without country prefix; EN 16931
            # syntaxes need it (BT-31), so it is added before converting.
            invoice = _without_endpoints(invoice)
            for fmt in ("ubl", "cii"):
                try:
                    (back,) = formats.parse(formats.render(fmt, [invoice])).invoices
                except ConversionError as error:  # named missing terms, never a crash
                    assert all(v.rule for v in error.violations)
                    continue
                left, right = carried(invoice, fmt), carried(back, fmt)
                if left.payee is not None:
                    # EN 16931 gives the payee (BG-10) no address; UBL and CII have no element
                    # for it (docs/formats/ubl.md, "What is lost").
                    left = dataclasses.replace(
                        left, payee=dataclasses.replace(left.payee, address=Address())
                    )
                if fmt == "cii":
                    # The CII writer reshapes the gross price (BT-148) around the price
                    # discount (BT-147: gross = net + discount); compare net and discount.
                    left, right = (
                        dataclasses.replace(
                            inv,
                            lines=tuple(
                                dataclasses.replace(line, gross_price=None) for line in inv.lines
                            ),
                        )
                        for inv in (left, right)
                    )
                diff = differences(
                    edifact_carried(_without_endpoints(left)),
                    edifact_carried(_without_endpoints(right)),
                )
                assert not diff, f"{path.name} via {fmt}:\n" + "\n".join(diff)
                converted += 1
    assert converted >= 8


# --------------------------------------------------------------------------------------------
# Bad input: clear errors, never a traceback
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"UNB+UNOC:3+A+B+261120:0930+1'UNH+1+ORDERS:D:96A:UN'BGM+220+1'UNT+3+1'UNZ+1+1'", None),
        (b"UNA:+.? 'UNB+UNOC:3+A+B+261120:0930+1'UNH+1+INVOIC:D:96A:UN'BGM+380+7'", None),
        (
            b"UNB+UNOC:3+A+B+261120:0930+1'UNH+1+INVOIC:D:96A:UN'BGM+380+7'"
            b"DTM+137:20261399:102'UNT+4+1'UNZ+1+1'",
            "EDI-DATE",
        ),
        (
            b"UNB+UNOC:3+A+B+261120:0930+1'UNH+1+INVOIC:D:96A:UN'BGM+380+7'"
            b"DTM+137:20261120:102'NAD+SU+++S'NAD+BY+++B'LIN+1'QTY+47:abc'UNT+8+1'UNZ+1+1'",
            "EDI-NUMBER",
        ),
    ],
    ids=["not-invoic", "unterminated", "bad-date", "bad-number"],
)
def test_bad_edifact_gets_a_clear_bilingual_error(data: bytes, rule: str | None) -> None:
    report = validate(data, filename="bad.edi", official=False)
    assert not report.ok
    fatal = [v for v in report.all_violations() if v.is_fatal]
    assert fatal and all(v.message and v.message_es for v in fatal)
    assert all(v.rule != "INTERNAL" for v in fatal)
    if rule is not None:
        assert rule in {v.rule for v in fatal}


def test_d96a_refuses_text_outside_latin1_with_a_named_reason() -> None:
    (invoice,) = formats.parse(
        (HERE / "edifact_samples" / "aecoc_d96a_recargo.edi").read_bytes()
    ).invoices
    invoice = dataclasses.replace(invoice, payment_terms="Pago a 30 días ✓")
    with pytest.raises(ConversionError) as caught:
        edifact.render([invoice], version="D96A")
    assert caught.value.violations[0].rule == "EDI-CHARSET"
    assert "D16B" in caught.value.violations[0].message_es
    # The EN 16931 profile is UTF-8 and carries it.
    assert _through_edifact(invoice).payment_terms == "Pago a 30 días ✓"


def test_oversized_edifact_is_refused_before_tokenising() -> None:
    from einvoice.formats.edifact.reader import MAX_BYTES

    data = b"UNA:+.? 'UNB+UNOC:3+A+B+261120:0930+1'" + b"FTX+AAI+++x'" * (MAX_BYTES // 12 + 1)
    # The same limit as any document: the pipeline refuses it before looking inside …
    report = validate(data, filename="huge.edi", official=False)
    assert [v.rule for v in report.violations] == ["XML-SIZE"]
    assert "huge.edi" in report.violations[0].message_es
    # … and the EDIFACT reader on its own refuses it before tokenising.
    with pytest.raises(ParseError) as caught:
        edifact.parse_bytes(data, filename="huge.edi")
    assert caught.value.violations[0].rule == "EDI-SIZE"
    assert "huge.edi" in caught.value.violations[0].message_es


def test_en16931_findings_of_an_edifact_invoice_are_errors_naming_segments() -> None:
    """EDIFACT is an EN 16931 syntax: a business rule it fails is an error of the file, with
    the figures and the EDIFACT segment of each term; the CEN examples stay valid."""
    path = CORPUS / "edifact" / "en16931" / "examples" / "EDIFACT_EXAMPLE2.TXT"
    data = path.read_bytes()
    assert validate(data, filename=path.name).ok
    broken = data.replace(b"MOA+79:1436.5'", b"MOA+79:1400'")
    report = validate(broken, filename="broken.edi")
    assert report.official and not report.ok
    [finding] = [v for v in report.all_violations() if v.rule == "BR-CO-10"]
    assert finding.is_fatal
    assert "BT-106 = 1400.00" in finding.message and "BT-106 = MOA+79" in finding.message
    assert "En el mensaje EDIFACT: BT-106 = MOA+79" in finding.message_es
    assert "diferencia" in finding.message_es
    # Syntax findings of efactura's own UBL rendering are never the file's fault.
    for v in report.all_violations():
        if v.rule.startswith("UBL-"):
            assert not v.is_fatal and v.message.startswith("In the EN 16931 form")


def test_edifact_segment_names_cover_the_terms_of_the_core_rules() -> None:
    from einvoice.formats.edifact._codes import TERM_SEGMENTS

    for term in ("BT-1", "BT-2", "BT-5", "BT-106", "BT-109", "BT-110", "BT-112", "BT-115"):
        assert term in TERM_SEGMENTS
