"""Property-based tests: generated Spanish invoices survive every format and the official rules.

Each example is a valid canonical invoice from :mod:`tests.einvoice.strategies`, computed by
:func:`einvoice.totals.compute`, rendered in a format, parsed back and compared with what that
format can carry (:func:`tests.einvoice.strategies.carried`).  The examples are few and the
deadline off so the suite stays quick; hypothesis keeps failing examples in its database and
replays them first.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from tests.einvoice.strategies import carried, differences, invoices

from einvoice import formats
from einvoice.model import Invoice, VatCategory
from einvoice.totals import compute, expected

ROUND_TRIP = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OFFICIAL = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(max_examples=50, deadline=None)
@given(invoices())
def test_generated_invoices_are_arithmetically_consistent(invoice: Invoice) -> None:
    t = invoice.totals
    # BR-CO-10 .. BR-CO-16 written out over the computed invoice, independently of totals.py.
    assert t.line_net_total == sum((ln.net_amount for ln in invoice.lines), Decimal(0))
    assert t.tax_exclusive == t.line_net_total - t.allowance_total + t.charge_total
    pure_vat = sum((r.tax_amount for r in invoice.vat_breakdown), Decimal(0))
    surcharges = sum((r.surcharge_amount or Decimal(0) for r in invoice.vat_breakdown), Decimal(0))
    assert t.surcharge_total == surcharges
    assert t.vat_total == pure_vat + surcharges  # Facturae TotalTaxOutputs
    assert t.tax_inclusive == t.tax_exclusive + t.vat_total
    assert t.payable == t.tax_inclusive - t.prepaid + t.rounding - t.withheld_total
    assert sum((r.taxable_amount for r in invoice.vat_breakdown), Decimal(0)) == t.tax_exclusive
    for row in invoice.vat_breakdown:
        rate = row.rate or Decimal(0)
        assert abs(row.tax_amount - row.taxable_amount * rate / 100) <= Decimal("0.005")
        if row.category is VatCategory.EXEMPT:
            assert row.exemption_reason  # BR-E-10
    assert compute(invoice) == invoice  # compute is idempotent
    assert expected(invoice, recompute_lines=False) == (t, invoice.vat_breakdown)


@pytest.mark.parametrize("fmt", ["facturae", "ubl", "cii"])
@ROUND_TRIP
@given(invoice=invoices())
def test_render_parse_round_trip(fmt: str, invoice: Invoice) -> None:
    data = formats.render(fmt, [invoice])
    document = formats.parse(data)
    assert document.format == fmt
    (parsed,) = document.invoices
    diff = differences(carried(invoice, fmt), carried(parsed, fmt))
    assert not diff, "\n".join(diff)


@pytest.mark.parametrize("fmt", ["facturae", "ubl", "cii"])
@ROUND_TRIP
@given(invoice=invoices())
def test_rendered_documents_are_schema_valid(fmt: str, invoice: Invoice) -> None:
    from einvoice.xml import parse_bytes

    module = formats.get(fmt)
    data = formats.render(fmt, [invoice])
    found = formats.detect(data)
    errors = module.validate_schema(parse_bytes(data), found.version)
    assert not errors, "\n".join(v.message for v in errors)


@pytest.mark.slow
@pytest.mark.parametrize("artefact", ["cen-ubl", "peppol-ubl", "peppol-cen-ubl"])
@OFFICIAL
@given(invoice=invoices())
def test_rendered_ubl_passes_official_rules(artefact: str, invoice: Invoice) -> None:
    from einvoice.rules.official import check

    data = formats.render("ubl", [invoice])
    fatal = [v for v in check(data, artefact) if v.is_fatal]
    assert not fatal, "\n".join(f"{v.rule} at {v.location}: {v.message}" for v in fatal)


@pytest.mark.slow
@OFFICIAL
@given(invoice=invoices())
def test_rendered_cii_passes_official_rules(invoice: Invoice) -> None:
    from einvoice.rules.official import check

    data = formats.render("cii", [invoice])
    fatal = [v for v in check(data, "cen-cii") if v.is_fatal]
    assert not fatal, "\n".join(f"{v.rule} at {v.location}: {v.message}" for v in fatal)
