"""Numbers, money, dates and IBANs as printed on the invoice PDF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from einvoice.pdf import formatting as fmt

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "currency", "language", "expected"),
    [
        ("1234.56", "EUR", "es", f"1.234,56{NBSP}€"),
        ("1234.56", "EUR", "en", "€1,234.56"),
        ("0", "EUR", "es", f"0,00{NBSP}€"),
        ("-180", "EUR", "es", f"-180,00{NBSP}€"),
        ("-180", "EUR", "en", "-€180.00"),
        ("1234567.5", "EUR", "es", f"1.234.567,50{NBSP}€"),
        ("12.345678", "EUR", "es", f"12,345678{NBSP}€"),  # exact, never rounded
        ("99.9", "USD", "en", "US$99.90"),
        ("99.9", "CHF", "es", f"99,90{NBSP}CHF"),
        ("99.9", "CHF", "en", f"CHF{NBSP}99.90"),
        ("1E+3", "EUR", "es", f"1.000,00{NBSP}€"),
    ],
)
def test_money(value: str, currency: str, language: str, expected: str) -> None:
    assert fmt.money(Decimal(value), currency, language) == expected


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        ("1000", "es", "1.000"),
        ("2.5", "es", "2,5"),
        ("2.500", "es", "2,5"),
        ("2.5", "en", "2.5"),
        ("1234.125", "en", "1,234.125"),
        ("-0.5", "es", "-0,5"),
    ],
)
def test_number(value: str, language: str, expected: str) -> None:
    assert fmt.number(Decimal(value), language) == expected


def test_percent() -> None:
    assert fmt.percent(Decimal("21.00"), "es") == f"21{NBSP}%"
    assert fmt.percent(Decimal("5.2"), "es") == f"5,2{NBSP}%"
    assert fmt.percent(Decimal("5.2"), "en") == "5.2%"


def test_date() -> None:
    day = dt.date(2026, 11, 5)
    assert fmt.date(day, "es") == "05/11/2026"
    assert fmt.date(day, "en") == "5 Nov 2026"


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        ("ES9121000418450200051332", "ES91 2100 0418 4502 0005 1332"),
        ("es91 2100 0418 4502 0005 1332", "ES91 2100 0418 4502 0005 1332"),
        ("GB29NWBK60161331926819", "GB29 NWBK 6016 1331 9268 19"),
        ("0049-1500-05-1234567892", "0049-1500-05-1234567892"),  # not an IBAN: unchanged
    ],
)
def test_iban(account: str, expected: str) -> None:
    assert fmt.iban(account) == expected


@pytest.mark.parametrize(
    ("tag", "code"), [("es", "es"), ("ES-es", "es"), ("en_GB", "en"), (" en ", "en")]
)
def test_normalize_language(tag: str, code: str) -> None:
    assert fmt.normalize_language(tag) == code


def _parse_es(text: str) -> Decimal:
    return Decimal(text.replace(".", "").replace(",", "."))


def _parse_en(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=6, allow_nan=False))
def test_number_round_trips_exactly(value: Decimal) -> None:
    assert _parse_es(fmt.number(value, "es")) == value
    assert _parse_en(fmt.number(value, "en")) == value
    assert _parse_es(fmt.amount(value, "es")) == value
