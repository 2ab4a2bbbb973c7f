"""Format registry: detect a document's format and dispatch to its package.

Each entry is a package fulfilling the contract in :mod:`einvoice.formats.base`.  Adding a
format means adding a package and one line to ``_REGISTRY``; the registry test checks that
every entry exposes the contract and is documented in ``docs/formats.md``.

A format that is not XML (EDIFACT) also exposes the byte-level functions ``sniff``,
``detect_bytes``, ``validate_syntax`` and ``parse_bytes``; :func:`sniff` finds it before
any XML parsing happens, and :func:`parse` dispatches to it.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from functools import cache

from lxml import etree

from einvoice.errors import ConversionError, EInvoiceError, ParseError, UnsupportedDocument
from einvoice.formats.base import BytesFormatModule, Detected, FormatModule
from einvoice.model import Document, Invoice
from einvoice.xml import DEFAULT_MAX_BYTES, localname, namespace, parse_bytes

_REGISTRY: dict[str, str] = {
    "facturae": "einvoice.formats.facturae",
    "ubl": "einvoice.formats.ubl",
    "cii": "einvoice.formats.cii",
    "edifact": "einvoice.formats.edifact",
}

log = logging.getLogger(__name__)

__all__ = [
    "Detected",
    "available",
    "detect",
    "detect_tree",
    "get",
    "get_bytes_format",
    "parse",
    "render",
    "sniff",
]


def available() -> tuple[str, ...]:
    """Registry keys of every supported format."""
    return tuple(_REGISTRY)


@cache
def get(name: str) -> FormatModule:
    """The format package registered as ``name``; ``KeyError`` when unknown."""
    module: FormatModule = importlib.import_module(_REGISTRY[name])
    return module


_BYTES_FORMATS: tuple[str, ...] = ("edifact",)
"""Registry keys of the formats that are not XML (they fulfil :class:`BytesFormatModule`)."""


def get_bytes_format(name: str) -> BytesFormatModule:
    """The non-XML format package registered as ``name``; ``KeyError`` when not one."""
    if name not in _BYTES_FORMATS:
        raise KeyError(name)
    module: BytesFormatModule = importlib.import_module(_REGISTRY[name])
    return module


def sniff(data: bytes) -> str | None:
    """Registry key of the non-XML format ``data`` is written in (``edifact``), else ``None``."""
    for name in _BYTES_FORMATS:
        if get_bytes_format(name).sniff(data):
            return name
    return None


def detect_tree(tree: etree._ElementTree, *, filename: str = "") -> Detected:
    """Detect the format of an already parsed document."""
    root = tree.getroot()
    for name in _REGISTRY:
        found = get(name).detect(root)
        if found is not None:
            return found
    where = f" ({filename})" if filename else ""
    raise UnsupportedDocument.single(
        "DOC-UNKNOWN",
        f"The file{where} is XML but not an invoice this platform reads "
        f"(root element '{localname(root)}' in namespace '{namespace(root) or '-'}'). "
        "Supported: Facturae 3.1–3.2.2, UBL 2.1 Invoice/CreditNote, UN/CEFACT CII D16B "
        "(also inside Factur-X/ZUGFeRD PDFs) and UN/EDIFACT INVOIC.",
        f"El fichero{where} es XML pero no es una factura que esta plataforma lea "
        f"(elemento raíz '{localname(root)}' en el espacio de nombres '{namespace(root) or '-'}'). "
        "Se admiten Facturae 3.1–3.2.2, UBL 2.1 Invoice/CreditNote, UN/CEFACT CII D16B "
        "(también dentro de PDF Factur-X/ZUGFeRD) y UN/EDIFACT INVOIC.",
    )


def detect(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, filename: str = "") -> Detected:
    """Detect format, version and document kind of raw bytes (hardened parse first)."""
    name = sniff(data)
    if name is not None:
        found: Detected | None = get_bytes_format(name).detect_bytes(data, filename=filename)
        if found is not None:
            return found
    return detect_tree(parse_bytes(data, max_bytes=max_bytes, filename=filename), filename=filename)


def parse(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, filename: str = "") -> Document:
    """Hardened parse, detect and map to canonical invoices (no schema or rule validation:
    see :mod:`einvoice.validation` for the full pipeline).

    Raises only :class:`~einvoice.errors.EInvoiceError` subclasses: a reader failing on input
    it did not foresee gives a :class:`ParseError` ``INTERNAL`` (its traceback is logged).
    """
    name = sniff(data)
    try:
        if name is not None:
            document: Document = get_bytes_format(name).parse_bytes(data, filename=filename)
            return document
        tree = parse_bytes(data, max_bytes=max_bytes, filename=filename)
        found = detect_tree(tree, filename=filename)
        return get(found.format).parse(tree, version=found.version)
    except EInvoiceError:
        raise
    except Exception as exc:
        log.exception("reading a document (%s) failed", name or "XML")
        raise ParseError.single(
            "INTERNAL",
            f"The document could not be read because of an unexpected error "
            f"({type(exc).__name__}); please report it with the file.",
            f"No se pudo leer el documento por un error inesperado ({type(exc).__name__}); "
            "por favor, comuníquelo adjuntando el fichero.",
        ) from exc


def render(fmt: str, invoices: Sequence[Invoice], *, version: str | None = None) -> bytes:
    """Render canonical invoices in format ``fmt`` (``facturae``, ``ubl``, ``cii``, ``edifact``).

    Raises only :class:`~einvoice.errors.EInvoiceError` subclasses (``KeyError`` for an
    unknown ``fmt``, a programming error): a writer failing on data it did not foresee gives
    a :class:`ConversionError` ``INTERNAL`` (its traceback is logged).
    """
    module = get(fmt)
    try:
        return module.render(invoices, version=version)
    except EInvoiceError:
        raise
    except Exception as exc:
        log.exception("rendering %s failed", fmt)
        raise ConversionError.single(
            "INTERNAL",
            f"The invoice could not be converted to {fmt} because of an unexpected error "
            f"({type(exc).__name__}); please report it with the file.",
            f"No se pudo convertir la factura a {fmt} por un error inesperado "
            f"({type(exc).__name__}); por favor, comuníquelo adjuntando el fichero.",
        ) from exc
