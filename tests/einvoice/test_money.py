"""Tests for einvoice.money: half-up rounding, strict parsing, display, minor units."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from einvoice.money import (
    NBSP,
    AmountError,
    format_amount,
    minor_units,
    parse_amount,
    round_amount,
    round_currency,
)


@pytest.mark.parametrize(
    ("value", "places", "rounded"),
    [
        ("2.345", 2, "2.35"),  # half goes up, where banker's rounding gives 2.34
        ("0.125", 2, "0.13"),  # ... and here 0.12
        ("-2.345", 2, "-2.35"),  # halves go away from zero on both sides
        ("2.344999", 2, "2.34"),
        ("7", 2, "7.00"),  # always exactly `places` decimals
        ("1000.5", 0, "1001"),
        ("0.0005", 3, "0.001"),
        ("-0.004", 2, "0.00"),
    ],
)
def test_round_amount_half_up(value: str, places: int, rounded: str) -> None:
    result = round_amount(Decimal(value), places)
    assert str(result) == rounded


def test_round_amount_differs_from_bankers_rounding() -> None:
    # The reason the function exists: Decimal's default context would round 0.125 down.
    assert Decimal("0.125").quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN) == Decimal("0.12")
    assert round_amount(Decimal("0.125")) == Decimal("0.13")


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_round_amount_rejects_non_finite(bad: Decimal) -> None:
    with pytest.raises(ValueError, match="not a finite amount"):
        round_amount(bad)


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=6, min_value=-(10**9), max_value=10**9
    )
)
def test_round_amount_is_within_half_a_cent(value: Decimal) -> None:
    rounded = round_amount(value)
    assert abs(rounded - value) <= Decimal("0.005")
    assert rounded.as_tuple().exponent == -2
    assert round_amount(-value) == -rounded  # symmetric around zero


@pytest.mark.parametrize(
    ("currency", "places"),
    [
        ("EUR", 2),
        ("eur", 2),
        ("USD", 2),
        ("JPY", 0),
        ("KWD", 3),
        ("CLF", 4),
        ("HUF", 2),
        ("XYZ", 2),
    ],
)
def test_minor_units_follow_iso_4217(currency: str, places: int) -> None:
    assert minor_units(currency) == places


def test_round_currency_uses_minor_units() -> None:
    assert round_currency(Decimal("1000.5"), "JPY") == Decimal("1001")
    assert str(round_currency(Decimal("1.2345"), "KWD")) == "1.235"
    assert str(round_currency(Decimal("1.005"), "EUR")) == "1.01"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234.56", "1234.56"),
        ("  -0.5\n", "-0.5"),
        ("+3", "3"),
        ("5.", "5"),
        (".5", "0.5"),
        ("0001.10", "1.10"),
    ],
)
def test_parse_amount_accepts_xsd_decimals(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1e3", "exponent"),
        ("1.5E-2", "exponent"),
        ("1,234.56", "thousands separators"),
        ("1.234,56", "thousands separators"),
        ("1 234", "thousands separators"),
        ("12,5", "decimal comma"),
        ("NaN", "NaN and Infinity"),
        ("-Infinity", "NaN and Infinity"),
        ("inf", "NaN and Infinity"),
        ("", "empty"),
        ("   ", "empty"),
        ("12 EUR", "not an amount"),
        ("0x10", "not an amount"),
        ("--1", "not an amount"),
    ],
)
def test_parse_amount_rejects_ambiguous_text(text: str, reason: str) -> None:
    with pytest.raises(AmountError, match=reason) as info:
        parse_amount(text)
    assert isinstance(info.value, ValueError)
    assert info.value.message_es  # every rejection is explained in Spanish too
    assert info.value.message_es != info.value.message


_LARGEST = Decimal(10**15) - Decimal("0.0001")


@given(
    st.decimals(
        min_value=-_LARGEST, max_value=_LARGEST, allow_nan=False, allow_infinity=False, places=4
    )
)
def test_parse_amount_reads_what_decimal_writes(value: Decimal) -> None:
    assert parse_amount(f"{value:f}") == value


@pytest.mark.parametrize("text", ["1" * 50, "-" + "9" * 16, "0." + "1" * 21])
def test_parse_amount_refuses_amounts_out_of_range(text: str) -> None:
    with pytest.raises(AmountError, match="out of range") as info:
        parse_amount(text)
    assert "fuera de rango" in info.value.message_es


def test_round_amount_rounds_products_beyond_the_default_precision() -> None:
    # Two bounded amounts multiply to 30 digits; the default context (28) cannot quantize it.
    product = Decimal("9" * 15) * Decimal("9" * 15)
    assert round_amount(product) == Decimal("9" * 14 + "8" + "0" * 15 + ".00")


@pytest.mark.parametrize(
    ("value", "currency", "language", "shown"),
    [
        ("1234.56", "EUR", "es", f"1.234,56{NBSP}€"),
        ("1234.56", "EUR", "en", "€1,234.56"),
        ("1234567.891", "EUR", "es-ES", f"1.234.567,89{NBSP}€"),
        ("-1234.565", "EUR", "es", f"-1.234,57{NBSP}€"),
        ("-1234.565", "EUR", "en", "-€1,234.57"),
        ("0.5", "EUR", "es", f"0,50{NBSP}€"),
        ("999", "EUR", "en", "€999.00"),
        ("1234.5", "JPY", "en", "¥1,235"),
        ("1234.5", "JPY", "es", f"1.235{NBSP}¥"),
        ("1234.5", "CHF", "es", f"1.234,50{NBSP}CHF"),
        ("1234.5", "CHF", "en", f"CHF{NBSP}1,234.50"),
        ("12.3456", "KWD", "en", f"KWD{NBSP}12.346"),
    ],
)
def test_format_amount(value: str, currency: str, language: str, shown: str) -> None:
    assert format_amount(Decimal(value), currency, language=language) == shown
