"""Facturae ``Extensions``: known extensions checked against their official schemas, unknown
ones accepted with a warning.

Facturae 3.x lets a file carry extra XML in ``Facturae/Extensions``,
``Invoice/AdditionalData/Extensions`` and ``InvoiceLine/Extensions``, typed as a wildcard
``xs:any namespace="##other" processContents="strict"``.  *Strict* makes a validator that
only has the Facturae XSD refuse every extension ("no matching global element declaration"),
although FACeB2B requires its extension on B2B invoices to public-sector contractors.  So,
when a file carries extensions, it is validated against the Facturae XSD of its version
with two changes made in memory (the vendored files stay byte-identical):

* the wildcard becomes ``processContents="lax"``: an element whose schema is known is
  still validated in full, one whose schema is unknown is skipped;
* the extension schemas vendored in ``schemas/extensions/`` (FACeB2B v1.1, Correos,
  Utilities; provenance in ``schemas/PROVENANCE.md``) are imported.

Each extension element whose namespace and root are not among the known ones gets a
warning (``FACTURAE-EXT-UNKNOWN``): it is kept in the archived original but neither checked
nor read.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Final

from lxml import etree

from einvoice.errors import Layer, Severity, Violation
from einvoice.formats.base import schema_violations
from einvoice.xml import safe_parser

__all__ = ["KNOWN", "extension_elements", "validate"]

_XS = "http://www.w3.org/2001/XMLSchema"
_DIR = Path(__file__).resolve().parent / "schemas"

KNOWN: Final = {
    "http://www.facturae.es/Facturae/Extensions/FaceB2BExtensionv1_1": (
        "FaceB2BExtension",
        "extensions/Extension_FACEB2B_v1-1.xsd",
        "FACeB2B v1.1",
    ),
    "http://www.facturae.es/Facturae/Extensions/Correos": (
        "CorreosExtension",
        "extensions/CorreosExtension_FormatoXSD_V1.0.xsd",
        "Correos",
    ),
    "http://www.facturae.es/Facturae/Extensions/Utilities": (
        "UtilitiesExtension",
        "extensions/UtilitiesExtension.xsd",
        "Utilities",
    ),
}
"""Extension namespace → (root element, vendored schema, name shown to users)."""

_lock = threading.Lock()
_schemas: dict[str, etree.XMLSchema] = {}


def extension_elements(tree: etree._ElementTree) -> list[etree._Element]:
    """The elements inside any Facturae ``Extensions`` element (empty when there are none)."""
    out: list[etree._Element] = []
    for holder in tree.getroot().iter("Extensions"):
        out.extend(child for child in holder if isinstance(child.tag, str))
    return out


def _build(schema_file: Path) -> etree.XMLSchema:
    document = etree.parse(str(schema_file), parser=safe_parser())
    root = document.getroot()
    for wildcard in root.iterfind(f"{{{_XS}}}complexType[@name='ExtensionsType']//{{{_XS}}}any"):
        wildcard.set("processContents", "lax")
    position = sum(1 for child in root if child.tag == f"{{{_XS}}}import")
    for namespace, (_, location, _) in KNOWN.items():
        imported = etree.Element(f"{{{_XS}}}import", namespace=namespace)
        imported.set("schemaLocation", location)
        root.insert(position, imported)
    # The document keeps the URL it was parsed from, so relative schemaLocations (xmldsig,
    # the extensions) resolve to the vendored files; nothing is fetched.
    return etree.XMLSchema(document)


def _schema(schema_file: Path) -> etree.XMLSchema:
    key = str(schema_file)
    schema = _schemas.get(key)
    if schema is None:
        with _lock:
            schema = _schemas.get(key)
            if schema is None:
                schema = _build(schema_file)
                _schemas[key] = schema
    return schema


def _line(element: etree._Element) -> int | None:
    line: object = element.sourceline
    return line if isinstance(line, int) else None


def validate(tree: etree._ElementTree, schema_file: Path) -> list[Violation]:
    """XSD violations of a Facturae file carrying extensions, plus one warning per unknown
    extension.  ``schema_file`` is the vendored Facturae XSD of the file's version."""
    found = schema_violations(_schema(schema_file), tree)
    for element in extension_elements(tree):
        qname = etree.QName(element)
        known = KNOWN.get(qname.namespace or "")
        if known is not None and known[0] == qname.localname:
            continue
        where = tree.getpath(element)
        found.append(
            Violation(
                rule="FACTURAE-EXT-UNKNOWN",
                message=f"The file carries an extension this platform does not know "
                f"('{qname.localname}' in namespace '{qname.namespace or '-'}'). It is kept in "
                "the original file but was not checked or read; known extensions: "
                f"{', '.join(name for _, _, name in KNOWN.values())}.",
                message_es=f"El fichero lleva una extensión que esta plataforma no conoce "
                f"('{qname.localname}' en el espacio de nombres '{qname.namespace or '-'}'). Se "
                "conserva en el fichero original pero no se ha comprobado ni leído; extensiones "
                f"conocidas: {', '.join(name for _, _, name in KNOWN.values())}.",
                severity=Severity.WARNING,
                layer=Layer.SCHEMA,
                location=where,
                line=_line(element),
            )
        )
    return found
