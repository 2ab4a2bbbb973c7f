"""The official EN 16931 / Peppol artefacts, run through Saxon, on real and broken samples."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from lxml import etree
from tests.corpus import CORPUS, samples

from einvoice.errors import Layer, ParseError, Severity
from einvoice.rules import official
from einvoice.rules.messages_es import MESSAGES_ES

UBL_EXAMPLE = CORPUS / "ubl" / "samples" / "en16931" / "ubl-tc434-example1.xml"
PEPPOL_BASE = CORPUS / "peppol" / "samples" / "base-example.xml"


def _break_payable(data: bytes) -> bytes:
    broken, count = re.subn(
        rb"(<cbc:PayableAmount[^>]*>)[^<]*(<)", rb"\g<1>99999.99\g<2>", data, count=1
    )
    assert count == 1
    return broken


@pytest.mark.parametrize(
    ("artefact", "path"),
    [
        ("cen-ubl", UBL_EXAMPLE),
        ("cen-cii", CORPUS / "cii" / "samples" / "en16931" / "CII_example1.xml"),
        ("peppol-ubl", PEPPOL_BASE),
        ("peppol-cen-ubl", PEPPOL_BASE),
    ],
)
def test_official_examples_pass(artefact: str, path: Path) -> None:
    found = official.check(path.read_bytes(), artefact)
    assert [v for v in found if v.is_fatal] == []


PEPPOL_EXAMPLE_DEFECTS = {
    # The Greek tax-representative example gives the seller only a trading name, no
    # RegistrationName: a genuine BR-06 defect of the sample (it is XSD-invalid too).
    "GR-base-example-TaxRepresentative.xml": ["BR-06"],
}


@pytest.mark.parametrize("path", samples("peppol", "samples"), ids=lambda p: p.name)
def test_every_peppol_example_passes_the_cen_rules(path: Path) -> None:
    fatal = [v.rule for v in official.check(path.read_bytes(), "cen-ubl") if v.is_fatal]
    assert fatal == PEPPOL_EXAMPLE_DEFECTS.get(path.name, [])


def test_failed_assert_becomes_a_bilingual_violation_with_location_and_line() -> None:
    data = _break_payable(UBL_EXAMPLE.read_bytes())
    found = official.check(data, "cen-ubl")
    co16 = [v for v in found if v.rule == "BR-CO-16"]
    assert len(co16) == 1
    v = co16[0]
    assert v.severity is Severity.FATAL
    assert v.layer is Layer.EN16931
    assert v.message.startswith("Amount due for payment (BT-115)")
    assert not v.message.startswith("[")
    assert v.message_es == MESSAGES_ES["BR-CO-16"]
    assert v.location.startswith("/Invoice")
    assert "namespace-uri" not in v.location
    assert v.line is not None
    line_text = data.splitlines()[v.line - 1]
    assert b"LegalMonetaryTotal" in line_text or b"Invoice" in line_text


def test_tree_and_bytes_give_the_same_result() -> None:
    data = _break_payable(UBL_EXAMPLE.read_bytes())
    tree = etree.ElementTree(etree.fromstring(data))
    assert official.check(tree, "cen-ubl") == official.check(data, "cen-ubl")
    assert official.check(tree.getroot(), "cen-ubl") == official.check(data, "cen-ubl")


def test_peppol_rules_have_the_peppol_layer() -> None:
    data = re.sub(rb"<cbc:BuyerReference>[^<]*</cbc:BuyerReference>", b"", PEPPOL_BASE.read_bytes())
    data = re.sub(rb"<cac:OrderReference>.*?</cac:OrderReference>", b"", data, flags=re.S)
    found = official.check(data, "peppol-ubl")
    r003 = [v for v in found if v.rule == "PEPPOL-EN16931-R003"]
    assert r003 and r003[0].layer is Layer.PEPPOL and r003[0].is_fatal
    assert "referencia del comprador" in r003[0].message_es


def test_warning_flag_becomes_warning_severity() -> None:
    path = CORPUS / "peppol" / "samples" / "national" / "Norwegian-example-1.xml"
    found = official.check(path.read_bytes(), "cen-ubl")
    assert found and all(v.severity is Severity.WARNING for v in found)


def test_unknown_artefact() -> None:
    with pytest.raises(KeyError):
        official.check(UBL_EXAMPLE.read_bytes(), "xrechnung")


def test_hostile_bytes_are_refused_before_saxon() -> None:
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    )
    with pytest.raises(ParseError):
        official.check(hostile, "cen-ubl")


def test_saxon_has_no_access_to_files_or_network() -> None:
    runtime = official._runtime()
    stylesheet = (
        '<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:template match="/"><r><xsl:value-of select="unparsed-text(\'{uri}\')"/></r>'
        "</xsl:template></xsl:stylesheet>"
    )
    document = runtime.processor.parse_xml(xml_text="<a/>")
    for uri in ("file:///etc/hostname", "http://127.0.0.1:9/x"):
        compiled = runtime.processor.new_xslt30_processor().compile_stylesheet(
            stylesheet_text=stylesheet.format(uri=uri)
        )
        with pytest.raises(Exception, match=r"prohibited|not allowed|denied"):
            compiled.transform_to_string(xdm_node=document)


def test_saxon_parser_refuses_doctype() -> None:
    runtime = official._runtime()
    with pytest.raises(Exception, match="DOCTYPE"):
        runtime.processor.parse_xml(xml_text='<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')


def test_threads_each_get_their_own_runtime() -> None:
    data = _break_payable(UBL_EXAMPLE.read_bytes())
    expected = official.check(data, "cen-ubl")
    results: list[object] = []
    runtimes: list[object] = []

    def work() -> None:
        results.append(official.check(data, "cen-ubl"))
        runtimes.append(official._runtime())

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 3
    assert len({id(r) for r in runtimes}) == 3
    assert official._runtime() not in runtimes


def test_stylesheets_are_compiled_once_per_process() -> None:
    """Threads run clones of one compiled executable, never a compilation of their own."""
    data = _break_payable(UBL_EXAMPLE.read_bytes())
    expected = official.check(data, "cen-ubl")
    shared = official._shared()
    compiled = shared.executables["cen-ubl"]
    results: list[object] = []

    def work() -> None:
        results.append(official.check(data, "cen-ubl"))
        assert official._runtime().shared is shared

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 4
    assert shared.executables["cen-ubl"] is compiled


def test_rendered_text_is_checked_without_line_numbers() -> None:
    text = _break_payable(UBL_EXAMPLE.read_bytes()).decode("utf-8").split("?>", 1)[-1]
    found = official.check(text, "cen-ubl")
    assert found and all(v.line is None for v in found)
    assert [v.rule for v in found] == [v.rule for v in official.check(text.encode(), "cen-ubl")]
