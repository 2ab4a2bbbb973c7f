"""Spanish output taxes that are not VAT (Facturae ``TaxTypeCode`` 05 … 29) in UBL and CII.

EN 16931 knows one tax, VAT: every breakdown row (BG-23) is a VAT category with a VAT rate,
and the rules check that its tax is the rate times its base (BR-S-09, BR-Z-09 …).  A Facturae
invoice may also charge other taxes on the same supply: the Impuestos Especiales (07, e.g.
the electricity tax), the Canary fuel tax (10), the Canary tobacco tax (26), the tax on
fluorinated gases (27) …  Written as VAT rows they would be VAT at a made-up rate, so they
travel differently (the per-tax table is in ``docs/mapping.md``):

* **In the VAT base** (art. 78.Dos.4º LIVA; art. 22 Ley 20/1991 for IGIC): a tax the
  invoice's VAT (IGIC, IPSI) rows already include in their taxable base is, for EN 16931, a
  document-level **charge** (BG-21) in the VAT category and rate of the row that holds it.
  The VAT arithmetic then holds as the law computes it: BT-109 = lines + charges, and each
  row's base is its lines plus its charges.  The charge reason (BT-104) names the tax, its
  Facturae code, rate and base — ``Impuestos especiales (Facturae 07) 5.11269632 % s/ 100.00``
  — which is how :func:`from_en16931` puts the Facturae tax row back.
* **Not in any VAT base** (the source's VAT rows do not contain its amount), and the income
  taxes 04/28/29 written as output taxes: EN 16931 cannot carry them without misstating the
  invoice.  :func:`refusals` names the tax, its code and amount; the invoice stays in
  Facturae.

Taxes withheld (IRPF 04 and any other ``TaxesWithheld``) are not handled here: they travel
as withholdings (:mod:`einvoice.formats._tags`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Final

from einvoice.errors import Layer, Violation
from einvoice.formats import _tags
from einvoice.model import ZERO, AllowanceCharge, Invoice, TaxType, VatBreakdown, VatCategory

__all__ = [
    "NAMES",
    "VAT_TAXES",
    "WITHHELD_ONLY",
    "from_en16931",
    "refusals",
    "to_en16931",
]

VAT_TAXES: Final = frozenset({TaxType.IVA, TaxType.IGIC, TaxType.IPSI})
"""Facturae taxes EN 16931 carries as VAT (categories S/Z/E/O/AE/K/G, L for IGIC, M for
IPSI)."""

WITHHELD_ONLY: Final = frozenset({TaxType.IRPF, TaxType.IRNR, TaxType.ISS})
"""Income taxes: a seller never charges them on top of a price, the buyer withholds them."""

NAMES: Final[dict[TaxType, tuple[str, str]]] = {
    TaxType.IVA: ("IVA", "value added tax"),
    TaxType.IPSI: ("IPSI", "Ceuta and Melilla production, services and imports tax"),
    TaxType.IGIC: ("IGIC", "Canary Islands general indirect tax"),
    TaxType.IRPF: ("IRPF", "personal income tax"),
    TaxType.OTHER: ("Otro impuesto", "other tax"),
    TaxType.ITPAJD: ("ITPAJD", "transfer tax and stamp duty"),
    TaxType.IE: ("Impuestos especiales", "excise duties"),
    TaxType.RA: ("Renta de aduanas", "customs duties"),
    TaxType.IGTECM: ("IGTECM", "Ceuta and Melilla general business traffic tax"),
    TaxType.IECDPCAC: ("IECDPCAC", "Canary Islands tax on oil-derived fuels"),
    TaxType.IIIMAB: ("IIIMAB", "Balearic tax on environmentally harmful installations"),
    TaxType.ICIO: ("ICIO", "tax on constructions, installations and works"),
    TaxType.IMVDN: ("IMVDN", "Navarre municipal tax on unoccupied dwellings"),
    TaxType.IMSN: ("IMSN", "Navarre municipal tax on building plots"),
    TaxType.IMGSN: ("IMGSN", "Navarre municipal tax on sumptuary expenses"),
    TaxType.IMPN: ("IMPN", "Navarre municipal tax on advertising"),
    TaxType.REIVA: ("REIVA", "travel agencies' special VAT scheme"),
    TaxType.REIGIC: ("REIGIC", "travel agencies' special IGIC scheme"),
    TaxType.REIPSI: ("REIPSI", "travel agencies' special IPSI scheme"),
    TaxType.IPS: ("IPS", "insurance premium tax"),
    TaxType.RLEA: ("RLEA", "surcharge for winding up insurance companies"),
    TaxType.IVPEE: ("IVPEE", "tax on the value of electricity generation"),
    TaxType.IPCNG: ("IPCNG", "tax on spent nuclear fuel production"),
    TaxType.IACNG: ("IACNG", "tax on spent nuclear fuel storage"),
    TaxType.IDEC: ("IDEC", "tax on bank deposits"),
    TaxType.ILTCAC: ("ILTCAC", "Canary Islands tax on manufactured tobacco"),
    TaxType.IGFEI: ("IGFEI", "tax on fluorinated greenhouse gases"),
    TaxType.IRNR: ("IRNR", "non-resident income tax"),
    TaxType.ISS: ("IS", "corporation tax"),
}
"""Spanish short name and English description of every Facturae tax type."""

_REASON: Final = re.compile(
    r"\(Facturae (?P<tax>\d\d)\)(?: (?P<rate>-?\d+(?:\.\d+)?) %)?(?: s/ (?P<base>-?\d+(?:\.\d+)?))?"
)

_Key = tuple[VatCategory, Decimal | None]


@dataclass(frozen=True, slots=True)
class _Move:
    """A non-VAT tax row that travels as a charge in the VAT group ``key``."""

    row: VatBreakdown
    key: _Key
    tax_type: TaxType


def _other_rows(invoice: Invoice) -> list[VatBreakdown]:
    return [
        row
        for row in invoice.vat_breakdown
        if row.tax_type not in VAT_TAXES and (row.rate or row.tax_amount)
    ]


def _plan(invoice: Invoice) -> tuple[list[_Move], list[VatBreakdown]]:
    """Which non-VAT rows travel as charges (and in which VAT group), which cannot travel.

    A row travels when a VAT row's taxable base exceeds what its lines and allowances/charges
    give by at least the row's tax: the source put the tax in that VAT base, as the law
    wants for taxes on the same supply.
    """
    others = _other_rows(invoice)
    if not others:
        return [], []
    groups: dict[_Key, Decimal] = {}
    tax_of: dict[_Key, TaxType] = {}
    for vat in invoice.vat_breakdown:
        if vat.tax_type in VAT_TAXES:
            key = (vat.category, vat.rate)
            groups[key] = groups.get(key, ZERO) + vat.taxable_amount
            tax_of.setdefault(key, vat.tax_type)
    for line in invoice.lines:
        key = (line.vat_category, line.vat_rate)
        if key in groups:
            groups[key] -= line.net_amount
    for ac in _tags.split_general_charges(invoice).charges:
        key = (ac.vat_category or VatCategory.STANDARD, ac.vat_rate)
        if key in groups:
            groups[key] += -ac.amount if ac.is_charge else ac.amount
    moves: list[_Move] = []
    refused: list[VatBreakdown] = []
    for row in others:
        amount = row.tax_amount
        found = None
        if row.tax_type not in WITHHELD_ONLY and amount:
            found = next(
                (
                    key
                    for key, room in groups.items()
                    if (room > 0) == (amount > 0) and abs(room) >= abs(amount)
                ),
                None,
            )
        if found is None:
            refused.append(row)
            continue
        groups[found] -= amount
        moves.append(_Move(row=row, key=found, tax_type=tax_of[found]))
    return moves, refused


def _num(value: Decimal) -> str:
    return _tags.num(value)


def reason(row: VatBreakdown) -> str:
    """BT-104 of the charge that carries ``row``: names the tax, its code, rate and base."""
    name = NAMES[row.tax_type][0]
    rate = f" {_num(row.rate)} %" if row.rate is not None else ""
    return f"{name} (Facturae {row.tax_type.value}){rate} s/ {_num(row.taxable_amount)}"


def _charge(move: _Move) -> AllowanceCharge:
    row = move.row
    category, rate = move.key
    consistent = row.rate is not None and abs(
        row.taxable_amount * row.rate / 100 - row.tax_amount
    ) <= Decimal("0.01")
    return AllowanceCharge(
        is_charge=True,
        amount=row.tax_amount,
        base_amount=row.taxable_amount if consistent else None,
        percent=row.rate if consistent else None,
        reason=reason(row),
        vat_category=category,
        vat_rate=rate,
        tax_type=move.tax_type,
    )


def to_en16931(invoice: Invoice) -> Invoice:
    """``invoice`` as EN 16931 can carry it: non-VAT taxes in a VAT base become charges.

    The caller has refused the invoice first when :func:`refusals` found anything.
    """
    moves, _ = _plan(invoice)
    if not moves:
        return invoice
    moved = {id(m.row) for m in moves}
    total = sum((m.row.tax_amount for m in moves), ZERO)
    t = invoice.totals
    return replace(
        invoice,
        vat_breakdown=tuple(r for r in invoice.vat_breakdown if id(r) not in moved),
        allowances_charges=invoice.allowances_charges + tuple(_charge(m) for m in moves),
        totals=replace(
            t,
            charge_total=t.charge_total + total,
            tax_exclusive=t.tax_exclusive + total,
            vat_total=t.vat_total - total,
        ),
    )


def _parse_reason(charge: AllowanceCharge) -> VatBreakdown | None:
    if not charge.is_charge or charge.vat_category is None:
        return None
    match = _REASON.search(charge.reason)
    if match is None:
        return None
    try:
        tax = TaxType(match["tax"])
        rate = Decimal(match["rate"]) if match["rate"] else charge.percent
        base = Decimal(match["base"]) if match["base"] else charge.base_amount
    except (ValueError, InvalidOperation):
        return None
    if tax in VAT_TAXES or tax in WITHHELD_ONLY or base is None:
        return None
    return VatBreakdown(
        # As the Facturae reader files a tax EN 16931 has no category for.
        category=VatCategory.ZERO_RATED,
        rate=rate,
        taxable_amount=base,
        tax_amount=charge.amount,
        tax_type=tax,
    )


def from_en16931(invoice: Invoice) -> Invoice:
    """The inverse of :func:`to_en16931`: charges whose reason names a Facturae tax become
    that tax's row again (appended to the breakdown), and the totals go back to Facturae's
    (the tax in BT-110 and out of BT-108/BT-109)."""
    rows: list[VatBreakdown] = []
    kept: list[AllowanceCharge] = []
    for charge in invoice.allowances_charges:
        row = _parse_reason(charge)
        if row is None:
            kept.append(charge)
        else:
            rows.append(row)
    if not rows:
        return invoice
    total = sum((r.tax_amount for r in rows), ZERO)
    t = invoice.totals
    return replace(
        invoice,
        allowances_charges=tuple(kept),
        vat_breakdown=invoice.vat_breakdown + tuple(rows),
        totals=replace(
            t,
            charge_total=t.charge_total - total,
            tax_exclusive=t.tax_exclusive - total,
            vat_total=t.vat_total + total,
        ),
    )


def refusals(invoice: Invoice, syntax: str) -> list[Violation]:
    """One violation per non-VAT tax row EN 16931 cannot carry, naming the tax and amount."""
    _, refused = _plan(invoice)
    out: list[Violation] = []
    cur = invoice.currency
    for row in refused:
        name_es, name_en = NAMES[row.tax_type]
        code = row.tax_type.value
        rate = f" {_num(row.rate)} %" if row.rate is not None else ""
        figure = f"{rate}, {_tags.money(row.tax_amount)} {cur} s/ {_tags.money(row.taxable_amount)}"
        if row.tax_type in WITHHELD_ONLY:
            why_en = (
                "is an income tax: it can only be withheld by the buyer (TaxesWithheld), "
                "never charged as an output tax"
            )
            why_es = (
                "es un impuesto sobre la renta: solo puede retenerlo el comprador "
                "(TaxesWithheld), nunca repercutirse"
            )
        else:
            why_en = (
                "is not VAT and its amount is not part of any VAT taxable base of the invoice, "
                "so EN 16931 has no place for it (it could travel as a charge only if it were "
                "in the VAT base, as art. 78.Dos.4º LIVA requires for taxes on the same supply)"
            )
            why_es = (
                "no es IVA y su importe no forma parte de ninguna base imponible de IVA de la "
                "factura, así que la EN 16931 no tiene sitio para él (solo podría viajar como "
                "cargo si estuviera en la base del IVA, como exige el art. 78.Dos.4º LIVA para "
                "los tributos sobre la misma operación)"
            )
        out.append(
            Violation(
                rule="BT-118",
                message=f"Facturae tax {code} ({name_en}){figure} {why_en}: the invoice cannot "
                f"be written in {syntax} without misstating its taxes.  Keep it in Facturae.",
                message_es=f"El impuesto Facturae {code} ({name_es}){figure} {why_es}: la "
                f"factura no puede escribirse en {syntax} sin falsear sus impuestos.  "
                "Consérvela en Facturae.",
                layer=Layer.CONVERSION,
                location="BG-23",
            )
        )
    for line in invoice.lines:
        if line.tax_type in VAT_TAXES or not line.vat_rate:
            continue
        name_es, name_en = NAMES[line.tax_type]
        code = line.tax_type.value
        out.append(
            Violation(
                rule="BT-151",
                message=f"Line {line.id} bears Facturae tax {code} ({name_en}) at "
                f"{_num(line.vat_rate)} % and no VAT: EN 16931 needs a VAT category for every "
                f"line, so the invoice cannot be written in {syntax}.  Keep it in Facturae.",
                message_es=f"La línea {line.id} lleva el impuesto Facturae {code} ({name_es}) al "
                f"{_num(line.vat_rate)} % y ningún IVA: la EN 16931 exige una categoría de IVA "
                f"en cada línea, así que la factura no puede escribirse en {syntax}.  "
                "Consérvela en Facturae.",
                layer=Layer.CONVERSION,
                location=f"BG-25[{line.id}]",
            )
        )
    return out
