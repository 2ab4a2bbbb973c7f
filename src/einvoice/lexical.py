"""Numbers and dates as the XML invoice syntaxes write them: one set of rules for all readers.

The UBL, CII and Facturae readers used to keep their own copies of these functions, and they
disagreed (one accepted ``1E3`` where another refused it; CII dates before year 1000 lost their
zero padding on output).  Every reader and writer now goes through this module:

* :func:`parse_decimal` reads ``xs:decimal`` text (UBL, CII): optional sign, digits, optional
  fraction, nothing else.  Exponents are refused: ``1E3`` is not in the ``xs:decimal`` lexical
  space (XML Schema part 2, 3.2.3.1).  Facturae declares its numbers as ``xs:double``, whose
  lexical space does allow an exponent, so its reader passes ``exponent=True``; the value is
  then bounded like any other.
* Every number is **bounded when it is parsed**: at most :data:`MAX_INTEGER_DIGITS` digits
  before the point and :data:`MAX_FRACTION_DIGITS` after it.  No invoice holds a larger or
  finer amount, and the bound keeps ``Decimal`` arithmetic downstream (products, sums,
  rounding) far from ``decimal.Overflow`` or ``InvalidOperation``: ``<Quantity>1E+999999</…>``
  or a 50-digit amount become a finding "out of range" naming the element, never a crash.
* :func:`parse_iso_date` (UBL, Facturae: ``YYYY-MM-DD`` with an optional time zone) and
  :func:`parse_date_102` (CII format 102, ``YYYYMMDD``) read dates with a four-digit year;
  :func:`format_date_102` and :func:`format_iso_date` write them zero-padded (year 0999 stays
  ``0999``, not ``999``).
* :func:`format_decimal` and :func:`format_amount` write numbers in plain notation, with a
  rounding context wide enough that no bounded value can make ``quantize`` fail.

Errors are :class:`LexicalError` (a ``ValueError``) carrying an English and a Spanish sentence
*without* the element name: each reader wraps them in its own :class:`~einvoice.errors.ParseError`
with the element, rule id and location.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Final, Literal

__all__ = [
    "MAX_FRACTION_DIGITS",
    "MAX_INTEGER_DIGITS",
    "RANGE_RULE",
    "WIDE",
    "LexicalError",
    "format_amount",
    "format_date_102",
    "format_decimal",
    "format_iso_date",
    "parse_date_102",
    "parse_decimal",
    "parse_iso_date",
    "quantize",
    "rule_id",
]

MAX_INTEGER_DIGITS: Final = 15
"""Digits allowed before the decimal point: amounts below 10^15 (a thousand billion euros and
then some; the largest Facturae sample holds 10^7).  Products of two such numbers still fit in
a :func:`quantize` context."""

MAX_FRACTION_DIGITS: Final = 20
"""Digits allowed after the decimal point (Facturae unit prices carry up to 8; rates and
exchange rates a few more)."""

WIDE: Final = Context(prec=MAX_INTEGER_DIGITS * 4 + MAX_FRACTION_DIGITS * 2 + 10)
"""Precision for rounding values derived from bounded inputs (products, quotients)."""

_XSD_DECIMAL: Final = re.compile(r"\s*([+-]?)([0-9]*)(?:\.([0-9]*))?\s*")
_DOUBLE_EXPONENT: Final = re.compile(
    r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]{1,7}\s*"
)
_ISO_DATE: Final = re.compile(r"\s*([0-9]{4})-([0-9]{2})-([0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?\s*")
_DATE_102: Final = re.compile(r"\s*([0-9]{4})([0-9]{2})([0-9]{2})\s*")

Problem = Literal["number", "range", "date"]


class LexicalError(ValueError):
    """Text that is not an acceptable number or date.

    ``problem`` is ``"number"`` (not a number in the syntax's notation), ``"range"`` (a
    number, but out of the bounds above) or ``"date"``.  ``message`` / ``message_es`` explain
    it in a sentence that the reader prefixes with the element name.
    """

    def __init__(self, problem: Problem, message: str, message_es: str) -> None:
        super().__init__(message)
        self.problem: Problem = problem
        self.message = message
        self.message_es = message_es


RANGE_RULE: Final = "AMOUNT-RANGE"
"""Rule id of the finding for a number out of range, the same in every syntax."""


def rule_id(error: LexicalError, rule: str) -> str:
    """The rule id a reader reports for ``error``: :data:`RANGE_RULE` for a number out of
    range (the same in every syntax), else the reader's own ``rule``."""
    return RANGE_RULE if error.problem == "range" else rule


def _shown(raw: str) -> str:
    text = raw.strip()
    return text if len(text) <= 40 else text[:37] + "..."


def _not_a_number(raw: str, *, exponent: bool) -> LexicalError:
    shown = _shown(raw)
    if not exponent and re.fullmatch(r"\s*[+-]?[0-9.]+[eE][+-]?[0-9]+\s*", raw):
        return LexicalError(
            "number",
            f"holds '{shown}', in exponent notation, which is not a decimal number "
            "(write plain digits, e.g. 1500.00)",
            f"contiene '{shown}', en notación exponencial, que no es un número decimal "
            "(escriba cifras sin exponente, p. ej. 1500.00)",
        )
    return LexicalError(
        "number",
        f"holds '{shown}', which is not a number",
        f"contiene '{shown}', que no es un número",
    )


def _out_of_range(raw: str) -> LexicalError:
    shown = _shown(raw)
    return LexicalError(
        "range",
        f"holds '{shown}': amount out of range (at most {MAX_INTEGER_DIGITS} digits before "
        f"the decimal point and {MAX_FRACTION_DIGITS} after it)",
        f"contiene '{shown}': importe fuera de rango (como máximo {MAX_INTEGER_DIGITS} "
        f"cifras antes del punto decimal y {MAX_FRACTION_DIGITS} después)",
    )


def _bounded(value: Decimal, raw: str) -> Decimal:
    if not value.is_finite():
        raise _not_a_number(raw, exponent=True)
    if value.is_zero():
        return value
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite values have an int exponent
    if value.adjusted() >= MAX_INTEGER_DIGITS or -exponent > MAX_FRACTION_DIGITS:
        raise _out_of_range(raw)
    if exponent > 0:  # 1E3 → 1000, so every number reads and prints in plain notation
        value = value.quantize(Decimal(1), context=WIDE)
    return value


def parse_decimal(raw: str, *, exponent: bool = False) -> Decimal:
    """The bounded ``Decimal`` written in ``raw`` (surrounding white space ignored).

    ``exponent=False`` (UBL, CII; ``xs:decimal``) refuses ``1E3``; ``exponent=True``
    (Facturae; ``xs:double``) accepts it, but never ``NaN`` or ``INF``.  Raises
    :class:`LexicalError` for what is not a number or is out of range.
    """
    match = _XSD_DECIMAL.fullmatch(raw)
    if match and (match[2] or match[3]):
        whole, fraction = match[2].lstrip("0"), (match[3] or "").rstrip("0")
        if len(whole) > MAX_INTEGER_DIGITS or len(fraction) > MAX_FRACTION_DIGITS:
            raise _out_of_range(raw)
        value = Decimal(raw.strip())
        if len(match[3] or "") > MAX_FRACTION_DIGITS:  # only zeros beyond the bound
            value = value.quantize(Decimal(1).scaleb(-MAX_FRACTION_DIGITS), context=WIDE)
        return value
    if exponent and _DOUBLE_EXPONENT.fullmatch(raw):
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
            raise _not_a_number(raw, exponent=True) from None
        return _bounded(value, raw)
    raise _not_a_number(raw, exponent=exponent)


def quantize(value: Decimal, places: int) -> Decimal:
    """``value`` rounded half up to ``places`` decimals, whatever its size (no
    ``InvalidOperation`` for a product of two bounded numbers); never ``-0``."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=WIDE)
    return rounded if rounded else abs(rounded)


def format_decimal(value: Decimal) -> str:
    """Plain decimal text (no exponent, no negative zero), as ``xs:decimal`` requires."""
    return format(abs(value) if value == 0 else value, "f")


def format_amount(value: Decimal, places: int = 2) -> str:
    """An amount with exactly ``places`` decimals, rounded half up."""
    return format_decimal(quantize(value, places))


def parse_iso_date(raw: str) -> dt.date:
    """``YYYY-MM-DD`` with an optional time zone (``xs:date``), a real calendar date."""
    match = _ISO_DATE.fullmatch(raw)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    shown = _shown(raw)
    raise LexicalError(
        "date",
        f"holds '{shown}', which is not a date (YYYY-MM-DD)",
        f"contiene '{shown}', que no es una fecha (AAAA-MM-DD)",
    )


def parse_date_102(raw: str) -> dt.date:
    """UN/CEFACT date format 102, ``YYYYMMDD``, a real calendar date."""
    match = _DATE_102.fullmatch(raw)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    shown = _shown(raw)
    raise LexicalError(
        "date",
        f"holds '{shown}', which is not a date in format 102 (YYYYMMDD)",
        f"contiene '{shown}', que no es una fecha en formato 102 (AAAAMMDD)",
    )


def format_iso_date(value: dt.date) -> str:
    """``YYYY-MM-DD`` with a four-digit, zero-padded year."""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def format_date_102(value: dt.date) -> str:
    """``YYYYMMDD`` (format 102) with a four-digit, zero-padded year: 0999-01-02 → 09990102
    (``strftime("%Y")`` drops the padding on some platforms)."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"
