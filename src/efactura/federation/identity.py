"""This node's identity: its id and its Ed25519 signing key.

The key is generated once into ``<data dir>/node/ed25519.pem`` (PKCS#8 PEM, mode 0600), or read
from ``EFACTURA_NODE_KEY_FILE`` when several machines of one platform must share it (web
servers and workers on different hosts all sign as the same node).  Creation is atomic (a
temporary file hard-linked into place), so a web server and a worker starting together end up
with the same key.  Peers know the node by its id and the public key ``efactura node`` prints.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import os
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from efactura.federation.config import public_key_bytes

KEY_FILE_NAME = "ed25519.pem"


def key_path() -> Path:
    """Where this node's private key lives."""
    configured = str(getattr(settings, "EFACTURA_NODE_KEY_FILE", "") or "")
    if configured:
        return Path(configured)
    return Path(settings.DATA_DIR) / "node" / KEY_FILE_NAME


def _create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        # os.link fails when another process created the key first: theirs is kept.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


@functools.cache
def _load(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        if getattr(settings, "EFACTURA_NODE_KEY_FILE", ""):
            raise ImproperlyConfigured(
                f"EFACTURA_NODE_KEY_FILE={path} does not exist; remove the variable to let the "
                "node generate its key, or copy the node's key there."
            )
        _create(path)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            f"The node signing key {path} cannot be read ({exc}); restore it from a backup "
            "(peers know this node by its public key)."
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"The node signing key {path} is not an Ed25519 key.")
    return key


def private_key() -> Ed25519PrivateKey:
    """This node's signing key (generated on first use)."""
    return _load(key_path())


def node_id() -> str:
    return str(settings.EFACTURA_NODE_ID)


def public_key_text() -> str:
    """The public key as peers configure it: raw 32 bytes, standard base64."""
    raw = (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode("ascii")


def sign(data: bytes) -> str:
    """Ed25519 signature of ``data`` by this node, standard base64."""
    return base64.b64encode(private_key().sign(data)).decode("ascii")


def verify(*, public_key: str, signature: str, data: bytes) -> bool:
    """Whether ``signature`` (base64) is ``public_key``'s Ed25519 signature over ``data``."""
    try:
        key = Ed25519PublicKey.from_public_bytes(public_key_bytes(public_key))
        key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True
