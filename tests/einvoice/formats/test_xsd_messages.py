"""Schema errors are told in plain words, in Spanish and English, with the values involved."""

from __future__ import annotations

import re

import pytest
from tests.corpus import CORPUS

from einvoice.formats import facturae, ubl
from einvoice.formats.xsd_messages import explain
from einvoice.xml import parse_bytes

FACTURAE = (CORPUS / "facturae/samples/omeuid/Facturae-3.2.2-valid.xml").read_bytes()
UBL = (CORPUS / "ubl/samples/en16931/ubl-tc434-example1.xml").read_bytes()

# libxml2's own vocabulary must never reach the Spanish text.
_LIBXML_WORDS = re.compile(
    r"\bfacet\b|is not expected|is not a valid value|Missing child|"
    r"not accepted by|atomic type|No matching"
)


def _first(module: object, data: bytes, version: str) -> tuple[str, str]:
    violations = module.validate_schema(parse_bytes(data), version)  # type: ignore[attr-defined]
    assert violations, "the broken sample must fail its schema"
    return violations[0].message, violations[0].message_es


def _swap(data: bytes, old: str, new: str) -> bytes:
    assert old.encode() in data, old
    return data.replace(old.encode(), new.encode(), 1)


@pytest.mark.parametrize(
    ("old", "new", "english", "spanish"),
    [
        (
            "<PersonTypeCode>J</PersonTypeCode>",
            "<PersonTypeCode>X</PersonTypeCode>",
            ["person type", "'X'", "allowed codes", "F, J"],
            ["tipo de persona", "'X'", "códigos admitidos"],
        ),
        (
            "<InvoiceNumber>",
            "<InvoiceNumber>1234567890123456789012345",
            ["invoice number", "too long", "at most 20"],
            ["número de factura", "demasiado largo", "como máximo 20"],
        ),
        (
            "<IssueDate>",
            "<IssueDate>31/12/",
            ["issue date", "YYYY-MM-DD"],
            ["fecha de expedición", "AAAA-MM-DD"],
        ),
        (
            "<SchemaVersion>3.2.2</SchemaVersion>",
            "",
            ["not allowed here", "Facturae version (SchemaVersion)"],
            ["no puede ir aquí", "versión de Facturae (SchemaVersion)"],
        ),
    ],
    ids=["enumeration", "max-length", "date", "missing-element"],
)
def test_facturae_errors_name_the_field_and_the_values(
    old: str, new: str, english: list[str], spanish: list[str]
) -> None:
    message, message_es = _first(facturae, _swap(FACTURAE, old, new), "3.2.2")
    for part in english:
        assert part in message, message
    for part in spanish:
        assert part in message_es, message_es
    assert not _LIBXML_WORDS.search(message_es), message_es
    assert re.match(r"Línea \d+: ", message_es)


def test_ubl_decimal_with_comma_is_explained() -> None:
    data = re.sub(rb"(<cbc:PayableAmount[^>]*>)([0-9]+)\.([0-9]+)", rb"\1\2,\3", UBL, count=1)
    message, message_es = _first(ubl, data, "2.1")
    assert "amount due (PayableAmount)" in message and "dot as decimal mark" in message
    assert "importe a pagar (PayableAmount)" in message_es and "punto decimal" in message_es


@pytest.mark.parametrize(
    "raw",
    [
        "Element 'Foo': [facet 'fractionDigits'] The value '1.234' has more fractional digits "
        "than are allowed ('2').",
        "Element 'Foo': [facet 'minInclusive'] The value '-1' is less than the minimum value "
        "allowed ('0').",
        "Element 'Foo', attribute 'currencyID': The attribute 'currencyID' is required but "
        "missing.",
        "Element 'Foo': Character content other than whitespace is not allowed because the "
        "content type is 'element-only'.",
        "Element 'Foo': Missing child element(s). Expected is ( Bar ).",
        "Something libxml2 says that no pattern knows.",
        "Element 'Foo': [facet 'length'] The value has a length of '3'; this differs from the "
        "allowed length of '2'.",
        "Element 'Foo': Element content is not allowed, because the content type is a simple "
        "type definition.",
        "Element 'Foo': Duplicate key-sequence ['1'] in unique identity-constraint 'k'.",
        "Element 'Foo': No match found for key-sequence ['1'] of keyref 'r'.",
        "Element 'Foo', attribute '{http://www.w3.org/2001/XMLSchema-instance}type': The QName "
        "value 'x:T' does not resolve to a(n) type definition.",
        "Element 'Foo': Some brand new complaint of libxml2.",
        "The document has no document element.",
    ],
)
def test_every_kind_gets_a_spanish_sentence(raw: str) -> None:
    english, spanish = explain(raw, 7)
    assert english.startswith("Line 7: ") and spanish.startswith("Línea 7: ")
    assert spanish != english
    # libxml2's English never reaches the Spanish text.
    assert "libxml2" not in spanish and "complaint" not in spanish
    assert "is not" not in spanish and "allowed" not in spanish
