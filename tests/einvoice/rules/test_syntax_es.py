"""Every syntax-binding rule id of the official artefacts has a Spanish text."""

from __future__ import annotations

import re

import pytest
from tests.einvoice.rules.test_messages_es import official_texts

from einvoice.rules.official import check
from einvoice.rules.syntax_es import OVERRIDES, SYNTAX_PREFIXES, syntax_message_es

_PREFIX = re.compile(r"^\[[^\]]*\]\s*-\s*")


def _syntax_rules() -> dict[str, set[str]]:
    return {r: t for r, t in official_texts().items() if r.startswith(SYNTAX_PREFIXES)}


def test_every_ubl_sr_and_cii_sr_rule_in_the_artefacts_has_a_spanish_text() -> None:
    rules = _syntax_rules()
    assert {r for r in rules if r.startswith("UBL-SR-")} and {
        r for r in rules if r.startswith("CII-SR-")
    }
    missing = sorted(
        rule
        for rule, texts in rules.items()
        for text in texts
        if not syntax_message_es(rule, _PREFIX.sub("", text))
    )
    assert missing == []


def test_spanish_texts_are_sentences_not_the_english_text() -> None:
    for rule, texts in _syntax_rules().items():
        for text in texts:
            english = _PREFIX.sub("", text)
            spanish = syntax_message_es(rule, english)
            assert spanish != english, rule
            assert (spanish[0].isupper() or spanish[0] == "«") and spanish.endswith("."), (
                rule,
                spanish,
            )
            assert "{" not in spanish and "  " not in spanish, (rule, spanish)


def test_overrides_name_existing_rules() -> None:
    assert set(OVERRIDES) <= set(official_texts())


@pytest.mark.parametrize(
    ("rule", "english", "spanish"),
    [
        (
            "UBL-SR-12",
            "Seller VAT identifier shall occur maximum once",
            "El NIF-IVA del vendedor (BT-31) solo puede aparecer una vez.",
        ),
        (
            "CII-SR-001",
            "SpecifiedTransactionID should not be present",
            "«SpecifiedTransactionID» no debe estar presente: la EN 16931 no lo usa en esta "
            "sintaxis.",
        ),
        ("BR-01", "anything", ""),
    ],
)
def test_examples(rule: str, english: str, spanish: str) -> None:
    assert syntax_message_es(rule, english) == spanish


def test_official_findings_carry_the_spanish_text() -> None:
    xml = (
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
        b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        b"<cbc:UBLVersionID>2.1</cbc:UBLVersionID><cbc:UUID>x</cbc:UUID></Invoice>"
    )
    syntax = [v for v in check(xml, "cen-ubl", lines=False) if v.rule.startswith("UBL-CR-")]
    assert syntax
    assert all("no debe incluir" in v.message_es for v in syntax)
