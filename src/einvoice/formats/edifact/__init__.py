"""UN/EDIFACT INVOIC, the fourth syntax RD 238/2026 names (read and write).

EDIFACT is not XML, so besides the tree-based contract of :mod:`einvoice.formats.base`
(where :func:`detect` never matches an XML tree and :func:`validate_schema` / :func:`parse`
refuse one) this package fulfils the *byte-level* contract the registry uses for non-XML
formats:

``sniff(data) -> bool``
    The bytes start like an EDIFACT interchange (``UNA``/``UNB``/``UNH``).
``detect_bytes(data, *, filename="") -> Detected | None``
    Format, directory (``D96A``, ``D14B`` …) and kind (BGM 381 is a credit note).
``validate_syntax(data, *, filename="") -> list[Violation]``
    Interchange structure: readable segments, an ``INVOIC`` message of a supported
    directory, matching ``UNH``/``UNT`` and ``UNZ`` counts.
``parse_bytes(data, *, filename="") -> Document``
    One canonical invoice per INVOIC message.

:func:`render` writes ``D96A`` (EANCOM ``EAN008``, the Spanish retail/AECOC profile) or
``D16B`` (the EN 16931 EDIFACT binding); see ``docs/formats/edifact.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from lxml import etree

from einvoice.errors import EInvoiceError, Layer, Severity, UnsupportedDocument, Violation
from einvoice.formats.base import Detected
from einvoice.formats.edifact._codes import SUPPORTED_DIRECTORIES
from einvoice.formats.edifact.reader import message_directory, read, segments_of
from einvoice.formats.edifact.writer import losses, write
from einvoice.model import Document, DocumentKind, Invoice

NAME: Final = "edifact"
VERSIONS: Final = SUPPORTED_DIRECTORIES
"""Directories read; :data:`WRITABLE_VERSIONS` are those written."""
WRITABLE_VERSIONS: Final = ("D96A", "D16B")
DEFAULT_VERSION: Final = "D16B"
"""EN 16931 binding by default: RD 238/2026 requires EDIFACT conforming to EN 16931."""
MEDIA_TYPE: Final = "application/EDIFACT"
EXTENSION: Final = ".edi"

_STARTS = (b"UNA", b"UNB+", b"UNH+")


def sniff(data: bytes) -> bool:
    """Whether ``data`` starts like an EDIFACT interchange (BOM and blank lines allowed)."""
    head = data[:64]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head.lstrip().startswith(_STARTS)


def _not_xml() -> UnsupportedDocument:
    return UnsupportedDocument.single(
        "DOC-UNKNOWN",
        "EDIFACT documents are not XML; read them with parse_bytes().",
        "Los documentos EDIFACT no son XML; léalos con parse_bytes().",
    )


def detect(root: etree._Element) -> Detected | None:
    """Never matches: an XML tree is not EDIFACT (see :func:`detect_bytes`)."""
    return None


def validate_schema(tree: etree._ElementTree, version: str) -> list[Violation]:
    """EDIFACT has no XSD; structure is checked by :func:`validate_syntax`."""
    raise _not_xml()


def parse(tree: etree._ElementTree, *, version: str) -> Document:
    """EDIFACT is read from bytes (:func:`parse_bytes`), never from an XML tree."""
    raise _not_xml()


def detect_bytes(data: bytes, *, filename: str = "") -> Detected | None:
    """Format, directory and kind of an EDIFACT interchange; ``None`` when not EDIFACT."""
    if not sniff(data):
        return None
    segments = segments_of(data, filename=filename)
    _, directory = message_directory(segments)
    kind = DocumentKind.INVOICE
    for segment in segments:
        if segment.tag == "BGM":
            element = segment.elements[0] if segment.elements else ""
            code = element[0] if isinstance(element, list) else element
            if code in ("381", "83"):
                kind = DocumentKind.CREDIT_NOTE
            break
    return Detected(format=NAME, version=directory, kind=kind)


def _syntax(rule: str, en: str, es: str, *, fatal: bool = True) -> Violation:
    return Violation(
        rule=rule,
        message=en,
        message_es=es,
        layer=Layer.SCHEMA,
        severity=Severity.FATAL if fatal else Severity.WARNING,
    )


def validate_syntax(data: bytes, *, filename: str = "") -> list[Violation]:
    """Interchange-level checks (ISO 9735): the EDIFACT counterpart of XSD validation."""
    try:
        segments = segments_of(data, filename=filename)
    except EInvoiceError as exc:
        return list(exc.violations)
    message_type, directory = message_directory(segments)
    out: list[Violation] = []
    if message_type != "INVOIC":
        return [
            _syntax(
                "EDI-MESSAGE",
                f"The interchange holds a '{message_type or 'unknown'}' message, not INVOIC.",
                f"El intercambio contiene un mensaje '{message_type or 'desconocido'}', no INVOIC.",
            )
        ]
    if directory not in SUPPORTED_DIRECTORIES:
        out.append(
            _syntax(
                "EDI-DIRECTORY",
                f"INVOIC directory {directory or '?'} is not one this platform reads "
                f"({', '.join(SUPPORTED_DIRECTORIES)}); it was read as the nearest one.",
                f"El directorio INVOIC {directory or '?'} no es uno de los que lee esta "
                f"plataforma ({', '.join(SUPPORTED_DIRECTORIES)}); se ha leído como el más "
                "parecido.",
                fatal=False,
            )
        )
    count = 0
    start = None
    for index, segment in enumerate(segments):
        if segment.tag == "UNH":
            if start is not None:
                out.append(
                    _syntax(
                        "EDI-UNT",
                        "A message (UNH) starts before the previous one was closed (UNT).",
                        "Un mensaje (UNH) empieza antes de cerrarse el anterior (UNT).",
                    )
                )
            start = index
            count += 1
        elif segment.tag == "UNT":
            if start is None:
                out.append(
                    _syntax(
                        "EDI-UNT",
                        "A UNT segment closes no message.",
                        "Un segmento UNT no cierra ningún mensaje.",
                    )
                )
                continue
            stated = segment.elements[0] if segment.elements else ""
            actual = index - start + 1
            if isinstance(stated, str) and stated.strip().isdigit() and int(stated) != actual:
                out.append(
                    _syntax(
                        "EDI-UNT",
                        f"The message says it has {stated} segments (UNT) but has {actual}.",
                        f"El mensaje dice tener {stated} segmentos (UNT) pero tiene {actual}.",
                        fatal=False,
                    )
                )
            start = None
        elif segment.tag == "UNZ":
            stated = segment.elements[0] if segment.elements else ""
            if isinstance(stated, str) and stated.strip().isdigit() and int(stated) != count:
                out.append(
                    _syntax(
                        "EDI-UNZ",
                        f"The interchange says it holds {stated} messages (UNZ) but holds {count}.",
                        f"El intercambio dice contener {stated} mensajes (UNZ) pero contiene "
                        f"{count}.",
                        fatal=False,
                    )
                )
    if start is not None:
        out.append(
            _syntax(
                "EDI-UNT",
                "The last message is not closed (UNT segment missing).",
                "El último mensaje no está cerrado (falta el segmento UNT).",
            )
        )
    return out


def parse_bytes(data: bytes, *, filename: str = "") -> Document:
    """Every INVOIC message of the interchange as a canonical invoice."""
    return read(data, filename=filename)


def render(invoices: Sequence[Invoice], *, version: str | None = None) -> bytes:
    """Write the invoices as one interchange (``D16B`` EN 16931 binding, or ``D96A`` EANCOM)."""
    directory = (version or DEFAULT_VERSION).upper().replace(".", "")
    if directory == "D14B":
        directory = "D16B"
    if directory not in WRITABLE_VERSIONS:
        raise UnsupportedDocument.single(
            "EDI-DIRECTORY",
            f"EDIFACT {version} cannot be written; use {' or '.join(WRITABLE_VERSIONS)}.",
            f"No se puede escribir EDIFACT {version}; use {' o '.join(WRITABLE_VERSIONS)}.",
        )
    return write(invoices, directory=directory)


__all__ = [
    "DEFAULT_VERSION",
    "EXTENSION",
    "MEDIA_TYPE",
    "NAME",
    "VERSIONS",
    "WRITABLE_VERSIONS",
    "detect",
    "detect_bytes",
    "losses",
    "parse",
    "parse_bytes",
    "render",
    "sniff",
    "validate_schema",
    "validate_syntax",
]
