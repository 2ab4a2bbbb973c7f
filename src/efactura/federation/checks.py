"""System checks of the federation app (``efactura manage check``, run by ``efactura serve``).

- ``federation.E001`` the node signing key cannot be read or created;
- ``federation.W001`` (deploy) a peer is reached over plain http in production: envelopes are
  signed, but invoices would cross the network unencrypted;
- ``federation.W002`` (deploy) production without an explicit ``EFACTURA_NODE_ID``: the
  default is derived from the host name and data folder, and peers would have to learn a new
  id whenever either changes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


@register()
def check_node_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from efactura.federation import identity

    try:
        identity.private_key()
    except (ImproperlyConfigured, OSError) as exc:
        return [
            Error(
                f"The federation node key cannot be used: {exc}",
                hint="Check the permissions of the data folder or EFACTURA_NODE_KEY_FILE.",
                id="federation.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_peers_deploy(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not getattr(settings, "PRODUCTION", False):
        return []
    messages: list[CheckMessage] = [
        Warning(
            f"Peer {entry['id']} is reached over plain http ({entry['url']}): invoices would "
            "travel unencrypted.",
            hint="Use the peer's https:// address in EFACTURA_PEERS.",
            id="federation.W001",
        )
        for entry in getattr(settings, "EFACTURA_PEERS", [])
        if entry["url"].startswith("http://")
    ]
    if not getattr(settings, "EFACTURA_NODE_ID_EXPLICIT", True):
        messages.append(
            Warning(
                "EFACTURA_NODE_ID is not set: peers know this node by an id derived from the "
                "host name and data folder, which changes if either does.",
                hint="Set EFACTURA_NODE_ID to a stable name such as bank-a.",
                id="federation.W002",
            )
        )
    return messages
