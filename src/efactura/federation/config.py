"""Reading the federation configuration from environment variables (used by ``settings.py``).

Pure functions, like :mod:`efactura.environment`: no Django settings access, no database, and a
bad value raises :class:`~django.core.exceptions.ImproperlyConfigured` with one sentence naming
the variable, so a node with a broken peer list stops at start-up instead of failing on the
first delivery.

``EFACTURA_PEERS`` is a JSON list (or the path of a JSON file holding it) of objects
``{"id": "bank-b", "url": "https://efactura.bank-b.example", "public_key": "<base64>"}``;
the public key is the raw 32-byte Ed25519 key in standard base64, as ``efactura node`` prints it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

NODE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{0,62}$")
"""Node ids: lower-case letters, digits, dots and hyphens (they appear in URLs and logs)."""

DEFAULT_RESOLVERS = ("efactura.federation.resolvers.find_peer",)


def public_key_bytes(text: str) -> bytes:
    """Decode a base64 Ed25519 public key; ``ValueError`` when it is not 32 bytes of base64."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("it is not base64") from None
    if len(raw) != 32:
        raise ValueError(f"it is {len(raw)} bytes long, an Ed25519 public key has 32")
    return raw


def check_node_id(value: str, *, name: str = "EFACTURA_NODE_ID") -> str:
    if not NODE_ID_PATTERN.match(value):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a valid node id: use 1 to 63 lower-case letters, digits, "
            "dots or hyphens, starting with a letter or digit (for example bank-a)."
        )
    return value


def node_id(env: Mapping[str, str], data_dir: Path) -> str:
    """``EFACTURA_NODE_ID``, or ``<host name>-<8 hex digits of the data folder's path>``.

    The default is stable for one installation and differs between installations sharing a
    machine (each has its own data folder), which is what several test nodes need.  Real
    deployments set it explicitly: it is the name peers know this platform by.
    """
    given = env.get("EFACTURA_NODE_ID", "").strip()
    if given:
        return check_node_id(given)
    host = re.sub(r"[^a-z0-9.-]+", "-", socket.gethostname().lower()).strip("-.") or "node"
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:8]
    return f"{host[:50]}-{digest}"


def check_base_url(value: str, *, where: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"{where}: url {value!r} must be an absolute http:// or https:// address without "
            "query or fragment (for example https://efactura.bank-b.example)."
        )
    return value.rstrip("/")


def peers(env: Mapping[str, str]) -> list[dict[str, str]]:
    """``EFACTURA_PEERS`` as a list of ``{"id", "url", "public_key"}`` (empty when unset)."""
    raw = env.get("EFACTURA_PEERS", "").strip()
    if not raw:
        return []
    source = "EFACTURA_PEERS"
    if not raw.startswith("["):
        path = Path(raw).expanduser()
        try:
            raw = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ImproperlyConfigured(
                f"EFACTURA_PEERS is neither a JSON list nor a readable file: {path} "
                f"({exc.strerror})."
            ) from None
        source = f"EFACTURA_PEERS file {path}"
    try:
        data: Any = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{source} is not valid JSON: {exc}.") from None
    if not isinstance(data, list):
        raise ImproperlyConfigured(
            f'{source} must be a JSON list of {{"id", "url", "public_key"}} objects.'
        )
    result: list[dict[str, str]] = []
    seen: set[str] = set()
    for position, entry in enumerate(data, start=1):
        where = f"{source}, peer number {position}"
        if not isinstance(entry, dict):
            raise ImproperlyConfigured(f"{where} is not a JSON object.")
        missing = [key for key in ("id", "url", "public_key") if not str(entry.get(key, ""))]
        if missing:
            raise ImproperlyConfigured(f"{where} lacks {', '.join(missing)}.")
        peer_id = check_node_id(str(entry["id"]).strip(), name=f"{where}: id")
        if peer_id in seen:
            raise ImproperlyConfigured(f"{where}: id {peer_id!r} appears twice.")
        seen.add(peer_id)
        try:
            public_key_bytes(str(entry["public_key"]))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{where} ({peer_id}): public_key cannot be used: {exc}."
            ) from None
        result.append(
            {
                "id": peer_id,
                "url": check_base_url(str(entry["url"]).strip(), where=f"{where} ({peer_id})"),
                "public_key": str(entry["public_key"]).strip(),
            }
        )
    return result


def route_resolvers(env: Mapping[str, str]) -> list[str]:
    """``EFACTURA_ROUTE_RESOLVERS``: comma-separated dotted paths (default: federation)."""
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
