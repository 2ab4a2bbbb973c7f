"""Template filters of the invoice pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def price(value: object) -> str:
    """A unit price or quantity as written: at least two decimals, no trailing zeros beyond."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    exponent = number.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return number_format(number, decimal_pos=min(places, 6), use_l10n=True)


@register.filter
def quantity(value: object) -> str:
    """A quantity without needless decimals (3, 2,5)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    exponent = number.normalize().as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return number_format(number, decimal_pos=min(places, 6), use_l10n=True)


@register.simple_tag(name="status_badges")
def status_badges_tag(invoice: object) -> str:
    """The status badges of an invoice (``web.list_rows.status_badges``)."""
    from efactura.web.list_rows import status_badges

    return status_badges(invoice)


@register.simple_tag(name="countdown")
def countdown_tag(invoice: object) -> str:
    """Days left to answer an invoice (``web.list_rows.countdown``)."""
    from efactura.web.list_rows import countdown

    return countdown(invoice)


@register.filter
def isodate(value: object) -> dt.date | str:
    """A date kept as ISO text (event data) as a date, for ``|date`` to write by locale."""
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value or "")
