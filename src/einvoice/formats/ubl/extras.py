"""Spanish data EN 16931 has no business term for, carried in UBL as tagged note lines.

EN 16931 knows only VAT.  A Spanish invoice may also carry

* **withholdings** (*retenciones*, mainly IRPF): tax the *buyer* keeps back and pays to the
  tax agency.  They change neither the VAT base nor the VAT, only what the buyer transfers;
* the **equivalence surcharge** (*recargo de equivalencia*): a tax the seller charges a retail
  buyer on top of VAT (5.2 % with 21 %, 1.4 % with 10 %, 0.5 % with 4 % …).  It is not VAT,
  so it cannot enter the VAT breakdown (BR-CO-17 / BR-S-09 would fail);
* IGIC or IPSI on an exempt or zero-rated line, which EN 16931 categories E/Z/O cannot tell
  apart from IVA;
* the Facturae series, legal literals, corrective-invoice data, DIR3 administrative centres
  (with their addresses), instalments and document type/class.

How they travel (reasoning and legal caveat in ``docs/formats/ubl.md``):

* BT-109/BT-110/BT-112 stay pure VAT figures and BT-115 is what the buyer really pays;
  BT-113 *Paid amount* is the balancing figure (prepaid + withholdings - surcharge +
  guarantee retentions - reimbursable expenses), so BR-CO-16 holds;
* each fact becomes one line of the document note (BT-22: Peppol allows a single note,
  PEPPOL-EN16931-R002) or, for line data, of the line note (BT-127).  The tag syntax, kinds
  and field names are those of :mod:`einvoice.formats._tags`, shared with CII.

The reader removes tagged lines from the notes and restores the canonical fields exactly; a
line whose tag does not decode cleanly stays an ordinary note line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from einvoice.formats import _tags
from einvoice.model import (
    ZERO,
    AdministrativeCentre,
    Correction,
    Instalment,
    Invoice,
    Line,
    VatBreakdown,
    Withholding,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class SpanishTotals:
    """The Facturae totals folded into BT-113 (see module docstring)."""

    prepaid: Decimal = ZERO
    withheld: Decimal = ZERO
    surcharge: Decimal = ZERO
    guarantee: Decimal = ZERO
    reimbursable: Decimal = ZERO

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


def document_lines(invoice: Invoice, *, extra: list[str] | None = None) -> list[str]:
    """Tagged note lines for the Spanish data of the invoice (empty for a plain invoice).

    ``extra`` holds tags the writer made while mapping (general discounts split per VAT rate,
    a payment means Peppol needed changed); they go last.
    """
    out: list[str] = []
    cur = invoice.currency
    if invoice.series:
        out.append(_tags.series_tag(invoice))
    out.extend(_tags.legal_tag(literal) for literal in invoice.legal_literals if literal)
    out.extend(_tags.withholding_tag(w, cur) for w in invoice.withholdings)
    if _tags.breakdown_needs_tags(invoice.vat_breakdown):
        out.extend(
            _tags.tax_row_tag(index, row, cur)
            for index, row in enumerate(invoice.vat_breakdown, start=1)
        )
    if _tags.has_spanish_amounts(invoice):
        out.append(_tags.totals_tag(invoice))
    for role, party in (("seller", invoice.seller), ("buyer", invoice.buyer)):
        out.extend(_tags.centre_tag(role, centre) for centre in party.centres)
    out.extend(tag for tag in (_tags.facturae_tag(invoice), _tags.instalments_tag(invoice)) if tag)
    if invoice.correction is not None:
        out.append(_tags.correction_tag(invoice.correction))
    out.extend(extra or ())
    return out


def line_lines(line: Line) -> list[str]:
    """Tagged line-note lines for the Spanish data of one invoice line."""
    tag = _tags.line_tag(line)
    return [tag] if tag else []


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
    series: tuple[str, str] | None = None
    """(series, number) of the SERIES tag."""
    series_fields: dict[str, str] = field(default_factory=dict)
    legal_literals: list[str] = field(default_factory=list)
    withholdings: list[Withholding] = field(default_factory=list)
    rows: list[tuple[int, VatBreakdown]] = field(default_factory=list)
    totals: dict[str, str] | None = None
    centres: dict[str, list[AdministrativeCentre]] = field(default_factory=dict)
    correction: Correction | None = None
    facturae: dict[str, object] = field(default_factory=dict)
    instalments: tuple[Instalment, ...] = ()
    splits: list[dict[str, str]] = field(default_factory=list)
    means_code: str = ""
    tax_ids: dict[str, str] = field(default_factory=dict)
    """Fields of a NIF tag (tax IDs of a not-subject invoice)."""
    line: dict[str, str] | None = None
    """Fields of a LINE tag (line notes)."""
    legacy_line_withholdings: list[Withholding] = field(default_factory=list)
    """WH tags on a line note, as files written before the LINE ``wh`` field carried them."""

    @property
    def found(self) -> bool:
        return bool(
            self.series_fields
            or self.legal_literals
            or self.withholdings
            or self.rows
            or self.totals is not None
            or self.centres
            or self.correction
            or self.facturae
            or self.instalments
            or self.splits
            or self.means_code
            or self.tax_ids
            or self.line is not None
        )


_PROBE: Final = Line(id="", name="", quantity=ZERO, net_price=ZERO, net_amount=ZERO)
"""A line to try LINE fields on before accepting the tag."""


def _apply(out: Extracted, tagged: _tags.Tagged) -> None:
    """Store one decoded tag; raises one of ``_tags.DECODE_ERRORS`` when a value is bad."""
    kind, f = tagged.kind, tagged.fields
    if kind == _tags.SERIES:
        if not f.get("series"):
            raise ValueError("empty series")
        out.series_fields = f
    elif kind == _tags.LEGAL:
        out.legal_literals.append(tagged.human)
    elif kind == _tags.WITHHOLDING:
        out.withholdings.append(_tags.withholding_from(f))
    elif kind == _tags.TAX:
        out.rows.append(_tags.tax_row_from(f))
    elif kind == _tags.TOTALS:
        for key in ("vat_total", "tax_inclusive", "prepaid", "withheld", "surcharge"):
            _tags.dec(f, key)  # validate now, so a bad tag stays text
        out.totals = f
    elif kind == _tags.CENTRE:
        role, centre = _tags.centre_from(f)
        out.centres.setdefault(role, []).append(centre)
    elif kind == _tags.CORRECTION:
        out.correction = _tags.correction_from(f)
    elif kind == _tags.FACTURAE:
        out.facturae = _tags.facturae_changes(f)
    elif kind == _tags.INSTALMENTS:
        out.instalments = _tags.instalments_from(f)
    elif kind == _tags.SPLIT:
        int(f["first"]), int(f["count"]), _tags.dec0(f, "amount")
        out.splits.append(f)
    elif kind == _tags.TAX_IDS:
        out.tax_ids = f
    elif kind == _tags.PAYMENT:
        if not f.get("means"):
            raise ValueError("empty means")
        out.means_code = f["means"]
    elif kind == _tags.LINE:
        if "line" in f:
            raise ValueError("LINE tags of UBL sit on their line")
        _tags.line_with(_PROBE, f)  # raises now on a bad value, so the tag stays text
        out.line = f
    else:
        raise ValueError(kind)


def _apply_line(out: Extracted, tagged: _tags.Tagged) -> None:
    if tagged.kind == _tags.WITHHOLDING:
        out.legacy_line_withholdings.append(_tags.withholding_from(tagged.fields))
    elif tagged.kind == _tags.LINE:
        _apply(out, tagged)
    else:
        raise ValueError(tagged.kind)


def extract(note: str, *, line: bool = False) -> Extracted:
    """Split ``note`` into free text and decoded Spanish data (see module docstring).

    ``line`` selects the tags a line note may hold (LINE, and WH as older files wrote it).
    """
    out = Extracted()
    if "{" + _tags.PREFIX + ":" not in note:
        out.text = note
        return out
    kept: list[str] = []
    for text in note.split("\n"):
        tagged = _tags.decode(text)
        if tagged is None:
            kept.append(text)
            continue
        try:
            (_apply_line if line else _apply)(out, tagged)
        except _tags.DECODE_ERRORS:
            kept.append(text)  # not ours after all: keep it as text
    out.text = "\n".join(kept).strip("\n")
    return out
