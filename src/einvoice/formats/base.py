"""The contract every format package fulfils, and shared helpers for them.

A format package (``einvoice.formats.facturae``, ``.ubl``, ``.cii``) exposes exactly these
module-level names (STYLE.md habit 8; checked by ``tests/einvoice/test_formats_registry.py``):

``NAME: str``
    Registry key (``"facturae"``, ``"ubl"``, ``"cii"``).
``detect(root: etree._Element) -> Detected | None``
    Recognise a parsed document by root namespace/name; ``None`` when it is not this format.
``validate_schema(tree: etree._ElementTree, version: str) -> list[Violation]``
    XSD validation against the vendored schema of that version; one ``Violation`` per XSD
    error (rule ``XSD``, layer ``schema``, line and XPath-ish location), empty when valid.
``parse(tree: etree._ElementTree, *, version: str) -> Document``
    Build canonical invoices.  Raises ``UnsupportedDocument`` / ``ParseError`` on content it
    cannot map (never a bare ``KeyError`` or ``AttributeError``).
``render(invoices: Sequence[Invoice], *, version: str | None = None) -> bytes``
    Serialise canonical invoices (Facturae writes one file holding a batch when several are
    given; UBL and CII take exactly one).  Raises ``ConversionError`` naming the missing
    business terms when the target needs data the invoice lacks; never writes a partial file.
``VERSIONS: tuple[str, ...]`` readable versions; ``DEFAULT_VERSION: str`` written by default.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from lxml import etree

from einvoice.errors import Layer, Violation
from einvoice.formats.xsd_messages import explain
from einvoice.model import Document, DocumentKind, Invoice
from einvoice.xml import safe_parser


@dataclass(frozen=True, slots=True)
class Detected:
    """What :func:`einvoice.formats.detect` found out about a document."""

    format: str
    """Registry key of the format: ``facturae``, ``ubl`` or ``cii``."""
    version: str
    """Format version: ``3.2.2``, ``2.1``, ``D16B`` …"""
    kind: DocumentKind = DocumentKind.INVOICE
    """Invoice or credit note (a Facturae file may be a batch of either; reported as invoice)."""
    signed: bool = False
    """An enveloped ``ds:Signature`` is present."""


class FormatModule(Protocol):
    """Static type of a format package (see module docstring for the contract)."""

    NAME: str
    VERSIONS: tuple[str, ...]
    DEFAULT_VERSION: str

    def detect(self, root: etree._Element) -> Detected | None: ...

    def validate_schema(self, tree: etree._ElementTree, version: str) -> list[Violation]: ...

    def parse(self, tree: etree._ElementTree, *, version: str) -> Document: ...

    def render(self, invoices: Sequence[Invoice], *, version: str | None = None) -> bytes: ...


class BytesFormatModule(FormatModule, Protocol):
    """A format that is not XML (EDIFACT): the contract above plus reading from bytes."""

    def sniff(self, data: bytes) -> bool: ...

    def detect_bytes(self, data: bytes, *, filename: str = "") -> Detected | None: ...

    def validate_syntax(self, data: bytes, *, filename: str = "") -> list[Violation]: ...

    def parse_bytes(self, data: bytes, *, filename: str = "") -> Document: ...


_schema_lock = threading.Lock()
_schemas: dict[Path, etree.XMLSchema] = {}


def load_schema(path: Path) -> etree.XMLSchema:
    """Load (once per process) and return the XSD at ``path``; thread-safe.

    Schemas are vendored in the package and every import is relative, so nothing is
    fetched from the network (the parser forbids it anyway).
    """
    schema = _schemas.get(path)
    if schema is not None:
        return schema
    with _schema_lock:
        schema = _schemas.get(path)
        if schema is None:
            schema = etree.XMLSchema(etree.parse(str(path), parser=safe_parser()))
            _schemas[path] = schema
    return schema


def schema_violations(schema: etree.XMLSchema, tree: etree._ElementTree) -> list[Violation]:
    """Validate ``tree`` and turn each XSD error into a :class:`Violation`."""
    if schema.validate(tree):
        return []
    out: list[Violation] = []
    for err in schema.error_log:  # type: ignore[attr-defined]
        # Plain words in both languages; the libxml2 text stays findable in English.
        english, spanish = explain(err.message, err.line or None)
        out.append(
            Violation(
                rule="XSD",
                message=english,
                message_es=spanish,
                layer=Layer.SCHEMA,
                location=err.path or "",
                line=err.line or None,
                detail=err.message,
            )
        )
    return out
