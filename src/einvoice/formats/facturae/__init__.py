"""Facturae, the Spanish e-invoice format (versions 3.1, 3.2, 3.2.1 and 3.2.2).

Facturae is the XML format of the Spanish administration (Orden HAP/1650/2015; FACe, the
public-sector hub, accepts 3.2, 3.2.1 and 3.2.2).  One file holds a batch: one seller, one
buyer and one or more invoices.  This package reads every version and writes 3.2.2 (default)
or 3.2.1, fulfilling the contract of :mod:`einvoice.formats.base`:

* :func:`detect` recognises the root namespace of each version;
* :func:`validate_schema` checks the official XSD (vendored in ``schemas/`` with the
  xmldsig schema they import, so signed files validate too);
* :func:`parse` maps every invoice of the file to the canonical model (see ``reader``);
* :func:`render` writes canonical invoices (see ``writer``), unsigned: signing happens on the
  rendered bytes elsewhere;
* :func:`losses` (beyond the contract) lists, as warnings, what ``render`` cannot carry.

The mapping, element by element, and what each direction loses are in
``docs/formats/facturae.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from einvoice.errors import Layer, UnsupportedDocument, Violation
from einvoice.formats.base import Detected, load_schema, schema_violations
from einvoice.formats.facturae import codes, extensions
from einvoice.formats.facturae.losses import losses
from einvoice.formats.facturae.reader import read
from einvoice.formats.facturae.writer import write
from einvoice.model import Document, DocumentKind, Invoice

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

NAME = "facturae"
VERSIONS: tuple[str, ...] = ("3.1", "3.2", "3.2.1", "3.2.2")
DEFAULT_VERSION = "3.2.2"

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


def detect(root: etree._Element) -> Detected | None:
    """Facturae version from the root's namespace; ``None`` for anything else.

    The version comes from the namespace, which decides the XSD; a disagreeing
    ``FileHeader/SchemaVersion`` is left to :func:`validate_schema` (its enumeration in each
    XSD allows exactly that version), so detection never refuses a file on its own.
    """
    if not isinstance(root.tag, str):
        return None
    qname = etree.QName(root)
    if qname.localname != "Facturae":
        return None
    version = codes.VERSION_BY_NAMESPACE.get(qname.namespace or "")
    if version is None:
        return None
    signed = root.find(f"{{{codes.DSIG_NS}}}Signature") is not None
    return Detected(format=NAME, version=version, kind=DocumentKind.INVOICE, signed=signed)


def validate_schema(tree: etree._ElementTree, version: str) -> list[Violation]:
    """Violations of the official Facturae XSD of ``version`` (empty when valid).

    A file carrying ``Extensions`` is checked against the official extension schemas it
    uses, and unknown extensions only warn (:mod:`einvoice.formats.facturae.extensions`).
    """
    schema = _schema(version)
    if extensions.extension_elements(tree):
        return extensions.validate(tree, SCHEMA_DIR / codes.SCHEMA_FILES[version])
    return schema_violations(schema, tree)


def parse(tree: etree._ElementTree, *, version: str) -> Document:
    """Every invoice of the file, with batch identifier, batch totals and signed flag."""
    return read(tree, version)


def render(invoices: Sequence[Invoice], *, version: str | None = None) -> bytes:
    """One Facturae file (3.2.2 unless ``version="3.2.1"``) holding ``invoices``."""
    return write(invoices, version)


def _schema(version: str) -> etree.XMLSchema:
    filename = codes.SCHEMA_FILES.get(version)
    if filename is None:
        raise UnsupportedDocument.single(
            "FACTURAE-VERSION",
            f"Facturae version '{version}' is not supported (3.1, 3.2, 3.2.1 and 3.2.2 are).",
            f"La versión Facturae '{version}' no está soportada (sí lo están 3.1, 3.2, 3.2.1 "
            "y 3.2.2).",
            layer=Layer.SCHEMA,
        )
    return load_schema(SCHEMA_DIR / filename)
