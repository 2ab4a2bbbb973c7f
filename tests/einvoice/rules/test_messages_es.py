"""The Spanish table covers exactly the official rule ids it claims to, faithfully."""

from __future__ import annotations

import re
from functools import cache

from lxml import etree

from einvoice.rules.messages_es import MESSAGES_ES, message_es
from einvoice.rules.official import ARTEFACTS, _stylesheet_text

SVRL = "http://purl.oclc.org/dsdl/svrl"
XSL = "http://www.w3.org/1999/XSL/Transform"
COVERED = re.compile(r"^(BR-|PEPPOL-EN16931-|PEPPOL-COMMON-)")
TERM = re.compile(r"\bB[TG]-\d+\b")


@cache
def official_texts() -> dict[str, set[str]]:
    """Rule id -> its English texts, read from every vendored artefact."""
    out: dict[str, set[str]] = {}
    for artefact in ARTEFACTS.values():
        root = etree.fromstring(_stylesheet_text(artefact.filename).encode())
        for fa in root.iter(f"{{{SVRL}}}failed-assert"):
            rule = fa.findtext(f"{{{XSL}}}attribute[@name='id']")
            text_el = fa.find(f"{{{SVRL}}}text")
            assert rule and text_el is not None
            out.setdefault(rule, set()).add(" ".join("".join(text_el.itertext()).split()))
    return out


def test_every_translated_id_exists_in_an_artefact() -> None:
    assert sorted(set(MESSAGES_ES) - set(official_texts())) == []


def test_every_covered_official_id_is_translated() -> None:
    covered = {rule for rule in official_texts() if COVERED.match(rule)}
    assert sorted(covered - set(MESSAGES_ES)) == []


def test_translations_are_spanish_sentences() -> None:
    for rule, text in MESSAGES_ES.items():
        assert text.endswith("."), rule
        assert text[0].isupper(), rule
        assert text not in official_texts()[rule], rule
        assert text == text.strip() and "  " not in text, rule


def test_translations_name_only_terms_the_rule_is_about() -> None:
    """Each BT/BG a Spanish sentence names appears in the official text of that rule,
    except where the official text names no term at all (then we may add one)."""
    for rule, text in MESSAGES_ES.items():
        english_terms = set().union(*(set(TERM.findall(t)) for t in official_texts()[rule]))
        if english_terms:
            assert set(TERM.findall(text)) <= english_terms, rule


def test_message_es_helper() -> None:
    assert message_es("BR-CO-10") == MESSAGES_ES["BR-CO-10"]
    assert message_es("UBL-SR-01") == ""
