"""Qualifiers and code mappings of UN/EDIFACT INVOIC, shared by reader and writer.

Facts come from the CEN EN 16931 EDIFACT binding artefacts (INVOIC D14B/D16B, parameters of
the EN 16931 EDIFACT Schematron) and from the EANCOM INVOIC (D96A ``EAN008``) samples that
Spanish retail guides (AECOC) follow.  Segment order is the same in every directory; only
segment-group numbers shift, so the reader walks segments in order and never relies on
group numbers.
"""

from __future__ import annotations

from typing import Final

from einvoice.model import TaxType, VatCategory

SUPPORTED_DIRECTORIES: Final = ("D93A", "D96A", "D96B", "D97A", "D01B", "D13B", "D14B", "D16B")
"""INVOIC directories the reader accepts (segment order identical for what it reads)."""

SELLER_ROLES: Final = ("SE", "SU", "II")
"""NAD qualifiers of the seller: EN binding ``SE``; EANCOM ``SU`` supplier, ``II`` issuer."""
BUYER_ROLES: Final = ("BY", "IV", "BT")
"""NAD qualifiers of the buyer: ``BY`` buyer; ``IV`` invoicee and ``BT`` bill-to as fallback."""
PAYEE_ROLE: Final = "PE"
DELIVERY_ROLES: Final = ("DP", "ST")
TAX_REPRESENTATIVE_ROLES: Final = ("LC", "AE")
"""The EN artefacts read the tax representative as ``LC``; one parameter says ``AE``."""

# Document-level RFF qualifiers (SG1) -> canonical field.
HEADER_REFERENCES: Final = {
    "ON": "order_ref",
    "VN": "sales_order_ref",
    "CT": "contract_ref",
    "AAK": "despatch_advice_ref",
    "ALO": "receiving_advice_ref",
    "AEP": "project_ref",
    "AOU": "tender_ref",
    "AVE": "buyer_reference",
    "AWE": "accounting_ref",
}
PRECEDING_INVOICE_REFS: Final = ("OI", "IV")
"""``OI`` previous invoice (EN binding); EANCOM corrective invoices use ``IV``."""

# Monetary amount qualifiers (5025).
MOA_LINE_NET: Final = "203"
MOA_ALLOWANCE: Final = ("204", "8")
"""``204`` allowance (EN), ``8`` allowance or charge amount (EANCOM)."""
MOA_CHARGE: Final = ("23", "8")
MOA_BASE: Final = "25"
MOA_PRICE_DISCOUNT: Final = "509"
"""``ALC+A`` + ``MOA+509`` on a line: the item price discount (BT-147), EN binding."""
MOA_TAXABLE: Final = "125"
MOA_TAX: Final = ("124", "150")
"""``124`` tax amount (EN); ``150`` VAT amount (EANCOM)."""

# Unit codes: EANCOM writes PCE/KGM …; EN 16931 uses UN/ECE Rec 20 (PCE is not in it).
UNIT_ALIASES: Final = {"PCE": "H87", "": "C62"}

# The tax type (C241/5153).  EN 16931 writes VAT for every VAT-like tax and distinguishes
# IGIC and IPSI by the category (L, M).  Spanish guides add ``RE`` for the equivalence
# surcharge; withholdings are efactura's convention (``docs/formats/edifact.md``).
TAX_VAT: Final = "VAT"
TAX_SURCHARGE: Final = "RE"
TAX_WITHHOLDING: Final = "IRP"
"""Withheld income tax (IRPF); other withheld taxes carry their Facturae code as name."""
TAX_WITHHOLDING_OTHER: Final = "WTH"

CATEGORY_TAX_TYPE: Final = {
    VatCategory.CANARY_IGIC: TaxType.IGIC,
    VatCategory.CEUTA_MELILLA_IPSI: TaxType.IPSI,
}

EXEMPT_CATEGORIES: Final = frozenset(
    {
        VatCategory.EXEMPT,
        VatCategory.REVERSE_CHARGE,
        VatCategory.INTRA_COMMUNITY,
        VatCategory.EXPORT,
        VatCategory.NOT_SUBJECT,
    }
)
"""Categories whose breakdown row needs an exemption reason (BR-E-10, BR-AE-10 …)."""

# GS1 (agency 9 in C082/3055) party identifiers are GLNs: ISO 6523 ICD 0088.
AGENCY_SCHEMES: Final = {"9": "0088"}
# PIA / LIN item number types (7143).
ITEM_GTIN: Final = ("EN", "SRV")
ITEM_SELLER: Final = "SA"
ITEM_BUYER: Final = "IN"
PIA_CLASSIFICATION: Final = "1"
"""PIA function ``1`` (additional identification) carries BT-158 classifications; the item
type code (7143, e.g. ``STI``, ``CG``) is the classification scheme, as in UBL's listID."""
COM_ENDPOINT: Final = "EI"
"""COM channel ``EI`` (EDI transmission) carries the electronic address (BT-34/BT-49) as
``scheme:value`` — efactura's convention, documented in docs/formats/edifact.md."""
FTX_NO_SUBJECT: Final = "ZZZ"
"""FTX subject written for an invoice note without subject code (BT-21 empty)."""
FTX_LEGAL_FORM: Final = "REG"
FTX_LEGAL_FORM_CODE: Final = "BT-33"
"""``FTX+REG++BT-33+text``: the seller's additional legal information (BT-33); a plain
``FTX+REG`` stays an invoice note with subject REG."""
