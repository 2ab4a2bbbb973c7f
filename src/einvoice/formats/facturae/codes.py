"""Facturae code lists and their translations to the codes the canonical model uses.

Facturae carries its own lists where EN 16931 uses international ones: ISO 3166-1 alpha-3
country codes instead of alpha-2, a 01…36 unit-of-measure list instead of UN/ECE
Recommendation 20, a 01…19 payment-means list instead of UNCL4461.  Every table here is
taken from the enumerations (and their documentation) of the official Facturae XSDs that
are vendored in ``schemas/``; the tests check each table against those enumerations, so a
code the XSD allows can never be missing here.
"""

from __future__ import annotations

import re
from typing import Final

# ---------------------------------------------------------------------------------------------
# Versions and namespaces
# ---------------------------------------------------------------------------------------------

NAMESPACES: Final[dict[str, str]] = {
    "3.1": "http://www.facturae.es/Facturae/2007/v3.1/Facturae",
    "3.2": "http://www.facturae.es/Facturae/2009/v3.2/Facturae",
    "3.2.1": "http://www.facturae.es/Facturae/2014/v3.2.1/Facturae",
    "3.2.2": "http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml",
}
"""Target namespace of each Facturae version, exactly as its XSD declares it.

Note that 3.2.1 still lives under ``facturae.es/Facturae/2014``; only 3.2.2 moved to the
``facturae.gob.es/formato/Versiones`` form."""

VERSION_BY_NAMESPACE: Final[dict[str, str]] = {ns: v for v, ns in NAMESPACES.items()}

SCHEMA_FILES: Final[dict[str, str]] = {
    "3.1": "Facturaev3_1.xsd",
    "3.2": "Facturaev3_2.xsd",
    "3.2.1": "Facturaev3_2_1.xsd",
    "3.2.2": "Facturaev3_2_2.xsd",
}

DSIG_NS: Final = "http://www.w3.org/2000/09/xmldsig#"

# ---------------------------------------------------------------------------------------------
# Countries: ISO 3166-1 alpha-3 (Facturae CountryType) <-> alpha-2 (canonical model)
# ---------------------------------------------------------------------------------------------

ALPHA3_TO_ALPHA2: Final[dict[str, str]] = {
    "AFG": "AF", "ALB": "AL", "DZA": "DZ", "ASM": "AS", "AND": "AD", "AGO": "AO", "AIA": "AI",
    "ATG": "AG", "ARG": "AR", "ARM": "AM", "ABW": "AW", "AUS": "AU", "AUT": "AT", "AZE": "AZ",
    "BHS": "BS", "BHR": "BH", "BGD": "BD", "BRB": "BB", "BLR": "BY", "BEL": "BE", "BLZ": "BZ",
    "BEN": "BJ", "BMU": "BM", "BTN": "BT", "BOL": "BO", "BIH": "BA", "BWA": "BW", "BRA": "BR",
    "BRN": "BN", "BGR": "BG", "BFA": "BF", "BDI": "BI", "KHM": "KH", "CMR": "CM", "CAN": "CA",
    "CPV": "CV", "CYM": "KY", "CAF": "CF", "TCD": "TD", "CHL": "CL", "CHN": "CN", "COD": "CD",
    "COL": "CO", "COM": "KM", "COG": "CG", "COK": "CK", "CRI": "CR", "CIV": "CI", "HRV": "HR",
    "CUB": "CU", "CYP": "CY", "CZE": "CZ", "DNK": "DK", "DJI": "DJ", "DMA": "DM", "DOM": "DO",
    "ECU": "EC", "EGY": "EG", "SLV": "SV", "GNQ": "GQ", "ERI": "ER", "EST": "EE", "ETH": "ET",
    "FLK": "FK", "FRO": "FO", "FJI": "FJ", "FIN": "FI", "FRA": "FR", "GUF": "GF", "PYF": "PF",
    "GAB": "GA", "GMB": "GM", "GEO": "GE", "GGY": "GG", "DEU": "DE", "GHA": "GH", "GIB": "GI",
    "GRC": "GR", "GRL": "GL", "GRD": "GD", "GLP": "GP", "GUM": "GU", "GTM": "GT", "GIN": "GN",
    "GNB": "GW", "GUY": "GY", "HTI": "HT", "HND": "HN", "HKG": "HK", "HUN": "HU", "ISL": "IS",
    "IND": "IN", "IDN": "ID", "IMN": "IM", "IRN": "IR", "IRQ": "IQ", "IRL": "IE", "ISR": "IL",
    "ITA": "IT", "JAM": "JM", "JEY": "JE", "JPN": "JP", "JOR": "JO", "KAZ": "KZ", "KEN": "KE",
    "KIR": "KI", "PRK": "KP", "KOR": "KR", "KWT": "KW", "KGZ": "KG", "LAO": "LA", "LVA": "LV",
    "LBN": "LB", "LSO": "LS", "LBR": "LR", "LBY": "LY", "LIE": "LI", "LTU": "LT", "LUX": "LU",
    "MAC": "MO", "MKD": "MK", "MDG": "MG", "MWI": "MW", "MYS": "MY", "MDV": "MV", "MLI": "ML",
    "MLT": "MT", "MHL": "MH", "MTQ": "MQ", "MRT": "MR", "MUS": "MU", "MYT": "YT", "MEX": "MX",
    "FSM": "FM", "MDA": "MD", "MCO": "MC", "MNE": "ME", "MNG": "MN", "MSR": "MS", "MAR": "MA",
    "MOZ": "MZ", "MMR": "MM", "NAM": "NA", "NRU": "NR", "NPL": "NP", "NLD": "NL", "ANT": "AN",
    "NCL": "NC", "NZL": "NZ", "NIC": "NI", "NER": "NE", "NGA": "NG", "NIU": "NU", "NFK": "NF",
    "MNP": "MP", "NOR": "NO", "OMN": "OM", "PAK": "PK", "PLW": "PW", "PAN": "PA", "PNG": "PG",
    "PRY": "PY", "PSE": "PS", "PER": "PE", "PHL": "PH", "PCN": "PN", "POL": "PL", "PRT": "PT",
    "PRI": "PR", "QAT": "QA", "REU": "RE", "ROU": "RO", "RUS": "RU", "RWA": "RW", "KNA": "KN",
    "LCA": "LC", "VCT": "VC", "WSM": "WS", "SMR": "SM", "STP": "ST", "SAU": "SA", "SEN": "SN",
    "SRB": "RS", "SYC": "SC", "SLE": "SL", "SGP": "SG", "SVK": "SK", "SVN": "SI", "SLB": "SB",
    "SOM": "SO", "ZAF": "ZA", "ESP": "ES", "LKA": "LK", "SHN": "SH", "SPM": "PM", "SDN": "SD",
    "SUR": "SR", "SJM": "SJ", "SWZ": "SZ", "SWE": "SE", "CHE": "CH", "SYR": "SY", "TWN": "TW",
    "TJK": "TJ", "TZA": "TZ", "THA": "TH", "TGO": "TG", "TKL": "TK", "TON": "TO", "TTO": "TT",
    "TUN": "TN", "TUR": "TR", "TKM": "TM", "TLS": "TL", "TCA": "TC", "TUV": "TV", "UGA": "UG",
    "UKR": "UA", "ARE": "AE", "GBR": "GB", "USA": "US", "URY": "UY", "UZB": "UZ", "VUT": "VU",
    "VAT": "VA", "VEN": "VE", "VNM": "VN", "VGB": "VG", "VIR": "VI", "WLF": "WF", "ESH": "EH",
    "YEM": "YE", "ZAR": "ZR", "ZMB": "ZM", "ZWE": "ZW",
}  # fmt: skip
"""Every code of the Facturae ``CountryType`` enumeration (identical in 3.1 … 3.2.2).

The list predates some ISO changes: it still has ``ANT`` (Netherlands Antilles, alpha-2
``AN``, withdrawn 2010) and ``ZAR`` (Zaire, alpha-2 ``ZR``, withdrawn 1997, beside its
successor ``COD``), and lacks newer codes such as South Sudan, Kosovo or Curaçao, which
therefore cannot be written to Facturae."""

ALPHA2_TO_ALPHA3: Final[dict[str, str]] = {a2: a3 for a3, a2 in ALPHA3_TO_ALPHA2.items()}

EU_MEMBER_STATES: Final[frozenset[str]] = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip
"""EU member states (alpha-2), to choose the Facturae ResidenceTypeCode of a party."""

VAT_PREFIX_ALIASES: Final[dict[str, str]] = {"EL": "GR"}
"""VAT prefixes that differ from the ISO country code (Greece uses ``EL``)."""

# ---------------------------------------------------------------------------------------------
# Spanish provinces by the first two digits of the post code (INE province codes)
# ---------------------------------------------------------------------------------------------

PROVINCE_BY_POSTCODE: Final[dict[str, str]] = {
    "01": "Araba/Álava", "02": "Albacete", "03": "Alicante", "04": "Almería", "05": "Ávila",
    "06": "Badajoz", "07": "Illes Balears", "08": "Barcelona", "09": "Burgos",
    "10": "Cáceres", "11": "Cádiz", "12": "Castellón", "13": "Ciudad Real", "14": "Córdoba",
    "15": "A Coruña", "16": "Cuenca", "17": "Girona", "18": "Granada", "19": "Guadalajara",
    "20": "Gipuzkoa", "21": "Huelva", "22": "Huesca", "23": "Jaén", "24": "León",
    "25": "Lleida", "26": "La Rioja", "27": "Lugo", "28": "Madrid", "29": "Málaga",
    "30": "Murcia", "31": "Navarra", "32": "Ourense", "33": "Asturias", "34": "Palencia",
    "35": "Las Palmas", "36": "Pontevedra", "37": "Salamanca", "38": "S.C. de Tenerife",
    "39": "Cantabria", "40": "Segovia", "41": "Sevilla", "42": "Soria", "43": "Tarragona",
    "44": "Teruel", "45": "Toledo", "46": "Valencia", "47": "Valladolid", "48": "Bizkaia",
    "49": "Zamora", "50": "Zaragoza", "51": "Ceuta", "52": "Melilla",
}  # fmt: skip
"""Facturae ``AddressInSpain/Province`` is mandatory (max. 20 characters) while EN 16931
makes the subdivision optional; a Spanish post code determines its province, so the writer
fills a missing province from it.  "Santa Cruz de Tenerife" is abbreviated to fit."""

# ---------------------------------------------------------------------------------------------
# Units of measure: Facturae UnitOfMeasure <-> UN/ECE Recommendation 20 (with Rec 21 "X" codes)
# ---------------------------------------------------------------------------------------------

UNIT_TO_REC20: Final[dict[str, str]] = {
    "01": "C62",  # Units
    "02": "HUR",  # Hours
    "03": "KGM",  # Kilograms
    "04": "LTR",  # Litres
    "05": "ZZ",  # Other -> mutually defined
    "06": "XBX",  # Boxes (Rec 21 BX)
    "07": "XDS",  # Trays, one layer no cover, plastic (Rec 21 DS)
    "08": "XBA",  # Barrels (Rec 21 BA)
    "09": "XJY",  # Jerricans, cylindrical (Rec 21 JY)
    "10": "XBG",  # Bags (Rec 21 BG)
    "11": "XCO",  # Carboys, non-protected (Rec 21 CO)
    "12": "XBO",  # Bottles, non-protected, cylindrical (Rec 21 BO)
    "13": "XCI",  # Canisters (Rec 21 CI)
    "14": "ZZ",  # Tetra Briks: no Rec 20/21 code (lossy, see docs)
    "15": "CLT",  # Centilitres
    "16": "CMT",  # Centimetres
    "17": "XBI",  # Bins (Rec 21 BI)
    "18": "DZN",  # Dozens
    "19": "XCS",  # Cases (Rec 21 CS)
    "20": "XDJ",  # Demijohns, non-protected (Rec 21 DJ)
    "21": "GRM",  # Grams
    "22": "KMT",  # Kilometres
    "23": "XCA",  # Cans, rectangular (Rec 21 CA)
    "24": "XBH",  # Bunches (Rec 21 BH)
    "25": "MTR",  # Metres
    "26": "MMT",  # Millimetres
    "27": "ZZ",  # 6-packs: no Rec 20/21 code (lossy, see docs)
    "28": "XPK",  # Packages (Rec 21 PK)
    "29": "PTN",  # Portions
    "30": "XRO",  # Rolls (Rec 21 RO)
    "31": "XEN",  # Envelopes (Rec 21 EN)
    "32": "XTB",  # Tubs (Rec 21 TB)
    "33": "MTQ",  # Cubic metres
    "34": "SEC",  # Seconds
    "35": "WTT",  # Watts
    "36": "KWH",  # Kilowatt hours (3.2.2 only)
}
"""Facturae ``UnitOfMeasureType`` (3.2.2: 01…36; 3.2.1: 01…35) to the UN/ECE Rec 20 code
of BT-130.  The XSD documentation names the Rec 21 package code for most package units;
EN 16931 uses those with an ``X`` prefix."""

REC20_TO_UNIT: Final[dict[str, str]] = {
    rec20: code for code, rec20 in UNIT_TO_REC20.items() if code not in {"14", "27"}
} | {"H87": "01", "EA": "01"}
"""Rec 20 back to Facturae.  ``ZZ`` and every code without an equivalent become ``05``
(Other); ``H87`` (piece) and ``EA`` (each) are written as ``01`` (units)."""

UNITS_BY_VERSION: Final[dict[str, frozenset[str]]] = {
    "3.2.1": frozenset(f"{n:02d}" for n in range(1, 36)),
    "3.2.2": frozenset(f"{n:02d}" for n in range(1, 37)),
}

# ---------------------------------------------------------------------------------------------
# Payment means: Facturae PaymentMeans <-> UNCL4461 (BT-81)
# ---------------------------------------------------------------------------------------------

PAYMENT_MEANS_NAMES: Final[dict[str, str]] = {
    "01": "Al contado",
    "02": "Recibo domiciliado",
    "03": "Recibo",
    "04": "Transferencia",
    "05": "Letra aceptada",
    "06": "Crédito documentario",
    "07": "Contrato adjudicación",
    "08": "Letra de cambio",
    "09": "Pagaré a la orden",
    "10": "Pagaré no a la orden",
    "11": "Cheque",
    "12": "Reposición",
    "13": "Especiales",
    "14": "Compensación",
    "15": "Giro postal",
    "16": "Cheque conformado",
    "17": "Cheque bancario",
    "18": "Pago contra reembolso",
    "19": "Pago mediante tarjeta",
}
"""Spanish names of the Facturae ``PaymentMeansType`` codes (XSD documentation); written to
BT-82 when the UNCL4461 code alone would lose the Spanish meaning."""

PAYMENT_MEANS_TO_UNCL4461: Final[dict[str, str]] = {
    "01": "10",  # In cash
    "02": "59",  # Direct debit -> SEPA direct debit
    "03": "1",  # Receipt (recibo): no UNCL4461 equivalent -> instrument not defined
    "04": "30",  # Credit transfer (58 SEPA credit transfer when an IBAN is given)
    "05": "44",  # Accepted bill of exchange
    "06": "1",  # Documentary credit: no equivalent
    "07": "1",  # Contract award: no equivalent
    "08": "24",  # Bill of exchange (awaiting acceptance)
    "09": "60",  # Transferable promissory note -> promissory note
    "10": "60",  # Non-transferable promissory note -> promissory note
    "11": "20",  # Cheque
    "12": "1",  # Open account reimbursement: no equivalent
    "13": "1",  # Special payment: no equivalent
    "14": "97",  # Set-off by reciprocal credits -> clearing between partners
    "15": "50",  # Payment by postgiro
    "16": "25",  # Certified cheque
    "17": "21",  # Banker's draft
    "18": "1",  # Cash on delivery: no equivalent
    "19": "48",  # Payment by card -> bank card
}

UNCL4461_TO_PAYMENT_MEANS: Final[dict[str, str]] = {
    "10": "01",
    "49": "02",
    "59": "02",
    "30": "04",
    "31": "04",
    "42": "04",
    "58": "04",
    "44": "05",
    "24": "08",
    "60": "09",
    "20": "11",
    "97": "14",
    "50": "15",
    "25": "16",
    "21": "17",
    "48": "19",
    "54": "19",
    "55": "19",
}
"""UNCL4461 (BT-81) to Facturae, used only when an invoice has no Facturae instalments (the
instalments keep the original Facturae code).  Unlisted codes cannot be written."""

# ---------------------------------------------------------------------------------------------
# Corrective invoices: codes and the fixed descriptions the XSD pairs with them
# ---------------------------------------------------------------------------------------------

REASON_DESCRIPTIONS: Final[dict[str, str]] = {
    "01": "Número de la factura",
    "02": "Serie de la factura",
    "03": "Fecha expedición",
    "04": "Nombre y apellidos/Razón Social-Emisor",
    "05": "Nombre y apellidos/Razón Social-Receptor",
    "06": "Identificación fiscal Emisor/obligado",
    "07": "Identificación fiscal Receptor",
    "08": "Domicilio Emisor/Obligado",
    "09": "Domicilio Receptor",
    "10": "Detalle Operación",
    "11": "Porcentaje impositivo a aplicar",
    "12": "Cuota tributaria a aplicar",
    "13": "Fecha/Periodo a aplicar",
    "14": "Clase de factura",
    "15": "Literales legales",
    "16": "Base imponible",
    "80": "Cálculo de cuotas repercutidas",
    "81": "Cálculo de cuotas retenidas",
    "82": "Base imponible modificada por devolución de envases / embalajes",
    "83": "Base imponible modificada por descuentos y bonificaciones",
    "84": "Base imponible modificada por resolución firme, judicial o administrativa",
    "85": "Base imponible modificada cuotas repercutidas no satisfechas. Auto de "
    "declaración de concurso",
}
"""Facturae ``ReasonCode`` -> ``ReasonDescription`` (both enumerations, paired by the XSD)."""

CORRECTION_METHOD_DESCRIPTIONS: Final[dict[str, str]] = {
    "01": "Rectificación íntegra",
    "02": "Rectificación por diferencias",
    "03": "Rectificación por descuento por volumen de operaciones durante un periodo",
    "04": "Autorizadas por la Agencia Tributaria",
}
"""Facturae ``CorrectionMethod`` -> ``CorrectionMethodDescription``."""

# ---------------------------------------------------------------------------------------------
# Attachments
# ---------------------------------------------------------------------------------------------

ATTACHMENT_MIME: Final[dict[str, str]] = {
    "xml": "application/xml",
    "doc": "application/msword",
    "gif": "image/gif",
    "rtf": "application/rtf",
    "pdf": "application/pdf",
    "xls": "application/vnd.ms-excel",
    "jpg": "image/jpeg",
    "bmp": "image/bmp",
    "tiff": "image/tiff",
    "html": "text/html",
}
"""Facturae ``AttachmentFormat`` -> MIME type (BT-125-1).  ``html`` exists in 3.2.2 only."""

MIME_TO_ATTACHMENT: Final[dict[str, str]] = {mime: fmt for fmt, mime in ATTACHMENT_MIME.items()} | {
    "text/xml": "xml",
    "image/jpg": "jpg",
    "image/pjpeg": "jpg",
}

# ---------------------------------------------------------------------------------------------
# Document type and class
# ---------------------------------------------------------------------------------------------

DOCUMENT_TYPES: Final = frozenset({"FC", "FA", "AF"})
INVOICE_CLASSES: Final = frozenset({"OO", "OR", "OC", "CO", "CR", "CC"})
CORRECTIVE_CLASSES: Final = frozenset({"OR", "CR"})
ROLE_CODES: Final = frozenset(f"{n:02d}" for n in range(1, 10))


# ---------------------------------------------------------------------------------------------
# SpecialTaxableEventReason: the exemption reason with its VATEX code
# ---------------------------------------------------------------------------------------------

VATEX_CATEGORIES: Final = {
    "VATEX-EU-AE": "AE",
    "VATEX-EU-IC": "K",
    "VATEX-EU-G": "G",
    "VATEX-EU-O": "O",
}
"""VATEX codes that name an EN 16931 category of their own (reverse charge, intra-community
supply, export, not subject); every other VATEX code is an exemption (E)."""

VATEX_DEFAULT_TEXT: Final = {
    "VATEX-EU-AE": "Inversión del sujeto pasivo (art. 84.Uno.2º LIVA)",
    "VATEX-EU-IC": "Entrega intracomunitaria exenta (art. 25 LIVA)",
    "VATEX-EU-G": "Exportación exenta (art. 21 LIVA)",
    "VATEX-EU-O": "Operación no sujeta",
}
"""The legal reference written when an invoice gives only the VATEX code: RD 1619/2012
art. 6.1.j (exemption) and 6.1.m (reverse charge) require the mention in words."""

_VATEX_PREFIX: Final = re.compile(r"^(VATEX-[A-Z0-9-]+)(?::\s*(.*))?$", re.DOTALL)


def event_reason(code: str, reason: str) -> str:
    """``SpecialTaxableEventReason`` for a VATEX ``code`` (BT-121) and ``reason`` (BT-120).

    ``CODE: reason`` so the coded reference travels with the words (EN 16931 → Facturae →
    EN 16931 keeps both); the words alone when there is no code; the code with the legal
    mention of :data:`VATEX_DEFAULT_TEXT` when there are no words.
    """
    code, reason = code.strip(), reason.strip()
    if not code or reason.startswith(code):
        return reason or code
    return f"{code}: {reason or VATEX_DEFAULT_TEXT.get(code, '')}".rstrip(": ")


def split_event_reason(text: str) -> tuple[str, str]:
    """Inverse of :func:`event_reason`: (VATEX code, reason words) of a Facturae reason."""
    match = _VATEX_PREFIX.match(text.strip())
    if match is None:
        return "", text.strip()
    code, words = match.group(1), (match.group(2) or "").strip()
    if words == VATEX_DEFAULT_TEXT.get(code):
        words = ""
    return code, words
