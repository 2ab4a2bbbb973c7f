"""The lean form of the official artefacts reports exactly what the official form reports.

``einvoice.rules.official`` compiles each artefact without the parts of the SVRL report it
never reads (fired rules, active patterns, the attribute walks no rule needs).  Here both
forms run, side by side in one Saxon processor, over every UBL and CII sample of the corpus,
the UBL forms of the Facturae samples, and broken copies of all of them (codes, schemes,
currencies, units and required elements spoiled so that many rules fail, attribute-keyed
rules included), and must give the same failed asserts and successful reports: rule id,
flag, location and text, in the same order.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from tests.corpus import samples

from einvoice import formats
from einvoice.rules import official

pytestmark = pytest.mark.slow

_REPORTED = (
    "//(svrl:failed-assert|svrl:successful-report) ! string-join(("
    "local-name(), string(@id), string(@flag), string(@location), string(@test), "
    "normalize-space(string-join(svrl:text//text(), ' '))), ' | ')"
)


class _Both:
    """The official and the lean form of each artefact, compiled in one processor."""

    def __init__(self) -> None:
        from saxonche import PySaxonProcessor

        self.processor: Any = PySaxonProcessor(license=False)
        self.xpath: Any = self.processor.new_xpath_processor()
        self.xpath.declare_namespace("svrl", "http://purl.oclc.org/dsdl/svrl")
        self.compiled: dict[tuple[str, bool], Any] = {}

    def executable(self, key: str, lean: bool) -> Any:
        if (key, lean) not in self.compiled:
            text = official._stylesheet_text(official.ARTEFACTS[key].filename)
            if lean:
                text = official.lean_stylesheet(text)[0]
            compiler = self.processor.new_xslt30_processor()
            self.compiled[key, lean] = compiler.compile_stylesheet(stylesheet_text=text)
        return self.compiled[key, lean]

    def reported(self, text: str, key: str, lean: bool) -> list[str]:
        document = self.processor.parse_xml(xml_text=text)
        result = self.executable(key, lean).transform_to_value(xdm_node=document)
        self.xpath.set_context(xdm_item=result.head)
        found = self.xpath.evaluate(_REPORTED)
        if found is None:
            return []
        return [found.item_at(i).string_value for i in range(found.size)]


@cache
def _both() -> _Both:
    return _Both()


_SPOILERS = (
    (rb'schemeID="[^"]*"', b'schemeID="XX"'),
    (rb'listID="[^"]*"', b'listID="XX"'),
    (rb'currencyID="[^"]*"', b'currencyID="ZZZ"'),
    (rb'unitCode="[^"]*"', b'unitCode="QQQ"'),
    (rb'mimeCode="[^"]*"', b'mimeCode="text/x-nothing"'),
    (rb"(<cbc:InvoiceTypeCode[^>]*>)[^<]*", rb"\g<1>999"),
    (rb"(<ram:TypeCode[^>]*>)[^<]*", rb"\g<1>999"),
    (rb"(<cbc:PayableAmount[^>]*>)[^<]*", rb"\g<1>99999.99"),
    (rb"(<ram:DuePayableAmount[^>]*>)[^<]*", rb"\g<1>99999.99"),
    (rb"(<cbc:IdentificationCode[^>]*>)[^<]*", rb"\g<1>XX"),
    (rb"(<ram:CountryID[^>]*>)[^<]*", rb"\g<1>XX"),
    (rb"<cbc:IssueDate>[^<]*</cbc:IssueDate>", b""),
    (rb"(<cbc:Percent>)[^<]*", rb"\g<1>-7"),
    (rb"(<ram:RateApplicablePercent>)[^<]*", rb"\g<1>-7"),
)


def _spoiled(data: bytes) -> bytes:
    for pattern, replacement in _SPOILERS:
        data = re.sub(pattern, replacement, data)
    return data


def _text(data: bytes) -> str:
    tree = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    return etree.tostring(tree, encoding="unicode")


def _documents() -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, text, artefacts) for every sample and its spoiled copy."""
    out: list[tuple[str, str, tuple[str, ...]]] = []
    ubl = ("cen-ubl", "peppol-ubl", "peppol-cen-ubl")
    sources: list[tuple[str, bytes, tuple[str, ...]]] = []
    for path in [*samples("ubl", "samples"), *samples("peppol", "samples")]:
        sources.append((path.name, path.read_bytes(), ubl))
    for path in samples("cii", "samples"):
        sources.append((path.name, path.read_bytes(), ("cen-cii",)))
    for path in samples("facturae", "samples"):
        if "invalid" in path.parts:
            continue
        try:
            invoices = formats.parse(path.read_bytes()).invoices
            sources.append((f"{path.name} as UBL", formats.render("ubl", invoices[:1]), ubl))
        except Exception:
            continue  # a sample efactura cannot convert is not this test's business
    for name, data, keys in sources:
        out.append((name, _text(data), keys))
        out.append((f"{name} spoiled", _text(_spoiled(data)), keys))
    return out


def test_every_artefact_is_made_lean() -> None:
    for artefact in official.ARTEFACTS.values():
        _, changed = official.lean_stylesheet(official._stylesheet_text(artefact.filename))
        assert changed["fired-rule"] > 90, artefact.key
        assert changed["active-pattern"] >= 3, artefact.key
        assert changed["attribute walks"] > 100, artefact.key


def test_lean_leaves_a_pattern_whose_rule_matches_attributes_alone() -> None:
    stylesheet = """<xsl:stylesheet version="2.0"
        xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
        xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
      <xsl:template match="text()" priority="-1"/>
      <xsl:template match="/">
        <svrl:schematron-output>
          <svrl:active-pattern><xsl:apply-templates/></svrl:active-pattern>
          <xsl:apply-templates mode="M1" select="/"/>
          <svrl:active-pattern><xsl:apply-templates/></svrl:active-pattern>
          <xsl:apply-templates mode="M2" select="/"/>
        </svrl:schematron-output>
      </xsl:template>
      <xsl:template match="a[@x = '1']" mode="M1" priority="1000">
        <svrl:fired-rule context="a"/>
        <xsl:apply-templates mode="M1" select="@*|*"/>
      </xsl:template>
      <xsl:template match="@*|node()" mode="M1" priority="-2">
        <xsl:apply-templates mode="M1" select="@*|*"/>
      </xsl:template>
      <xsl:template match="a/@x" mode="M2" priority="1000">
        <svrl:fired-rule context="a/@x"/>
        <xsl:apply-templates mode="M2" select="@*|*"/>
      </xsl:template>
      <xsl:template match="@*|node()" mode="M2" priority="-2">
        <xsl:apply-templates mode="M2" select="@*|*"/>
      </xsl:template>
    </xsl:stylesheet>"""
    text, changed = official.lean_stylesheet(stylesheet)
    assert changed == {"fired-rule": 2, "active-pattern": 2, "attribute walks": 2}
    root = etree.fromstring(text.encode())
    xsl = {"xsl": "http://www.w3.org/1999/XSL/Transform"}
    selects = {
        (node.get("mode"), node.get("select"))
        for node in root.xpath("//xsl:template[@mode]/xsl:apply-templates", namespaces=xsl)
    }
    # M1's rule has an attribute only in a predicate: its walks skip attributes; M2's rule
    # is about an attribute: its walks keep them.
    assert selects == {("M1", "*"), ("M2", "@*|*")}


def test_lean_keeps_active_patterns_when_the_default_mode_does_something() -> None:
    stylesheet = """<xsl:stylesheet version="2.0"
        xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
        xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
      <xsl:template match="b"><svrl:text>b</svrl:text></xsl:template>
      <xsl:template match="/">
        <svrl:active-pattern><xsl:apply-templates/></svrl:active-pattern>
      </xsl:template>
    </xsl:stylesheet>"""
    _, changed = official.lean_stylesheet(stylesheet)
    assert changed["active-pattern"] == 0


def test_official_and_lean_forms_report_the_same_on_the_whole_corpus() -> None:
    both = _both()
    documents = _documents()
    assert len(documents) > 60
    failing = 0
    for name, text, keys in documents:
        for key in keys:
            official_form = both.reported(text, key, lean=False)
            lean_form = both.reported(text, key, lean=True)
            assert lean_form == official_form, f"{name} / {key}"
            failing += bool(official_form)
    # The comparison is only worth something if many runs report failures.
    assert failing > 40


def test_platform_compiles_the_lean_form() -> None:
    spoiled = _spoiled(
        (Path(samples("peppol", "samples")[0])).read_bytes()  # any Peppol invoice
    )
    found = official.check_all(spoiled, ("cen-ubl", "peppol-ubl"))
    expected = {
        line.split(" | ")[1]
        for key in ("cen-ubl", "peppol-ubl")
        for line in _both().reported(_text(spoiled), key, lean=False)
        if line.startswith("failed-assert")
    }
    assert found
    assert {v.rule for v in found} == expected
