"""The figures behind an official rule, added to its message.

The official artefacts say *which* rule failed ("BT-106 = Σ BT-131"), not with which
values.  :func:`with_figures` appends, in English and Spanish, what the document states and
what the rule expects, read from the parsed canonical invoice, so a bookkeeper sees at once
which total is off and by how much, which line has the wrong rate, which amount has too many
decimals, or which element is missing.  Covered: the arithmetic rules (BR-CO-10 … 17 and
each category's -08/-09), the rate rules of every VAT category (-05 lines, -06 allowances,
-07 charges), BR-DEC decimals, the mandatory-element rules BR-01 … BR-16 (the element named
in UBL and CII), BR-27/28 negative prices, BR-CO-09 VAT identifier prefixes, BR-CO-18,
BR-CO-25 and Peppol's line arithmetic PEPPOL-EN16931-R120.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from decimal import Decimal

from einvoice.errors import Violation
from einvoice.model import ZERO, AllowanceCharge, Invoice, VatCategory

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


def _rate(value: Decimal | None) -> str:
    return "none" if value is None else f"{_n(value)} %"


def _rate_es(value: Decimal | None) -> str:
    return "ninguno" if value is None else f"{_n(value)} %"


def _line_rates(inv: Invoice, *, category: VatCategory) -> tuple[str, str] | None:
    """-05: the rate of every line of the category."""
    lines = [ln for ln in inv.lines if ln.vat_category is category][:10]
    if not lines:
        return None
    en = ", ".join(f"line {ln.id} {_rate(ln.vat_rate)}" for ln in lines)
    es = ", ".join(f"línea {ln.id} {_rate_es(ln.vat_rate)}" for ln in lines)
    return (
        f"VAT rate (BT-152) of the lines in category {category}: {en}.",
        f"Tipo de IVA (BT-152) de las líneas de categoría {category}: {es}.",
    )


def _ac_rates(inv: Invoice, *, category: VatCategory, charge: bool) -> tuple[str, str] | None:
    """-06 / -07: the rate of every document-level allowance (charge) of the category."""
    entries: list[AllowanceCharge] = [
        a for a in inv.allowances_charges if a.is_charge is charge and a.vat_category is category
    ][:10]
    if not entries:
        return None
    term = "BT-103" if charge else "BT-96"
    what_en, what_es = ("charge", "cargo") if charge else ("allowance", "descuento")
    en = ", ".join(f"{_n(a.amount)} {inv.currency} at {_rate(a.vat_rate)}" for a in entries)
    es = ", ".join(f"{_n(a.amount)} {inv.currency} al {_rate_es(a.vat_rate)}" for a in entries)
    return (
        f"Document-level {what_en}s in category {category} and their VAT rate ({term}): {en}.",
        f"{what_es.capitalize()}s del documento de categoría {category} y su tipo de IVA "
        f"({term}): {es}.",
    )


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _decimals(inv: Invoice) -> tuple[str, str] | None:
    """BR-DEC-*: every amount of the invoice with more than two decimals."""
    t = inv.totals
    named: list[tuple[str, Decimal]] = [
        ("BT-106", t.line_net_total),
        ("BT-107", t.allowance_total),
        ("BT-108", t.charge_total),
        ("BT-109", t.tax_exclusive),
        ("BT-110", t.vat_total),
        ("BT-112", t.tax_inclusive),
        ("BT-113", t.prepaid),
        ("BT-114", t.rounding),
        ("BT-115", t.payable),
    ]
    named += [("BT-92/BT-99", a.amount) for a in inv.allowances_charges]
    named += [("BT-116", r.taxable_amount) for r in inv.vat_breakdown]
    named += [("BT-117", r.tax_amount) for r in inv.vat_breakdown]
    named += [(f"BT-131 (line {ln.id})", ln.net_amount) for ln in inv.lines]
    found = [f"{term} = {value:f}" for term, value in named if _places(value) > 2][:10]
    if not found:
        return None
    joined = ", ".join(found)
    return (
        f"Amounts with more than two decimals: {joined}.",
        f"Importes con más de dos decimales: {joined.replace('line', 'línea')}.",
    )


_ELEMENTS: dict[str, tuple[str, str, str, str]] = {
    "BR-01": ("BT-24", "specification identifier", "cbc:CustomizationID",
              "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"),
    "BR-02": ("BT-1", "invoice number", "cbc:ID", "rsm:ExchangedDocument/ram:ID"),
    "BR-03": ("BT-2", "issue date", "cbc:IssueDate",
              "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString"),
    "BR-04": ("BT-3", "invoice type code", "cbc:InvoiceTypeCode / cbc:CreditNoteTypeCode",
              "rsm:ExchangedDocument/ram:TypeCode"),
    "BR-05": ("BT-5", "invoice currency code", "cbc:DocumentCurrencyCode",
              "ram:ApplicableHeaderTradeSettlement/ram:InvoiceCurrencyCode"),
    "BR-06": ("BT-27", "seller name",
              "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
              "ram:SellerTradeParty/ram:Name"),
    "BR-07": ("BT-44", "buyer name",
              "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
              "ram:BuyerTradeParty/ram:Name"),
    "BR-08": ("BG-5", "seller postal address",
              "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress",
              "ram:SellerTradeParty/ram:PostalTradeAddress"),
    "BR-09": ("BT-40", "seller country code",
              "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/"
              "cbc:IdentificationCode",
              "ram:SellerTradeParty/ram:PostalTradeAddress/ram:CountryID"),
    "BR-10": ("BG-8", "buyer postal address",
              "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress",
              "ram:BuyerTradeParty/ram:PostalTradeAddress"),
    "BR-11": ("BT-55", "buyer country code",
              "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/"
              "cbc:IdentificationCode",
              "ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CountryID"),
    "BR-12": ("BT-106", "sum of line net amounts", "cac:LegalMonetaryTotal/cbc:LineExtensionAmount",
              "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:LineTotalAmount"),
    "BR-13": ("BT-109", "total without VAT", "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",
              "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxBasisTotalAmount"),
    "BR-14": ("BT-112", "total with VAT", "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
              "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount"),
    "BR-15": ("BT-115", "amount due", "cac:LegalMonetaryTotal/cbc:PayableAmount",
              "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount"),
    "BR-16": ("BG-25", "invoice line", "cac:InvoiceLine / cac:CreditNoteLine",
              "rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem"),
}  # fmt: skip
"""Mandatory element of BR-01 … BR-16: term, English name, UBL and CII element."""


def _element(rule: str) -> _Figures:
    term, _name, ubl, cii = _ELEMENTS[rule]

    def figures(_inv: Invoice) -> tuple[str, str]:
        return (
            f"Element for {term}: UBL {ubl}; CII {cii}.",
            f"Elemento de {term}: UBL {ubl}; CII {cii}.",
        )

    return figures


def _negative_prices(inv: Invoice, *, gross: bool) -> tuple[str, str] | None:
    """BR-27 / BR-28: the lines with a negative net (gross) price."""
    term = "BT-148" if gross else "BT-146"
    bad = [
        (ln.id, price)
        for ln in inv.lines
        if (price := ln.gross_price if gross else ln.net_price) is not None and price < 0
    ][:10]
    if not bad:
        return None
    en = ", ".join(f"line {i}: {_n(p)}" for i, p in bad)
    es = ", ".join(f"línea {i}: {_n(p)}" for i, p in bad)
    return f"Negative prices ({term}): {en}.", f"Precios negativos ({term}): {es}."


def _vat_ids(inv: Invoice) -> tuple[str, str]:
    """BR-CO-09: the VAT identifiers as written (they need an ISO 3166 country prefix)."""
    parties = [("seller (BT-31)", "vendedor (BT-31)", inv.seller.tax_id)]
    parties.append(("buyer (BT-48)", "comprador (BT-48)", inv.buyer.tax_id))
    if inv.tax_representative is not None:
        rep = inv.tax_representative.tax_id
        parties.append(("tax representative (BT-63)", "representante fiscal (BT-63)", rep))
    shown = [(en, es, value) for en, es, value in parties if value]
    return (
        "VAT identifiers: " + ", ".join(f"{en} {v}" for en, _, v in shown) + ".",
        "NIF-IVA: " + ", ".join(f"{es} {v}" for _, es, v in shown) + ".",
    )


def _co18(inv: Invoice) -> tuple[str, str]:
    n = len(inv.vat_breakdown)
    return (
        f"The invoice has {n} VAT breakdown rows (BG-23) for {len(inv.lines)} lines.",
        f"La factura tiene {n} filas de desglose de IVA (BG-23) para {len(inv.lines)} líneas.",
    )


def _co25(inv: Invoice) -> tuple[str, str]:
    due = inv.due_date.isoformat() if inv.due_date else "none"
    due_es = inv.due_date.isoformat() if inv.due_date else "ninguna"
    terms = "present" if inv.payment_terms else "none"
    terms_es = "indicadas" if inv.payment_terms else "ninguna"
    amount = _n(inv.totals.payable)
    return (
        f"Amount due (BT-115) {amount} {inv.currency}; due date (BT-9) {due}; payment terms "
        f"(BT-20) {terms}.",
        f"Importe a pagar (BT-115) {amount} {inv.currency}; fecha de vencimiento (BT-9) "
        f"{due_es}; condiciones de pago (BT-20) {terms_es}.",
    )


def _r120(inv: Invoice) -> tuple[str, str] | None:
    """PEPPOL-EN16931-R120: quantity × net price / base quantity ± line allowances/charges."""
    en: list[str] = []
    es: list[str] = []
    for ln in inv.lines:
        base = ln.base_quantity or Decimal(1)
        acs = _sum((a.amount if a.is_charge else -a.amount) for a in ln.allowances_charges)
        expected = (ln.quantity * ln.net_price / base + acs).quantize(Decimal("0.01"))
        if expected == ln.net_amount.quantize(Decimal("0.01")):
            continue
        en.append(
            f"line {ln.id}: {_n(ln.quantity)} × {_n(ln.net_price)} / {_n(base)} "
            f"{'+' if acs >= 0 else '-'} {_n(abs(acs))} = {_n(expected)}, stated "
            f"{_n(ln.net_amount)}"
        )
        es.append(
            f"línea {ln.id}: {_n(ln.quantity)} × {_n(ln.net_price)} / {_n(base)} "
            f"{'+' if acs >= 0 else '-'} {_n(abs(acs))} = {_n(expected)}, indicado "
            f"{_n(ln.net_amount)}"
        )
        if len(en) == 10:
            break
    if not en:
        return None
    return (
        "Line net amounts (BT-131): " + "; ".join(en) + ".",
        "Importes netos de línea (BT-131): " + "; ".join(es) + ".",
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
    _RULES[f"{_prefix}-05"] = functools.partial(_line_rates, category=_category)
    _RULES[f"{_prefix}-06"] = functools.partial(_ac_rates, category=_category, charge=False)
    _RULES[f"{_prefix}-07"] = functools.partial(_ac_rates, category=_category, charge=True)
for _rule in _ELEMENTS:
    _RULES[_rule] = _element(_rule)
for _number in range(1, 28):
    _RULES[f"BR-DEC-{_number:02d}"] = _decimals
_RULES["BR-27"] = functools.partial(_negative_prices, gross=False)
_RULES["BR-28"] = functools.partial(_negative_prices, gross=True)
_RULES["BR-CO-09"] = _vat_ids
_RULES["BR-CO-18"] = _co18
_RULES["BR-CO-25"] = _co25
_RULES["PEPPOL-EN16931-R120"] = _r120


def has_figures(rule: str) -> bool:
    """Whether :func:`with_figures` adds anything to a violation of ``rule``."""
    return rule in _RULES


def with_figures(violation: Violation, invoice: Invoice) -> Violation:
    """``violation`` with the figures of ``invoice`` appended, for the rules covered."""
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
