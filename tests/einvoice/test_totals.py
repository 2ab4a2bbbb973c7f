"""Tests for einvoice.totals: worked examples computed by hand, rounding edges, corpus checks.

Every expected number below was worked out on paper from the rule quoted next to it; none
was produced by running the code.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from tests.corpus import samples

from einvoice.errors import RuleViolation
from einvoice.model import (
    AllowanceCharge,
    Invoice,
    Line,
    Party,
    TaxType,
    Totals,
    VatBreakdown,
    VatCategory,
    Withholding,
)
from einvoice.totals import (
    compute,
    compute_line,
    expected,
    line_net_amount,
    tax_amount_acceptable,
)

D = Decimal
S = VatCategory.STANDARD
EX = VatCategory.EXEMPT
NS = VatCategory.NOT_SUBJECT
ZR = VatCategory.ZERO_RATED
IGIC = VatCategory.CANARY_IGIC
IPSI = VatCategory.CEUTA_MELILLA_IPSI
PLACEHOLDER = Totals(
    line_net_total=D(0), tax_exclusive=D(0), vat_total=D(0), tax_inclusive=D(0), payable=D(0)
)


def line(
    n: int, qty: str, price: str, category: VatCategory = S, rate: str | None = "21", **kw: object
) -> Line:
    return Line(
        id=str(n),
        name=f"Item {n}",
        quantity=D(qty),
        net_price=D(price),
        net_amount=D("-999.99"),  # deliberately wrong: compute() must overwrite it
        vat_category=category,
        vat_rate=None if rate is None else D(rate),
        **kw,  # type: ignore[arg-type]
    )


def invoice(*lines: Line, **kw: object) -> Invoice:
    fields: dict[str, object] = {
        "number": "1",
        "issue_date": dt.date(2026, 1, 15),
        "seller": Party(name="Seller SL", tax_id="ESB12345674"),
        "buyer": Party(name="Buyer SA", tax_id="ESA58818501"),
        "totals": PLACEHOLDER,
        "lines": lines,
    }
    fields.update(kw)
    return Invoice(**fields)  # type: ignore[arg-type]


def allowance(
    amount: str, category: VatCategory | None = S, rate: str | None = "21", **kw: object
) -> AllowanceCharge:
    return AllowanceCharge(
        is_charge=False,
        amount=D(amount),
        vat_category=category,
        vat_rate=None if rate is None else D(rate),
        **kw,  # type: ignore[arg-type]
    )


def charge(
    amount: str, category: VatCategory | None = S, rate: str | None = "21", **kw: object
) -> AllowanceCharge:
    return AllowanceCharge(
        is_charge=True,
        amount=D(amount),
        vat_category=category,
        vat_rate=None if rate is None else D(rate),
        **kw,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------------------------
# Lines (BT-131)
# --------------------------------------------------------------------------------------------


def test_line_net_is_quantity_times_price() -> None:
    assert line_net_amount(line(1, "3", "10.00")) == D("30.00")


def test_line_net_uses_base_quantity() -> None:
    # 250 units at 12.00 per 100 units = 30.00 (BT-149 base quantity)
    assert line_net_amount(line(1, "250", "12.00", base_quantity=D("100"))) == D("30.00")


def test_line_net_rounds_half_up() -> None:
    # 3 x 1.115 = 3.345 -> 3.35 (half up; banker's rounding would give 3.34)
    assert line_net_amount(line(1, "3", "1.115")) == D("3.35")
    # negative quantities (returns) round away from zero as well: -3.345 -> -3.35
    assert line_net_amount(line(1, "-3", "1.115")) == D("-3.35")


def test_line_allowance_percentage_and_charge() -> None:
    # 12.25 less 10 % = 1.225 -> 1.23 allowance; plus a 2.50 charge: 12.25 - 1.23 + 2.50 = 13.52
    computed = compute_line(
        line(
            1,
            "1",
            "12.25",
            allowances_charges=(
                AllowanceCharge(is_charge=False, amount=D(0), percent=D("10")),
                AllowanceCharge(is_charge=True, amount=D("2.50")),
            ),
        )
    )
    first, second = computed.allowances_charges
    assert first.amount == D("1.23")
    assert first.base_amount == D("12.25")  # the base the percentage applied to is written in
    assert second.amount == D("2.50") and second.base_amount is None
    assert computed.net_amount == D("13.52")


def test_line_allowance_keeps_explicit_base() -> None:
    computed = compute_line(
        line(
            1,
            "2",
            "50",
            allowances_charges=(
                AllowanceCharge(is_charge=False, amount=D(0), percent=D("5"), base_amount=D("60")),
            ),
        )
    )
    # 5 % of the stated base 60.00 = 3.00; 100.00 - 3.00 = 97.00
    assert computed.allowances_charges[0].amount == D("3.00")
    assert computed.net_amount == D("97.00")


# --------------------------------------------------------------------------------------------
# Breakdown and totals
# --------------------------------------------------------------------------------------------


def test_worked_example_two_rates_with_document_allowance() -> None:
    inv = compute(
        invoice(
            line(1, "3", "10.00"),  # 30.00 at 21 %
            line(
                2,
                "1",
                "12.25",
                rate="10",
                allowances_charges=(AllowanceCharge(is_charge=False, amount=D(0), percent=D(10)),),
            ),  # 12.25 - 1.23 = 11.02 at 10 %
            line(3, "2", "7.50"),  # 15.00 at 21 %
            allowances_charges=(allowance("5.00"),),
        )
    )
    assert [ln.net_amount for ln in inv.lines] == [D("30.00"), D("11.02"), D("15.00")]
    s21, s10 = inv.vat_breakdown
    # BR-S-08: 30.00 + 15.00 - 5.00 = 40.00; BR-S-09: 40.00 x 21 % = 8.40
    assert (s21.category, s21.rate, s21.taxable_amount, s21.tax_amount) == (
        S,
        D(21),
        D("40.00"),
        D("8.40"),
    )
    # 11.02 x 10 % = 1.102 -> 1.10
    assert (s10.rate, s10.taxable_amount, s10.tax_amount) == (D(10), D("11.02"), D("1.10"))
    t = inv.totals
    assert t.line_net_total == D("56.02")  # BR-CO-10
    assert t.allowance_total == D("5.00")  # BR-CO-11
    assert t.charge_total == D("0")  # BR-CO-12
    assert t.tax_exclusive == D("51.02")  # BR-CO-13
    assert t.vat_total == D("9.50")  # BR-CO-14
    assert t.tax_inclusive == D("60.52")  # BR-CO-15
    assert t.payable == D("60.52")  # BR-CO-16
    assert s21.surcharge_amount is None and t.surcharge_total == D("0")


def test_tax_is_rounded_per_category_not_per_line() -> None:
    # Two lines of 0.50 at 21 %: per line 0.105 -> 0.11 each (0.22 in all), but EN 16931
    # computes the tax on the category's taxable amount: 1.00 x 21 % = 0.21 (BR-S-09).
    inv = compute(invoice(line(1, "1", "0.50"), line(2, "1", "0.50")))
    (row,) = inv.vat_breakdown
    assert row.taxable_amount == D("1.00")
    assert row.tax_amount == D("0.21")


def test_tax_rounds_half_up() -> None:
    # 0.50 x 21 % = 0.105 -> 0.11 (half up); 2.50 x 21 % = 0.525 -> 0.53
    assert compute(invoice(line(1, "1", "0.50"))).vat_breakdown[0].tax_amount == D("0.11")
    assert compute(invoice(line(1, "1", "2.50"))).vat_breakdown[0].tax_amount == D("0.53")


def test_rates_written_differently_make_one_row() -> None:
    inv = compute(invoice(line(1, "1", "10", rate="21"), line(2, "1", "10", rate="21.00")))
    assert len(inv.vat_breakdown) == 1
    assert inv.vat_breakdown[0].taxable_amount == D("20.00")


def test_document_charge_at_its_own_rate_opens_a_row() -> None:
    # Shipping charged at 10 % on an invoice whose lines are all 21 %.
    inv = compute(invoice(line(1, "1", "100"), allowances_charges=(charge("8.00", rate="10"),)))
    rates = {row.rate: (row.taxable_amount, row.tax_amount) for row in inv.vat_breakdown}
    assert rates == {D(21): (D("100.00"), D("21.00")), D(10): (D("8.00"), D("0.80"))}
    assert inv.totals.charge_total == D("8.00")
    assert inv.totals.tax_exclusive == D("108.00")
    assert inv.totals.tax_inclusive == D("129.80")


def test_document_allowance_percentage_defaults_to_line_total() -> None:
    # 4 % general discount on 1,212.00 = 48.48 (the Facturae GeneralDiscounts base)
    inv = compute(
        invoice(
            line(1, "1", "1212.00"),
            allowances_charges=(
                AllowanceCharge(
                    is_charge=False, amount=D(0), percent=D(4), vat_category=S, vat_rate=D(21)
                ),
            ),
        )
    )
    (ac,) = inv.allowances_charges
    assert (ac.base_amount, ac.amount) == (D("1212.00"), D("48.48"))
    assert inv.totals.tax_exclusive == D("1163.52")


def test_allowance_without_category_on_single_rate_invoice() -> None:
    inv = compute(
        invoice(
            line(1, "1", "100"), allowances_charges=(allowance("10", category=None, rate=None),)
        )
    )
    assert inv.vat_breakdown[0].taxable_amount == D("90.00")
    assert inv.vat_breakdown[0].tax_amount == D("18.90")


def test_allowance_without_category_on_mixed_rates_is_refused() -> None:
    bad = invoice(
        line(1, "1", "100"),
        line(2, "1", "100", rate="10"),
        allowances_charges=(allowance("10", category=None, rate=None, reason="Pronto pago"),),
    )
    with pytest.raises(RuleViolation) as info:
        compute(bad)
    violation = info.value.violations[0]
    assert violation.rule == "BR-32"
    assert "Pronto pago" in violation.message and "Pronto pago" in violation.message_es
    assert violation.location == "BG-20[1]/BT-95"


def test_exempt_not_subject_zero_igic_ipsi() -> None:
    inv = compute(
        invoice(
            line(
                1,
                "1",
                "100",
                EX,
                "0",
                exemption_reason="Exenta art. 20 LIVA",
                exemption_code="VATEX-EU-132",
            ),
            line(2, "2", "15", NS, None),
            line(
                3,
                "1",
                "50",
                EX,
                "0",
                exemption_reason="Exenta art. 21 LIVA",
                exemption_code="VATEX-EU-G",
            ),
            line(4, "1", "99.99", IGIC, "7", tax_type=TaxType.IGIC),
            line(5, "1", "12.50", IPSI, "4", tax_type=TaxType.IPSI),
            line(6, "1", "10", ZR, "0"),
        )
    )
    rows = {row.category: row for row in inv.vat_breakdown}
    assert [row.category for row in inv.vat_breakdown] == [
        EX,
        NS,
        IGIC,
        IPSI,
        ZR,
    ]  # order of appearance
    exempt = rows[EX]
    assert (exempt.taxable_amount, exempt.tax_amount) == (D("150.00"), D("0.00"))  # BR-E-08/09
    assert exempt.exemption_reason == "Exenta art. 20 LIVA; Exenta art. 21 LIVA"  # BT-120
    assert exempt.exemption_code == "VATEX-EU-132"  # BT-121: one code per row, the first
    assert rows[NS].rate is None and rows[NS].tax_amount == D("0.00")  # BR-O-09, no BT-119
    assert rows[NS].taxable_amount == D("30.00")
    # IGIC 7 % of 99.99 = 6.9993 -> 7.00 (BR-AF-09); IPSI 4 % of 12.50 = 0.50 (BR-AG-09)
    assert (rows[IGIC].tax_type, rows[IGIC].tax_amount) == (TaxType.IGIC, D("7.00"))
    assert (rows[IPSI].tax_type, rows[IPSI].tax_amount) == (TaxType.IPSI, D("0.50"))
    assert rows[ZR].tax_amount == D("0.00")
    assert inv.totals.vat_total == D("7.50")
    # 100 + 30 + 50 + 99.99 + 12.50 + 10 = 302.49 before tax
    assert inv.totals.tax_exclusive == D("302.49")
    assert inv.totals.tax_inclusive == D("309.99")


def test_equivalence_surcharge() -> None:
    # Retailer under recargo de equivalencia: 21 % + 5.2 % and 10 % + 1.4 %.
    inv = compute(
        invoice(
            line(1, "4", "12.50", surcharge_rate=D("5.2")),  # 50.00
            line(2, "1", "33.33", rate="10", surcharge_rate=D("1.4")),  # 33.33
        )
    )
    r21, r10 = inv.vat_breakdown
    # 50.00 x 21 % = 10.50; 50.00 x 5.2 % = 2.60
    assert (r21.tax_amount, r21.surcharge_rate, r21.surcharge_amount) == (
        D("10.50"),
        D("5.2"),
        D("2.60"),
    )
    # 33.33 x 10 % = 3.333 -> 3.33; 33.33 x 1.4 % = 0.46662 -> 0.47
    assert (r10.tax_amount, r10.surcharge_amount) == (D("3.33"), D("0.47"))
    t = inv.totals
    assert t.surcharge_total == D("3.07")
    # vat_total is Facturae TotalTaxOutputs: VAT 13.83 + surcharge 3.07; the pure EN 16931
    # BT-110 (BR-CO-14) is vat_total - surcharge_total.
    assert t.vat_total == D("16.90")
    assert t.vat_total - t.surcharge_total == D("13.83")
    # BT-112 includes the surcharge the buyer pays: 83.33 + 16.90
    assert t.tax_inclusive == D("100.23")
    assert t.payable == D("100.23")


def test_same_rate_with_and_without_surcharge_are_two_rows() -> None:
    inv = compute(invoice(line(1, "1", "100", surcharge_rate=D("5.2")), line(2, "1", "100")))
    assert [(r.rate, r.surcharge_rate) for r in inv.vat_breakdown] == [
        (D(21), D("5.2")),
        (D(21), None),
    ]
    # A document discount at 21 % goes to the row without surcharge.
    inv = compute(
        invoice(
            line(1, "1", "100", surcharge_rate=D("5.2")),
            line(2, "1", "100"),
            allowances_charges=(allowance("10"),),
        )
    )
    assert [r.taxable_amount for r in inv.vat_breakdown] == [D("100.00"), D("90.00")]


def test_irpf_withholding_professional_invoice() -> None:
    # 10 hours at 50.00, IVA 21 %, IRPF 15 %: 500.00 + 105.00 - 75.00 = 530.00 payable.
    irpf = Withholding(rate=D(15), base=D(0), amount=D(0))
    inv = compute(invoice(line(1, "10", "50.00", withholdings=(irpf,))))
    assert inv.lines[0].withholdings == (
        Withholding(rate=D(15), base=D("500.00"), amount=D("75.00")),
    )
    assert inv.withholdings == (
        Withholding(tax_type=TaxType.IRPF, rate=D(15), base=D("500.00"), amount=D("75.00")),
    )
    t = inv.totals
    assert (t.tax_inclusive, t.withheld_total, t.payable) == (D("605.00"), D("75.00"), D("530.00"))
    assert t.invoice_total == D("530.00")  # Facturae InvoiceTotal


def test_irpf_base_follows_general_discount_when_every_line_bears_it() -> None:
    irpf = Withholding(rate=D(15), base=D(0), amount=D(0))
    inv = compute(
        invoice(
            line(1, "10", "50.00", withholdings=(irpf,)),
            allowances_charges=(
                AllowanceCharge(
                    is_charge=False, amount=D(0), percent=D(4), vat_category=S, vat_rate=D(21)
                ),
            ),
        )
    )
    # 4 % of 500.00 = 20.00; base 480.00; IVA 100.80; IRPF 72.00; 480 + 100.80 - 72 = 508.80
    assert inv.withholdings[0].base == D("480.00")
    assert inv.withholdings[0].amount == D("72.00")
    assert inv.totals.payable == D("508.80")


def test_irpf_only_on_some_lines_uses_their_bases() -> None:
    irpf = Withholding(rate=D("15.00"), base=D(0), amount=D(0))
    inv = compute(
        invoice(
            line(1, "1", "333.33", withholdings=(irpf,)),
            line(2, "1", "100"),
            line(3, "1", "66.67", withholdings=(Withholding(rate=D(15), base=D(0), amount=D(0)),)),
            allowances_charges=(allowance("50"),),
        )
    )
    # Grouped by (IRPF, 15): 333.33 + 66.67 = 400.00 -> 60.00; the discount is not applied
    # because line 2 bears no IRPF.  Per line it would be 50.00 + 10.00 = 60.00 as well.
    assert inv.withholdings == (Withholding(rate=D("15.00"), base=D("400.00"), amount=D("60.00")),)
    assert inv.totals.withheld_total == D("60.00")


def test_invoice_level_withholding_is_an_input_when_lines_have_none() -> None:
    # Facturae files (omeuid 3.2.2-valid) may state TaxesWithheld only at invoice level:
    # base 59.75 at 4 % -> 2.39.
    inv = compute(
        invoice(
            line(1, "1", "59.75"),
            withholdings=(Withholding(rate=D(4), base=D("59.75"), amount=D("999")),),
        )
    )
    assert inv.withholdings[0].amount == D("2.39")
    assert inv.totals.withheld_total == D("2.39")


def test_payable_follows_facturae_total_executable_amount() -> None:
    # haltr invoice_amounts_withheld: InvoiceTotal 50,059.38 - guarantee 4,678.45 = 45,380.93;
    # plus a prepayment, a rounding amount and reimbursable expenses (suplidos) on top.
    typed = Totals(
        line_net_total=D(0),
        tax_exclusive=D(0),
        vat_total=D(0),
        tax_inclusive=D(0),
        payable=D(0),
        prepaid=D("1000.00"),
        rounding=D("0.02"),
        amounts_withheld=D("4678.45"),
        reimbursable_total=D("12.00"),
    )
    inv = compute(invoice(line(1, "1", "46784.47", rate="7"), totals=typed))
    t = inv.totals
    assert t.vat_total == D("3274.91")  # 46,784.47 x 7 % = 3,274.9129
    assert t.tax_inclusive == D("50059.38")
    # 50,059.38 - 1,000.00 + 0.02 - 0 - 4,678.45 + 12.00
    assert t.payable == D("44392.95")
    assert (t.prepaid, t.rounding, t.amounts_withheld, t.reimbursable_total) == (
        D("1000.00"),
        D("0.02"),
        D("4678.45"),
        D("12.00"),
    )


def test_currency_without_minor_units() -> None:
    # JPY has no decimals: 3 x 333.5 = 1,000.5 -> 1,001; 10 % of 1,001 = 100.1 -> 100
    inv = compute(invoice(line(1, "3", "333.5", rate="10"), currency="JPY"))
    assert inv.lines[0].net_amount == D("1001")
    assert inv.vat_breakdown[0].tax_amount == D("100")
    assert inv.totals.tax_inclusive == D("1101")


def test_compute_is_idempotent_and_returns_a_copy() -> None:
    original = invoice(line(1, "3", "1.115"), line(2, "1", "9.99", rate="10"))
    once = compute(original)
    assert original.lines[0].net_amount == D("-999.99")  # the input is untouched
    assert compute(once) == once


def test_expected_can_trust_stated_line_amounts() -> None:
    stated = invoice(line(1, "1", "10"))  # stated BT-131 is -999.99
    totals, breakdown = expected(stated, recompute_lines=False)
    assert totals.line_net_total == D("-999.99")  # what BR-CO-10 checks against
    assert breakdown[0].taxable_amount == D("-999.99")
    totals, _ = expected(stated)
    assert totals.line_net_total == D("10.00")


# --------------------------------------------------------------------------------------------
# Official EN 16931 examples: their totals satisfy BR-CO-10 ... BR-CO-17, so the breakdown and
# totals we derive from their stated lines must match what they state.
# --------------------------------------------------------------------------------------------

EN16931_SAMPLES = [
    *samples("ubl", "samples", "en16931"),
    *samples("cii", "samples", "en16931"),
    *samples("peppol", "samples"),
]


@pytest.mark.parametrize("path", EN16931_SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_official_examples_totals_agree(path: Path) -> None:
    from einvoice import formats

    (inv,) = formats.parse(path.read_bytes()).invoices
    totals, breakdown = expected(inv, recompute_lines=False)
    stated = inv.totals
    for name in ("line_net_total", "allowance_total", "charge_total", "tax_exclusive"):
        assert getattr(totals, name) == getattr(stated, name), name

    def key(row: VatBreakdown) -> tuple[VatCategory, Decimal | None]:
        # Some CEN examples write rate 0 on category O rows, which carry no rate (BR-O-11).
        return row.category, None if row.category is NS else row.rate

    by_key = {key(r): r for r in inv.vat_breakdown}
    assert len(by_key) == len(breakdown)
    for row in breakdown:
        given = by_key[key(row)]
        assert row.taxable_amount == given.taxable_amount  # BR-x-08
        assert tax_amount_acceptable(given.tax_amount, given.taxable_amount, given.rate)


@pytest.mark.parametrize(
    ("stated", "taxable", "rate", "ok"),
    [
        ("21.00", "100.00", "21", True),
        ("21.99", "100.00", "21", True),  # less than one unit off: accepted by the artefacts
        ("22.00", "100.00", "21", False),  # exactly one unit off: refused (UBL artefact)
        ("20.01", "100.00", "21", True),
        ("18679.00", "69180.00", "27", True),  # HUF example rounds VAT to whole forints
        ("-21.50", "-100.00", "21", True),  # credit amounts: absolute values are compared
        ("0.00", "100.00", "0", True),
        ("0.40", "100.00", "0", True),  # rate 0: the tax must round to 0
        ("0.50", "100.00", "0", False),
        ("0.00", "100.00", None, True),
        ("1.00", "100.00", None, False),
    ],
)
def test_tax_amount_acceptable_follows_br_co_17(
    stated: str, taxable: str, rate: str | None, ok: bool
) -> None:
    assert tax_amount_acceptable(D(stated), D(taxable), None if rate is None else D(rate)) is ok
