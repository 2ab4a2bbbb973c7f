"""Credit notes and Facturae corrective invoices: the same money with opposite signs.

EN 16931 states a credit (BT-3 381, UBL ``CreditNote``) with positive amounts; Facturae has
no credit note and states the same credit as a corrective invoice (``InvoiceClass`` OR)
whose amounts are negative (*rectificación por diferencias*).  :func:`negated` turns one
into the other; applying it twice gives the invoice back exactly (``Decimal`` negation is
exact, and ``0 - x`` never yields a negative zero).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from einvoice.model import (
    ZERO,
    AllowanceCharge,
    DocumentKind,
    Instalment,
    Invoice,
    Line,
    Totals,
    VatBreakdown,
    Withholding,
)


def _neg(value: Decimal) -> Decimal:
    return ZERO - value


def _opt(value: Decimal | None) -> Decimal | None:
    return None if value is None else _neg(value)


def _ac(ac: AllowanceCharge) -> AllowanceCharge:
    return replace(ac, amount=_neg(ac.amount), base_amount=_opt(ac.base_amount))


def _wh(w: Withholding) -> Withholding:
    return replace(w, base=_neg(w.base), amount=_neg(w.amount))


def _line(line: Line) -> Line:
    return replace(
        line,
        quantity=_neg(line.quantity),
        net_amount=_neg(line.net_amount),
        allowances_charges=tuple(_ac(ac) for ac in line.allowances_charges),
        withholdings=tuple(_wh(w) for w in line.withholdings),
    )


def _row(row: VatBreakdown) -> VatBreakdown:
    return replace(
        row,
        taxable_amount=_neg(row.taxable_amount),
        tax_amount=_neg(row.tax_amount),
        surcharge_amount=_opt(row.surcharge_amount),
    )


def _totals(t: Totals) -> Totals:
    return replace(
        t,
        line_net_total=_neg(t.line_net_total),
        allowance_total=_neg(t.allowance_total),
        charge_total=_neg(t.charge_total),
        tax_exclusive=_neg(t.tax_exclusive),
        vat_total=_neg(t.vat_total),
        vat_total_tax_currency=_opt(t.vat_total_tax_currency),
        tax_inclusive=_neg(t.tax_inclusive),
        prepaid=_neg(t.prepaid),
        rounding=_neg(t.rounding),
        payable=_neg(t.payable),
        withheld_total=_neg(t.withheld_total),
        surcharge_total=_neg(t.surcharge_total),
        reimbursable_total=_neg(t.reimbursable_total),
        amounts_withheld=_neg(t.amounts_withheld),
    )


def _instalment(i: Instalment) -> Instalment:
    return replace(i, amount=_neg(i.amount))


def negated(invoice: Invoice, *, kind: DocumentKind, type_code: str) -> Invoice:
    """``invoice`` with every amount and quantity negated (prices and rates unchanged)."""
    return replace(
        invoice,
        kind=kind,
        type_code=type_code,
        lines=tuple(_line(line) for line in invoice.lines),
        allowances_charges=tuple(_ac(ac) for ac in invoice.allowances_charges),
        vat_breakdown=tuple(_row(row) for row in invoice.vat_breakdown),
        withholdings=tuple(_wh(w) for w in invoice.withholdings),
        totals=_totals(invoice.totals),
        instalments=tuple(_instalment(i) for i in invoice.instalments),
    )


def is_credit(invoice: Invoice) -> bool:
    """A Facturae corrective whose totals are all credits (read as an EN 16931 credit note)."""
    t = invoice.totals
    return invoice.correction is not None and t.tax_exclusive < 0 and t.invoice_total <= 0


def as_credit_note(invoice: Invoice) -> Invoice:
    """A negative Facturae corrective as the EN 16931 credit note (381) it means."""
    return negated(invoice, kind=DocumentKind.CREDIT_NOTE, type_code="381")


def as_facturae(invoice: Invoice) -> Invoice:
    """An EN 16931 credit note as the negative Facturae corrective it is written as."""
    if invoice.kind is not DocumentKind.CREDIT_NOTE:
        return invoice
    return negated(invoice, kind=DocumentKind.INVOICE, type_code="384")
