"""The figures behind an official arithmetic rule, added to its message.

The official artefacts say *which* equation failed ("BT-106 = Σ BT-131"), not with which
numbers.  :func:`with_figures` appends, in English and Spanish, the amounts the document
states and the amount the rule expects, read from the parsed canonical invoice, so a
bookkeeper sees at once which total is off and by how much.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from decimal import Decimal

from einvoice.errors import Violation
from einvoice.model import ZERO, Invoice, VatCategory

__all__ = ["has_figures", "with_figures"]

_Figures = Callable[[Invoice], tuple[str, str] | None]


def _n(value: Decimal) -> str:
    return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else f"{value.normalize():f}"


def _pair(stated: Decimal, expected: Decimal, what: str, what_es: str, cur: str) -> tuple[str, str]:
    diff = stated - expected
    return (
        f"The invoice states {what} = {_n(stated)} {cur}, but the rule expects {_n(expected)} "
        f"{cur} (difference {_n(diff)}).",
        f"La factura indica {what_es} = {_n(stated)} {cur}, pero la regla espera "
        f"{_n(expected)} {cur} (diferencia {_n(diff)}).",
    )


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def _co10(inv: Invoice) -> tuple[str, str]:
    expected = _sum(line.net_amount for line in inv.lines)
    en, es = _pair(inv.totals.line_net_total, expected, "BT-106", "BT-106", inv.currency)
    return (
        f"{en} The {len(inv.lines)} line net amounts (BT-131) add up to {_n(expected)}.",
        f"{es} Los importes netos de las {len(inv.lines)} líneas (BT-131) suman {_n(expected)}.",
    )


def _co11(inv: Invoice) -> tuple[str, str]:
    expected = _sum(a.amount for a in inv.allowances_charges if not a.is_charge)
    return _pair(inv.totals.allowance_total, expected, "BT-107", "BT-107", inv.currency)


def _co12(inv: Invoice) -> tuple[str, str]:
    expected = _sum(a.amount for a in inv.allowances_charges if a.is_charge)
    return _pair(inv.totals.charge_total, expected, "BT-108", "BT-108", inv.currency)


def _co13(inv: Invoice) -> tuple[str, str]:
    t = inv.totals
    expected = t.line_net_total - t.allowance_total + t.charge_total
    return _pair(t.tax_exclusive, expected, "BT-109", "BT-109", inv.currency)


def _co14(inv: Invoice) -> tuple[str, str]:
    expected = _sum(r.tax_amount for r in inv.vat_breakdown)
    return _pair(inv.totals.vat_total, expected, "BT-110", "BT-110", inv.currency)


def _co15(inv: Invoice) -> tuple[str, str]:
    t = inv.totals
    return _pair(t.tax_inclusive, t.tax_exclusive + t.vat_total, "BT-112", "BT-112", inv.currency)


def _co16(inv: Invoice) -> tuple[str, str]:
    t = inv.totals
    expected = t.tax_inclusive - t.prepaid + t.rounding
    return _pair(t.payable, expected, "BT-115", "BT-115", inv.currency)


def _rows(inv: Invoice, *, category: VatCategory | None) -> tuple[str, str] | None:
    """Per VAT rate: stated taxable amount and tax against lines ± allowances/charges."""
    parts_en: list[str] = []
    parts_es: list[str] = []
    for row in inv.vat_breakdown:
        if category is not None and row.category is not category:
            continue
        rate = row.rate if row.rate is not None else ZERO
        lines = _sum(
            line.net_amount
            for line in inv.lines
            if line.vat_category is row.category and (line.vat_rate or ZERO) == rate
        )
        acs = _sum(
            (a.amount if a.is_charge else -a.amount)
            for a in inv.allowances_charges
            if a.vat_category is row.category and (a.vat_rate or ZERO) == rate
        )
        tax = (row.taxable_amount * rate / 100).quantize(Decimal("0.01"))
        parts_en.append(
            f"{row.category} {_n(rate)} %: taxable amount (BT-116) {_n(row.taxable_amount)}, "
            f"lines and allowances/charges give {_n(lines + acs)}; tax (BT-117) "
            f"{_n(row.tax_amount)}, {_n(rate)} % of the taxable amount is {_n(tax)}"
        )
        parts_es.append(
            f"{row.category} {_n(rate)} %: base (BT-116) {_n(row.taxable_amount)}, las líneas "
            f"y descuentos/cargos dan {_n(lines + acs)}; cuota (BT-117) {_n(row.tax_amount)}, "
            f"el {_n(rate)} % de la base es {_n(tax)}"
        )
    if not parts_en:
        return None
    return (
        f"Figures in {inv.currency}: " + "; ".join(parts_en) + ".",
        f"Cifras en {inv.currency}: " + "; ".join(parts_es) + ".",
    )


_RULES: dict[str, _Figures] = {
    "BR-CO-10": _co10,
    "BR-CO-11": _co11,
    "BR-CO-12": _co12,
    "BR-CO-13": _co13,
    "BR-CO-14": _co14,
    "BR-CO-15": _co15,
    "BR-CO-16": _co16,
    "BR-CO-17": functools.partial(_rows, category=None),
}
for _prefix, _category in (
    ("BR-S", VatCategory.STANDARD),
    ("BR-Z", VatCategory.ZERO_RATED),
    ("BR-E", VatCategory.EXEMPT),
    ("BR-AE", VatCategory.REVERSE_CHARGE),
    ("BR-IC", VatCategory.INTRA_COMMUNITY),
    ("BR-G", VatCategory.EXPORT),
    ("BR-O", VatCategory.NOT_SUBJECT),
    ("BR-AF", VatCategory.CANARY_IGIC),
    ("BR-AG", VatCategory.CEUTA_MELILLA_IPSI),
):
    for _suffix in ("08", "09"):
        _RULES[f"{_prefix}-{_suffix}"] = functools.partial(_rows, category=_category)


def has_figures(rule: str) -> bool:
    """Whether :func:`with_figures` adds anything to a violation of ``rule``."""
    return rule in _RULES


def with_figures(violation: Violation, invoice: Invoice) -> Violation:
    """``violation`` with the figures of ``invoice`` appended, for the arithmetic rules."""
    figures = _RULES.get(violation.rule)
    if figures is None:
        return violation
    found = figures(invoice)
    if found is None:
        return violation
    en, es = found
    return dataclasses.replace(
        violation,
        message=f"{violation.message} {en}",
        message_es=f"{violation.message_es or violation.message} {es}",
    )
