"""What an EN 16931 invoice must hold before UBL or CII is written: one table for both.

Each :class:`Requirement` names the business term, says in English and Spanish what is
missing, finds where it is missing (the document, or line *n*) and lists the syntaxes it
applies to; :func:`missing_terms` turns the gaps into one
:class:`~einvoice.errors.Violation` each, which the renderer raises together as a
``ConversionError`` before writing anything.  A term applies to one syntax only when the
other one fills it itself (UBL numbers lines that have no identifier) or does not need it.

The arithmetic check :func:`rounding_gap` belongs here too: BR-CO-10 wants BT-106 to be the
sum of the line amounts *as written* (two decimals), which a Facturae invoice with
eight-decimal lines may miss by a cent; no converter may move that cent anywhere lawful.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from einvoice.errors import Layer, Violation
from einvoice.formats import _other_taxes, _tags
from einvoice.model import AllowanceCharge, Invoice, Line
from einvoice.money import minor_units, round_amount

BOTH: Final = frozenset({"ubl", "cii"})
CII: Final = frozenset({"cii"})
UBL: Final = frozenset({"ubl"})

_DOCUMENT: Final = [""]


@dataclass(frozen=True, slots=True)
class Requirement:
    """One mandatory business term."""

    term: str
    en: str
    """What is missing, in English (``the invoice number``)."""
    es: str
    """The same in Spanish (``el número de factura``)."""
    gaps: Callable[[Invoice], list[str]]
    """Where the invoice lacks it: ``[""]`` for the document, ``["BG-25[2]"]`` …, ``[]``."""
    syntaxes: frozenset[str] = BOTH


def _doc(missing: Callable[[Invoice], bool]) -> Callable[[Invoice], list[str]]:
    return lambda inv: _DOCUMENT if missing(inv) else []


def _lines(missing: Callable[[Line], bool]) -> Callable[[Invoice], list[str]]:
    return lambda inv: [f"BG-25[{i}]" for i, ln in enumerate(inv.lines, 1) if missing(ln)]


def _no_reason(ac: AllowanceCharge) -> bool:
    return not (ac.reason.strip() or ac.reason_code.strip())


def _doc_charges(charge: bool) -> Callable[[Invoice], list[str]]:
    group = "BG-21" if charge else "BG-20"
    return lambda inv: [
        f"{group}[{i}]"
        for i, ac in enumerate(inv.allowances_charges, 1)
        if ac.is_charge is charge and _no_reason(ac)
    ]


def _line_charges(charge: bool) -> Callable[[Invoice], list[str]]:
    return lambda inv: [
        f"BG-25[{i}]"
        for i, ln in enumerate(inv.lines, 1)
        if any(ac.is_charge is charge and _no_reason(ac) for ac in ln.allowances_charges)
    ]


def _uncategorised(charge: bool) -> Callable[[Invoice], list[str]]:
    """Document allowances/charges without VAT category after splitting per VAT rate (an
    invoice without lines has no rate to take)."""
    return lambda inv: [
        ""
        for ac in _tags.split_general_charges(inv).charges
        if ac.is_charge is charge and ac.vat_category is None
    ][:1]


def _rep(missing: Callable[[Invoice], bool]) -> Callable[[Invoice], list[str]]:
    return lambda inv: _DOCUMENT if inv.tax_representative is not None and missing(inv) else []


def _payment_without_code(inv: Invoice) -> bool:
    p = inv.payment
    has_means = p is not None and bool(
        p.credit_transfers or p.card_pan or p.debited_account or p.means_text
    )
    return has_means and not (p is not None and p.means_code)


REQUIREMENTS: Final[tuple[Requirement, ...]] = (
    Requirement("BT-1", "the invoice number", "el número de factura",
                _doc(lambda inv: not inv.full_number.strip())),
    Requirement("BT-3", "the invoice type code", "el código de tipo de factura",
                _doc(lambda inv: not inv.type_code.strip())),
    Requirement("BT-5", "the invoice currency", "la moneda de la factura",
                _doc(lambda inv: not inv.currency.strip())),
    Requirement("BT-27", "the seller's name", "el nombre del vendedor",
                _doc(lambda inv: not inv.seller.full_name.strip())),
    Requirement("BT-40", "the seller's country code", "el código de país del vendedor",
                _doc(lambda inv: not inv.seller.country)),
    Requirement("BT-44", "the buyer's name", "el nombre del comprador",
                _doc(lambda inv: not inv.buyer.full_name.strip())),
    Requirement("BT-55", "the buyer's country code", "el código de país del comprador",
                _doc(lambda inv: not inv.buyer.country)),
    Requirement(
        "BT-31",
        "a seller identifier (VAT number BT-31, legal registration BT-30 or identifier BT-29)",
        "un identificador del vendedor (NIF-IVA BT-31, registro mercantil BT-30 o "
        "identificador BT-29)",
        _doc(lambda inv: not (inv.seller.tax_id or inv.seller.legal_id
                              or inv.seller.identifiers)),
        CII,
    ),
    Requirement("BG-25", "at least one invoice line", "al menos una línea",
                _doc(lambda inv: not inv.lines)),
    Requirement("BG-23", "the VAT breakdown", "el desglose de IVA",
                _doc(lambda inv: not inv.vat_breakdown), CII),
    Requirement("BT-126", "the line identifier", "el identificador de línea",
                _lines(lambda ln: not ln.id.strip()), CII),
    Requirement("BT-153", "the item name", "el nombre del artículo",
                _lines(lambda ln: not ln.name.strip())),
    Requirement("BT-130", "the unit of measure", "la unidad de medida",
                _lines(lambda ln: not ln.unit_code.strip())),
    Requirement("BT-62", "the tax representative's name", "el nombre del representante fiscal",
                _rep(lambda inv: not inv.tax_representative or
                     not inv.tax_representative.full_name.strip()), CII),
    Requirement("BT-69", "the tax representative's country", "el país del representante fiscal",
                _rep(lambda inv: not inv.tax_representative or
                     not inv.tax_representative.country), CII),
    Requirement("BT-63", "the tax representative's VAT number",
                "el NIF-IVA del representante fiscal",
                _rep(lambda inv: not inv.tax_representative or
                     not inv.tax_representative.tax_id), CII),
    Requirement("BT-59", "the payee's name", "el nombre del beneficiario del pago",
                _doc(lambda inv: inv.payee is not None and not inv.payee.full_name.strip()), CII),
    Requirement("BT-81", "the payment means type code", "el código de medio de pago",
                _doc(_payment_without_code), CII),
    Requirement("BT-84", "the payment account", "la cuenta de pago",
                _doc(lambda inv: inv.payment is not None and any(
                    not t.account.strip() for t in inv.payment.credit_transfers)), CII),
    Requirement("BT-97", "the reason of a document-level allowance",
                "el motivo de un descuento general", _doc_charges(False)),
    Requirement("BT-104", "the reason of a document-level charge",
                "el motivo de un cargo general", _doc_charges(True)),
    Requirement("BT-139", "the reason of a line allowance", "el motivo de un descuento de línea",
                _line_charges(False)),
    Requirement("BT-144", "the reason of a line charge", "el motivo de un cargo de línea",
                _line_charges(True)),
    Requirement("BT-95", "the VAT category of a document-level allowance (the invoice has no "
                "lines to take one from)", "la categoría de IVA de un descuento general (la "
                "factura no tiene líneas de las que tomarla)", _uncategorised(False), UBL),
    Requirement("BT-102", "the VAT category of a document-level charge (the invoice has no "
                "lines to take one from)", "la categoría de IVA de un cargo general (la "
                "factura no tiene líneas de las que tomarla)", _uncategorised(True), UBL),
    Requirement("BT-122", "the supporting document reference", "la referencia del anexo",
                _doc(lambda inv: any(not a.id.strip() for a in inv.attachments)), CII),
    Requirement("BT-25", "the preceding invoice number", "el número de la factura anterior",
                _doc(lambda inv: any(not p.number.strip() for p in inv.preceding)), CII),
    Requirement(
        "BT-111",
        "the VAT total in the VAT accounting currency",
        "la cuota total de IVA en la moneda de contabilización del IVA",
        _doc(lambda inv: bool(inv.tax_currency) and inv.tax_currency != inv.currency
             and inv.totals.vat_total_tax_currency is None),
        CII,
    ),
)  # fmt: skip
"""Every mandatory term the UBL writer and the CII renderer check, in one place."""

_NAMES: Final = {"ubl": "UBL", "cii": "CII"}


def missing_terms(invoice: Invoice, syntax: str) -> list[Violation]:
    """One violation per mandatory term ``invoice`` lacks for ``syntax`` (``ubl``/``cii``)."""
    name = _NAMES[syntax]
    out: list[Violation] = []
    for req in REQUIREMENTS:
        if syntax not in req.syntaxes:
            continue
        for where in req.gaps(invoice):
            at_en = f" ({where.replace('BG-25', 'line ').replace('[', '').replace(']', '')})"
            at_es = f" ({where.replace('BG-25', 'línea ').replace('[', '').replace(']', '')})"
            out.append(
                Violation(
                    rule=req.term,
                    message=f"{req.en[0].upper()}{req.en[1:]}{at_en if where else ''} is "
                    f"missing; an EN 16931 invoice in {name} requires it ({req.term}).",
                    message_es=f"Falta {req.es}{at_es if where else ''}; una factura EN 16931 "
                    f"en {name} lo exige ({req.term}).",
                    layer=Layer.CONVERSION,
                    location=where or req.term,
                )
            )
    gap = rounding_gap(invoice)
    if gap is not None:
        out.append(gap)
    # Non-VAT Spanish taxes: in a VAT base they travel as charges, otherwise refused.
    out.extend(_other_taxes.refusals(invoice, name))
    return out


def rounding_gap(invoice: Invoice) -> Violation | None:
    """BR-CO-10: BT-106 differs from the sum of the line amounts as written (rounded).

    Facturae lines may carry eight decimals and its ``TotalGrossAmount`` is the rounded sum
    of the exact amounts, so the two-decimal lines of UBL/CII can miss it by a cent.  The
    rounding amount BT-114 only adjusts the amount due, not BT-106, so the invoice is
    refused with the figures rather than written wrong.
    """
    if not invoice.lines:
        return None
    places = minor_units(invoice.currency or "EUR")
    written = sum((round_amount(ln.net_amount, places) for ln in invoice.lines), Decimal(0))
    stated = round_amount(invoice.totals.line_net_total, places)
    # Only a rounding difference (at most half a unit per line); a larger one is the
    # source's own arithmetic, which the official rules report on the output.
    tolerance = Decimal(1).scaleb(-places) / 2 * len(invoice.lines)
    if written == stated or abs(written - stated) > tolerance:
        return None
    cur = invoice.currency
    return Violation(
        rule="BR-CO-10",
        message=f"The line amounts, rounded to {places} decimals as UBL and CII write them, "
        f"add up to {written} {cur}, but the sum of line net amounts (BT-106) is {stated} "
        f"{cur}: EN 16931 requires them to be equal (BR-CO-10).  Round the line amounts "
        "in the source so that they add up to its total, then convert again.",
        message_es=f"Los importes de las líneas, redondeados a {places} decimales como los "
        f"escriben UBL y CII, suman {written} {cur}, pero la suma de importes netos de las "
        f"líneas (BT-106) es {stated} {cur}: la EN 16931 exige que coincidan (BR-CO-10).  "
        "Redondee los importes de las líneas en el original para que sumen su total y "
        "vuelva a convertir.",
        layer=Layer.CONVERSION,
        location="BT-106",
    )
