"""``{% load signatures %}``: signature summaries for templates.

``{% signature_summary invoice.signature as sig %}`` gives a
:class:`~efactura.signing.selectors.SignatureSummary` (``sig.label``, ``sig.tone``,
``sig.is_test`` …) or ``None``; ``{% signature_box invoice.signature %}`` renders the
standard box (signer, time, TEST label), as the invoice page shows it.
"""

from __future__ import annotations

from typing import Any

from django import template

from efactura.signing.selectors import SignatureSummary
from efactura.signing.selectors import signature_summary as summarise

register = template.Library()


@register.simple_tag
def signature_summary(signature: dict[str, Any] | None) -> SignatureSummary | None:
    return summarise(signature)


@register.inclusion_tag("signing/_signature_box.html")
def signature_box(signature: dict[str, Any] | None) -> dict[str, Any]:
    return {"sig": summarise(signature)}
