"""``{% verifactu_card invoice %}``: the VERI*FACTU box of the invoice page."""

from __future__ import annotations

import base64
from typing import Any

from django import template

from efactura.invoices.models import Invoice
from efactura.verifactu.selectors import verifactu_of
from einvoice.verifactu.qr import LABEL, LEGEND_LONG, LEGEND_VERIFACTU, qr_svg

register = template.Library()


@register.filter
def record_state(value: str) -> str:
    """A billing record's state in the page's language (``correct`` → "Accepted by the AEAT")."""
    from efactura.verifactu.choices import State

    return str(State(value).label) if value in State.values else value


@register.inclusion_tag("verifactu/_card.html")
def verifactu_card(invoice: Invoice, is_issuer: bool = False) -> dict[str, Any]:
    info = verifactu_of(invoice)
    qr = ""
    if info.get("qr_url"):
        svg = qr_svg(info["qr_url"]).encode("utf-8")
        qr = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    from django.conf import settings

    return {
        "simulator": settings.EFACTURA_VERIFACTU_ENDPOINT == "simulator",
        "vf": info,
        "qr": qr,
        "is_issuer": is_issuer,
        "label": LABEL,
        "legend": LEGEND_VERIFACTU,
        "legend_long": LEGEND_LONG,
    }


@register.inclusion_tag("verifactu/_help.html")
def verifactu_help() -> dict[str, Any]:
    """The VERI*FACTU section of the Help page, with the responsible declaration."""
    from django.conf import settings

    from efactura.verifactu.services import software

    soft = software()
    return {
        "software": soft,
        "simulator": settings.EFACTURA_VERIFACTU_ENDPOINT == "simulator",
        "producer_configured": bool(settings.EFACTURA_VERIFACTU_PRODUCER_NIF),
    }
