"""Encryption of secrets at rest: certificates, their passwords, webhook secrets.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under keys derived with HKDF-SHA256
from ``EFACTURA_ENCRYPTION_KEY`` (several, comma-separated, to rotate: the first encrypts, all
decrypt).  The Django secret key is always tried last for decryption, so secrets stored before
an operator set ``EFACTURA_ENCRYPTION_KEY`` stay readable until they are re-encrypted with
``efactura manage reencrypt_certificates``.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SALT = b"efactura-signing"
_INFO = b"secrets-at-rest"


class SecretUnreadable(ValidationError):
    """A stored secret cannot be decrypted with any configured key."""


def _configured_keys() -> tuple[str, ...]:
    configured = getattr(settings, "EFACTURA_ENCRYPTION_KEY", ()) or ()
    if isinstance(configured, str):
        configured = tuple(k.strip() for k in configured.split(",") if k.strip())
    keys = tuple(configured)
    secret = str(settings.SECRET_KEY)
    return keys + ((secret,) if secret not in keys else ())


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    fernets = []
    for key in keys:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
            key.encode()
        )
        fernets.append(Fernet(base64.urlsafe_b64encode(derived)))
    return MultiFernet(fernets)


def _fernet() -> MultiFernet:
    return _multi_fernet(_configured_keys())


def encrypt(data: bytes) -> bytes:
    """Encrypt ``data`` with the current (first) key."""
    return _fernet().encrypt(bytes(data))


def decrypt(token: bytes) -> bytes:
    """Decrypt a value made by :func:`encrypt` with any configured key."""
    try:
        return _fernet().decrypt(bytes(token))
    except InvalidToken as exc:
        raise SecretUnreadable(
            _(
                "A stored secret cannot be decrypted with the configured encryption keys "
                "(EFACTURA_ENCRYPTION_KEY): the key it was stored with has been removed."
            ),
            code="decrypt",
        ) from exc


def reencrypt(token: bytes) -> bytes:
    """The same secret encrypted with the current key (for key rotation)."""
    try:
        return _fernet().rotate(bytes(token))
    except InvalidToken as exc:
        raise SecretUnreadable(
            _("A stored secret cannot be decrypted with the configured encryption keys."),
            code="decrypt",
        ) from exc
