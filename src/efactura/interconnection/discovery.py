"""The route resolver ``find_route`` asks for a tax ID not registered here.

Routing runs inside the issuing transaction, where no network call may happen, so this
resolver answers from the discovery cache only.  Without a fresh cached answer (and with
partners or an SML zone configured) it routes the invoice to the partner network *pending
discovery*: the sending task looks the recipient up outside any transaction, and when no
platform serves it the invoice falls back to awaiting registration
(``do_fall_back_to_registration``).
"""

from __future__ import annotations

from efactura.interconnection import smp
from efactura.interconnection.choices import INVOICE_FACTURAE, INVOICE_UBL
from efactura.invoices.choices import Route
from efactura.invoices.services.routing import RouteDecision


def find_partner(tax_id: str) -> RouteDecision | None:
    """``RouteDecision(PEER, partner)`` when a partner platform serves (or may serve) ``tax_id``."""
    from efactura.interconnection.services import participant_of

    if not smp.has_sources():
        return None
    answer = smp.cached(participant_of(tax_id))
    if answer is None:
        return RouteDecision(route=Route.PEER, detail="")
    endpoint = answer.get(INVOICE_FACTURAE) or answer.get(INVOICE_UBL)
    if endpoint is None:
        return None
    return RouteDecision(route=Route.PEER, detail=str(endpoint.get("partner", "")))
