"""Regression tests for every crash class the fuzzer and the attack found on extreme input.

Each test holds the reproducer of one class: before the fix, the input made a validation or
conversion entry point raise something other than its documented error types
(``decimal.Overflow``, ``decimal.InvalidOperation``, ``AssertionError`` …).  Now every number
is bounded when it is parsed (:mod:`einvoice.lexical`), and the finding names the element.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from tests.corpus import CORPUS

from einvoice import formats, lexical
from einvoice.errors import ConversionError, EInvoiceError, ParseError
from einvoice.formats import _tags
from einvoice.model import Document
from einvoice.validation import Report, validate
from einvoice.xml import parse_bytes

FACTURAE = CORPUS / "facturae" / "samples" / "gobl-facturae" / "invoice-face.xml"
UBL = CORPUS / "ubl" / "samples" / "en16931" / "ubl-tc434-example1.xml"
CII = CORPUS / "cii" / "samples" / "en16931" / "CII_business_example_01.xml"

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"


def _sample(path: Path) -> etree._Element:
    if not path.exists():
        pytest.skip(f"corpus sample {path} is not available")
    return etree.fromstring(path.read_bytes())


def _document(path: Path) -> Document:
    return formats.parse(etree.tostring(_sample(path)))


def _first(root: etree._Element, tag: str) -> etree._Element:
    found = next(root.iter(tag), None)
    assert found is not None, tag
    return found


def _validate(root: etree._Element) -> Report:
    return validate(etree.tostring(root), filename="hostile.xml", official=False)


def _fatal_rules(report: Report) -> list[str]:
    return [v.rule for v in report.all_violations() if v.is_fatal]


def _range_finding(report: Report, element: str) -> None:
    found = [v for v in report.all_violations() if v.rule == lexical.RANGE_RULE]
    assert found, _fatal_rules(report)
    assert element in found[0].message
    assert "out of range" in found[0].message
    assert "fuera de rango" in found[0].message_es
    assert "INTERNAL" not in _fatal_rules(report)


def test_facturae_quantity_with_a_huge_exponent_is_out_of_range() -> None:
    # Was decimal.Overflow in the Spanish rules (quantity x price).
    root = _sample(FACTURAE)
    _first(root, "Quantity").text = "1E+999999"
    _range_finding(_validate(root), "Quantity")


def test_facturae_keeps_reading_exponents_within_range() -> None:
    # Facturae numbers are xs:double: 2E0 is a legal spelling of 2.
    root = _sample(FACTURAE)
    quantity = _first(root, "Quantity")
    quantity.text = "2E0" if quantity.text is None else f"{Decimal(quantity.text):E}"
    report = _validate(root)
    assert lexical.RANGE_RULE not in _fatal_rules(report)
    assert "FACTURAE-NUMBER" not in _fatal_rules(report)


def test_ubl_fifty_digit_amount_is_out_of_range() -> None:
    # Was decimal.InvalidOperation while rounding in money.py.
    root = _sample(UBL)
    _first(root, f"{{{CBC}}}PayableAmount").text = "1" * 50
    _range_finding(_validate(root), "PayableAmount")


def test_ubl_and_cii_refuse_exponents_alike() -> None:
    # Before, UBL read 1E3 as 1000 and CII refused it.
    ubl = _sample(UBL)
    _first(ubl, f"{{{CBC}}}InvoicedQuantity").text = "1E3"
    cii = _sample(CII)
    _first(cii, f"{{{RAM}}}BilledQuantity").text = "1E3"
    ubl_report, cii_report = _validate(ubl), _validate(cii)
    assert ubl_report.document is None
    assert cii_report.document is None
    ubl_rules, cii_rules = _fatal_rules(ubl_report), _fatal_rules(cii_report)
    assert "UBL-VALUE" in ubl_rules, ubl_rules
    assert "CII-NUMBER" in cii_rules, cii_rules
    for report in (ubl_report, cii_report):
        reader = [v for v in report.violations if v.rule in {"UBL-VALUE", "CII-NUMBER"}]
        assert "exponent" in reader[0].message


def test_ubl_allowance_without_charge_indicator_is_a_finding() -> None:
    # Was an AssertionError in the UBL reader (the XSD requires the element).
    root = _sample(UBL)
    charge = etree.SubElement(root, f"{{{CAC}}}AllowanceCharge")
    etree.SubElement(charge, f"{{{CBC}}}Amount", currencyID="EUR").text = "1.00"
    report = _validate(root)
    assert "INTERNAL" not in _fatal_rules(report)
    assert report.document is None
    assert any("true or false" in v.message for v in report.violations)


def test_tag_with_a_huge_number_stays_ordinary_text() -> None:
    # Was decimal.Overflow once the tag codec's value reached the totals.
    with pytest.raises(_tags.DECODE_ERRORS):
        _tags.dec({"rate": "1E+999999"}, "rate")
    with pytest.raises(_tags.DECODE_ERRORS):
        _tags.dec({"rate": "1" * 50}, "rate")
    assert _tags.dec({"rate": "15.5"}, "rate") == Decimal("15.5")


def test_writers_never_fail_on_large_products() -> None:
    # Was decimal.Overflow in the Facturae writer and InvalidOperation in the UBL number formatting:
    # a line of huge quantity x huge price (each within the parse bound).
    document = _document(UBL)
    invoice = document.invoices[0]
    line = dataclasses.replace(
        invoice.lines[0], quantity=Decimal("9" * 15), net_price=Decimal("9" * 14 + ".99")
    )
    huge = dataclasses.replace(invoice, lines=(line, *invoice.lines[1:]))
    for target in ("facturae", "ubl", "cii"):
        try:
            formats.render(target, [huge])
        except EInvoiceError as exc:
            assert all(v.rule != "INTERNAL" for v in exc.violations), exc.violations


def test_render_wraps_an_unforeseen_failure_in_a_conversion_error() -> None:
    document = _document(UBL)
    invoice = document.invoices[0]
    broken = dataclasses.replace(invoice, lines=(None,))  # type: ignore[arg-type]
    with pytest.raises(ConversionError) as info:
        formats.render("ubl", [broken])
    assert info.value.violations[0].rule == "INTERNAL"
    assert info.value.violations[0].message_es


def test_cii_dates_before_year_1000_keep_their_padding() -> None:
    day = dt.date(999, 3, 4)
    assert lexical.format_date_102(day) == "09990304"
    assert lexical.parse_date_102("09990304") == day
    assert lexical.format_iso_date(day) == "0999-03-04"
    document = _document(CII)
    invoice = dataclasses.replace(document.invoices[0], issue_date=day)
    rendered = formats.render("cii", [invoice])
    assert b">09990304<" in rendered
    assert formats.parse(rendered).invoices[0].issue_date == day


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1E+999999", "number"),
        ("1" * 50, "range"),
        ("-" + "9" * 16, "range"),
        ("0." + "0" * 20 + "1", "range"),
        ("NaN", "number"),
        ("", "number"),
        ("١٢٣", "number"),  # Arabic-Indic digits are not xs:decimal digits
    ],
)
def test_parse_decimal_refuses(text: str, problem: str) -> None:
    with pytest.raises(lexical.LexicalError) as info:
        lexical.parse_decimal(text)
    assert info.value.problem == problem
    assert info.value.message_es


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.50", "1.50"), (" -0.5 ", "-0.5"), ("+3", "3"), ("5.", "5"), (".5", "0.5")],
)
def test_parse_decimal_reads_xsd_decimals(text: str, value: str) -> None:
    assert lexical.parse_decimal(text) == Decimal(value)


def test_parse_decimal_with_exponent_is_bounded_and_plain() -> None:
    assert str(lexical.parse_decimal("1.5E3", exponent=True)) == "1500"
    with pytest.raises(lexical.LexicalError):
        lexical.parse_decimal("1E+999999", exponent=True)
    with pytest.raises(lexical.LexicalError):
        lexical.parse_decimal("1E-999999", exponent=True)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_too_many_elements_are_refused_while_parsing(encoding: str) -> None:
    # A 9 MB UBL of 900,000 elements took a web process from 142 MB to 715 MB.
    data = ("<Invoice>" + "<a/>" * 2_000 + "</Invoice>").encode(encoding)
    with pytest.raises(ParseError) as info:
        parse_bytes(data, max_elements=1_000)
    assert info.value.violations[0].rule == "XML-ELEMENTS"
    assert "1,000" in info.value.violations[0].message_es
    assert parse_bytes(data, max_elements=2_001).getroot().tag == "Invoice"


def test_element_cap_is_counted_not_estimated() -> None:
    # Many "<" in text (escaped as &lt; they are not, but CDATA holds them raw) force the
    # counting parser, which must still accept a document under the cap.
    data = b"<Invoice><Note><![CDATA[" + b"<" * 5_000 + b"]]></Note></Invoice>"
    assert parse_bytes(data, max_elements=10).getroot().tag == "Invoice"
    report = validate(b"<Invoice>" + b"<a/>" * 300_000 + b"</Invoice>", official=False)
    assert [v.rule for v in report.violations] == ["XML-ELEMENTS"]
