"""Spanish data EN 16931 has no business term for, carried in UBL as tagged note lines.

EN 16931 knows only VAT.  A Spanish invoice may also carry

* **withholdings** (*retenciones*, mainly IRPF): tax the *buyer* keeps back and pays to the
  tax agency.  They change neither the VAT base nor the VAT, only what the buyer transfers;
* the **equivalence surcharge** (*recargo de equivalencia*): a tax the seller charges a retail
  buyer on top of VAT (5.2 % with 21 %, 1.4 % with 10 %, 0.5 % with 4 % …).  It is not VAT,
  so it cannot enter the VAT breakdown (BR-CO-17 / BR-S-09 would fail);
* the Facturae series, legal literals, corrective-invoice data and DIR3 administrative
  centres.

How they travel (reasoning and legal caveat in ``docs/formats/ubl.md``):

* BT-109/BT-110/BT-112 stay pure VAT figures and BT-115 is what the buyer really pays;
  BT-113 *Paid amount* is the balancing figure (prepaid + withholdings - surcharge +
  guarantee retentions - reimbursable expenses), so BR-CO-16 holds;
* each fact becomes one line of the document note (BT-22: Peppol allows a single note,
  PEPPOL-EN16931-R002) or of the line note (BT-127).  A line reads as a sentence for a person
  and ends in a machine tag, the same syntax the CII package writes::

      Retención IRPF 15 % s/ 1000.00: 150.00 {efactura:WH tax=04 rate=15 base=1000 amount=150}

Tag values are percent-encoded, so they never contain spaces or braces.  The reader removes
tagged lines from the note and restores the canonical fields exactly.  A line whose tag does
not decode cleanly stays an ordinary note line: a stranger's note never makes an invoice
unreadable.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Final
from urllib.parse import quote, unquote

from einvoice.formats.ubl._common import amount_text, number_text
from einvoice.model import (
    ZERO,
    AdministrativeCentre,
    Correction,
    Invoice,
    Line,
    Period,
    TaxType,
    VatBreakdown,
    Withholding,
)

_TAG: Final = re.compile(r"\{efactura:([A-Z]+)((?: [a-z_]+=[^\s{}]*)*)\}\s*$")

SERIES: Final = "SERIES"
WITHHOLDING: Final = "WH"
TAX: Final = "TAX"
LINE: Final = "LINE"
TOTALS: Final = "TOT"
CENTRE: Final = "CENTRE"
CORRECTION: Final = "COR"
LEGAL: Final = "LEGAL"

_TAX_NAMES: Final = {TaxType.IRPF: "IRPF", TaxType.IRNR: "IRNR"}


def encode(kind: str, human: str, fields: dict[str, str]) -> str:
    """``human`` followed by the tag of ``fields`` (empty values left out)."""
    machine = "".join(f" {key}={quote(value, safe='')}" for key, value in fields.items() if value)
    tag = f"{{efactura:{kind}{machine}}}"
    return f"{human} {tag}" if human else tag


def decode(line: str) -> tuple[str, dict[str, str]] | None:
    """(kind, fields) of a tagged line, ``None`` for an ordinary line."""
    match = _TAG.search(line)
    if match is None:
        return None
    fields: dict[str, str] = {}
    for pair in match.group(2).split():
        key, _, value = pair.partition("=")
        fields[key] = unquote(value)
    return match.group(1), fields


@dataclass(frozen=True, kw_only=True, slots=True)
class SpanishTotals:
    """The Facturae totals folded into BT-113 (see module docstring)."""

    prepaid: Decimal = ZERO
    withheld: Decimal = ZERO
    surcharge: Decimal = ZERO
    guarantee: Decimal = ZERO
    reimbursable: Decimal = ZERO

    @property
    def needed(self) -> bool:
        """Whether anything beyond a plain prepayment is folded into BT-113."""
        return any((self.withheld, self.surcharge, self.guarantee, self.reimbursable))

    @property
    def paid_amount(self) -> Decimal:
        """BT-113 as written: everything between BT-112 + BT-114 and BT-115."""
        return self.prepaid + self.withheld - self.surcharge + self.guarantee - self.reimbursable


def spanish_totals(invoice: Invoice) -> SpanishTotals:
    t = invoice.totals
    return SpanishTotals(
        prepaid=t.prepaid,
        withheld=t.withheld_total,
        surcharge=t.surcharge_total,
        guarantee=t.amounts_withheld,
        reimbursable=t.reimbursable_total,
    )


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _opt(value: Decimal | None) -> str:
    return "" if value is None else number_text(value)


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _withholding(w: Withholding) -> str:
    name = _TAX_NAMES.get(w.tax_type, f"({w.tax_type.value})")
    human = (
        f"Retención {name} {number_text(w.rate)} % s/ {amount_text(w.base)}: "
        f"{amount_text(w.amount)}"
    )
    return encode(
        WITHHOLDING,
        human,
        {
            "tax": w.tax_type.value,
            "rate": number_text(w.rate),
            "base": number_text(w.base),
            "amount": number_text(w.amount),
        },
    )


def _surcharge(row: VatBreakdown) -> str:
    human = (
        f"Recargo de equivalencia {_opt(row.surcharge_rate)} % s/ "
        f"{amount_text(row.taxable_amount)}: "
        f"{amount_text(row.surcharge_amount) if row.surcharge_amount is not None else '-'}"
    )
    return encode(
        TAX,
        human,
        {
            "category": row.category.value,
            "rate": _opt(row.rate),
            "tax": row.tax_type.value,
            "surcharge_rate": _opt(row.surcharge_rate),
            "surcharge_amount": _opt(row.surcharge_amount),
        },
    )


def document_lines(invoice: Invoice) -> list[str]:
    """Tagged note lines for the Spanish data of the invoice (empty for a plain invoice)."""
    out: list[str] = []
    if invoice.series:
        out.append(
            encode(
                SERIES,
                f"Serie {invoice.series}, número {invoice.number}",
                {"series": invoice.series, "number": invoice.number},
            )
        )
    out.extend(encode(LEGAL, literal, {}) for literal in invoice.legal_literals if literal)
    out.extend(_withholding(w) for w in invoice.withholdings)
    out.extend(
        _surcharge(row)
        for row in invoice.vat_breakdown
        if row.surcharge_rate is not None or row.surcharge_amount is not None
    )
    totals = spanish_totals(invoice)
    if totals.needed:
        out.append(
            encode(
                TOTALS,
                "Totales",
                {
                    "prepaid": number_text(totals.prepaid),
                    "withheld": number_text(totals.withheld),
                    "surcharge": number_text(totals.surcharge),
                    "amounts_withheld": number_text(totals.guarantee),
                    "reimbursable": number_text(totals.reimbursable),
                    "amounts_withheld_reason": invoice.totals.amounts_withheld_reason,
                },
            )
        )
    for role, party in (("seller", invoice.seller), ("buyer", invoice.buyer)):
        for centre in party.centres:
            out.append(
                encode(
                    CENTRE,
                    f"Centro administrativo {centre.role} {centre.code}",
                    {"party": role, "code": centre.code, "role": centre.role, "name": centre.name},
                )
            )
    c = invoice.correction
    if c is not None:
        period = c.period
        out.append(
            encode(
                CORRECTION,
                f"Rectifica la factura {c.series}{c.number}",
                {
                    "number": c.number,
                    "series": c.series,
                    "reason_code": c.reason_code,
                    "reason": c.reason,
                    "method": c.method,
                    "method_description": c.method_description,
                    "additional": c.additional_reasons,
                    "start": _date(period.start) if period else "",
                    "end": _date(period.end) if period else "",
                    "date": _date(c.issue_date),
                },
            )
        )
    return out


def line_lines(line: Line) -> list[str]:
    """Tagged line-note lines for the Spanish data of one invoice line."""
    out = [_withholding(w) for w in line.withholdings]
    if line.surcharge_rate is not None:
        out.append(
            encode(
                LINE,
                f"Recargo de equivalencia {number_text(line.surcharge_rate)} %",
                {"surcharge_rate": number_text(line.surcharge_rate)},
            )
        )
    return out


def join(text: str, tag_lines: list[str]) -> str:
    """The free note text followed by the tag lines, one per line."""
    return "\n".join([text, *tag_lines] if text else tag_lines)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


@dataclass(kw_only=True, slots=True)
class Extracted:
    """A note split into its free text and the Spanish data tagged in it."""

    text: str = ""
    series: str = ""
    number: str = ""
    legal_literals: list[str] = field(default_factory=list)
    withholdings: list[Withholding] = field(default_factory=list)
    surcharges: dict[tuple[str, Decimal | None], tuple[Decimal | None, Decimal | None]] = field(
        default_factory=dict
    )
    """(category, VAT rate) -> (surcharge rate, surcharge amount)."""
    totals: SpanishTotals | None = None
    amounts_withheld_reason: str = ""
    centres: dict[str, list[AdministrativeCentre]] = field(default_factory=dict)
    correction: Correction | None = None
    line_surcharge_rate: Decimal | None = None

    @property
    def found(self) -> bool:
        return bool(
            self.series
            or self.legal_literals
            or self.withholdings
            or self.surcharges
            or self.totals
            or self.centres
            or self.correction
            or self.line_surcharge_rate is not None
        )


def _dec(fields: dict[str, str], key: str) -> Decimal | None:
    raw = fields.get(key, "")
    if not raw:
        return None
    value = Decimal(raw)
    if not value.is_finite():
        raise InvalidOperation(raw)
    return value


def _req(fields: dict[str, str], key: str) -> Decimal:
    value = _dec(fields, key)
    return ZERO if value is None else value


def _day(fields: dict[str, str], key: str) -> dt.date | None:
    raw = fields.get(key, "")
    return dt.date.fromisoformat(raw) if raw else None


def _apply(out: Extracted, kind: str, line: str, f: dict[str, str]) -> None:
    """Store one decoded tag; raises ValueError/InvalidOperation when a value is bad."""
    if kind == SERIES:
        out.series, out.number = f.get("series", ""), f.get("number", "")
    elif kind == LEGAL:
        out.legal_literals.append(_TAG.sub("", line).rstrip())
    elif kind == WITHHOLDING:
        out.withholdings.append(
            Withholding(
                tax_type=TaxType(f.get("tax", TaxType.IRPF.value)),
                rate=_req(f, "rate"),
                base=_req(f, "base"),
                amount=_req(f, "amount"),
            )
        )
    elif kind == TAX:
        key = (f.get("category", ""), _dec(f, "rate"))
        out.surcharges[key] = (_dec(f, "surcharge_rate"), _dec(f, "surcharge_amount"))
    elif kind == TOTALS:
        out.totals = SpanishTotals(
            prepaid=_req(f, "prepaid"),
            withheld=_req(f, "withheld"),
            surcharge=_req(f, "surcharge"),
            guarantee=_req(f, "amounts_withheld"),
            reimbursable=_req(f, "reimbursable"),
        )
        out.amounts_withheld_reason = f.get("amounts_withheld_reason", "")
    elif kind == CENTRE:
        centre = AdministrativeCentre(
            code=f.get("code", ""), role=f.get("role", ""), name=f.get("name", "")
        )
        out.centres.setdefault(f.get("party", "buyer"), []).append(centre)
    elif kind == CORRECTION:
        start, end = _day(f, "start"), _day(f, "end")
        out.correction = Correction(
            number=f.get("number", ""),
            series=f.get("series", ""),
            reason_code=f.get("reason_code", ""),
            reason=f.get("reason", ""),
            method=f.get("method", ""),
            method_description=f.get("method_description", ""),
            additional_reasons=f.get("additional", ""),
            period=Period(start=start, end=end) if start or end else None,
            issue_date=_day(f, "date"),
        )
    elif kind == LINE:
        out.line_surcharge_rate = _dec(f, "surcharge_rate")
    else:
        raise ValueError(kind)


def extract(note: str) -> Extracted:
    """Split ``note`` into free text and decoded Spanish data (see module docstring)."""
    out = Extracted()
    if "{efactura:" not in note:
        out.text = note
        return out
    kept: list[str] = []
    for line in note.split("\n"):
        decoded = decode(line)
        if decoded is None:
            kept.append(line)
            continue
        try:
            _apply(out, decoded[0], line, decoded[1])
        except (ValueError, InvalidOperation):
            kept.append(line)  # not ours after all: keep it as text
    out.text = "\n".join(kept).strip("\n")
    return out
