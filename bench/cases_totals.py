"""Benchmark cases for money and totals: how fast derived amounts are recomputed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bench import Case

from einvoice.model import (
    AllowanceCharge,
    Invoice,
    Line,
    Party,
    TaxType,
    Totals,
    VatCategory,
    Withholding,
)
from einvoice.money import format_amount, parse_amount
from einvoice.totals import compute, expected

ZERO = Decimal(0)


def _invoice(count: int) -> Invoice:
    """A typical Spanish invoice: mixed IVA rates, line discounts, IRPF, a general discount."""
    rates = (Decimal(21), Decimal(10), Decimal(4), Decimal(0))
    lines = tuple(
        Line(
            id=str(i + 1),
            name=f"Artículo {i + 1}",
            quantity=Decimal(i % 7 + 1),
            net_price=Decimal("12.345") + i,
            net_amount=ZERO,
            vat_category=VatCategory.STANDARD if rates[i % 4] else VatCategory.ZERO_RATED,
            vat_rate=rates[i % 4],
            allowances_charges=(
                (AllowanceCharge(is_charge=False, amount=ZERO, percent=Decimal(5)),)
                if i % 3 == 0
                else ()
            ),
            withholdings=(
                Withholding(tax_type=TaxType.IRPF, rate=Decimal(15), base=ZERO, amount=ZERO),
            ),
        )
        for i in range(count)
    )
    return Invoice(
        number="1",
        issue_date=dt.date(2026, 1, 1),
        seller=Party(name="Seller", tax_id="ESB12345674"),
        buyer=Party(name="Buyer", tax_id="ESA58818501"),
        lines=lines,
        allowances_charges=(
            AllowanceCharge(
                is_charge=False,
                amount=ZERO,
                percent=Decimal(2),
                vat_category=VatCategory.STANDARD,
                vat_rate=Decimal(21),
            ),
        ),
        totals=Totals(
            line_net_total=ZERO,
            tax_exclusive=ZERO,
            vat_total=ZERO,
            tax_inclusive=ZERO,
            payable=ZERO,
        ),
    )


def cases() -> list[Case]:
    small, large = _invoice(5), _invoice(500)
    computed = compute(large)
    texts = [f"{Decimal(i) * Decimal('1.37'):f}" for i in range(1000)]
    values = [Decimal(t) for t in texts]
    return [
        Case("totals", "compute, 5-line invoice", lambda: compute(small), unit="invoices"),
        Case("totals", "compute, 500-line invoice", lambda: compute(large), unit="invoices"),
        Case(
            "totals",
            "expected (stated lines), 500-line invoice",
            lambda: expected(computed, recompute_lines=False),
            unit="invoices",
        ),
        Case(
            "money",
            "parse_amount x1000",
            lambda: [parse_amount(t) for t in texts],
            units=1000,
            unit="amounts",
        ),
        Case(
            "money",
            "format_amount es x1000",
            lambda: [format_amount(v) for v in values],
            units=1000,
            unit="amounts",
        ),
    ]
