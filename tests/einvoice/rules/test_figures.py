"""Official arithmetic findings carry the figures, and findings about efactura's conversion
say so instead of blaming the user's file."""

from __future__ import annotations

from tests.corpus import CORPUS

from einvoice.validation import validate

CII = (CORPUS / "cii/samples/en16931/CII_example1.xml").read_bytes()


def test_broken_total_names_the_stated_and_expected_amounts() -> None:
    # The last LineTotalAmount is the document's BT-106 (the others are line amounts).
    head, _, tail = CII.rpartition(b"<ram:LineTotalAmount>")
    broken = head + b"<ram:LineTotalAmount>999.99" + tail[tail.index(b"</ram:") :]
    report = validate(broken, filename="broken.xml")
    [finding] = [v for v in report.all_violations() if v.rule == "BR-CO-10"]
    assert "BT-106 = 999.99" in finding.message
    assert "the rule expects" in finding.message and "difference" in finding.message
    assert "BT-106 = 999.99" in finding.message_es and "diferencia" in finding.message_es
    assert "suman" in finding.message_es


def test_findings_on_a_facturae_invoice_are_about_its_conversion() -> None:
    path = CORPUS / "facturae/extensions/samples/derived-faceb2b-v1_1.xml"
    report = validate(path.read_bytes(), filename=path.name)
    official = [v for v in report.all_violations() if v.layer.value == "en16931"]
    assert official, "this sample has EN 16931 findings in its UBL form"
    for finding in official:
        assert not finding.is_fatal
        assert finding.message.startswith("In the EN 16931 form of this invoice")
        assert finding.message_es.startswith("En la forma EN 16931 de esta factura")
    [vat_base] = [v for v in official if v.rule == "BR-S-08"]
    assert "Figures in EUR: S " in vat_base.message and "Cifras en EUR: S " in vat_base.message_es


# --- figures for the other common rules ---------------------------------------------------

import dataclasses  # noqa: E402
from decimal import Decimal  # noqa: E402

import pytest  # noqa: E402

from einvoice.errors import Violation  # noqa: E402
from einvoice.formats import parse  # noqa: E402
from einvoice.model import AllowanceCharge, Invoice, VatCategory  # noqa: E402
from einvoice.rules.figures import with_figures  # noqa: E402


def _invoice() -> Invoice:
    (invoice,) = parse(CII).invoices
    return invoice


def _finding(rule: str, invoice: Invoice) -> Violation:
    return with_figures(Violation(rule=rule, message="M.", message_es="E."), invoice)


def test_rate_rules_show_the_rate_of_each_line_and_allowance() -> None:
    invoice = _invoice()
    line = dataclasses.replace(invoice.lines[0], vat_rate=Decimal(0))
    odd = dataclasses.replace(invoice, lines=(line, *invoice.lines[1:]))
    found = _finding("BR-S-05", odd)
    assert f"line {line.id} 0.00 %" in found.message
    assert f"línea {line.id} 0.00 %" in found.message_es
    charge = AllowanceCharge(
        is_charge=True, amount=Decimal(5), vat_category=VatCategory.STANDARD, vat_rate=None
    )
    found = _finding("BR-S-07", dataclasses.replace(odd, allowances_charges=(charge,)))
    assert "5.00 EUR at none" in found.message and "al ninguno" in found.message_es
    assert _finding("BR-S-06", dataclasses.replace(odd, allowances_charges=())).message == "M."


def test_decimals_name_the_amount_with_too_many() -> None:
    invoice = _invoice()
    totals = dataclasses.replace(invoice.totals, payable=Decimal("10.125"))
    found = _finding("BR-DEC-18", dataclasses.replace(invoice, totals=totals))
    assert "BT-115 = 10.125" in found.message and "BT-115 = 10.125" in found.message_es
    assert _finding("BR-DEC-18", invoice).message == "M."


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("BR-02", "Element for BT-1: UBL cbc:ID; CII rsm:ExchangedDocument/ram:ID."),
        ("BR-16", "cac:InvoiceLine"),
        ("BR-CO-09", "VAT identifiers: seller (BT-31)"),
        ("BR-CO-18", "VAT breakdown rows (BG-23)"),
        ("BR-CO-25", "Amount due (BT-115)"),
    ],
)
def test_element_and_party_rules_say_where_and_what(rule: str, words: str) -> None:
    found = _finding(rule, _invoice())
    assert words in found.message
    assert found.message_es != "E."


def test_negative_price_and_peppol_line_arithmetic_show_the_line() -> None:
    invoice = _invoice()
    first = invoice.lines[0]
    line = dataclasses.replace(first, net_price=Decimal(-1), gross_price=Decimal(-2))
    odd = dataclasses.replace(invoice, lines=(line, *invoice.lines[1:]))
    assert f"line {line.id}: -1" in _finding("BR-27", odd).message
    assert f"línea {line.id}: -2" in _finding("BR-28", odd).message_es
    found = _finding("PEPPOL-EN16931-R120", odd)
    assert f"line {line.id}:" in found.message and "stated" in found.message
    assert "indicado" in found.message_es
    assert _finding("BR-27", invoice).message == "M."
    clean = dataclasses.replace(invoice, lines=invoice.lines[:1])
    assert _finding("PEPPOL-EN16931-R120", clean).message == "M."
