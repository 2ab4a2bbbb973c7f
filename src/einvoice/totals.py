"""Derived amounts of an invoice: line net amounts, tax breakdown, withholdings and totals.

A user (or an ERP) types quantities, prices, allowances/charges, tax categories and rates;
everything else on an invoice follows from those by arithmetic that EN 16931 and Facturae
fix.  :func:`compute` returns the invoice with all of it recomputed; :func:`expected` returns
only the totals and breakdown, for validators that compare them with what a received
document states.

The arithmetic, rule by rule (EN 16931-1:2017 business rules, Facturae 3.2.2 XSD annotations):

Lines
    BT-131 line net amount = round(BT-129 quantity x BT-146 net price / BT-149 base
    quantity) - Σ BT-136 line allowances + Σ BT-141 line charges (PEPPOL-EN16931-R120;
    Facturae ``GrossAmount`` = ``TotalCost`` - discounts + charges).  An allowance/charge
    given as a percentage gets its amount recomputed as round(base x % / 100)
    (PEPPOL-EN16931-R040 and R039 for document level), its base defaulting to the line's
    quantity x price (line level) or to BT-106 (document level, the Facturae
    ``GeneralDiscounts`` base "Total Gross Amount").

Tax breakdown (BG-23, Facturae ``TaxesOutputs``)
    One row per (tax type, category, rate, equivalence-surcharge rate).  BT-116 taxable
    amount = Σ line nets - Σ document allowances + Σ document charges of that row
    (BR-S-08, BR-Z-08, BR-E-08, BR-AE-08, BR-IC-08, BR-G-08, BR-O-08, BR-AF-08 (IGIC),
    BR-AG-08 (IPSI)).  BT-117 tax amount = round(taxable x rate / 100), rounded **once per
    row**, not per line (BR-S-09, BR-AF-09, BR-AG-09; BR-CO-17 accepts a stated BT-117
    that differs from that by less than one currency unit, see
    :func:`tax_amount_acceptable`); categories Z, E, AE, K, G carry rate 0 and O no rate, so
    their tax is 0 (BR-Z-09, BR-E-09, BR-AE-09, BR-IC-09, BR-G-09, BR-O-09).  The equivalence
    surcharge (*recargo de equivalencia*, Ley 37/1992 del IVA arts. 154-163) is computed the
    same way on the same base: round(taxable x surcharge rate / 100).  Exemption reasons
    (BT-120/BT-121) are carried from the lines into their row: EN 16931 allows one row per
    category and rate, so different reasons of one row are joined with "; ".

Withholdings (Facturae ``TaxesWithheld``, IRPF …; no EN 16931 term)
    Each line withholding gets base = line net and amount = round(base x rate / 100); the
    invoice-level ones are grouped by (tax type, rate) over the lines, amount rounded once
    per group.  When *every* line bears a withholding, document allowances and charges also
    change its base (the fawno sample: 1,212.00 - 4 % general discount = 1,163.52 IRPF base):
    IRPF is levied on the *base imponible*, which includes general discounts.  When no line
    carries withholdings the invoice-level ones are inputs: their base is kept and only the
    amount is recomputed.

Totals (BG-22, Facturae ``InvoiceTotals``)
    BT-106 = Σ BT-131 (BR-CO-10; Facturae ``TotalGrossAmount``);
    BT-107 = Σ BT-92 (BR-CO-11; ``TotalGeneralDiscounts``);
    BT-108 = Σ BT-99 (BR-CO-12; ``TotalGeneralSurcharges``);
    BT-109 = BT-106 - BT-107 + BT-108 (BR-CO-13; ``TotalGrossAmountBeforeTaxes``);
    BT-110 ``vat_total`` = Σ BT-117 + ``surcharge_total``, i.e. Facturae ``TotalTaxOutputs``
    ("Sum of different fields Tax Amounts + Total Equivalence Surcharges"), as
    ``model.Totals.vat_total`` documents it; without surcharge this is exactly BR-CO-14.
    With surcharge the pure EN 16931 BT-110 is ``vat_total - surcharge_total``, which is
    what the UBL and CII renderers write (the surcharge is not VAT and cannot be a BG-23
    row);
    BT-112 = BT-109 + ``vat_total`` (BR-CO-15 without surcharge; Facturae ``InvoiceTotal``
    + withheld taxes in every case);
    ``withheld_total`` = Σ invoice withholdings (``TotalTaxesWithheld``);
    BT-115 payable = BT-112 - BT-113 prepaid + BT-114 rounding - ``withheld_total`` -
    ``amounts_withheld`` + ``reimbursable_total``.

    The last formula is Facturae's ``TotalExecutableAmount`` written over our terms.  The
    3.2.2 XSD defines ``InvoiceTotal`` = ``TotalGrossAmountBeforeTaxes`` + ``TotalTaxOutputs``
    - ``TotalTaxesWithheld`` (i.e. BT-112 - withheld, :attr:`Totals.invoice_total`),
    ``TotalOutstandingAmount`` = ``InvoiceTotal`` - (subsidies + ``TotalPaymentsOnAccount``)
    and ``TotalExecutableAmount`` = ``TotalOutstandingAmount`` - ``WithholdingAmount``
    (guarantee retentions, our ``amounts_withheld``) - payment in kind + reimbursable
    expenses (+ financial expenses).  The corpus confirms it: omeuid 3.2.2-valid
    59.75 + 8.67 - 2.39 = 66.03; txerpa 1,250.00 + 262.50 - 187.50 = 1,325.00; haltr
    amounts-withheld 50,059.38 - 4,678.45 = 45,380.93.  (gobl's invoice-vat-irpf writes an
    ``InvoiceTotal`` *before* withholding and subtracts it in ``TotalOutstandingAmount``; the
    executable amount is the same, but that ``InvoiceTotal`` contradicts the XSD.)  In UBL and
    CII, where BT-115 = BT-112 - BT-113 + BT-114 (BR-CO-16), the format packages carry
    withheld taxes and guarantee retentions inside BT-113 so both formulas agree.

Amounts are rounded to the invoice currency's ISO 4217 minor units (2 for EUR, 0 for JPY)
with :func:`einvoice.money.round_amount` (half up).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from decimal import ROUND_FLOOR, Decimal

from einvoice.errors import EInvoiceError, RuleViolation
from einvoice.model import (
    ZERO,
    AllowanceCharge,
    Invoice,
    Line,
    TaxType,
    Totals,
    VatBreakdown,
    VatCategory,
    Withholding,
)
from einvoice.money import minor_units, round_amount

__all__ = [
    "TaxKey",
    "compute",
    "compute_line",
    "expected",
    "line_net_amount",
    "tax_amount_acceptable",
]

HUNDRED = Decimal(100)

TaxKey = tuple[TaxType, VatCategory, Decimal | None, Decimal | None]
"""Identity of a breakdown row: (tax type, category, rate, equivalence-surcharge rate)."""

_RATE_LESS = frozenset({VatCategory.NOT_SUBJECT})
"""Categories that carry no rate at all (BR-O-05: category O lines have no BT-152)."""


def _rate_of(category: VatCategory, rate: Decimal | None) -> Decimal | None:
    """The rate a row of ``category`` carries: none for O, 0 when a rated category left it empty."""
    if category in _RATE_LESS:
        return None
    return rate if rate is not None else ZERO


def _percent_of(base: Decimal, percent: Decimal | None, places: int) -> Decimal:
    return round_amount(base * (percent or ZERO) / HUNDRED, places)


def _recompute_allowance(
    ac: AllowanceCharge, default_base: Decimal, places: int
) -> AllowanceCharge:
    """An allowance/charge with its amount recomputed when it is given as a percentage.

    Amount = round(base x percentage / 100) (PEPPOL-EN16931-R039/R040 for document level,
    R041/R042 line level); the base defaults to ``default_base`` and is then written in, so
    the output states what the percentage applied to.  Plain amounts are inputs: unchanged.
    """
    if ac.percent is None:
        return ac
    base = ac.base_amount if ac.base_amount is not None else round_amount(default_base, places)
    return dataclasses.replace(ac, base_amount=base, amount=_percent_of(base, ac.percent, places))


def _extended_amount(line: Line) -> Decimal:
    """Quantity x net price / base quantity, unrounded (Facturae ``TotalCost``)."""
    base_quantity = line.base_quantity if line.base_quantity else Decimal(1)
    return line.quantity * line.net_price / base_quantity


def line_net_amount(line: Line, *, places: int = 2) -> Decimal:
    """BT-131 from what the user typed: see :func:`compute_line` (PEPPOL-EN16931-R120)."""
    return compute_line(line, places=places).net_amount


def compute_line(line: Line, *, places: int = 2) -> Line:
    """The line with BT-131, its percentage allowances/charges and its withholdings recomputed.

    BT-131 = round(BT-129 x BT-146 / BT-149, ``places``) - Σ BT-136 + Σ BT-141.  The product is
    rounded before allowances are subtracted because allowance amounts are themselves
    rounded amounts (BR-DEC-24/27) and BT-131 must equal their exact difference.
    """
    extended = round_amount(_extended_amount(line), places)
    acs = tuple(_recompute_allowance(ac, extended, places) for ac in line.allowances_charges)
    net = extended
    for ac in acs:
        net = net + ac.amount if ac.is_charge else net - ac.amount
    net = round_amount(net, places)
    withholdings = tuple(
        dataclasses.replace(w, base=net, amount=_percent_of(net, w.rate, places))
        for w in line.withholdings
    )
    return dataclasses.replace(
        line, net_amount=net, allowances_charges=acs, withholdings=withholdings
    )


def _missing_category(ac: AllowanceCharge, index: int) -> EInvoiceError:
    what = "charge" if ac.is_charge else "allowance"
    que = "cargo" if ac.is_charge else "descuento"
    rule = "BR-37" if ac.is_charge else "BR-32"
    return RuleViolation.single(
        rule,
        f"Document level {what} no. {index + 1} ('{ac.reason or ac.amount}') has no VAT "
        "category, so the tax it changes cannot be computed.",
        f"El {que} general n.º {index + 1} ('{ac.reason or ac.amount}') no indica la "
        "categoría de IVA, por lo que no se puede calcular el impuesto al que afecta.",
        location=f"BG-{21 if ac.is_charge else 20}[{index + 1}]/BT-{102 if ac.is_charge else 95}",
    )


@dataclasses.dataclass(slots=True)
class _Row:
    """Accumulator for one breakdown row."""

    key: TaxKey
    rate: Decimal | None
    surcharge_rate: Decimal | None
    taxable: Decimal = ZERO
    reasons: list[str] = dataclasses.field(default_factory=list)
    codes: list[str] = dataclasses.field(default_factory=list)

    def add_reason(self, reason: str, code: str) -> None:
        if reason and reason not in self.reasons:
            self.reasons.append(reason)
        if code and code not in self.codes:
            self.codes.append(code)


def _line_key(line: Line) -> TaxKey:
    rate = _rate_of(line.vat_category, line.vat_rate)
    # Decimal hashes and compares by value, so 21, 21.0 and 21.00 make one row.
    return (line.tax_type, line.vat_category, rate, line.surcharge_rate)


def _row_for_allowance(
    rows: dict[TaxKey, _Row], ac: AllowanceCharge, index: int, lines: Sequence[Line]
) -> _Row:
    """The breakdown row a document allowance/charge belongs to.

    An allowance/charge states tax type, category and rate (BT-95/BT-96) but no equivalence
    surcharge rate.  It joins the one row with that tax, category and rate (a retailer under
    the surcharge regime whose every line bears it gets the discount off the surcharge base
    too); when several rows share them, the one without surcharge, else the first; when none
    exists a new row without surcharge is opened.  Without a category it may only go to the
    single tax/category/rate of the invoice, otherwise BR-32/BR-37 apply.
    """
    category = ac.vat_category
    if category is None:
        keys = {(k[0], k[1], k[2]) for k in rows}
        if len(keys) != 1 or not lines:
            raise _missing_category(ac, index)
        tax_type, category, rate = next(iter(keys))
    else:
        tax_type, rate = ac.tax_type, _rate_of(category, ac.vat_rate)
    matches = [r for k, r in rows.items() if k[:3] == (tax_type, category, rate)]
    if matches:
        plain = [r for r in matches if r.surcharge_rate is None]
        return plain[0] if plain else matches[0]
    key: TaxKey = (tax_type, category, rate, None)
    row = _Row(key=key, rate=rate, surcharge_rate=None)
    rows[key] = row
    return row


def _breakdown(
    lines: Sequence[Line], allowances: Sequence[AllowanceCharge], places: int
) -> tuple[VatBreakdown, ...]:
    rows: dict[TaxKey, _Row] = {}
    for line in lines:
        key = _line_key(line)
        row = rows.get(key)
        if row is None:
            row = _Row(
                key=key,
                rate=_rate_of(line.vat_category, line.vat_rate),
                surcharge_rate=line.surcharge_rate,
            )
            rows[key] = row
        row.taxable += line.net_amount
        row.add_reason(line.exemption_reason, line.exemption_code)
    for index, ac in enumerate(allowances):
        row = _row_for_allowance(rows, ac, index, lines)
        row.taxable += ac.amount if ac.is_charge else -ac.amount
    out: list[VatBreakdown] = []
    for row in rows.values():
        tax_type, category = row.key[0], row.key[1]
        taxable = round_amount(row.taxable, places)
        surcharge = (
            None if row.surcharge_rate is None else _percent_of(taxable, row.surcharge_rate, places)
        )
        out.append(
            VatBreakdown(
                category=category,
                rate=row.rate,
                taxable_amount=taxable,
                tax_amount=_percent_of(taxable, row.rate, places),
                exemption_reason="; ".join(row.reasons),
                exemption_code=row.codes[0] if row.codes else "",
                tax_type=tax_type,
                surcharge_rate=row.surcharge_rate,
                surcharge_amount=surcharge,
            )
        )
    return tuple(out)


def _withholdings(
    invoice: Invoice, lines: Sequence[Line], doc_adjustment: Decimal, places: int
) -> tuple[Withholding, ...]:
    """Invoice-level withholdings: grouped from the lines, or kept (amount recomputed)."""
    if not any(line.withholdings for line in lines):
        return tuple(
            dataclasses.replace(w, amount=_percent_of(w.base, w.rate, places))
            for w in invoice.withholdings
        )
    bases: dict[tuple[TaxType, Decimal], Decimal] = {}
    rates: dict[tuple[TaxType, Decimal], Decimal] = {}
    bearing: dict[tuple[TaxType, Decimal], int] = {}
    for line in lines:
        for w in line.withholdings:
            key = (w.tax_type, w.rate)  # Decimal hashes by value: 15 and 15.00 group together
            bases[key] = bases.get(key, ZERO) + w.base
            rates.setdefault(key, w.rate)
            bearing[key] = bearing.get(key, 0) + 1
    out: list[Withholding] = []
    for key, base in bases.items():
        if bearing[key] == len(lines):
            base += doc_adjustment
        base = round_amount(base, places)
        rate = rates[key]
        out.append(
            Withholding(
                tax_type=key[0], rate=rate, base=base, amount=_percent_of(base, rate, places)
            )
        )
    return tuple(out)


def _xpath_round(value: Decimal) -> Decimal:
    """XPath ``round()``: nearest integer, halves towards positive infinity."""
    return (value + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR)


def tax_amount_acceptable(
    tax_amount: Decimal, taxable_amount: Decimal, rate: Decimal | None
) -> bool:
    """Whether a *stated* BT-117 passes BR-CO-17 against its BT-116 and BT-119.

    The official CEN artefacts (1.3.16) do not demand the exact rounded product: they accept
    any BT-117 with ``|BT-117| - 1 < round(|BT-116| x BT-119 / 100, 2) < |BT-117| + 1``, i.e. a
    difference of less than one currency unit (the UBL artefact; the CII one also accepts
    exactly one), which is what lets HUF invoices round VAT to whole forints.  A rate that
    rounds to 0, or no rate (category O), requires a tax amount that rounds to 0.  Our own
    :func:`compute` always produces the exact rounded product; this is for checking what
    others send.
    """
    if rate is None or _xpath_round(rate) == 0:
        return _xpath_round(tax_amount) == 0
    computed = round_amount(abs(taxable_amount) * rate / HUNDRED, 2)
    return abs(tax_amount) - 1 < computed < abs(tax_amount) + 1


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def _derive(
    invoice: Invoice, lines: Sequence[Line], allowances: Sequence[AllowanceCharge]
) -> tuple[Totals, tuple[VatBreakdown, ...], tuple[Withholding, ...]]:
    places = minor_units(invoice.currency)
    breakdown = _breakdown(lines, allowances, places)
    line_total = round_amount(_sum(line.net_amount for line in lines), places)
    allowance_total = round_amount(_sum(a.amount for a in allowances if not a.is_charge), places)
    charge_total = round_amount(_sum(a.amount for a in allowances if a.is_charge), places)
    tax_exclusive = line_total - allowance_total + charge_total
    surcharge_total = _sum(row.surcharge_amount or ZERO for row in breakdown)
    vat_total = _sum(row.tax_amount for row in breakdown) + surcharge_total
    withholdings = _withholdings(invoice, lines, charge_total - allowance_total, places)
    withheld_total = _sum(w.amount for w in withholdings)
    tax_inclusive = tax_exclusive + vat_total
    given = invoice.totals
    payable = (
        tax_inclusive
        - given.prepaid
        + given.rounding
        - withheld_total
        - given.amounts_withheld
        + given.reimbursable_total
    )
    totals = dataclasses.replace(
        given,
        line_net_total=line_total,
        allowance_total=allowance_total,
        charge_total=charge_total,
        tax_exclusive=round_amount(tax_exclusive, places),
        vat_total=round_amount(vat_total, places),
        tax_inclusive=round_amount(tax_inclusive, places),
        payable=round_amount(payable, places),
        withheld_total=round_amount(withheld_total, places),
        surcharge_total=round_amount(surcharge_total, places),
    )
    return totals, breakdown, withholdings


def _document_allowances(
    invoice: Invoice, lines: Sequence[Line], places: int
) -> tuple[AllowanceCharge, ...]:
    line_total = _sum(line.net_amount for line in lines)
    return tuple(_recompute_allowance(ac, line_total, places) for ac in invoice.allowances_charges)


def expected(
    invoice: Invoice, *, recompute_lines: bool = True
) -> tuple[Totals, tuple[VatBreakdown, ...]]:
    """The totals (BG-22) and tax breakdown (BG-23) the invoice's inputs imply.

    With ``recompute_lines`` (the default) line net amounts are first recomputed from
    quantities and prices, as :func:`compute` does.  Validators of received documents pass
    ``recompute_lines=False`` to take each BT-131 and allowance amount as the document states
    it, which is what BR-CO-10 … BR-CO-17 are checked against.  Fields that are inputs
    (BT-113 prepaid, BT-114 rounding, BT-111, guarantee retentions, reimbursable expenses)
    are copied from ``invoice.totals``.
    """
    totals, breakdown, _, _, _ = _derive_all(invoice, recompute_lines=recompute_lines)
    return totals, breakdown


def _derive_all(
    invoice: Invoice, *, recompute_lines: bool
) -> tuple[
    Totals,
    tuple[VatBreakdown, ...],
    tuple[Withholding, ...],
    tuple[Line, ...],
    tuple[AllowanceCharge, ...],
]:
    places = minor_units(invoice.currency)
    if recompute_lines:
        lines = tuple(compute_line(line, places=places) for line in invoice.lines)
        allowances = _document_allowances(invoice, lines, places)
    else:
        lines, allowances = invoice.lines, invoice.allowances_charges
    totals, breakdown, withholdings = _derive(invoice, lines, allowances)
    return totals, breakdown, withholdings, lines, allowances


def compute(invoice: Invoice) -> Invoice:
    """A copy of ``invoice`` with every derived amount recomputed from the typed inputs.

    Recomputed: each line's BT-131, percentage allowances/charges (line and document level)
    and line withholdings; the BG-23 breakdown with equivalence surcharges and exemption
    reasons; invoice withholdings; every BG-22 total.  Kept as typed: quantities, prices,
    rates, plain allowance/charge amounts, BT-113 prepaid, BT-114 rounding, guarantee
    retentions and reimbursable expenses.  Raises :class:`~einvoice.errors.RuleViolation`
    (BR-32 / BR-37) when a document allowance/charge has no VAT category and the invoice has
    more than one tax rate, because its effect on the tax cannot be known.
    """
    totals, breakdown, withholdings, lines, allowances = _derive_all(invoice, recompute_lines=True)
    return dataclasses.replace(
        invoice,
        lines=lines,
        allowances_charges=allowances,
        totals=totals,
        vat_breakdown=breakdown,
        withholdings=withholdings,
    )
