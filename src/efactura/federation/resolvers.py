"""Route resolver for ``settings.EFACTURA_ROUTE_RESOLVERS``: which peer serves a tax ID.

``invoices.services.find_route`` calls :func:`find_peer` for a recipient not registered here.
Answers are cached in :class:`~efactura.federation.models.ParticipantRoute` (positive ones for
``EFACTURA_FEDERATION_DISCOVERY_TTL_SECONDS``, "nobody" for a shorter time); otherwise every
peer is asked in parallel, each with a bounded timeout, and when several serve the
participant the first by node id wins (deterministic).  A peer that cannot answer is
treated as "don't know": nothing negative is cached then, so the next invoice asks again.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from django.utils import timezone

from efactura.federation import selectors, transport
from efactura.federation.models import ParticipantRoute
from efactura.federation.services import setting
from efactura.invoices.choices import Route
from efactura.invoices.services import RouteDecision
from einvoice.identifiers import TaxIdError, participant_id


def ask_peers(participant: str) -> dict[str, bool | None]:
    """Ask every peer whether it serves ``participant``: node id → True/False/None."""
    peers = selectors.list_peers()
    if not peers:
        return {}
    timeout = float(setting("DISCOVERY_TIMEOUT_SECONDS"))
    with ThreadPoolExecutor(max_workers=min(8, len(peers))) as pool:
        futures = {
            peer.node_id: pool.submit(transport.ask_participant, peer, participant, timeout=timeout)
            for peer in peers
        }
        return {node: future.result() for node, future in futures.items()}


def find_peer(tax_id: str) -> RouteDecision | None:
    """The peer serving ``tax_id`` as a routing decision, or ``None`` when no peer does."""
    if not selectors.list_peers():
        return None
    try:
        participant = participant_id(tax_id)
    except TaxIdError:
        return None
    now = timezone.now()
    cached = ParticipantRoute.objects.filter(participant=participant, expires__gt=now).first()
    if cached is not None:
        if not cached.peer_id:
            return None
        if selectors.access_peer_by_id(node_id=cached.peer_id) is not None:
            return RouteDecision(route=Route.PEER, detail=cached.peer_id)
    answers = ask_peers(participant)
    serving = sorted(node for node, served in answers.items() if served)
    if serving:
        ttl = float(setting("DISCOVERY_TTL_SECONDS"))
        peer_id = serving[0]
    elif any(served is None for served in answers.values()):
        return None
    else:
        ttl = float(setting("DISCOVERY_NEGATIVE_TTL_SECONDS"))
        peer_id = ""
    ParticipantRoute.objects.update_or_create(
        participant=participant,
        defaults={"peer_id": peer_id, "checked": now, "expires": now + dt.timedelta(seconds=ttl)},
    )
    return RouteDecision(route=Route.PEER, detail=peer_id) if peer_id else None
