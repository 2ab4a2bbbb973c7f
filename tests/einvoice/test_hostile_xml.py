"""Hostile and broken input: every case gives a clear violation in a report, never a crash."""

from __future__ import annotations

import os

import pytest
from tests.corpus import CORPUS

from einvoice.validation import Report, validate

UBL = (CORPUS / "ubl" / "samples" / "en16931" / "ubl-tc434-example1.xml").read_bytes()

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&xxe;</Invoice>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<lolz>&lol9;</lolz>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/evil.dtd">
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"""

PARAMETER_ENTITIES = b"""<?xml version="1.0"?>
<!DOCTYPE data [
 <!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd">
 %remote;
]>
<data/>"""


def _padded_doctype(system_id: bytes = b"http://127.0.0.1:9/evil.dtd") -> bytes:
    """A DOCTYPE pushed beyond the first kilobytes by a long comment."""
    end = UBL.index(b"?>") + 2
    doctype = b'<!DOCTYPE Invoice SYSTEM "' + system_id + b'">'
    return UBL[:end] + b"<!--" + b"x" * 6000 + b"-->" + doctype + UBL[end:]


def _utf16(document: bytes) -> bytes:
    """The same document encoded as UTF-16 (little endian, with BOM)."""
    text = document.decode("utf-8").replace('<?xml version="1.0"?>', "")
    return ('<?xml version="1.0" encoding="UTF-16"?>' + text).encode("utf-16")


CASES = {
    "xxe-external-entity": (XXE, "XML-DTD"),
    "billion-laughs": (BILLION_LAUGHS, "XML-DTD"),
    "external-dtd": (EXTERNAL_DTD, "XML-DTD"),
    "parameter-entities": (PARAMETER_ENTITIES, "XML-DTD"),
    "doctype-after-long-comment": (_padded_doctype(), "XML-DTD"),
    "local-dtd-after-long-comment": (_padded_doctype(b"file:///etc/hostname"), "XML-DTD"),
    "xxe-utf16": (_utf16(XXE), "XML-DTD"),
    "billion-laughs-utf16": (_utf16(BILLION_LAUGHS), "XML-DTD"),
    "billion-laughs-utf16-no-bom": (_utf16(BILLION_LAUGHS)[2:], "XML-DTD"),
    "malformed": (b"<Invoice><ID>1</Invoice>", "XML-MALFORMED"),
    "truncated": (UBL[: len(UBL) // 2], "XML-MALFORMED"),
    "binary": (bytes(range(256)) * 8, "XML-MALFORMED"),
    "random-bytes": (os.urandom(4096).replace(b"<", b"-"), "XML-MALFORMED"),
    "deeply-nested": (b"<a>" * 50_000 + b"</a>" * 50_000, "XML-MALFORMED"),
    "empty": (b"", "XML-EMPTY"),
    "whitespace-only": (b"  \n\t ", "XML-EMPTY"),
    "not-an-invoice": (b'<?xml version="1.0"?><note><to>Tove</to></note>', "DOC-UNKNOWN"),
    "html": (b"<html><body><p>hello</p></body></html>", "DOC-UNKNOWN"),
}


def _assert_rejected(report: Report, rule: str) -> None:
    assert not report.ok
    assert report.document is None
    assert report.invoices == ()
    assert [v.rule for v in report.violations] == [rule]
    violation = report.violations[0]
    assert violation.is_fatal
    assert violation.message and violation.message_es
    assert violation.message != violation.message_es


@pytest.mark.parametrize(("data", "rule"), CASES.values(), ids=CASES.keys())
def test_hostile_input_is_reported_not_raised(data: bytes, rule: str) -> None:
    _assert_rejected(validate(data, filename="upload.xml"), rule)


def test_xxe_never_reads_the_file() -> None:
    report = validate(XXE)
    assert "root:" not in repr(report.as_dict())


def test_size_cap_is_configurable() -> None:
    _assert_rejected(validate(UBL, max_bytes=1000), "XML-SIZE")
    assert "1,000" in validate(UBL, max_bytes=1000).violations[0].message
    assert validate(UBL, max_bytes=len(UBL), official=False).format == "ubl"


def test_malformed_reports_the_line() -> None:
    report = validate(b"<Invoice>\n<ID>1</ID>\n<Note>\n</Invoice>")
    assert report.violations[0].line == 4


def test_filename_is_named_in_the_sentence() -> None:
    report = validate(b"", filename="factura-17.xml")
    assert "factura-17.xml" in report.violations[0].message
    assert "factura-17.xml" in report.violations[0].message_es
    assert report.filename == "factura-17.xml"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_unicode_encodings_with_bom_are_fine(codec: str) -> None:
    label = "UTF-16" if codec.startswith("utf-16") else "UTF-8"
    text = UBL.decode("utf-8").replace('encoding="UTF-8"', f'encoding="{label}"')
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    report = validate(data)
    reference = validate(UBL)
    assert report.format == "ubl"
    assert report.ok == reference.ok
    assert [r.number for r in report.invoices] == [r.number for r in reference.invoices]
    assert [v.rule for v in report.all_violations()] == [v.rule for v in reference.all_violations()]
