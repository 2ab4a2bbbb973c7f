"""Namespaces, fixed codes and value conversions shared by the CII parser and renderer."""

from __future__ import annotations

from typing import Final

from einvoice import lexical
from einvoice.model import TaxType, VatCategory

NS_RSM: Final = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS_RAM: Final = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
NS_UDT: Final = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
NS_QDT: Final = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NS_DSIG: Final = "http://www.w3.org/2000/09/xmldsig#"

RSM: Final = f"{{{NS_RSM}}}"
RAM: Final = f"{{{NS_RAM}}}"
UDT: Final = f"{{{NS_UDT}}}"
QDT: Final = f"{{{NS_QDT}}}"

NSMAP: Final = {"rsm": NS_RSM, "ram": NS_RAM, "udt": NS_UDT, "qdt": NS_QDT}

EN16931_GUIDELINE: Final = "urn:cen.eu:en16931:2017"
"""BT-24 written when the invoice names no specification of its own."""

DATE_FORMAT: Final = "102"
"""UN/EDIFACT 2379 code for CCYYMMDD, the only date format EN 16931 allows in CII."""

# BT-8: the model keeps UNCL2005 (the UBL code list); CII carries UNTDID 2475 in
# DueDateTypeCode.  EN 16931-3-3 pairs them as follows.
VAT_POINT_TO_CII: Final = {"3": "5", "35": "29", "432": "72"}
VAT_POINT_FROM_CII: Final = {v: k for k, v in VAT_POINT_TO_CII.items()}

# Type codes that attach a meaning to a header AdditionalReferencedDocument (CII-DT-018).
DOC_TENDER: Final = "50"
"""BT-17 Tender or lot reference."""
DOC_INVOICED_OBJECT: Final = "130"
"""BT-18 Invoiced object identifier (BT-128 at line level)."""
DOC_ATTACHMENT: Final = "916"
"""BG-24 Additional supporting document."""

DEFAULT_TAX_TYPE: Final = {
    VatCategory.CANARY_IGIC: TaxType.IGIC,
    VatCategory.CEUTA_MELILLA_IPSI: TaxType.IPSI,
}
"""The Spanish tax a VAT category implies; every other category means IVA."""


def default_tax_type(category: VatCategory) -> TaxType:
    """Spanish tax implied by an EN 16931 VAT category (L → IGIC, M → IPSI, else IVA)."""
    return DEFAULT_TAX_TYPE.get(category, TaxType.IVA)


fmt_decimal = lexical.format_decimal
"""Plain decimal text (no exponent, no negative zero), as xsd:decimal requires."""

fmt_date = lexical.format_date_102
"""CCYYMMDD (format 102), the year zero-padded to four digits."""
