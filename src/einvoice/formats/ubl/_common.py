"""Names, code lists and number formatting shared by the UBL reader and writer."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Final

from einvoice import lexical
from einvoice.model import AdministrativeCentre

NS_INVOICE: Final = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE: Final = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_EXT: Final = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
NSMAP: Final = {"cac": NS_CAC, "cbc": NS_CBC}

SCHEMA_DIR: Final = Path(__file__).resolve().parent / "schemas" / "maindoc"
SCHEMA_FILES: Final = {
    "Invoice": SCHEMA_DIR / "UBL-Invoice-2.1.xsd",
    "CreditNote": SCHEMA_DIR / "UBL-CreditNote-2.1.xsd",
}

READABLE_UBL_VERSIONS: Final = frozenset({"2.0", "2.1", "2.2", "2.3"})
"""``UBLVersionID`` values accepted on input.  The 2.1 namespaces are unchanged up to 2.3 and
every EN 16931 element exists in 2.1, so later minor versions read correctly."""

PEPPOL_CUSTOMIZATION: Final = (
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
)
"""BT-24 written by :func:`render` (Peppol BIS Billing 3.0)."""
PEPPOL_PROFILE: Final = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
"""BT-23 written by :func:`render` (Peppol billing process P1)."""
PEPPOL_SELF_BILLING_CUSTOMIZATION: Final = (
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:selfbilling:3.0"
)
"""BT-24 of a self-billed invoice (BT-3 = 389) sent over Peppol (Peppol BIS Self-Billing 3.0:
the billing profile refuses 389, rule PEPPOL-EN16931-P0100)."""
PEPPOL_SELF_BILLING_PROFILE: Final = "urn:fdc:peppol.eu:2017:poacc:selfbilling:01:1.0"
"""BT-23 of a Peppol self-billed invoice."""
EN16931_CUSTOMIZATION: Final = "urn:cen.eu:en16931:2017"
"""BT-24 of plain EN 16931 UBL: written when the invoice lacks what Peppol BIS adds to
EN 16931 (electronic addresses BT-34/BT-49, a buyer or order reference BT-10/BT-13).
RD 238/2026 accepts any syntax conforming to EN 16931, so such an invoice is still lawful."""
SELF_BILLING_TYPES: Final = frozenset({"389", "261"})
"""UNCL1001 self-billed invoice (389) and self-billed credit note (261)."""

_PEPPOL_EAS_CODES: Final = """
0002 0007 0009 0060 0088 0096 0097 0106 0130 0135 0142 0151 0183 0184 0188 0190 0191
0192 0195 0196 0198 0199 0200 0201 0204 0208 0209 0210 0211 0216 0218 0221 0225 0230
0235 0240 0242 0244 0245 0246 0248 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924
9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941
9942 9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959
"""
PEPPOL_EAS: Final = frozenset(_PEPPOL_EAS_CODES.split())
"""Electronic Address Scheme codes Peppol BIS 3 accepts for BT-34/BT-49 (rule
PEPPOL-EN16931-CL008, list as in the Peppol 2026.5 artefacts).  ``EM`` (email) is in the CEN
list but *not* in Peppol's, so an email address alone cannot be a Peppol endpoint."""

VAT_EAS_BY_COUNTRY: Final = {
    "HU": "9910",
    "AT": "9914",
    "ES": "9920",
    "AD": "9922",
    "AL": "9923",
    "BA": "9924",
    "BE": "9925",
    "BG": "9926",
    "CH": "9927",
    "CY": "9928",
    "CZ": "9929",
    "DE": "9930",
    "EE": "9931",
    "GB": "9932",
    "EL": "9933",
    "GR": "9933",
    "HR": "9934",
    "IE": "9935",
    "LI": "9936",
    "LT": "9937",
    "LU": "9938",
    "LV": "9939",
    "MC": "9940",
    "ME": "9941",
    "MK": "9942",
    "MT": "9943",
    "NL": "9944",
    "PL": "9945",
    "PT": "9946",
    "RO": "9947",
    "RS": "9948",
    "SI": "9949",
    "SK": "9950",
    "SM": "9951",
    "TR": "9952",
    "VA": "9953",
    "FR": "9957",
    "IT": "0211",
}
"""EAS scheme of the VAT number of each country (Peppol EAS code list: ``9920`` "Agencia
Española de Administración Tributaria", ``9925`` Belgian VAT, …; Italy's VAT is ``0211``
*Partita IVA*).  Countries absent here have no VAT-based EAS scheme (e.g. Denmark, Sweden,
Norway, Finland use their organisation numbers)."""

VAT_PREFIX_COUNTRY: Final = {"EL": "GR"}
"""VAT prefixes that differ from the ISO 3166 code (Greece writes ``EL``)."""

CENT: Final = Decimal("0.01")


def amount_text(value: Decimal) -> str:
    """An amount with exactly two decimals (BR-DEC-*: EN 16931 amounts have at most two)."""
    return lexical.format_amount(value, 2)


def number_text(value: Decimal) -> str:
    """A quantity, price, rate or factor in plain notation without needless trailing zeros."""
    if value == value.to_integral_value():
        return lexical.format_amount(value, 0)
    return lexical.format_decimal(value.normalize(lexical.WIDE))


CENTRE_ROLES: Final = {"01": "OC", "02": "OG", "03": "UT", "04": "OP"}
"""Facturae administrative-centre roles as abbreviated in BT-10: *oficina contable*,
*órgano gestor*, *unidad tramitadora*, *órgano proponente* (FACe's DIR3 roles)."""


def centres_reference(centres: Iterable[AdministrativeCentre]) -> str:
    """BT-10 built from DIR3 centres when the invoice has no buyer reference:
    ``OC:L01234567/OG:L01234567/UT:L01234567`` (roles in order)."""
    codes = sorted((c.role, c.code) for c in centres if c.code and c.role in CENTRE_ROLES)
    return "/".join(f"{CENTRE_ROLES[role]}:{code}" for role, code in codes)
