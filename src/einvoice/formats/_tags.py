"""Spanish data EN 16931 has no business term for, as machine tags in notes (UBL and CII).

EN 16931 knows only VAT.  A Spanish invoice may also carry withholdings (IRPF …), the
equivalence surcharge (*recargo de equivalencia*), IGIC/IPSI on exempt or zero-rated lines,
a Facturae series, legal literals, DIR3 administrative centres, corrective-invoice data,
instalments, the Facturae document type and class.  None of them passes the official CEN
rules as a structured element, so the UBL and CII packages write each fact as one note line
(UBL: lines of the single BT-22 note, or of the BT-127 line note; CII: one BG-1 note each)
that reads as a sentence for a person and ends in a machine tag::

    Retención IRPF 15 % s/ 1000.00: 150.00 / IRPF withheld {efactura:WH tax=04 rate=15 ...}

This module is the **one** definition of that tag: the syntax (:func:`encode`,
:func:`decode`), the kinds, and for each kind the field names and how they map to and from
the canonical model.  Both packages use these functions, so a tag means the same in UBL and
CII and an invoice moved between the two keeps its Spanish data.

Syntax: ``{efactura:KIND key=value key=value}`` at the end of the line.  Keys are lower-case
``[a-z_][a-z0-9_]*``; values are percent-encoded (RFC 3986 unreserved characters stay), so
they never contain spaces or braces; empty values are left out (absent and empty mean the same
in the model).  Numbers are plain decimals, dates ISO ``YYYY-MM-DD`` (``YYYYMMDD`` is also
read, as older CII files wrote it).  A line whose tag does not decode cleanly stays ordinary
text: a stranger's note must never make an invoice unreadable — callers catch
:data:`DECODE_ERRORS`.

It also holds the one mapping both formats need for Facturae general discounts and
surcharges, which apply to the whole base while EN 16931 gives every document-level
allowance or charge one VAT category: :func:`split_general_charges` and its inverse
:func:`merge_split_charges` (see ``docs/mapping.md``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Final
from urllib.parse import quote, unquote

from einvoice import lexical
from einvoice.model import (
    ZERO,
    Address,
    AdministrativeCentre,
    AllowanceCharge,
    Attachment,
    Correction,
    Instalment,
    Invoice,
    IssuerType,
    Line,
    Party,
    Period,
    PrecedingInvoice,
    TaxType,
    Totals,
    VatBreakdown,
    VatCategory,
    Withholding,
)

PREFIX: Final = "efactura"

_TAG: Final = re.compile(r"\{" + PREFIX + r":([A-Z]+)((?: [a-z_][a-z0-9_]*=[^\s{}]*)*)\}\s*$")

# Kinds of tag --------------------------------------------------------------------------------
SERIES: Final = "SERIES"
"""Facturae ``InvoiceSeriesCode``: fields ``series``, ``number``."""
LEGAL: Final = "LEGAL"
"""Facturae ``LegalReference``: the literal is the human text, no fields."""
WITHHOLDING: Final = "WH"
"""Facturae invoice-level ``TaxesWithheld/Tax``: ``tax rate base amount``."""
TAX: Final = "TAX"
"""One Facturae ``TaxesOutputs/Tax`` row: ``row tax category rate base amount reason code
surcharge_rate surcharge_amount``."""
LINE: Final = "LINE"
"""Facturae line data: ``line tax surcharge_rate wh reason code order date``."""
TOTALS: Final = "TOT"
"""Facturae totals folded into BT-113: ``vat_total tax_inclusive prepaid withheld surcharge
reimbursable amounts_withheld amounts_withheld_reason``."""
CENTRE: Final = "CENTRE"
"""Facturae ``AdministrativeCentre``: ``party code role name`` and its address ``street
street2 street3 city postcode province country``."""
CORRECTION: Final = "COR"
"""Facturae ``Corrective``: ``number series reason_code reason method method_description
additional start end date``."""
PRECEDING: Final = "PREC"
"""A BG-3 preceding invoice the syntax has no room for: ``number date``."""
FACTURAE: Final = "DOC"
"""Facturae document data: ``language issuer document_type class exchange_rate``."""
INSTALMENTS: Final = "INST"
"""Facturae ``Installment`` list: ``list`` (rows ``due/amount/means/account``)."""
SPLIT: Final = "SPLIT"
"""A Facturae general discount/surcharge written as several document-level entries, one per
VAT category and rate: ``first count amount base percent tax``."""
PAYMENT: Final = "PAY"
"""The payment means code the invoice really has when the syntax needed another: ``means``."""

TAX_IDS: Final = "NIF"
"""Tax IDs of seller, buyer and tax representative of a "not subject to VAT" invoice, which
EN 16931 forbids as VAT identifiers (BR-O-02 … BR-O-04)."""
SUBJECT_TAX: Final = "TXD"
"""UNCL4451 "Tax declaration": BT-21 of the CII notes that describe taxes."""
SUBJECT_INFO: Final = "AAI"
"""UNCL4451 "General information": BT-21 of the other CII notes."""

DECODE_ERRORS: Final = (KeyError, ValueError, InvalidOperation, IndexError)
"""What a field decoder may raise on a damaged or foreign tag; callers keep the text then."""


@dataclass(frozen=True, slots=True)
class Tagged:
    """One decoded tag: its kind, its fields and the human text before it."""

    kind: str
    fields: dict[str, str]
    human: str = ""


# ---------------------------------------------------------------------------------------------
# Syntax
# ---------------------------------------------------------------------------------------------


def encode(kind: str, human: str, fields: dict[str, str]) -> str:
    """``human`` followed by the tag of ``fields`` (empty values left out)."""
    machine = "".join(f" {key}={quote(value, safe='')}" for key, value in fields.items() if value)
    tag = f"{{{PREFIX}:{kind}{machine}}}"
    return f"{human} {tag}" if human else tag


def decode(text: str) -> Tagged | None:
    """The tag ending ``text``, or ``None`` when ``text`` is ordinary text."""
    match = _TAG.search(text)
    if match is None:
        return None
    fields: dict[str, str] = {}
    for pair in match.group(2).split():
        key, _, value = pair.partition("=")
        fields[key] = unquote(value)
    return Tagged(kind=match.group(1), fields=fields, human=text[: match.start()].rstrip())


def join_list(rows: Iterable[Sequence[str]]) -> str:
    """A small table (rows of strings) as one field value."""
    return ";".join("/".join(quote(cell, safe="") for cell in row) for row in rows)


def split_list(value: str) -> list[list[str]]:
    """Inverse of :func:`join_list`."""
    if not value:
        return []
    return [[unquote(cell) for cell in row.split("/")] for row in value.split(";")]


def num(value: Decimal | None) -> str:
    """A field value for a number: plain decimal text, ``""`` for ``None``."""
    if value is None:
        return ""
    return lexical.format_decimal(value)


def day(value: dt.date | None) -> str:
    """A field value for a date (ISO), ``""`` for ``None``."""
    return lexical.format_iso_date(value) if value else ""


def dec(fields: dict[str, str], key: str) -> Decimal | None:
    """The number in ``fields[key]``; ``None`` when absent; raises on a bad value."""
    raw = fields.get(key, "")
    if not raw:
        return None
    return _number(raw)


def _number(raw: str) -> Decimal:
    """A bounded plain decimal (the rules of :mod:`einvoice.lexical`); raises
    :class:`~einvoice.formats.lexical.LexicalError`, a ``ValueError``, on anything else."""
    return lexical.parse_decimal(raw)


def dec0(fields: dict[str, str], key: str) -> Decimal:
    """Like :func:`dec`, zero when absent."""
    value = dec(fields, key)
    return ZERO if value is None else value


def date_of(fields: dict[str, str], key: str) -> dt.date | None:
    """The date in ``fields[key]`` (ISO or ``YYYYMMDD``); ``None`` when absent."""
    raw = fields.get(key, "")
    if not raw:
        return None
    if len(raw) == 8 and raw.isdigit():
        return lexical.parse_date_102(raw)
    return lexical.parse_iso_date(raw)


def default_tax_type(category: VatCategory | None) -> TaxType:
    """Spanish tax an EN 16931 VAT category implies: L IGIC, M IPSI, anything else IVA."""
    if category is VatCategory.CANARY_IGIC:
        return TaxType.IGIC
    if category is VatCategory.CEUTA_MELILLA_IPSI:
        return TaxType.IPSI
    return TaxType.IVA


def tax_name(tax: TaxType) -> str:
    """Short name of a Spanish tax for the human sentence (``IRPF``, ``IGIC`` …)."""
    return tax.name


# ---------------------------------------------------------------------------------------------
# Facts: one encoder and one decoder per kind
# ---------------------------------------------------------------------------------------------


def series_tag(invoice: Invoice) -> str:
    """SERIES: the Facturae series, so BT-1 (series + number) can be split again."""
    return encode(
        SERIES,
        f"Serie {invoice.series}, número {invoice.number} / invoice series and number.",
        {"series": invoice.series, "number": invoice.number},
    )


def series_from(fields: dict[str, str], full_number: str) -> tuple[str, str] | None:
    """(series, number) when the tag matches BT-1 ``full_number``, else ``None``."""
    series = fields["series"]
    number = fields.get("number") or full_number[len(series) :]
    if not series or f"{series}{number}" != full_number:
        return None
    return series, number


def legal_tag(literal: str) -> str:
    """LEGAL: a Facturae legal literal; the literal itself is the human text."""
    return encode(LEGAL, literal, {})


def withholding_fields(w: Withholding) -> dict[str, str]:
    return {
        "tax": w.tax_type.value,
        "rate": num(w.rate),
        "base": num(w.base),
        "amount": num(w.amount),
    }


def withholding_tag(w: Withholding, currency: str) -> str:
    """WH: a tax the buyer withholds (IRPF …), deducted from the amount due."""
    name = tax_name(w.tax_type)
    human = (
        f"Retención {name} {num(w.rate)} % s/ {money(w.base)} {currency}: "
        f"{money(w.amount)} {currency}, descontada del importe a pagar / {name} withheld, "
        "deducted from the amount due."
    )
    return encode(WITHHOLDING, human, withholding_fields(w))


def withholding_from(fields: dict[str, str]) -> Withholding:
    return Withholding(
        tax_type=TaxType(fields.get("tax", TaxType.IRPF.value)),
        rate=dec0(fields, "rate"),
        base=dec0(fields, "base"),
        amount=dec0(fields, "amount"),
    )


def money(value: Decimal) -> str:
    """An amount for a human sentence, two decimals."""
    return num(lexical.quantize(value, 2))


def breakdown_needs_tags(rows: Sequence[VatBreakdown]) -> bool:
    """Whether the VAT breakdown holds what EN 16931 cannot: two rows of one category and
    rate (Facturae lists one per tax), an equivalence surcharge, or a tax other than the one
    the category implies (an exempt IGIC row, say)."""
    keys = {(row.category, row.rate) for row in rows}
    return len(keys) != len(rows) or any(
        row.surcharge_amount is not None
        or row.surcharge_rate is not None
        or row.tax_type is not default_tax_type(row.category)
        for row in rows
    )


def merged_breakdown(rows: Sequence[VatBreakdown]) -> list[VatBreakdown]:
    """BG-23 as EN 16931 wants it: one row per (category, rate), amounts added up.

    Facturae may list two ``Tax`` rows with the same tax and rate (different surcharges, or
    simply one per line); EN 16931 allows one (BR-S-08 …).  The original rows travel in TAX
    tags and come back on reading.
    """
    merged: dict[tuple[VatCategory, Decimal | None], VatBreakdown] = {}
    for row in rows:
        key = (row.category, row.rate)
        seen = merged.get(key)
        if seen is None:
            merged[key] = row
            continue
        merged[key] = replace(
            seen,
            taxable_amount=seen.taxable_amount + row.taxable_amount,
            tax_amount=seen.tax_amount + row.tax_amount,
            exemption_reason=seen.exemption_reason or row.exemption_reason,
            exemption_code=seen.exemption_code or row.exemption_code,
        )
    return list(merged.values())


def tax_row_tag(index: int, row: VatBreakdown, currency: str) -> str:
    """TAX: one Facturae tax row as it really is (``index`` counts from 1)."""
    name = tax_name(row.tax_type)
    rate = num(row.rate) if row.rate is not None else "-"
    human = (
        f"{name} {row.category.value} {rate} %: base {money(row.taxable_amount)}, "
        f"cuota / tax {money(row.tax_amount)} {currency}"
    )
    if row.surcharge_amount is not None or row.surcharge_rate is not None:
        human += (
            f"; recargo de equivalencia / equivalence surcharge {num(row.surcharge_rate or ZERO)}"
            f" %: {money(row.surcharge_amount or ZERO)} {currency}"
        )
    return encode(
        TAX,
        human + ".",
        {
            "row": str(index),
            "tax": row.tax_type.value,
            "category": row.category.value,
            "rate": num(row.rate),
            "base": num(row.taxable_amount),
            "amount": num(row.tax_amount),
            "reason": row.exemption_reason,
            "code": row.exemption_code,
            "surcharge_rate": num(row.surcharge_rate),
            "surcharge_amount": num(row.surcharge_amount),
        },
    )


def tax_row_from(fields: dict[str, str]) -> tuple[int, VatBreakdown]:
    category = VatCategory(fields["category"])
    return int(fields["row"]), VatBreakdown(
        category=category,
        rate=dec(fields, "rate"),
        taxable_amount=dec0(fields, "base"),
        tax_amount=dec0(fields, "amount"),
        exemption_reason=fields.get("reason", ""),
        exemption_code=fields.get("code", ""),
        tax_type=TaxType(fields.get("tax", default_tax_type(category).value)),
        surcharge_rate=dec(fields, "surcharge_rate"),
        surcharge_amount=dec(fields, "surcharge_amount"),
    )


def line_fields(line: Line) -> dict[str, str]:
    """Facturae line data with no EN 16931 term (empty when the line has none)."""
    fields: dict[str, str] = {}
    if line.tax_type is not default_tax_type(line.vat_category):
        fields["tax"] = line.tax_type.value
    if line.surcharge_rate is not None:
        fields["surcharge_rate"] = num(line.surcharge_rate)
    if line.withholdings:
        fields["wh"] = join_list(
            [w.tax_type.value, num(w.rate), num(w.base), num(w.amount)] for w in line.withholdings
        )
    if line.exemption_reason:
        fields["reason"] = line.exemption_reason
    if line.exemption_code:
        fields["code"] = line.exemption_code
    if line.order_ref:
        fields["order"] = line.order_ref
    if line.delivery_date is not None:
        fields["date"] = day(line.delivery_date)
    return fields


def line_tag(line: Line, index: int | None = None) -> str:
    """LINE: the Spanish data of one line; ``index`` (from 1) when the tag is not on the line."""
    fields = line_fields(line)
    if not fields:
        return ""
    parts = []
    if line.tax_type is not default_tax_type(line.vat_category):
        parts.append(tax_name(line.tax_type))
    if line.surcharge_rate is not None:
        parts.append(f"recargo de equivalencia {num(line.surcharge_rate)} %")
    parts.extend(
        f"retención {tax_name(w.tax_type)} {num(w.rate)} %: {money(w.amount)}"
        for w in line.withholdings
    )
    where = f" {line.id}" if index is not None else ""
    human = f"Datos fiscales de la línea{where} / Spanish tax data of the line" + (
        f": {', '.join(parts)}." if parts else "."
    )
    lead = {"line": str(index)} if index is not None else {}
    return encode(LINE, human, {**lead, **fields})


def line_with(line: Line, fields: dict[str, str]) -> Line:
    """``line`` with the data of its LINE tag restored."""
    withholdings = tuple(
        Withholding(
            tax_type=TaxType(tax),
            rate=_number(rate),
            base=_number(base),
            amount=_number(amount),
        )
        for tax, rate, base, amount in split_list(fields.get("wh", ""))
    )
    return replace(
        line,
        tax_type=TaxType(fields["tax"]) if "tax" in fields else line.tax_type,
        surcharge_rate=dec(fields, "surcharge_rate"),
        withholdings=withholdings,
        exemption_reason=fields.get("reason", line.exemption_reason),
        exemption_code=fields.get("code", line.exemption_code),
        order_ref=fields.get("order", ""),
        delivery_date=date_of(fields, "date"),
    )


def has_spanish_amounts(invoice: Invoice) -> bool:
    """Whether amounts EN 16931 cannot express (withholding, surcharge …) are present."""
    t = invoice.totals
    return bool(
        t.withheld_total
        or t.surcharge_total
        or t.amounts_withheld
        or t.reimbursable_total
        or invoice.withholdings
        or any(row.surcharge_amount for row in invoice.vat_breakdown)
    )


def totals_tag(invoice: Invoice) -> str:
    """TOT: the Facturae totals EN 16931 folds into BT-113 (paid amount)."""
    t = invoice.totals
    cur = invoice.currency
    return encode(
        TOTALS,
        f"Total factura / invoice total {money(t.invoice_total)} {cur}; retenciones / withheld "
        f"{money(t.withheld_total)}; recargo de equivalencia / surcharge "
        f"{money(t.surcharge_total)}; a pagar / due {money(t.payable)} {cur}.",
        {
            "vat_total": num(t.vat_total),
            "tax_inclusive": num(t.tax_inclusive),
            "prepaid": num(t.prepaid),
            "withheld": num(t.withheld_total),
            "surcharge": num(t.surcharge_total),
            "reimbursable": num(t.reimbursable_total),
            "amounts_withheld": num(t.amounts_withheld),
            "amounts_withheld_reason": t.amounts_withheld_reason,
        },
    )


def totals_with(totals: Totals, fields: dict[str, str]) -> Totals:
    """``totals`` (as read from the EN 16931 elements) with the TOT tag applied."""
    surcharge = dec0(fields, "surcharge")
    vat_total = dec(fields, "vat_total")
    tax_inclusive = dec(fields, "tax_inclusive")
    return replace(
        totals,
        vat_total=vat_total if vat_total is not None else totals.vat_total + surcharge,
        tax_inclusive=(
            tax_inclusive if tax_inclusive is not None else totals.tax_inclusive + surcharge
        ),
        prepaid=dec0(fields, "prepaid"),
        withheld_total=dec0(fields, "withheld"),
        surcharge_total=surcharge,
        reimbursable_total=dec0(fields, "reimbursable"),
        amounts_withheld=dec0(fields, "amounts_withheld"),
        amounts_withheld_reason=fields.get("amounts_withheld_reason", ""),
    )


_ADDRESS_KEYS: Final = (
    ("street", "line1"),
    ("street2", "line2"),
    ("street3", "line3"),
    ("city", "city"),
    ("postcode", "postal_code"),
    ("province", "subdivision"),
    ("country", "country"),
)


def centre_tag(role: str, centre: AdministrativeCentre) -> str:
    """CENTRE: a DIR3 administrative centre of the seller or buyer, with its address."""
    fields = {"party": role, "code": centre.code, "role": centre.role, "name": centre.name}
    if centre.address is not None:
        fields.update({key: getattr(centre.address, attr) for key, attr in _ADDRESS_KEYS})
        fields["address"] = "1"  # an address with every part empty still exists
    human = (
        f"Centro administrativo / administrative centre ({role}) {centre.role}: "
        f"{centre.code} {centre.name}"
    ).rstrip()
    return encode(CENTRE, human + ".", fields)


def centre_from(fields: dict[str, str]) -> tuple[str, AdministrativeCentre]:
    """(party role ``seller``/``buyer``, centre)."""
    address = None
    if fields.get("address") or any(fields.get(key) for key, _ in _ADDRESS_KEYS):
        address = Address(**{attr: fields.get(key, "") for key, attr in _ADDRESS_KEYS})
    centre = AdministrativeCentre(
        code=fields["code"],
        role=fields.get("role", ""),
        name=fields.get("name", ""),
        address=address,
    )
    return fields.get("party", "buyer"), centre


def correction_tag(c: Correction) -> str:
    """COR: the Facturae corrective data (reason and method codes, tax period)."""
    period = c.period
    return encode(
        CORRECTION,
        f"Factura rectificativa de / corrects invoice {c.series}{c.number}: "
        f"{c.reason_code} {c.reason}".rstrip()
        + ".",
        {
            "number": c.number,
            "series": c.series,
            "reason_code": c.reason_code,
            "reason": c.reason,
            "method": c.method,
            "method_description": c.method_description,
            "additional": c.additional_reasons,
            "start": day(period.start) if period else "",
            "end": day(period.end) if period else "",
            "date": day(c.issue_date),
        },
    )


def correction_from(fields: dict[str, str]) -> Correction:
    start, end = date_of(fields, "start"), date_of(fields, "end")
    return Correction(
        number=fields.get("number", ""),
        series=fields.get("series", ""),
        reason_code=fields.get("reason_code", ""),
        reason=fields.get("reason", ""),
        period=Period(start=start, end=end) if start or end else None,
        method=fields.get("method", ""),
        method_description=fields.get("method_description", ""),
        additional_reasons=fields.get("additional", ""),
        issue_date=date_of(fields, "date"),
    )


def preceding_tag(p: PrecedingInvoice) -> str:
    """PREC: a preceding invoice beyond the one the syntax has room for."""
    when = f" ({p.issue_date.isoformat()})" if p.issue_date else ""
    return encode(
        PRECEDING,
        f"Factura anterior / preceding invoice {p.number}{when}.",
        {"number": p.number, "date": day(p.issue_date)},
    )


def preceding_from(fields: dict[str, str]) -> PrecedingInvoice:
    return PrecedingInvoice(number=fields["number"], issue_date=date_of(fields, "date"))


def facturae_fields(invoice: Invoice) -> dict[str, str]:
    """Facturae document data differing from its defaults (empty for a plain invoice)."""
    document_type, issuer = self_billing_defaults(invoice.type_code)
    fields = {
        "language": invoice.language,
        "issuer": "" if invoice.issuer_type is issuer else invoice.issuer_type.value,
        "document_type": "" if invoice.document_type == document_type else invoice.document_type,
        "class": "" if invoice.invoice_class == "OO" else invoice.invoice_class,
        "exchange_rate": num(invoice.exchange_rate),
    }
    return {key: value for key, value in fields.items() if value}


def self_billing_defaults(type_code: str) -> tuple[str, IssuerType]:
    """(Facturae document type, issuer type) implied by BT-3 (read from UBL or CII).

    A self-billed invoice (UNCL1001 389, or 261 for a self-billed credit note) is issued by
    the buyer: Facturae ``InvoiceDocumentType`` AF (*autofactura*) and ``InvoiceIssuerType``
    RE.  A DOC tag, when present, still overrides both.
    """
    if type_code in {"389", "261"}:
        return "AF", IssuerType.BUYER
    return "FC", IssuerType.SELLER


def facturae_tag(invoice: Invoice) -> str:
    """DOC: Facturae document data, or ``""`` when all of it has its default value."""
    fields = facturae_fields(invoice)
    if not fields:
        return ""
    return encode(FACTURAE, "Datos del documento Facturae / Facturae document data.", fields)


def facturae_changes(fields: dict[str, str]) -> dict[str, object]:
    """Invoice field changes for a DOC tag."""
    changes: dict[str, object] = {}
    if fields.get("language"):
        changes["language"] = fields["language"]
    if fields.get("issuer"):
        changes["issuer_type"] = IssuerType(fields["issuer"])
    if fields.get("document_type"):
        changes["document_type"] = fields["document_type"]
    if fields.get("class"):
        changes["invoice_class"] = fields["class"]
    if fields.get("exchange_rate"):
        changes["exchange_rate"] = dec(fields, "exchange_rate")
    return changes


def instalments_tag(invoice: Invoice) -> str:
    """INST: the Facturae instalments (EN 16931 has a single due date BT-9)."""
    if not invoice.instalments:
        return ""
    cur = invoice.currency
    human = (
        "Vencimientos / instalments: "
        + "; ".join(
            f"{i.due_date.isoformat()} {money(i.amount)} {cur}" for i in invoice.instalments
        )
        + "."
    )
    rows = [[day(i.due_date), num(i.amount), i.means_code, i.account] for i in invoice.instalments]
    return encode(INSTALMENTS, human, {"list": join_list(rows)})


def instalments_from(fields: dict[str, str]) -> tuple[Instalment, ...]:
    out = []
    for due, amount, means, account in split_list(fields["list"]):
        due_date = date_of({"d": due}, "d")
        if due_date is None:
            raise ValueError("instalment without due date")
        out.append(
            Instalment(due_date=due_date, amount=_number(amount), means_code=means, account=account)
        )
    return tuple(out)


def payment_tag(means_code: str, written: str) -> str:
    """PAY: BT-81 of the invoice when ``written`` had to be used instead."""
    return encode(
        PAYMENT,
        f"Medio de pago / payment means {means_code} (escrito como / written as {written}).",
        {"means": means_code},
    )


# ---------------------------------------------------------------------------------------------
# Facturae general discounts and surcharges
# ---------------------------------------------------------------------------------------------

_Key = tuple[VatCategory, Decimal | None]


@dataclass(frozen=True, slots=True)
class SplitCharges:
    """Document-level allowances/charges as EN 16931 needs them, and the SPLIT tags that let
    a reader put split entries back together."""

    charges: list[AllowanceCharge]
    tags: list[str]


def split_general_charges(invoice: Invoice) -> SplitCharges:
    """Document-level allowances/charges ready for EN 16931 (see :func:`_split_charges`), plus
    a one-part SPLIT tag with ``keep=1`` for every entry whose tax (IGIC, IPSI …) its VAT
    category alone does not tell (an exempt IGIC discount has category E, read back as IVA)."""
    result = _split_charges(invoice)
    covered: set[int] = set()
    for tag in result.tags:
        decoded = decode(tag)
        if decoded is not None:
            first = int(decoded.fields["first"]) - 1
            covered.update(range(first, first + int(decoded.fields["count"])))
    for index, charge in enumerate(result.charges):
        if (
            index in covered
            or charge.vat_category is None
            or charge.tax_type is default_tax_type(charge.vat_category)
        ):
            continue
        result.tags.append(
            encode(
                SPLIT,
                f"{'Recargo' if charge.is_charge else 'Descuento'} de {money(charge.amount)} "
                f"sobre {tax_name(charge.tax_type)} / "
                f"{'charge' if charge.is_charge else 'discount'} on {tax_name(charge.tax_type)}.",
                {
                    "first": str(index + 1),
                    "count": "1",
                    "amount": num(charge.amount),
                    "tax": charge.tax_type.value,
                    "keep": "1",
                },
            )
        )
    return result


def _split_charges(invoice: Invoice) -> SplitCharges:
    """Give every document-level allowance/charge the VAT category EN 16931 requires.

    EN 16931 gives each document-level allowance or charge one VAT category and rate (BT-95/
    BT-96, BT-102/BT-103); a Facturae general discount or surcharge has none and applies to
    the whole base.  Such an entry takes the category and rate of the lines when they all
    share one.  Otherwise it is split into one entry per (category, rate), in proportion to
    the line net amounts and rounded to the cent, the last part taking the remainder; when the
    VAT breakdown says how the loose entries were really shared out, the last loose entry is
    adjusted so that every breakdown row adds up to the cent (BR-S-08 …), or, failing that,
    each entry is put wholly on one rate when that matches the breakdown.  Each such entry
    gets a SPLIT tag naming its parts, so a reader restores the one Facturae entry.
    """
    groups: dict[_Key, Decimal] = {}
    for line in invoice.lines:
        key = (line.vat_category, line.vat_rate)
        groups[key] = groups.get(key, ZERO) + line.net_amount
    loose = [c for c in invoice.allowances_charges if c.vat_category is None]
    if not loose or not groups:
        return SplitCharges(list(invoice.allowances_charges), [])
    if len(groups) == 1:
        [(category, rate)] = groups
        return SplitCharges(
            [
                c if c.vat_category is not None else _with_category(c, category, rate, c.amount)
                for c in invoice.allowances_charges
            ],
            [],
        )
    split = _share_out(loose, groups, _loose_totals_from_breakdown(invoice, groups))
    parts_of = {id(c): p for c, p in zip(loose, split, strict=True)}
    out: list[AllowanceCharge] = []
    tags: list[str] = []
    for charge in invoice.allowances_charges:
        if charge.vat_category is not None:
            out.append(charge)
            continue
        parts = [
            _with_category(charge, category, rate, amount)
            for (category, rate), amount in parts_of[id(charge)].items()
            if amount
        ] or [_with_category(charge, *next(iter(groups)), charge.amount)]
        kind = "Recargo general" if charge.is_charge else "Descuento general"
        tags.append(
            encode(
                SPLIT,
                f"{kind} de {money(charge.amount)} repartido por tipo de IVA / general "
                f"{'charge' if charge.is_charge else 'discount'} split per VAT rate.",
                {
                    "first": str(len(out) + 1),
                    "count": str(len(parts)),
                    "amount": num(charge.amount),
                    "base": num(charge.base_amount),
                    "percent": num(charge.percent),
                    "tax": ("" if charge.tax_type is TaxType.IVA else charge.tax_type.value),
                },
            )
        )
        out.extend(parts)
    return SplitCharges(out, tags)


def merge_split_charges(
    charges: Sequence[AllowanceCharge], splits: Sequence[dict[str, str]]
) -> tuple[AllowanceCharge, ...]:
    """Inverse of :func:`split_general_charges`: each SPLIT tag's parts become one entry.

    A tag whose parts do not add up to its amount (the document was edited) is ignored.
    """
    merged: dict[int, tuple[int, AllowanceCharge]] = {}
    for fields in splits:
        first, count = int(fields["first"]) - 1, int(fields["count"])
        parts = list(charges[first : first + count])
        amount = dec0(fields, "amount")
        if (
            first < 0
            or count < 1
            or len(parts) != count
            or len({p.is_charge for p in parts}) != 1
            or sum((p.amount for p in parts), ZERO) != amount
        ):
            continue
        if fields.get("keep") == "1":
            # Not a split: only the tax the category could not tell.
            merged[first] = (count, replace(parts[0], tax_type=TaxType(fields["tax"])))
            continue
        merged[first] = (
            count,
            replace(
                parts[0],
                amount=amount,
                base_amount=dec(fields, "base"),
                percent=dec(fields, "percent"),
                vat_category=None,
                vat_rate=None,
                tax_type=TaxType(fields.get("tax") or TaxType.IVA.value),
            ),
        )
    out: list[AllowanceCharge] = []
    index = 0
    while index < len(charges):
        if index in merged:
            count, charge = merged[index]
            out.append(charge)
            index += count
        else:
            out.append(charges[index])
            index += 1
    return tuple(out)


def _share_out(
    loose: list[AllowanceCharge],
    groups: dict[_Key, Decimal],
    target: dict[_Key, Decimal] | None,
) -> list[dict[_Key, Decimal]]:
    """Amount of each loose entry per (category, rate).

    In order of preference: in proportion to the line net amounts with the last entry
    absorbing what the VAT breakdown says (``target``: allowances minus charges per group);
    each entry wholly in one group, when that matches the breakdown exactly (an invoice whose
    general discount really concerned one rate); plain proportions.
    """
    split = [_proportional_parts(groups, c.amount) for c in loose]
    if target is None:
        return split
    last = loose[-1]
    sign = -1 if last.is_charge else 1
    fixed: dict[_Key, Decimal] = {}
    for key in groups:
        before = sum(
            (
                (-p[key] if c.is_charge else p[key])
                for c, p in zip(loose[:-1], split[:-1], strict=True)
            ),
            ZERO,
        )
        fixed[key] = sign * (target[key] - before)
    if sum(fixed.values(), ZERO) == last.amount and all(v >= 0 for v in fixed.values()):
        return [*split[:-1], fixed]
    keys = list(groups)
    if len(keys) ** len(loose) <= _MAX_ASSIGNMENTS:
        for choice in itertools.product(keys, repeat=len(loose)):
            net = dict.fromkeys(keys, ZERO)
            for entry, key in zip(loose, choice, strict=True):
                net[key] += -entry.amount if entry.is_charge else entry.amount
            if net == target:
                return [{key: entry.amount} for entry, key in zip(loose, choice, strict=True)]
    return split


_MAX_ASSIGNMENTS: Final = 4096
"""Largest number of whole-entry assignments :func:`_share_out` tries (groups ** entries)."""


def _with_category(
    charge: AllowanceCharge, category: VatCategory, rate: Decimal | None, amount: Decimal
) -> AllowanceCharge:
    whole = amount == charge.amount
    return replace(
        charge,
        amount=amount,
        base_amount=charge.base_amount if whole else None,
        percent=charge.percent if whole else None,
        vat_category=category,
        vat_rate=rate,
        tax_type=default_tax_type(category),
    )


def _loose_totals_from_breakdown(
    invoice: Invoice, groups: dict[_Key, Decimal]
) -> dict[_Key, Decimal] | None:
    """Per (category, rate): allowances minus charges without category, as the VAT
    breakdown implies them; ``None`` when the breakdown does not cover the lines."""
    taxable: dict[_Key, Decimal] = {}
    for row in invoice.vat_breakdown:
        key = (row.category, row.rate)
        taxable[key] = taxable.get(key, ZERO) + row.taxable_amount
    if set(taxable) != set(groups):
        return None
    for other in invoice.allowances_charges:
        if other.vat_category is not None:
            key = (other.vat_category, other.vat_rate)
            taxable[key] = taxable.get(key, ZERO) + (
                -other.amount if other.is_charge else other.amount
            )
    return {key: total - taxable[key] for key, total in groups.items()}


def _proportional_parts(groups: dict[_Key, Decimal], amount: Decimal) -> dict[_Key, Decimal]:
    total = sum(groups.values(), ZERO)
    keys = list(groups)
    parts: dict[_Key, Decimal] = {}
    if not total:
        parts[keys[0]] = amount
        return parts
    remaining = amount
    for key in keys[:-1]:
        part = lexical.quantize(amount * groups[key] / total, 2)
        parts[key] = part
        remaining -= part
    parts[keys[-1]] = remaining
    return parts


# ---------------------------------------------------------------------------------------------
# NIF: tax IDs of a "not subject to VAT" invoice
# ---------------------------------------------------------------------------------------------


def not_subject(invoice: Invoice) -> bool:
    """Whether the invoice is "not subject to VAT" (category O, Facturae *no sujeta*).

    EN 16931 then forbids the VAT identifiers of seller, buyer and tax representative
    (BR-O-02 … BR-O-04): the Spanish NIF travels as the seller's tax registration
    identifier (BT-32) and the buyer's legal registration identifier (BT-47), and tag
    ``DOC`` gives our reader back the tax IDs.
    """
    return any(line.vat_category is VatCategory.NOT_SUBJECT for line in invoice.lines) or any(
        row.category is VatCategory.NOT_SUBJECT for row in invoice.vat_breakdown
    )


def tax_ids_tag(invoice: Invoice) -> str:
    """NIF: the parties' tax IDs, which a category O invoice may not carry as VAT IDs.

    The renderers write the Spanish NIF elsewhere (seller BT-32, buyer BT-47) for any
    reader; this tag tells ours which party identifier was the tax ID.
    """
    rep = invoice.tax_representative
    fields = {
        "seller": invoice.seller.tax_id,
        "buyer": invoice.buyer.tax_id,
        "rep": rep.tax_id if rep is not None else "",
    }
    if not any(fields.values()):
        return ""
    return encode(
        TAX_IDS,
        "Operación no sujeta a IVA: NIF de las partes / Not subject to VAT: tax IDs of the "
        "parties.",
        fields,
    )


def _with_tax_id(party: Party, value: str) -> Party:
    """``party`` with tax ID ``value`` and the scheme-less copies of it removed."""
    legal = party.legal_id
    if legal is not None and legal.value == value and not legal.scheme:
        legal = None
    return replace(
        party,
        tax_id=value,
        legal_id=legal,
        identifiers=tuple(i for i in party.identifiers if not (i.value == value and not i.scheme)),
        tax_registration_id="" if party.tax_registration_id == value else party.tax_registration_id,
    )


def with_tax_ids(invoice: Invoice, fields: dict[str, str]) -> Invoice:
    """``invoice`` with the tax IDs of a NIF tag restored (and the copies written in
    their place, BT-32 / BT-47, removed)."""
    seller, buyer, rep = invoice.seller, invoice.buyer, invoice.tax_representative
    if fields.get("seller"):
        seller = _with_tax_id(seller, fields["seller"])
    if fields.get("buyer"):
        buyer = _with_tax_id(buyer, fields["buyer"])
    if rep is not None and fields.get("rep"):
        rep = replace(rep, tax_id=fields["rep"])
    return replace(invoice, seller=seller, buyer=buyer, tax_representative=rep)


_EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "text/csv": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/zip": "zip",
}


def attachment_filename(attachment: Attachment, index: int) -> str:
    """BT-125-2: the attachment's file name, or one made from its number and MIME type.

    UBL requires a file name on every embedded document (UBL-DT-07, fatal) and Facturae
    has none, so ``anexo-<n>.<ext>`` is written for Facturae attachments.
    """
    if attachment.filename:
        return attachment.filename
    ext = _EXTENSIONS.get(attachment.mime_type, "bin")
    return f"anexo-{attachment.id or index}.{ext}"
