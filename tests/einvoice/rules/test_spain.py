"""Spanish rules on the canonical model: a correct invoice passes, each defect has its id.

The invoice below is worked out by hand: two lines at 21 % IVA with 5.2 % equivalence
surcharge on the first, a 15 % IRPF withholding on the invoice, a 10.00 general discount.
Each test breaks one figure and expects exactly the rule that names it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from einvoice.errors import Layer, Severity, Violation
from einvoice.model import (
    AllowanceCharge,
    BatchTotals,
    Correction,
    Document,
    DocumentKind,
    Instalment,
    Invoice,
    Line,
    Party,
    Period,
    PrecedingInvoice,
    Totals,
    VatBreakdown,
    VatCategory,
    Withholding,
)
from einvoice.rules import spain

D = Decimal
TODAY = dt.date(2026, 3, 1)

SELLER = Party(name="Ferretería Ejemplo SL", tax_id="ESB64717838")
BUYER = Party(name="Comprador SA", tax_id="ESA58818501")


def good_invoice(**changes: object) -> Invoice:
    # Line 1: 10 x 12.50 = 125.00; line 2: 3 x 5.00 = 15.00, minus a 1.50 line discount
    # = 13.50.  BT-106 = 138.50; general discount 10.00 -> BT-109 = 128.50.
    # IVA 21 % on 128.50 = 26.985 -> 26.99; surcharge 5.2 % on 128.50 = 6.682 -> 6.68.
    # BT-112 = 128.50 + 26.99 + 6.68 = 162.17; IRPF 15 % on 128.50 = 19.275 -> 19.28.
    # Amount due = 162.17 - 19.28 = 142.89.
    inv = Invoice(
        number="2026-0001",
        issue_date=dt.date(2026, 2, 27),
        due_date=dt.date(2026, 3, 29),
        seller=SELLER,
        buyer=BUYER,
        lines=(
            Line(
                id="1",
                name="Tornillos",
                quantity=D("10"),
                net_price=D("12.50"),
                net_amount=D("125.00"),
                vat_rate=D("21"),
                surcharge_rate=D("5.2"),
            ),
            Line(
                id="2",
                name="Tuercas",
                quantity=D("3"),
                net_price=D("5.00"),
                net_amount=D("13.50"),
                vat_rate=D("21"),
                surcharge_rate=D("5.2"),
                allowances_charges=(AllowanceCharge(is_charge=False, amount=D("1.50")),),
            ),
        ),
        allowances_charges=(
            AllowanceCharge(
                is_charge=False,
                amount=D("10.00"),
                reason="Pronto pago",
                vat_category=VatCategory.STANDARD,
                vat_rate=D("21"),
            ),
        ),
        vat_breakdown=(
            VatBreakdown(
                category=VatCategory.STANDARD,
                rate=D("21"),
                taxable_amount=D("128.50"),
                tax_amount=D("26.99"),
                surcharge_rate=D("5.2"),
                surcharge_amount=D("6.68"),
            ),
        ),
        withholdings=(Withholding(rate=D("15"), base=D("128.50"), amount=D("19.28")),),
        totals=Totals(
            line_net_total=D("138.50"),
            allowance_total=D("10.00"),
            tax_exclusive=D("128.50"),
            vat_total=D("26.99"),
            surcharge_total=D("6.68"),
            tax_inclusive=D("162.17"),
            withheld_total=D("19.28"),
            payable=D("142.89"),
        ),
    )
    return dataclasses.replace(inv, **changes)  # type: ignore[arg-type]


def with_totals(**changes: object) -> Invoice:
    inv = good_invoice()
    return dataclasses.replace(inv, totals=dataclasses.replace(inv.totals, **changes))  # type: ignore[arg-type]


def rules(violations: list[Violation]) -> list[str]:
    return sorted(v.rule for v in violations)


def check(inv: Invoice, **kw: object) -> list[Violation]:
    return spain.check_invoice(inv, today=TODAY, **kw)  # type: ignore[arg-type]


def test_correct_invoice_has_no_violation() -> None:
    assert check(good_invoice()) == []


def test_facturae_convention_tax_total_including_surcharge_is_accepted() -> None:
    # Facturae TotalTaxOutputs = 26.99 + 6.68 = 33.67 (surcharge inside BT-110).
    assert check(with_totals(vat_total=D("33.67"))) == []


def test_every_violation_is_bilingual_and_names_the_invoice() -> None:
    found = check(with_totals(payable=D("150.00"), tax_inclusive=D("170.00")))
    assert found
    for v in found:
        assert v.layer is Layer.SPAIN
        assert "2026-0001" in v.message and "2026-0001" in v.message_es
        assert v.message != v.message_es


def test_invalid_seller_and_buyer_tax_ids() -> None:
    inv = good_invoice(
        seller=dataclasses.replace(SELLER, tax_id="ESB28015866"),
        buyer=dataclasses.replace(BUYER, tax_id="ESA58818502"),
    )
    found = check(inv)
    assert rules(found) == ["ES-TAXID-01", "ES-TAXID-02"]
    assert all(v.is_fatal for v in found)
    assert "ESB28015866" in found[0].message and "ESB28015866" in found[0].message_es


def test_foreign_vat_number_with_bad_check_digit_is_a_warning() -> None:
    inv = good_invoice(buyer=Party(name="Käufer GmbH", tax_id="DE123456789"))
    found = check(inv)
    assert rules(found) == ["ES-TAXID-02"]
    assert found[0].severity is Severity.WARNING


def test_spanish_seller_without_tax_id() -> None:
    from einvoice.model import Address

    seller = Party(name="Sin NIF SL", address=Address(country="ES"))
    assert rules(check(good_invoice(seller=seller))) == ["ES-TAXID-03"]


def test_line_net_amount_must_match_quantity_times_price() -> None:
    inv = good_invoice()
    bad_line = dataclasses.replace(inv.lines[0], net_amount=D("120.00"))
    bad = dataclasses.replace(inv, lines=(bad_line, inv.lines[1]))
    # The line sum now disagrees with BT-106 too.
    found = check(bad)
    assert rules(found) == ["ES-TOT-01", "ES-TOT-02"]
    line_violation = next(v for v in found if v.rule == "ES-TOT-01")
    assert line_violation.location == "BG-25[1]/BT-131"
    assert "125.00" in line_violation.message and "120.00 EUR" in line_violation.message
    # For received UBL/CII the official rules govern: a warning only.
    relaxed = check(bad, strict=False)
    assert next(v for v in relaxed if v.rule == "ES-TOT-01").severity is Severity.WARNING


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"allowance_total": D("12.00")}, ["ES-TOT-03", "ES-TOT-04"]),
        ({"charge_total": D("1.00")}, ["ES-TOT-03", "ES-TOT-04"]),
        ({"tax_exclusive": D("130.00")}, ["ES-TOT-04", "ES-TOT-09", "ES-TOT-12"]),
        ({"vat_total": D("25.00")}, ["ES-TOT-07", "ES-TOT-09"]),
        ({"surcharge_total": D("0.00")}, ["ES-TOT-08", "ES-TOT-09"]),
        ({"tax_inclusive": D("170.00")}, ["ES-TOT-09", "ES-TOT-11"]),
        ({"withheld_total": D("0.00")}, ["ES-TOT-10", "ES-TOT-11"]),
        ({"payable": D("162.17")}, ["ES-TOT-11"]),
    ],
)
def test_total_defects(changes: dict[str, object], expected: list[str]) -> None:
    assert rules(check(with_totals(**changes))) == expected


def test_breakdown_bases_must_cover_the_total_before_tax() -> None:
    inv = good_invoice()
    row = dataclasses.replace(inv.vat_breakdown[0], taxable_amount=D("125.00"))
    # The tax and surcharge of the row are right for *its* base, but BT-109 is 128.50.
    row = dataclasses.replace(row, tax_amount=D("26.25"), surcharge_amount=D("6.50"))
    found = check(
        dataclasses.replace(
            inv,
            vat_breakdown=(row,),
            totals=dataclasses.replace(
                inv.totals,
                vat_total=D("26.25"),
                surcharge_total=D("6.50"),
                tax_inclusive=D("161.25"),
                payable=D("141.97"),
            ),
        )
    )
    assert rules(found) == ["ES-TOT-12"] and found[0].is_fatal
    assert "125.00 EUR" in found[0].message and "128.50 EUR" in found[0].message


def test_bases_leaving_out_general_discounts_are_a_warning() -> None:
    inv = good_invoice()
    # Base = line total 138.50 (the 10.00 general discount left out of the tax base).
    row = dataclasses.replace(
        inv.vat_breakdown[0],
        taxable_amount=D("138.50"),
        tax_amount=D("29.09"),
        surcharge_amount=D("7.20"),
    )
    totals = dataclasses.replace(
        inv.totals,
        vat_total=D("29.09"),
        surcharge_total=D("7.20"),
        tax_inclusive=D("164.79"),
        payable=D("145.51"),
    )
    found = check(dataclasses.replace(inv, vat_breakdown=(row,), totals=totals))
    assert rules(found) == ["ES-TOT-12"] and found[0].severity is Severity.WARNING


def test_one_cent_rounding_is_tolerated() -> None:
    assert check(with_totals(payable=D("142.90"))) == []
    assert rules(check(with_totals(payable=D("142.91")))) == ["ES-TOT-11"]


def test_prepaid_and_amounts_withheld_reduce_the_amount_due() -> None:
    inv = with_totals(prepaid=D("40.00"), amounts_withheld=D("2.89"), payable=D("100.00"))
    assert check(inv) == []


def test_breakdown_tax_and_surcharge_amounts() -> None:
    inv = good_invoice()
    row = dataclasses.replace(inv.vat_breakdown[0], tax_amount=D("27.50"))
    found = check(dataclasses.replace(inv, vat_breakdown=(row,)))
    assert "ES-TOT-05" in rules(found)
    message = next(v for v in found if v.rule == "ES-TOT-05").message
    assert "27.50 EUR" in message and "26.99 EUR" in message
    row = dataclasses.replace(inv.vat_breakdown[0], surcharge_amount=D("7.00"))
    assert "ES-TOT-06" in rules(check(dataclasses.replace(inv, vat_breakdown=(row,))))


def test_withholding_amount_is_base_times_rate() -> None:
    inv = good_invoice(
        withholdings=(Withholding(rate=D("15"), base=D("128.50"), amount=D("18.00")),)
    )
    inv = dataclasses.replace(
        inv, totals=dataclasses.replace(inv.totals, withheld_total=D("18.00"), payable=D("144.17"))
    )
    found = check(inv)
    assert rules(found) == ["ES-WH-01"]
    assert "19.28 EUR" in found[0].message and "retención" in found[0].message_es


def test_line_withholding_is_checked_with_its_line() -> None:
    inv = good_invoice()
    line = dataclasses.replace(
        inv.lines[0], withholdings=(Withholding(rate=D("7"), base=D("125.00"), amount=D("9.00")),)
    )
    found = check(dataclasses.replace(inv, lines=(line, inv.lines[1])))
    assert rules(found) == ["ES-WH-01"]
    assert found[0].location == "BG-25[1]/TaxesWithheld"


def test_periods_must_run_forwards() -> None:
    backwards = Period(start=dt.date(2026, 2, 28), end=dt.date(2026, 2, 1))
    assert rules(check(good_invoice(period=backwards))) == ["ES-DATE-01"]
    inv = good_invoice()
    line = dataclasses.replace(inv.lines[1], period=backwards)
    found = check(dataclasses.replace(inv, lines=(inv.lines[0], line)))
    assert [v.location for v in found] == ["BG-25[2]/BG-26"]


def test_due_date_before_issue_date_is_a_warning() -> None:
    found = check(good_invoice(due_date=dt.date(2026, 2, 1)))
    assert rules(found) == ["ES-DATE-02"] and found[0].severity is Severity.WARNING
    instalment = Instalment(due_date=dt.date(2026, 1, 1), amount=D("142.89"))
    assert rules(check(good_invoice(instalments=(instalment,)))) == ["ES-DATE-02"]


def test_issue_date_in_the_future() -> None:
    soon = check(good_invoice(issue_date=TODAY + dt.timedelta(days=1), due_date=None))
    assert soon == []  # time zones: one day ahead is fine
    later = check(good_invoice(issue_date=TODAY + dt.timedelta(days=10), due_date=None))
    assert rules(later) == ["ES-DATE-03"] and later[0].severity is Severity.WARNING
    absurd = check(good_invoice(issue_date=dt.date(2036, 1, 1), due_date=None))
    assert rules(absurd) == ["ES-DATE-04"] and absurd[0].is_fatal


def test_corrective_invoice_needs_reference_reason_and_method() -> None:
    ok = Correction(number="2026-0000", reason_code="01", method="01")
    assert check(good_invoice(correction=ok, invoice_class="OR")) == []
    no_ref = dataclasses.replace(ok, number="")
    assert rules(check(good_invoice(correction=no_ref))) == ["ES-CORR-01"]
    bad_codes = dataclasses.replace(ok, reason_code="99", method="")
    assert rules(check(good_invoice(correction=bad_codes))) == ["ES-CORR-02", "ES-CORR-03"]
    assert rules(check(good_invoice(invoice_class="OR"))) == ["ES-CORR-01"]


def test_credit_note_without_reference_is_a_warning() -> None:
    found = check(good_invoice(kind=DocumentKind.CREDIT_NOTE, type_code="381"))
    assert rules(found) == ["ES-CORR-01"] and found[0].severity is Severity.WARNING
    referenced = good_invoice(
        kind=DocumentKind.CREDIT_NOTE, preceding=(PrecedingInvoice(number="2026-0000"),)
    )
    assert check(referenced) == []


def batch(**changes: object) -> Document:
    first = good_invoice()
    second = good_invoice(number="2026-0002")
    totals = BatchTotals(
        invoices_count=2,
        total_invoices_amount=D("285.78"),  # 2 x (162.17 - 19.28)
        total_outstanding_amount=D("285.78"),
        total_executable_amount=D("285.78"),
    )
    return Document(
        invoices=(first, second),
        format="facturae",
        batch_totals=dataclasses.replace(totals, **changes),  # type: ignore[arg-type]
    )


def test_batch_totals() -> None:
    assert spain.check_document(batch(), today=TODAY) == []
    found = spain.check_document(
        batch(invoices_count=3, total_executable_amount=D("300.00")), today=TODAY
    )
    assert rules(found) == ["ES-BATCH-01", "ES-BATCH-04"]
    assert all(v.invoice is None for v in found)
    assert rules(spain.check_batch(batch(total_invoices_amount=D("1.00")))) == ["ES-BATCH-02"]
    assert rules(spain.check_batch(batch(total_outstanding_amount=D("1.00")))) == ["ES-BATCH-03"]


def test_batch_invoice_violations_carry_their_index() -> None:
    doc = batch()
    second = dataclasses.replace(
        doc.invoices[1], totals=dataclasses.replace(doc.invoices[1].totals, payable=D("1.00"))
    )
    doc = dataclasses.replace(doc, invoices=(doc.invoices[0], second))
    found = spain.check_document(doc, today=TODAY)
    by_rule = {v.rule: v for v in found}
    assert by_rule["ES-TOT-11"].invoice == 1
    assert by_rule["ES-BATCH-04"].invoice is None
