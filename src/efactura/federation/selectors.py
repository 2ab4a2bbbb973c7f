"""Reads of the federation app: the trusted peers, messages of an invoice.

Peers are the union of ``settings.EFACTURA_PEERS`` and the active :class:`Peer` rows; when both
name the same node id, the settings win (configuration deployed with the platform is what the
operator reviewed).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from efactura.federation.models import InboundMessage, OutboundMessage, Peer
from efactura.invoices.models import Invoice


@dataclass(frozen=True, slots=True)
class PeerInfo:
    """A trusted peer: node id, base URL (no trailing slash) and Ed25519 public key."""

    node_id: str
    base_url: str
    public_key: str
    source: str  # "settings" or "database"


def list_peers() -> list[PeerInfo]:
    """Every peer this node trusts, settings first."""
    configured = [
        PeerInfo(
            node_id=entry["id"],
            base_url=entry["url"].rstrip("/"),
            public_key=entry["public_key"],
            source="settings",
        )
        for entry in getattr(settings, "EFACTURA_PEERS", [])
    ]
    named = {peer.node_id for peer in configured}
    stored = [
        PeerInfo(
            node_id=row.node_id,
            base_url=row.base_url.rstrip("/"),
            public_key=row.public_key,
            source="database",
        )
        for row in Peer.objects.filter(is_active=True).exclude(node_id__in=named)
    ]
    return configured + stored


def access_peer_by_id(*, node_id: str) -> PeerInfo | None:
    """The trusted peer called ``node_id``; ``None`` for an unknown (or deactivated) node."""
    for entry in getattr(settings, "EFACTURA_PEERS", []):
        if entry["id"] == node_id:
            return PeerInfo(
                node_id=entry["id"],
                base_url=entry["url"].rstrip("/"),
                public_key=entry["public_key"],
                source="settings",
            )
    row = Peer.objects.filter(node_id=node_id, is_active=True).first()
    if row is None:
        return None
    return PeerInfo(
        node_id=row.node_id,
        base_url=row.base_url.rstrip("/"),
        public_key=row.public_key,
        source="database",
    )


def list_outbound_messages(*, invoice: Invoice) -> QuerySet[OutboundMessage]:
    """Messages this node sent (or is sending) about ``invoice``, oldest first."""
    return OutboundMessage.objects.filter(invoice=invoice).order_by("created", "id")


def inbound_origin(*, invoice: Invoice) -> InboundMessage | None:
    """The accepted message that brought ``invoice`` here from a peer (``None`` otherwise)."""
    return (
        InboundMessage.objects.filter(invoice=invoice, kind="invoice", status="accepted")
        .order_by("received")
        .first()
    )
