"""Reading the interconnection configuration from environment variables (for ``settings.py``).

Pure functions: no Django settings, no database; a bad value raises
:class:`~django.core.exceptions.ImproperlyConfigured` with one sentence naming the variable.
"""

from __future__ import annotations

import hashlib
import re
import socket
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

NODE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$")
DEFAULT_RESOLVERS = ("efactura.interconnection.discovery.find_partner",)


def node_id(env: Mapping[str, str], data_dir: Path) -> str:
    """``EFACTURA_NODE_ID`` (a name in logs and the self-signed certificate's CN), or
    ``<host name>-<8 hex digits of the data folder's path>``."""
    given = env.get("EFACTURA_NODE_ID", "").strip()
    if given:
        if not NODE_ID_PATTERN.match(given):
            raise ImproperlyConfigured(
                f"EFACTURA_NODE_ID={given!r} is not valid: use 1 to 63 letters, digits, dots or "
                "hyphens."
            )
        return given
    host = re.sub(r"[^a-z0-9.-]+", "-", socket.gethostname().lower()).strip("-.") or "node"
    return f"{host[:50]}-{hashlib.sha256(str(data_dir).encode()).hexdigest()[:8]}"


def trust_anchors(env: Mapping[str, str]) -> str:
    """``EFACTURA_AS4_TRUST_ANCHORS``: ``peppol`` (default), ``peppol-test`` or a PEM file."""
    raw = env.get("EFACTURA_AS4_TRUST_ANCHORS", "").strip() or "peppol"
    if raw in ("peppol", "peppol-test"):
        return raw
    path = Path(raw).expanduser()
    if not path.is_file():
        raise ImproperlyConfigured(
            f"EFACTURA_AS4_TRUST_ANCHORS={raw!r} is neither 'peppol', 'peppol-test' nor a "
            "readable PEM file of CA certificates."
        )
    return str(path)


def route_resolvers(env: Mapping[str, str]) -> list[str]:
    """``EFACTURA_ROUTE_RESOLVERS``: comma-separated dotted paths (default: AS4 discovery)."""
    raw = env.get("EFACTURA_ROUTE_RESOLVERS")
    if raw is None:
        return list(DEFAULT_RESOLVERS)
    return [item.strip() for item in raw.split(",") if item.strip()]


def positive_number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be greater than zero, not {raw!r}.")
    return value


def sml_lookup(env: Mapping[str, str]) -> str:
    """``EFACTURA_SML_LOOKUP``: ``naptr`` (Peppol's current SML, default) or ``cname`` (the
    legacy BDMSL form)."""
    raw = env.get("EFACTURA_SML_LOOKUP", "").strip().lower() or "naptr"
    if raw not in ("naptr", "cname"):
        raise ImproperlyConfigured(f"EFACTURA_SML_LOOKUP must be 'naptr' or 'cname', not {raw!r}.")
    return raw


def sml_nameservers(env: Mapping[str, str]) -> list[str]:
    """``EFACTURA_SML_NAMESERVERS``: comma-separated ``IP`` or ``IP:port`` of the DNS servers
    asked for SML records (empty: the system's resolver)."""
    raw = env.get("EFACTURA_SML_NAMESERVERS", "")
    servers = [item.strip() for item in raw.split(",") if item.strip()]
    for server in servers:
        _host, sep, port = server.rpartition(":") if server.count(":") == 1 else ("", "", "")
        if sep and not port.isdigit():
            raise ImproperlyConfigured(
                f"EFACTURA_SML_NAMESERVERS: {server!r} is not an IP address or IP:port."
            )
    return servers


def revocation_mode(env: Mapping[str, str]) -> str:
    """``EFACTURA_AS4_REVOCATION``: ``soft`` (default: a revoked certificate is refused; an
    unreachable CRL/OCSP responder is logged and tolerated), ``hard`` (unreachable = refused)
    or ``off``."""
    raw = env.get("EFACTURA_AS4_REVOCATION", "").strip().lower() or "soft"
    if raw not in ("soft", "hard", "off"):
        raise ImproperlyConfigured(
            f"EFACTURA_AS4_REVOCATION must be 'soft', 'hard' or 'off', not {raw!r}."
        )
    return raw
