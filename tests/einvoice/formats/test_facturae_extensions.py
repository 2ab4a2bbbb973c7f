"""Facturae files with extensions: FACeB2B and the other official extensions are checked
against their schemas; unknown extensions pass with a warning instead of a schema error."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.corpus import CORPUS

from einvoice import formats
from einvoice.errors import Severity
from einvoice.formats import facturae
from einvoice.xml import parse_bytes

EXTENSIONS = CORPUS / "facturae" / "extensions" / "samples"
FACEB2B = EXTENSIONS / "derived-faceb2b-v1_1.xml"
UTILITIES = EXTENSIONS / "derived-utilities-minimal.xml"
BAD_ROLE = EXTENSIONS / "invalid" / "derived-faceb2b-v1_1-bad-role.xml"
FACEB2B_NS = "http://www.facturae.es/Facturae/Extensions/FaceB2BExtensionv1_1"


def _schema_findings(data: bytes) -> list[tuple[str, Severity]]:
    tree = parse_bytes(data)
    return [(v.rule, v.severity) for v in facturae.validate_schema(tree, "3.2.2")]


@pytest.mark.parametrize("path", [FACEB2B, UTILITIES], ids=lambda p: p.name)
def test_known_extensions_are_valid(path: Path) -> None:
    assert _schema_findings(path.read_bytes()) == []
    (invoice,) = formats.parse(path.read_bytes()).invoices
    assert invoice.full_number == "A1"


def test_known_extension_content_is_still_checked() -> None:
    tree = parse_bytes(BAD_ROLE.read_bytes())
    [violation] = facturae.validate_schema(tree, "3.2.2")
    assert violation.rule == "XSD" and violation.is_fatal
    assert "role" in violation.location and "Receptor" in violation.message


def test_unknown_extension_is_accepted_with_a_warning() -> None:
    data = FACEB2B.read_bytes().replace(FACEB2B_NS.encode(), b"urn:example:erp:private-extension")
    [(rule, severity)] = _schema_findings(data)
    assert (rule, severity) == ("FACTURAE-EXT-UNKNOWN", Severity.WARNING)
    [violation] = facturae.validate_schema(parse_bytes(data), "3.2.2")
    assert "urn:example:erp:private-extension" in violation.message_es
    assert "FACeB2B" in violation.message


def test_files_without_extensions_keep_the_strict_schema() -> None:
    plain = CORPUS / "facturae" / "samples" / "omeuid" / "Facturae-3.2.2-valid.xml"
    assert _schema_findings(plain.read_bytes()) == []
    # Something in the Facturae namespace itself is never an extension: still refused.
    data = FACEB2B.read_bytes().replace(
        FACEB2B_NS.encode(), b"http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml"
    )
    assert ("XSD", Severity.FATAL) in _schema_findings(data)
