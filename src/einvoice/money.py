"""Money: rounding, strict parsing and display of amounts.

Every amount in the library is a :class:`~decimal.Decimal`.  This module holds the three
operations the rest of the code must do the same way everywhere:

* :func:`round_amount` — *round half up* (``2.345`` → ``2.35``, ``-2.345`` → ``-2.35``), the
  commercial rounding that the EN 16931 worked examples, the Peppol BIS rules (amounts "rounded
  to two decimals") and the Facturae guide all use.  Python's default ``ROUND_HALF_EVEN``
  ("banker's rounding") would turn ``0.125`` into ``0.12`` where every Spanish bookkeeper and
  every validator expects ``0.13``.
* :func:`parse_amount` — read an amount written by a person or another program, refusing the
  spellings that silently change its value (``1e3``, ``1,234.56``, ``NaN`` …).
* :func:`format_amount` — show an amount to a person, in Spanish (``1.234,56 €``) or English
  (``€1,234.56``) conventions.

Currency minor units (how many decimals an amount in that currency has) come from ISO 4217;
see :data:`MINOR_UNITS` and :func:`minor_units`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

from einvoice import lexical

__all__ = [
    "MINOR_UNITS",
    "AmountError",
    "format_amount",
    "minor_units",
    "parse_amount",
    "round_amount",
    "round_currency",
]

MINOR_UNITS: Final[dict[str, int]] = {
    # ISO 4217 "minor unit" column (list one, published by SIX on behalf of ISO).
    # Two decimals is the default and the rule for most currencies: only those that matter to
    # Spanish trade plus every currency whose exponent is NOT 2 are listed explicitly.
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "HUF": 2,  # ISO says 2 even though forint coins stopped below 1 HUF
    "RON": 2,
    "BGN": 2,
    "MAD": 2,
    "MXN": 2,
    "CAD": 2,
    "AUD": 2,
    "CNY": 2,
    "BRL": 2,
    "ARS": 2,
    "COP": 2,
    "TRY": 2,
    # Currencies without a minor unit (exponent 0).
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "CLP": 0,
    "PYG": 0,
    "VND": 0,
    "UGX": 0,
    "RWF": 0,
    "KMF": 0,
    "GNF": 0,
    "DJF": 0,
    "BIF": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "UYI": 0,
    # Currencies with three decimals.
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    # Units of account with four decimals.
    "CLF": 4,
    "UYW": 4,
}
"""ISO 4217 number of decimals ("minor unit") per alphabetic currency code."""

_DEFAULT_MINOR_UNITS: Final = 2

_SYMBOLS: Final[dict[str, str]] = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}
"""Currency symbols used for display; other currencies are shown by their ISO code."""

# xs:decimal lexical space (XML Schema 1.0 part 2, 3.2.3.1): optional sign, digits, an
# optional fraction; a leading or trailing point is allowed ("5." and ".5").  Nothing else:
# no exponent, no grouping separators, no special values.
_DECIMAL_RE: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

# What people type in spreadsheets: 1,234.56 / 1.234,56 / 1 234,5 / 1'234.56 / 12,5.
_GROUPED_RE: Final = re.compile(
    r"[+-]?[0-9]{1,3}(?:[.,' \u00a0][0-9]{3})+(?:[.,][0-9]*)?|[+-]?[0-9]+,[0-9]+"
)

NBSP: Final = "\u00a0"
"""No-break space between a Spanish amount and its currency sign, so "€" never wraps alone."""


class AmountError(ValueError):
    """Text that is not an acceptable amount.  ``str()`` is English; ``message_es`` Spanish."""

    def __init__(self, message: str, message_es: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_es = message_es


def minor_units(currency: str) -> int:
    """Number of decimals of ``currency`` (ISO 4217 alpha-3): ``EUR`` 2, ``JPY`` 0, ``KWD`` 3.

    Unknown codes get 2, the ISO 4217 exponent of the vast majority of currencies, so an
    invoice in a rare currency is still rounded sensibly; the code list itself is checked by
    the business rules (BR-CL-04), not here.
    """
    return MINOR_UNITS.get(currency.strip().upper(), _DEFAULT_MINOR_UNITS)


def round_amount(value: Decimal, places: int = 2) -> Decimal:
    """Round ``value`` to ``places`` decimals, halves away from zero (ROUND_HALF_UP).

    ``Decimal("2.345")`` → ``2.35``; ``Decimal("-2.345")`` → ``-2.35``; ``Decimal("7")`` →
    ``7.00``.  The result always has exactly ``places`` decimals, so it prints as an invoice
    amount.  Raises :class:`ValueError` for NaN or infinity, which are never amounts.
    """
    if not value.is_finite():
        raise ValueError(f"cannot round {value}: not a finite amount")
    if places < 0:
        raise ValueError(f"places must be zero or positive, got {places}")
    # A wide context: a product of two bounded amounts has more digits than the default 28.
    return lexical.quantize(value, places)  # never "-0.00" on an invoice


def round_currency(value: Decimal, currency: str) -> Decimal:
    """Round ``value`` to the minor units of ``currency`` (see :func:`round_amount`)."""
    return round_amount(value, minor_units(currency))


def parse_amount(text: str) -> Decimal:
    """Read a decimal amount strictly, as XML Schema ``xs:decimal`` writes it.

    Accepted: ``"1234.56"``, ``"-0.5"``, ``"+3"``, ``"5."``, ``".5"`` (surrounding whitespace is
    ignored, as XML does).  Rejected with :class:`AmountError` (a ``ValueError``) whose message
    says what is wrong: empty text, exponent notation (``"1e3"``, a float spelling that hides
    the real value), thousands separators or decimal commas (``"1,234.56"``, ``"1.234,56"``:
    ambiguous between locales), ``NaN``/``Infinity`` and anything else.
    """
    raw = text.strip()
    shown = text if len(text) <= 40 else text[:37] + "..."
    if not raw:
        raise AmountError("The amount is empty.", "El importe está vacío.")
    if _DECIMAL_RE.fullmatch(raw):
        try:
            return lexical.parse_decimal(raw)
        except lexical.LexicalError as exc:  # out of range: no invoice holds such an amount
            raise AmountError(
                f"The amount {exc.message}.", f"El importe {exc.message_es}."
            ) from None
    lowered = raw.lower().lstrip("+-")
    if lowered in {"nan", "snan", "inf", "infinity"}:
        raise AmountError(
            f"'{shown}' is not an amount: NaN and Infinity are not numbers an invoice can hold.",
            f"'{shown}' no es un importe: NaN e Infinity no son cifras que una factura admita.",
        )
    if re.fullmatch(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+", raw):
        raise AmountError(
            f"'{shown}' uses exponent notation; write the amount with plain digits "
            "and a point, e.g. 1500.00.",
            f"'{shown}' usa notación exponencial; escriba el importe con cifras y un punto "
            "decimal, p. ej. 1500.00.",
        )
    if _GROUPED_RE.fullmatch(raw):
        raise AmountError(
            f"'{shown}' contains thousands separators or a decimal comma; write the amount "
            "without grouping and with a point as decimal separator, e.g. 1234.56.",
            f"'{shown}' contiene separadores de miles o una coma decimal; escriba el importe "
            "sin separadores de miles y con punto decimal, p. ej. 1234.56.",
        )
    raise AmountError(
        f"'{shown}' is not an amount: use digits, an optional sign and a decimal point, "
        "e.g. -1234.56.",
        f"'{shown}' no es un importe: use cifras, un signo opcional y punto decimal, "
        "p. ej. -1234.56.",
    )


def _group(digits: str, separator: str) -> str:
    """Insert ``separator`` every three digits from the right: ``1234567`` → ``1.234.567``."""
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(parts)


def format_amount(value: Decimal, currency: str = "EUR", *, language: str = "es") -> str:
    """Show ``value`` to a person, rounded to the currency's minor units.

    Spanish (``language`` starting with ``"es"``): ``1.234,56 €`` — point for thousands, comma
    for decimals, sign after the number separated by a no-break space (RAE/CLDR convention;
    CLDR omits the point in four-digit numbers, but invoices group every amount so columns
    line up).  English: ``€1,234.56``, sign before the number.  Currencies without a symbol
    here are shown by code: ``1.234,56 CHF`` / ``CHF 1,234.56``.  Negative amounts keep the
    minus in front: ``-1.234,56 €`` / ``-€1,234.56``.
    """
    code = currency.strip().upper()
    places = minor_units(code)
    rounded = round_amount(value, places)
    negative = rounded < 0
    text = f"{abs(rounded):f}"
    whole, _, fraction = text.partition(".")
    symbol = _SYMBOLS.get(code)
    sign = "-" if negative else ""
    if language.lower().startswith("es"):
        number = _group(whole, ".") + ("," + fraction if fraction else "")
        return f"{sign}{number}{NBSP}{symbol or code}"
    number = _group(whole, ",") + ("." + fraction if fraction else "")
    if symbol:
        return f"{sign}{symbol}{number}"
    return f"{sign}{code}{NBSP}{number}"
