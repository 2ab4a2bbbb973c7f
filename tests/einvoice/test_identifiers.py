"""Tax identifiers (python-stdnum behind a bilingual API) and participant identifiers."""

from __future__ import annotations

import re

import pytest

from einvoice.identifiers import (
    EAS_CODES,
    ParticipantId,
    TaxIdError,
    TaxIdKind,
    check_tax_id,
    normalise_tax_id,
    parse_participant_id,
    participant_id,
    tax_id_from_participant,
)
from einvoice.rules.official import ARTEFACTS, _stylesheet_text


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("b-12.345.678", "ES", "ESB12345678"),
        ("DE123456789", "ES", "DE123456789"),
        ("de 123 456 789", "ES", "DE123456789"),
        ("x-5253868-r", "ES", "ESX5253868R"),
        ("094259216", "GR", "EL094259216"),
        ("123456789", "FR", "FR123456789"),
        ("", "ES", ""),
    ],
)
def test_normalise_tax_id(raw: str, country: str, expected: str) -> None:
    assert normalise_tax_id(raw, country) == expected


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("B64717838", TaxIdKind.CIF),
        ("ESA58818501", TaxIdKind.CIF),
        ("54362315K", TaxIdKind.DNI),
        ("X-5253868-R", TaxIdKind.NIE),
        ("M1234567L", TaxIdKind.NIF),
        ("DE136695976", TaxIdKind.EU_VAT),
        ("EL094259216", TaxIdKind.EU_VAT),
    ],
)
def test_valid_tax_ids_are_classified(value: str, kind: TaxIdKind) -> None:
    result = check_tax_id(value)
    assert result.valid, result.reason
    assert result.kind is kind
    assert result.reason == result.reason_es == ""


@pytest.mark.parametrize(
    ("value", "kind", "reason_fragment"),
    [
        ("B64717839", TaxIdKind.CIF, "check digit"),
        ("B28015866", TaxIdKind.CIF, "check digit"),  # the corpus' nif-invalido sample
        ("54362315A", TaxIdKind.DNI, "check digit"),
        ("X5253868A", TaxIdKind.NIE, "check digit"),
        ("K103179802", TaxIdKind.NIF, "number of characters"),
        ("DE1111111", TaxIdKind.EU_VAT, "number of characters"),
    ],
)
def test_invalid_tax_ids_say_why_in_both_languages(
    value: str, kind: TaxIdKind, reason_fragment: str
) -> None:
    result = check_tax_id(value)
    assert not result.valid
    assert result.kind is kind
    assert reason_fragment in result.reason
    assert value in result.reason and value in result.reason_es
    assert result.reason_es and result.reason_es != result.reason


def test_empty_tax_id_is_invalid() -> None:
    result = check_tax_id("  ")
    assert not result.valid
    assert "empty" in result.reason and "vacío" in result.reason_es


def test_non_eu_tax_id_is_not_checked() -> None:
    result = check_tax_id("US12-3456789")
    assert result.valid and not result.checked
    assert result.kind is TaxIdKind.OTHER and result.country == "US"


@pytest.mark.parametrize(
    ("tax_id", "expected"),
    [
        ("b-12.345.678", "9920:ESB12345678"),
        ("ESA58818501", "9920:ESA58818501"),
        ("DE123456789", "9930:DE123456789"),
        ("FR12345678901", "9957:FR12345678901"),
        ("IT12345678901", "0211:IT12345678901"),
        ("EL094259216", "9933:EL094259216"),
        ("SE556677889901", "0007:5566778899"),
        ("FI12345678", "0216:003712345678"),
    ],
)
def test_participant_id(tax_id: str, expected: str) -> None:
    assert participant_id(tax_id) == expected
    parsed = parse_participant_id(expected)
    assert str(parsed) == expected
    assert parsed.scheme in EAS_CODES


@pytest.mark.parametrize("tax_id", ["", "X", "ZZ123456"])
def test_participant_id_refuses_unknown(tax_id: str) -> None:
    with pytest.raises(TaxIdError) as info:
        participant_id(tax_id)
    assert info.value.message_es


def test_parse_participant_id_accepts_peppol_prefix_and_normalises_case() -> None:
    parsed = parse_participant_id("iso6523-actorid-upis::9920:esb12345678")
    assert parsed == ParticipantId("9920", "ESB12345678")
    assert tax_id_from_participant(parsed) == "ESB12345678"
    assert tax_id_from_participant(ParticipantId("0088", "5790000435968")) == ""


@pytest.mark.parametrize("text", ["ESB12345678", "9920:", "99:ESB1", "1234:ESB12345678"])
def test_parse_participant_id_rejects(text: str) -> None:
    with pytest.raises(TaxIdError):
        parse_participant_id(text)


def test_eas_codes_match_the_peppol_artefact() -> None:
    """Our EAS list is the one the official Peppol artefact enforces (variable ``eaid``)."""
    text = _stylesheet_text(ARTEFACTS["peppol-ubl"].filename)
    match = re.search(r'<xsl:variable name="eaid" select="tokenize\(\'([^\']*)\'', text)
    assert match is not None
    assert frozenset(match.group(1).split()) == EAS_CODES
