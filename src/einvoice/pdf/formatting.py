"""Numbers, money, dates and bank accounts as a reader of each language expects them.

Spanish: ``1.234,56 €`` and ``25/11/2026``; English: ``€1,234.56`` and ``25 Nov 2026``.
Nothing here depends on the process locale (which a server does not set reliably), and
nothing rounds: an amount prints with every decimal the invoice carries (at least two for
money), because a paper copy must show what the electronic original says.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Final

SUPPORTED_LANGUAGES: Final = ("es", "en")

_NBSP: Final = "\u00a0"

_CURRENCY_SYMBOLS: Final[dict[str, str]] = {"EUR": "€", "GBP": "£", "USD": "US$"}
"""Symbols printed instead of the ISO 4217 code; other currencies print their code."""

_MONTHS_EN: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def normalize_language(language: str) -> str:
    """``"es"`` or ``"en"`` from a language tag such as ``es-ES`` or ``en_GB``.

    Raises ``ValueError`` for anything else: printing an invoice in a language whose
    labels do not exist would silently fall back and mislead.
    """
    code = language.strip().lower().replace("_", "-").split("-", 1)[0]
    if code not in SUPPORTED_LANGUAGES:
        raise ValueError(
            f"Unsupported invoice language {language!r}: use 'es' or 'en' "
            f"(idioma no admitido: use 'es' o 'en')."
        )
    return code


def _places(value: Decimal, minimum: int) -> int:
    """Decimals needed to print ``value`` exactly, but at least ``minimum``."""
    exponent = value.normalize().as_tuple().exponent
    needed = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return max(minimum, needed)


def number(value: Decimal, language: str, *, min_places: int = 0) -> str:
    """A decimal with grouped thousands, exact (never rounded), at least ``min_places``.

    ``number(Decimal("1234.5"), "es", min_places=2)`` is ``"1.234,50"``.
    """
    if not value.is_finite():
        return str(value)
    text = f"{abs(value):,.{_places(value, min_places)}f}"
    if language == "es":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"-{text}" if value < 0 else text


def amount(value: Decimal, language: str) -> str:
    """A money amount without currency (table cells): two decimals or more."""
    return number(value, language, min_places=2)


def money(value: Decimal, currency: str, language: str) -> str:
    """A money amount with its currency: ``1.234,56 €`` (es) or ``€1,234.56`` (en)."""
    digits = number(abs(value), language, min_places=2)
    sign = "-" if value < 0 else ""
    symbol = _CURRENCY_SYMBOLS.get(currency, currency)
    if language == "es":
        return f"{sign}{digits}{_NBSP}{symbol}"
    gap = "" if currency in _CURRENCY_SYMBOLS else _NBSP
    return f"{sign}{symbol}{gap}{digits}"


def percent(value: Decimal, language: str) -> str:
    """A rate: ``21 %`` (Spanish typography) or ``21%`` (English)."""
    digits = number(value, language)
    return f"{digits}{_NBSP}%" if language == "es" else f"{digits}%"


def date(value: dt.date, language: str) -> str:
    """``25/11/2026`` in Spanish, ``25 Nov 2026`` in English."""
    if language == "es":
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year:04d}"


def looks_like_iban(account: str) -> bool:
    """Whether ``account`` has the shape of an IBAN: country letters, check digits, 11–30
    alphanumerics (ISO 13616; 15 to 34 characters in all).  The checksum is not verified
    here: the paper prints what the invoice says, validation reports errors elsewhere."""
    compact = "".join(account.split())
    return (
        15 <= len(compact) <= 34
        and compact[:2].isalpha()
        and compact[2:4].isdigit()
        and compact.isalnum()
        and compact.isascii()
    )


def iban(account: str) -> str:
    """An IBAN in groups of four (``ES91 2100 0418 …``), the way banks print it.

    Other account identifiers are returned unchanged, since grouping them could change how
    they read.
    """
    if not looks_like_iban(account):
        return account
    compact = "".join(account.split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
