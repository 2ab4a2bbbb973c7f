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

TERM_SEGMENTS: Final[dict[str, str]] = {
    "BT-1": "BGM (document number)",
    "BT-2": "DTM+137",
    "BT-3": "BGM (document name code)",
    "BT-5": "CUX+2",
    "BT-6": "CUX+3",
    "BT-7": "DTM+131",
    "BT-9": "PYT/DTM+13",
    "BT-10": "RFF+AVE",
    "BT-11": "RFF+AEP",
    "BT-12": "RFF+CT",
    "BT-13": "RFF+ON",
    "BT-16": "RFF+AAK",
    "BT-19": "RFF+AWE",
    "BT-20": "PYT/FTX+AAB",
    "BT-22": "FTX",
    "BT-24": "FTX+DOC",
    "BT-25": "RFF+OI",
    "BT-27": "NAD+SE (or SU)",
    "BT-29": "NAD+SE party identifier",
    "BT-31": "RFF+VA after NAD+SE",
    "BT-32": "RFF+FC after NAD+SE",
    "BT-34": "COM+EI after NAD+SE",
    "BT-40": "NAD+SE country",
    "BT-44": "NAD+BY",
    "BT-48": "RFF+VA after NAD+BY",
    "BT-49": "COM+EI after NAD+BY",
    "BT-55": "NAD+BY country",
    "BT-59": "NAD+PE",
    "BT-73": "DTM+167",
    "BT-74": "DTM+168",
    "BT-81": "PAI",
    "BT-84": "FII+RB",
    "BT-92": "ALC+A/MOA+204",
    "BT-95": "ALC+A/TAX",
    "BT-96": "ALC+A/TAX rate",
    "BT-97": "ALC+A reason",
    "BT-99": "ALC+C/MOA+23",
    "BT-102": "ALC+C/TAX",
    "BT-103": "ALC+C/TAX rate",
    "BT-104": "ALC+C reason",
    "BT-106": "MOA+79",
    "BT-107": "MOA+260",
    "BT-108": "MOA+259",
    "BT-109": "MOA+389 (EANCOM MOA+125)",
    "BT-110": "MOA+176",
    "BT-112": "MOA+388 (EANCOM MOA+77)",
    "BT-113": "MOA+113",
    "BT-114": "MOA+366",
    "BT-115": "MOA+9",
    "BT-116": "TAX+7/MOA+125",
    "BT-117": "TAX+7/MOA+124",
    "BT-118": "TAX+7 category",
    "BT-119": "TAX+7 rate",
    "BT-120": "TAX+7 exemption reason",
    "BT-121": "TAX+7 exemption reason code",
    "BT-126": "LIN",
    "BT-129": "QTY+47",
    "BT-130": "QTY+47 unit",
    "BT-131": "LIN/MOA+203",
    "BT-136": "LIN/ALC+A/MOA+204",
    "BT-141": "LIN/ALC+C/MOA+23",
    "BT-146": "PRI+AAA",
    "BT-148": "PRI+AAB",
    "BT-151": "LIN/TAX+7 category",
    "BT-152": "LIN/TAX+7 rate",
    "BT-153": "IMD",
    "BG-4": "NAD+SE",
    "BG-5": "NAD+SE",
    "BG-7": "NAD+BY",
    "BG-8": "NAD+BY",
    "BG-16": "PAI/FII",
    "BG-20": "ALC+A",
    "BG-21": "ALC+C",
    "BG-22": "MOA after UNS",
    "BG-23": "TAX+7 after UNS",
    "BG-25": "LIN",
}
"""Where the EDIFACT message (EN 16931 binding; EANCOM where it differs) holds a business
term: named in findings about an EDIFACT invoice, so a person knows which segment to look at."""
