"""UBL 2.1 Invoice and CreditNote (OASIS), written as Peppol BIS Billing 3.0.

Fulfils the format contract of :mod:`einvoice.formats.base`:

* :func:`detect` recognises ``Invoice`` / ``CreditNote`` roots in the UBL 2 namespaces;
* :func:`validate_schema` checks the vendored OASIS UBL 2.1 XSD;
* :func:`parse` reads any EN 16931 UBL document (UBL 2.0 to 2.3 declared versions, 2.1 namespaces)
  into the canonical model, Spanish extras included when this package wrote them;
* :func:`render` writes one invoice as Peppol BIS Billing 3.0 UBL;
* :func:`losses` lists, as warnings, what :func:`render` drops or reshapes.

What EN 16931 cannot carry, and how withholdings (IRPF) and the equivalence surcharge travel,
is described in ``docs/formats/ubl.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from lxml import etree

from einvoice.errors import UnsupportedDocument, Violation
from einvoice.formats.base import Detected, load_schema, schema_violations
from einvoice.formats.ubl._common import NS_CREDIT_NOTE, NS_EXT, NS_INVOICE, SCHEMA_FILES
from einvoice.formats.ubl.reader import read
from einvoice.formats.ubl.writer import losses, write
from einvoice.model import Document, DocumentKind, Invoice

NAME: Final = "ubl"
VERSIONS: Final = ("2.1",)
DEFAULT_VERSION: Final = "2.1"

_ROOTS: Final = {
    (NS_INVOICE, "Invoice"): DocumentKind.INVOICE,
    (NS_CREDIT_NOTE, "CreditNote"): DocumentKind.CREDIT_NOTE,
}


def detect(root: etree._Element) -> Detected | None:
    """UBL when the root is ``Invoice`` or ``CreditNote`` in its UBL 2 namespace."""
    if not isinstance(root.tag, str):
        return None
    qname = etree.QName(root)
    kind = _ROOTS.get((qname.namespace or "", qname.localname))
    if kind is None:
        return None
    # A UBL signature lives in ext:UBLExtensions as sig:UBLDocumentSignatures.
    extensions = root.find(f"{{{NS_EXT}}}UBLExtensions")
    signed = extensions is not None and any(
        isinstance(el.tag, str) and etree.QName(el).localname == "UBLDocumentSignatures"
        for el in extensions.iter()
    )
    return Detected(format=NAME, version=DEFAULT_VERSION, kind=kind, signed=signed)


def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise UnsupportedDocument.single(
            "UBL-VERSION",
            f"UBL version {version} is not supported; use {', '.join(VERSIONS)}.",
            f"La versión UBL {version} no está soportada; use {', '.join(VERSIONS)}.",
        )


def validate_schema(tree: etree._ElementTree, version: str) -> list[Violation]:
    """Validate against the OASIS UBL 2.1 Invoice or CreditNote XSD."""
    _check_version(version)
    root_name = etree.QName(tree.getroot()).localname
    path = SCHEMA_FILES.get(root_name)
    if path is None:
        raise UnsupportedDocument.single(
            "DOC-UNKNOWN",
            f"'{root_name}' is not a UBL Invoice or CreditNote.",
            f"'{root_name}' no es un Invoice ni un CreditNote UBL.",
        )
    return schema_violations(load_schema(path), tree)


def parse(tree: etree._ElementTree, *, version: str) -> Document:
    """Map a UBL Invoice/CreditNote to the canonical model (one invoice per document)."""
    _check_version(version)
    if detect(tree.getroot()) is None:
        raise UnsupportedDocument.single(
            "DOC-UNKNOWN",
            "The document is not a UBL 2 Invoice or CreditNote.",
            "El documento no es un Invoice ni un CreditNote UBL 2.",
        )
    return read(tree)


def render(invoices: Sequence[Invoice], *, version: str | None = None) -> bytes:
    """Write exactly one invoice as Peppol BIS Billing 3.0 UBL 2.1 (deterministic bytes)."""
    _check_version(version or DEFAULT_VERSION)
    return write(invoices)


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
