"""From the canonical invoice to a VERI*FACTU registration record.

The breakdown maps the EN 16931 VAT categories onto the AEAT's qualifications
(``CalificacionOperacion`` S1 taxed, S2 reverse charge, N1 not subject) and exemption causes
(``OperacionExenta`` E1 art. 20, E2 art. 21 exports, E5 art. 25 intra-community supplies).
``CuotaTotal`` and ``ImporteTotal`` are the sums of the breakdown as written, so the record
always adds up the way the AEAT checks it (withholdings such as IRPF are not part of them).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from einvoice import model as em
from einvoice.verifactu.records import (
    ChainLink,
    Party,
    Registration,
    Software,
    TaxLine,
    amount,
    spanish_nif,
)

_TAX_CODES = {em.TaxType.IVA: "01", em.TaxType.IPSI: "02", em.TaxType.IGIC: "03"}


def _tax_line(row: em.VatBreakdown) -> TaxLine:
    code = _TAX_CODES.get(row.tax_type, "05")
    category = row.category
    if category is em.VatCategory.CANARY_IGIC:
        code = "03"
    elif category is em.VatCategory.CEUTA_MELILLA_IPSI:
        code = "02"
    base = row.taxable_amount
    if category is em.VatCategory.EXEMPT:
        return TaxLine(base=base, tax_code=code, exemption="E1")
    if category is em.VatCategory.EXPORT:
        return TaxLine(base=base, tax_code=code, regime="02", exemption="E2")
    if category is em.VatCategory.INTRA_COMMUNITY:
        return TaxLine(base=base, tax_code=code, exemption="E5")
    if category is em.VatCategory.NOT_SUBJECT:
        return TaxLine(base=base, tax_code=code, qualification="N1")
    if category is em.VatCategory.REVERSE_CHARGE:
        return TaxLine(
            base=base,
            tax_code=code,
            qualification="S2",
            rate=row.rate or Decimal("0"),
            tax=Decimal("0"),
        )
    return TaxLine(
        base=base,
        tax_code=code,
        qualification="S1",
        rate=row.rate or Decimal("0"),
        tax=row.tax_amount,
        surcharge_rate=row.surcharge_rate,
        surcharge=row.surcharge_amount,
    )


def _recipient(buyer: em.Party) -> Party:
    country = (buyer.country or "ES").upper()
    tax_id = buyer.tax_id.strip().upper()
    if country == "ES" or tax_id.startswith("ES"):
        return Party(name=buyer.full_name, nif=spanish_nif(tax_id))
    return Party(name=buyer.full_name, country=country, id_type="02", other_id=tax_id)


def invoice_type(invoice: em.Invoice) -> str:
    """``TipoFactura``: F1 complete, F2 simplified, R1 corrective (R5 when simplified)."""
    simplified = invoice.document_type == "FA"
    if invoice.is_corrective:
        return "R5" if simplified else "R1"
    return "F2" if simplified else "F1"


def description(invoice: em.Invoice) -> str:
    """``DescripcionOperacion``: the first line descriptions, joined (at most 500 chars)."""
    names = [line.name.strip() for line in invoice.lines]
    text = "; ".join(n for n in names if n) or "Factura"
    return text[:500]


def registration(
    invoice: em.Invoice,
    *,
    generated_at: dt.datetime,
    software: Software,
    previous: ChainLink | None,
    correction: bool = False,
    previous_rejection: str = "",
) -> Registration:
    """The ``RegistroAlta`` of an issued canonical invoice (totals already computed)."""
    lines = tuple(_tax_line(row) for row in invoice.vat_breakdown)
    if not lines:
        lines = (TaxLine(base=invoice.totals.tax_exclusive, qualification="N1"),)
    tax_total = sum(
        (Decimal(amount(line.tax)) + Decimal(amount(line.surcharge or Decimal("0"))))
        for line in lines
        if not line.exemption and line.qualification in {"S1", "S2"}
    ) or Decimal("0")
    base_total = sum((Decimal(amount(line.base)) for line in lines), Decimal("0"))
    kind = invoice_type(invoice)
    corrected: tuple[tuple[str, str, dt.date], ...] = ()
    if invoice.correction is not None and invoice.correction.issue_date is not None:
        corrected = (
            (
                spanish_nif(invoice.seller.tax_id),
                f"{invoice.correction.series}{invoice.correction.number}",
                invoice.correction.issue_date,
            ),
        )
    simplified = kind in {"F2", "R5"}
    issued_by, issuer_party = "", None
    if invoice.issuer_type is em.IssuerType.THIRD_PARTY and invoice.third_party is not None:
        # Issued materially by a third party (e.g. the platform's seal on the seller's behalf).
        issued_by, issuer_party = "T", _recipient(invoice.third_party)
    elif invoice.issuer_type is em.IssuerType.BUYER:
        issued_by = "D"
    return Registration(
        issued_by=issued_by,
        issuer_party=issuer_party,
        issuer_nif=spanish_nif(invoice.seller.tax_id),
        issuer_name=invoice.seller.full_name,
        number=invoice.full_number,
        issue_date=invoice.issue_date,
        invoice_type=kind,
        description=description(invoice),
        recipients=() if simplified or not invoice.buyer.tax_id else (_recipient(invoice.buyer),),
        lines=lines,
        tax_total=tax_total,
        total=base_total + tax_total,
        generated_at=generated_at,
        software=software,
        previous=previous,
        corrective_kind="I" if kind.startswith("R") else "",
        corrected=corrected,
        correction=correction,
        previous_rejection=previous_rejection,
    )
