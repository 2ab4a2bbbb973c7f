"""Typed errors and violations raised by the standards library.

Every problem found in a document is a :class:`Violation`: a stable rule id (``BR-CO-10``,
``XSD``, ``ES-NIF-01`` …), a severity, where it is (XPath and/or line) and a sentence a
bookkeeper understands, in English and Spanish.  Exceptions carry the violations that made
the document unusable, so every edge (web import, API, CLI, AS4) can report them the
same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Self


class Severity(StrEnum):
    """How bad a violation is.  Only ``FATAL`` makes a document unacceptable."""

    FATAL = "fatal"
    WARNING = "warning"
    INFO = "info"


class Layer(StrEnum):
    """Which validation layer found the problem (DESIGN.md, "Pipelines")."""

    XML = "xml"  # hardened parse: malformed, hostile, too large, not an invoice
    SCHEMA = "schema"  # XSD of the detected format and version
    EN16931 = "en16931"  # official CEN EN 16931 artefacts
    PEPPOL = "peppol"  # official Peppol BIS Billing 3 artefacts
    SPAIN = "es"  # Spanish rules written by us (tax IDs, Facturae arithmetic, …)
    SIGNATURE = "signature"
    CONVERSION = "conversion"


@dataclass(frozen=True, slots=True, kw_only=True)
class Violation:
    """One problem found in one document (or one invoice of a batch)."""

    rule: str
    """Stable identifier: the official rule id (``BR-CO-10``, ``PEPPOL-EN16931-R003``) or ours."""
    message: str
    """English sentence a bookkeeper understands."""
    message_es: str = ""
    """Spanish sentence; empty means "same as English" (official rule texts are English)."""
    severity: Severity = Severity.FATAL
    layer: Layer = Layer.SPAIN
    location: str = ""
    """XPath (or business-term path such as ``BG-25[2]/BT-131``) of the offending element."""
    line: int | None = None
    invoice: int | None = None
    """0-based index of the invoice inside a batch file; ``None`` for single-invoice files."""
    detail: str = ""
    """The validator's own words (libxml2's English message for a schema error), kept for
    support as a technical detail; the sentences above are what readers see."""

    @property
    def is_fatal(self) -> bool:
        return self.severity is Severity.FATAL

    def text(self, language: str = "en") -> str:
        """The sentence in ``language`` ("es" or "en"), falling back to English."""
        if language.startswith("es") and self.message_es:
            return self.message_es
        return self.message

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "layer": str(self.layer),
            "location": self.location,
            "line": self.line,
            "invoice": self.invoice,
            "message": self.message,
            "message_es": self.message_es or self.message,
            "detail": self.detail,
        }


@dataclass(slots=True)
class EInvoiceError(Exception):
    """Base of every error the library raises on bad input.

    ``violations`` holds at least one entry; ``str(error)`` is the first sentence.
    """

    violations: list[Violation] = field(default_factory=list)

    def __post_init__(self) -> None:
        Exception.__init__(self, self.summary())

    def summary(self, language: str = "en") -> str:
        if not self.violations:
            return type(self).__name__
        first = self.violations[0]
        more = len(self.violations) - 1
        suffix = f" (+{more} more)" if more else ""
        return f"[{first.rule}] {first.text(language)}{suffix}"

    def __str__(self) -> str:
        return self.summary()

    @classmethod
    def single(
        cls,
        rule: str,
        message: str,
        message_es: str = "",
        *,
        layer: Layer | None = None,
        location: str = "",
        line: int | None = None,
        invoice: int | None = None,
    ) -> Self:
        """Build an error holding one fatal violation."""
        return cls(
            [
                Violation(
                    rule=rule,
                    message=message,
                    message_es=message_es,
                    layer=layer if layer is not None else cls.default_layer,
                    location=location,
                    line=line,
                    invoice=invoice,
                )
            ]
        )

    default_layer = Layer.XML


class ParseError(EInvoiceError):
    """The bytes are not well-formed, safe XML within limits."""

    default_layer = Layer.XML


class UnsupportedDocument(EInvoiceError):
    """Well-formed XML, but not a document kind/version this library handles."""

    default_layer = Layer.XML


class SchemaError(EInvoiceError):
    """The document does not validate against the XSD of its format and version."""

    default_layer = Layer.SCHEMA


class RuleViolation(EInvoiceError):
    """Business rules (official EN 16931 / Peppol or Spanish) failed with fatal violations."""

    default_layer = Layer.SPAIN


class SignatureError(EInvoiceError):
    """A signature could not be created or is structurally unusable."""

    default_layer = Layer.SIGNATURE


class ConversionError(EInvoiceError):
    """The target format needs business terms the source does not carry.

    Each violation's ``rule`` names the missing business term (``BT-31`` …).
    """

    default_layer = Layer.CONVERSION
