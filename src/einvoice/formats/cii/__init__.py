"""UN/CEFACT Cross Industry Invoice (CII) D16B, EN 16931 profile.

This is the syntax EN 16931-3-3 binds the European semantic model to, and the XML inside
Factur-X / ZUGFeRD PDFs.  The package fulfils the format contract of
:mod:`einvoice.formats.base`:

* :func:`detect` recognises ``rsm:CrossIndustryInvoice`` in the CII 100 namespace;
* :func:`validate_schema` checks the vendored D16B XSD (the "uncoupled" SCRDM subset that
  CEN publishes with its validation artefacts);
* :func:`parse` maps every EN 16931 business term the canonical model has;
* :func:`render` writes one invoice in the EN 16931 profile, in XSD element order;
  :func:`losses` lists, as warnings, what of an invoice CII cannot carry.

Which CII path carries which business term follows the CEN artefact
``EN16931-CII-validation.xslt`` and the CEN example instances; the mapping, the Spanish extras
(IRPF withholding, equivalence surcharge, Facturae series, DIR3 centres) and what is lost are
documented in ``docs/formats/cii.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from lxml import etree

from einvoice.errors import Layer, UnsupportedDocument, Violation
from einvoice.formats.base import Detected, load_schema, schema_violations
from einvoice.formats.cii._names import NS_DSIG, NS_RSM, RAM, RSM
from einvoice.formats.cii.parser import parse
from einvoice.formats.cii.renderer import losses, render
from einvoice.model import DocumentKind

NAME: Final = "cii"
VERSIONS: Final[tuple[str, ...]] = ("D16B",)
DEFAULT_VERSION: Final = "D16B"

_SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "CII" / "uncefact" / "data"
_SCHEMAS: Final[dict[str, Path]] = {
    "D16B": _SCHEMA_DIR / "standard" / "CrossIndustryInvoice_100pD16B.xsd",
}

__all__ = [
    "DEFAULT_VERSION",
    "NAME",
    "VERSIONS",
    "detect",
    "losses",
    "parse",
    "render",
    "validate_schema",
]


def detect(root: etree._Element) -> Detected | None:
    """Recognise a CII invoice by its root element; ``None`` for anything else.

    The CII 100 namespace is shared by every D16A…D23B release; this library reads the
    D16B subset that EN 16931 binds to, so every CII document is reported as ``D16B`` and
    the XSD decides whether it really fits.  Type code 381 makes it a credit note.
    """
    if root.tag != f"{RSM}CrossIndustryInvoice":
        return None
    type_code = root.findtext(f"{RSM}ExchangedDocument/{RAM}TypeCode")
    kind = (
        DocumentKind.CREDIT_NOTE
        if type_code is not None and type_code.strip() == "381"
        else DocumentKind.INVOICE
    )
    signed = root.find(f".//{{{NS_DSIG}}}Signature") is not None
    return Detected(format=NAME, version=DEFAULT_VERSION, kind=kind, signed=signed)


def validate_schema(tree: etree._ElementTree, version: str) -> list[Violation]:
    """Validate against the vendored CII XSD of ``version``; one violation per XSD error."""
    path = _SCHEMAS.get(version)
    if path is None:
        raise UnsupportedDocument.single(
            "CII-VERSION",
            f"CII version '{version}' is not supported; supported: {', '.join(VERSIONS)}.",
            f"La versión CII '{version}' no está soportada; se admiten: {', '.join(VERSIONS)}.",
            layer=Layer.SCHEMA,
        )
    root = tree.getroot()
    if root.tag != f"{{{NS_RSM}}}CrossIndustryInvoice":
        raise UnsupportedDocument.single(
            "CII-ROOT",
            "The document is not a UN/CEFACT Cross Industry Invoice.",
            "El documento no es una factura UN/CEFACT Cross Industry Invoice.",
            layer=Layer.SCHEMA,
        )
    return schema_violations(load_schema(path), tree)
