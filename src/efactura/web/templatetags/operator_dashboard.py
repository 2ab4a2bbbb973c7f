"""Lines on the operators' dashboard (the Django admin index)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def archive_status() -> dict[str, Any] | None:
    """The newest archive verification (``efactura archive verify`` or housekeeping)."""
    from efactura.invoices.storage import last_verification

    return last_verification()
