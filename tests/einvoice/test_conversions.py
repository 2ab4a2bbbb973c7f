"""Cross-format guarantees, one test per corpus sample and target format.

* Every valid sample converted to UBL is XSD-valid and passes the official CEN and Peppol
  rules with no fatal assertion; the only tolerated one is PEPPOL-EN16931-R003 (buyer
  reference or order reference) when the source has neither BT-10 nor BT-13, because no
  converter may invent a buyer's reference.
* Converted to CII: XSD-valid and no fatal CEN assertion.
* A sample that itself breaks a rule no converter can fix (its own arithmetic, a national
  rule of another country, a missing reason) is listed in ``SOURCE_FAULTS`` with exactly the
  rule ids it fails or the business terms the renderer refuses it for; the test checks that
  outcome exactly, so a fault that disappears or a new one fails the test.
* Converted to Facturae 3.2.2: XSD-valid, or a ConversionError that names the missing
  business terms — and only terms the source really lacks.
* Round trips Facturae → UBL → Facturae and UBL → Facturae → UBL keep every amount, tax,
  party, line, date and reference, up to the documented losses (``carried``).

Samples come from the corpus folders, so a new sample file becomes new test cases.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from stdnum import ean
from tests.corpus import CORPUS, samples
from tests.einvoice.strategies import carried, differences

from einvoice import formats
from einvoice.errors import ConversionError, EInvoiceError, UnsupportedDocument
from einvoice.model import Identifier, Invoice
from einvoice.xml import parse_bytes

NEGATIVE_SAMPLES = frozenset({"BIS3_Invoice_negativ.XML"})
"""Left out of the conversion guarantees by decision: the positive CEN example with every
quantity and amount negated (it passes the artefacts; docs/formats/ubl.md covers it)."""

NOT_EN16931 = frozenset(
    {
        "UBL-Invoice-2.1-Example.xml",
        "UBL-CreditNote-2.1-Example.xml",
        "UBL-Invoice-2.1-Example-Trivial.xml",
    }
)
"""OASIS UBL 2.1 examples: UBL, but not EN 16931 invoices (VAT category ``AA``, no currency,
no parties in the trivial one).  They are not sources of the guarantees; instead the test
below checks that converting them is refused with a readable reason."""

TOLERATED_WITHOUT_REFERENCE = "PEPPOL-EN16931-R003"

_ARITHMETIC_FACTURAE = frozenset({"BR-CO-14", "BR-CO-17", "BR-S-08", "BR-S-09"})
"""oca-l10n-spain: the invoice-level tax row says base 21.00, tax 0.00 (its lines: base 100,
tax 21), so the VAT breakdown contradicts the lines and the totals."""
_LINE_NET_BASE_QTY = frozenset({"PEPPOL-EN16931-R120"})
"""CEN examples whose line net amount is not quantity x price / base quantity (the CII
versions even give the price itself as base quantity); CEN has no such rule, Peppol has."""

SOURCE_FAULTS: dict[str, dict[str, frozenset[str]]] = {
    # --- Facturae samples whose own figures contradict each other -----------------------
    **{
        f"facturae/samples/oca-l10n-spain/facturae_0{n}.xsig": {
            "ubl": _ARITHMETIC_FACTURAE,
            "cii": _ARITHMETIC_FACTURAE,
        }
        for n in (1, 2, 4)
    },
    # Line 1 has TaxableBase 25.00 but GrossAmount 33.75 (discount and charge left out of
    # the base), so the IVA 16 % base cannot equal the line net amounts.
    **{
        f"facturae/samples/omeuid/Facturae-3.2.{v}-valid.xml": {
            "ubl": frozenset({"BR-S-08"}),
            "cii": frozenset({"BR-S-08"}),
        }
        for v in (1, 2)
    },
    # The exempt line (net 33.75) is declared with an exempt base of 0.00.
    "facturae/samples/haltr/invoice_gob_es.xml": {
        "ubl": frozenset({"BR-E-08"}),
        "cii": frozenset({"BR-E-08"}),
    },
    # One line carries IVA 18 % *and* IPSI 3 % (mutually exclusive taxes), and
    # TotalTaxOutputs is a cent short of its rows: no IPSI line matches the IPSI row.
    **{
        f"facturae/samples/fawno/factura-prueba-v1-2-0.{ext}": {
            "ubl": frozenset({"BR-AG-01", "BR-AG-08", "BR-CO-14"}),
        }
        for ext in ("xml", "xsig")
    },
    # The general surcharge has an empty ChargeReason: EN 16931 needs BT-104 or BT-105
    # (BR-38), which no converter can invent; both renderers refuse naming the term.
    "facturae/samples/gobl-facturae/invoice-vat-irpf.xml": {
        "ubl": frozenset({"BT-104"}),
        "cii": frozenset({"BT-104"}),
    },
    # --- CEN / national examples: national rules of other countries, own arithmetic ------
    "ubl/samples/en16931/guide-example1.xml": {
        "ubl": frozenset({"NL-R-003", "NL-R-008"}) | _LINE_NET_BASE_QTY
    },
    "ubl/samples/en16931/guide-example2.xml": {
        "ubl": frozenset({"NO-R-001", "PEPPOL-EN16931-R046"}) | _LINE_NET_BASE_QTY
    },
    "ubl/samples/en16931/guide-example3.xml": {
        "ubl": frozenset({"DK-R-005", "DK-R-014"}) | _LINE_NET_BASE_QTY
    },
    "ubl/samples/en16931/issue116.xml": {"ubl": frozenset({"PEPPOL-COMMON-R049"})},
    "ubl/samples/en16931/ubl-tc434-example1.xml": {
        "ubl": frozenset({"NL-R-003"}) | _LINE_NET_BASE_QTY
    },
    "ubl/samples/en16931/ubl-tc434-example10.xml": {
        "ubl": frozenset({"NL-R-003"}) | _LINE_NET_BASE_QTY
    },
    "ubl/samples/en16931/ubl-tc434-example2.xml": {
        "ubl": frozenset({"NO-R-001", "PEPPOL-EN16931-R046"}) | _LINE_NET_BASE_QTY
    },
    "ubl/samples/en16931/ubl-tc434-example3.xml": {
        "ubl": frozenset({"DK-R-005", "DK-R-014", "DK-R-017"}) | _LINE_NET_BASE_QTY
    },
    "ubl/samples/en16931/ubl-tc434-example4.xml": {"ubl": frozenset({"DK-R-005", "DK-R-014"})},
    "ubl/samples/en16931/ubl-tc434-example5.xml": {"ubl": frozenset({"NL-R-003"})},
    "ubl/samples/en16931/ubl-tc434-example6.xml": {"ubl": frozenset({"DK-R-002"})},
    "ubl/samples/en16931/ubl-tc434-example8.xml": {"ubl": frozenset({"NL-R-003"})},
    "ubl/samples/en16931/ubl-tc434-example9.xml": {"ubl": frozenset({"NL-R-003"})},
    "cii/samples/en16931/CII_business_example_01.xml": {
        "ubl": frozenset({"NO-R-001", "PEPPOL-EN16931-R046"}) | _LINE_NET_BASE_QTY
    },
    # German seller and buyer: XRechnung rules (DE-R-*) want a seller contact, whose
    # DefinedTradeContact is empty in the source, and a buyer reference the source lacks.
    "cii/samples/en16931/CII_business_example_02.xml": {"ubl": frozenset({"DE-R-002", "DE-R-015"})},
    "cii/samples/en16931/CII_business_example_Z.xml": {
        "ubl": frozenset({"DE-R-002", "DE-R-015"}) | _LINE_NET_BASE_QTY
    },
    "cii/samples/en16931/CII_example1.xml": {"ubl": frozenset({"NL-R-003"}) | _LINE_NET_BASE_QTY},
    "cii/samples/en16931/CII_example2.xml": {
        "ubl": frozenset({"NO-R-001", "PEPPOL-EN16931-R046"}) | _LINE_NET_BASE_QTY
    },
    "cii/samples/en16931/CII_example3.xml": {"ubl": frozenset({"DK-R-005", "DK-R-014"})},
    "cii/samples/en16931/CII_example4.xml": {"ubl": frozenset({"DK-R-005", "DK-R-014"})},
    # Line 1: gross price 1.1 minus price discount 10 is not the net price 1 (R046).
    "cii/samples/en16931/CII_example5.xml": {"ubl": frozenset({"NL-R-003", "PEPPOL-EN16931-R046"})},
    "cii/samples/en16931/CII_example6.xml": {"ubl": frozenset({"DK-R-002"})},
    # Line charges "Versicherungssteuer" are 13.2 % of their stated base although they say
    # 19 % / 22 % (R040), the line net amounts leave them out (R120), and category O has no
    # rate while the German rule DE-R-014 wants one.
    "cii/samples/en16931/XRechnung-O.xml": {
        "ubl": frozenset({"DE-R-014", "PEPPOL-EN16931-R040"}) | _LINE_NET_BASE_QTY
    },
    # HUF amounts rounded to whole forints: 64 x 36109 / 100 + 330 = 23439.76, not 23440.
    "cii/samples/en16931/huf_example_cii.xml": {"ubl": _LINE_NET_BASE_QTY},
}
"""Per sample (and invoice ``#n`` of a batch) and target format: the fatal rule ids of the
converted document, or the business terms the renderer refuses it for.  Each was checked
against the source itself (the UBL ones fail the same rules unconverted)."""


def _facturae_samples() -> list[Path]:
    base = CORPUS / "facturae" / "samples"
    return [p for p in samples("facturae", "samples") if "invalid" not in p.relative_to(base).parts]


FACTURAE = _facturae_samples()
UBL = [
    p
    for p in [*samples("ubl", "samples"), *samples("peppol", "samples")]
    if p.name not in NEGATIVE_SAMPLES | NOT_EN16931
]
OTHER_UBL = [p for p in samples("ubl", "samples") if p.name in NOT_EN16931]
CII = samples("cii", "samples")
ALL = [*FACTURAE, *UBL, *CII]


def _id(path: Path) -> str:
    return path.relative_to(CORPUS).as_posix()


def _faults(path: Path, index: int, fmt: str) -> frozenset[str]:
    key = _id(path) + (f"#{index + 1}" if _batch_size(path) > 1 else "")
    return SOURCE_FAULTS.get(key, {}).get(fmt, frozenset())


@cache
def _invoices(path: Path) -> tuple[Invoice, ...]:
    """Canonical invoices of a sample (a Facturae batch holds several)."""
    return formats.parse(path.read_bytes(), filename=path.name).invoices


def _each_invoice(paths: list[Path]) -> list[Any]:
    """One parameter per invoice of each sample; the sample is parsed at test time."""
    out = []
    for path in paths:
        count = _batch_size(path)
        for index in range(count):
            suffix = f"#{index + 1}" if count > 1 else ""
            out.append(pytest.param(path, index, id=_id(path) + suffix))
    return out


def _batch_size(path: Path) -> int:
    """Number of invoices, read from the XML without our parser (so collection never fails)."""
    if "facturae" not in path.relative_to(CORPUS).parts[:1]:
        return 1
    root = parse_bytes(path.read_bytes()).getroot()
    return max(1, len(root.findall("./Invoices/Invoice")))


def _gln(base: str) -> str:
    return base + ean.calc_check_digit(base)


def _with_supplied_endpoints(invoice: Invoice, error: ConversionError) -> Invoice:
    """``invoice`` with GLN endpoints for the parties the renderer said lack one."""
    rules = {v.rule for v in error.violations}
    assert rules <= {"BT-34", "BT-49"}, f"UBL refused for more than endpoints: {error}"
    seller, buyer = invoice.seller, invoice.buyer
    if "BT-34" in rules:
        assert seller.endpoint is None or seller.endpoint.scheme == "EM"
        seller = dataclasses.replace(
            seller, endpoint=Identifier(value=_gln("541234500001"), scheme="0088")
        )
    if "BT-49" in rules:
        assert buyer.endpoint is None or buyer.endpoint.scheme == "EM"
        buyer = dataclasses.replace(
            buyer, endpoint=Identifier(value=_gln("541234500002"), scheme="0088")
        )
    return dataclasses.replace(invoice, seller=seller, buyer=buyer)


def _has_reference(invoice: Invoice) -> bool:
    return bool(invoice.buyer_reference or invoice.order_ref)


def _fatal(data: bytes, artefact: str) -> list[str]:
    from einvoice.rules.official import check

    return [f"{v.rule} at {v.location}: {v.message}" for v in check(data, artefact) if v.is_fatal]


def _schema_errors(fmt: str, data: bytes) -> list[str]:
    found = formats.detect(data)
    assert found.format == fmt
    return [v.message for v in formats.get(fmt).validate_schema(parse_bytes(data), found.version)]


# --------------------------------------------------------------------------------------------
# To UBL
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", OTHER_UBL, ids=_id)
@pytest.mark.parametrize("fmt", ["ubl", "cii", "facturae"])
def test_non_en16931_ubl_is_refused_clearly(path: Path, fmt: str) -> None:
    with pytest.raises(EInvoiceError) as info:
        formats.render(fmt, _invoices(path))
    assert isinstance(info.value, (UnsupportedDocument, ConversionError))
    for violation in info.value.violations:
        assert violation.message and violation.message_es


def _refusal(error: ConversionError, expected: frozenset[str]) -> None:
    """A refusal must be one ``SOURCE_FAULTS`` lists, readable in both languages."""
    rules = frozenset(v.rule for v in error.violations)
    assert rules == expected, f"unexpected refusal: {error}"
    for violation in error.violations:
        assert violation.message and violation.message_es


def _to_ubl(source: Invoice, expected: frozenset[str]) -> tuple[Invoice, bytes] | None:
    """(source as sent, UBL bytes); ``None`` when the renderer refused as ``expected`` says.

    Peppol needs electronic addresses (BT-34/BT-49) that many CEN examples lack and that
    cannot be derived from them; the renderer must say so, and then the user supplies one,
    as this helper does.  Any other refusal must be a listed source fault.
    """
    try:
        return source, formats.render("ubl", [source])
    except ConversionError as error:
        if {v.rule for v in error.violations} - {"BT-34", "BT-49"}:
            _refusal(error, expected)
            return None
        source = _with_supplied_endpoints(source, error)
        return source, formats.render("ubl", [source])


def _rule_id(message: str) -> str:
    return message.split(" ", 1)[0]


@pytest.mark.slow
@pytest.mark.parametrize(("path", "index"), _each_invoice(ALL))
def test_to_ubl_is_valid_peppol(path: Path, index: int) -> None:
    expected = _faults(path, index, "ubl")
    converted = _to_ubl(_invoices(path)[index], expected)
    if converted is None:
        return
    source, data = converted
    assert _schema_errors("ubl", data) == []
    fatal = [
        message
        for artefact in ("cen-ubl", "peppol-ubl", "peppol-cen-ubl")
        for message in _fatal(data, artefact)
    ]
    if not _has_reference(source):
        # No converter may invent BT-10/BT-13; the sender must add one before Peppol delivery.
        fatal = [m for m in fatal if _rule_id(m) != TOLERATED_WITHOUT_REFERENCE]
    assert frozenset(_rule_id(m) for m in fatal) == expected, "\n".join(fatal)


# --------------------------------------------------------------------------------------------
# To CII
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("path", "index"), _each_invoice(ALL))
def test_to_cii_is_valid_en16931(path: Path, index: int) -> None:
    source = _invoices(path)[index]
    expected = _faults(path, index, "cii")
    try:
        data = formats.render("cii", [source])
    except ConversionError as error:
        _refusal(error, expected)
        return
    assert _schema_errors("cii", data) == []
    fatal = _fatal(data, "cen-cii")
    assert frozenset(_rule_id(m) for m in fatal) == expected, "\n".join(fatal)


# --------------------------------------------------------------------------------------------
# To Facturae 3.2.2
# --------------------------------------------------------------------------------------------

_TERM = re.compile(r"^B[TG]-\d+$")

_MISSING: dict[str, Callable[[Invoice], bool]] = {
    # Terms a ConversionError may only name when the source really lacks them.
    "BT-31": lambda inv: not inv.seller.tax_id,
    "BT-48": lambda inv: not inv.buyer.tax_id,
    "BT-27": lambda inv: not inv.seller.name,
    "BT-37": lambda inv: not inv.seller.address.city,
    "BT-52": lambda inv: not inv.buyer.address.city,
    "BT-9": lambda inv: inv.due_date is None,
}
"""Refusals for other terms are values Facturae cannot express (too long, not in its code
lists, links instead of embedded files): documented in docs/formats/facturae.md."""


@pytest.mark.parametrize(("path", "index"), _each_invoice(ALL))
def test_to_facturae_is_valid_or_names_missing_terms(path: Path, index: int) -> None:
    source = _invoices(path)[index]
    try:
        data = formats.render("facturae", [source], version="3.2.2")
    except ConversionError as error:
        assert error.violations
        for violation in error.violations:
            assert _TERM.match(violation.rule), f"not a business term: {violation.rule}"
            assert violation.message and violation.message_es
            really_missing = _MISSING.get(violation.rule)
            if really_missing is not None:
                assert really_missing(source), f"the source has {violation.rule}: {violation}"
        return
    assert formats.detect(data).version == "3.2.2"
    assert _schema_errors("facturae", data) == []


# --------------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------------


def _through(invoice: Invoice, *steps: str) -> Invoice:
    for fmt in steps:
        (invoice,) = formats.parse(formats.render(fmt, [invoice])).invoices
    return invoice


@pytest.mark.parametrize(("path", "index"), _each_invoice(FACTURAE))
def test_round_trip_facturae_ubl_facturae(path: Path, index: int) -> None:
    converted = _to_ubl(_invoices(path)[index], _faults(path, index, "ubl"))
    if converted is None:
        pytest.skip("UBL refuses this source for a listed fault (SOURCE_FAULTS)")
    source, data = converted
    (back,) = formats.parse(formats.render("facturae", formats.parse(data).invoices)).invoices
    diff = differences(carried(source, "facturae", "ubl"), carried(back, "facturae", "ubl"))
    assert not diff, "\n".join(diff)


# Every case skips today (Facturae lacks terms the UBL samples carry); issue 13 makes the round
# trip run and removes this mark.  See tests/skip_guard.py.
@pytest.mark.known_all_skipped(reason="issue 13: UBL -> Facturae -> UBL round trip never runs")
@pytest.mark.parametrize(("path", "index"), _each_invoice(UBL))
def test_round_trip_ubl_facturae_ubl(path: Path, index: int) -> None:
    source = _invoices(path)[index]
    try:
        back = _through(source, "facturae", "ubl")
    except ConversionError as error:
        missing = ", ".join(v.rule for v in error.violations)
        pytest.skip(f"Facturae cannot carry this invoice (missing {missing})")
    diff = differences(carried(source, "ubl", "facturae"), carried(back, "ubl", "facturae"))
    assert not diff, "\n".join(diff)
