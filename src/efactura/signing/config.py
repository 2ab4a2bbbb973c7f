"""Reading the signing configuration from environment variables (used by ``settings.py``).

Pure functions, like :mod:`efactura.environment`: no Django settings access, and a bad value
raises :class:`~django.core.exceptions.ImproperlyConfigured` with one sentence naming the
variable, so the process stops at start-up instead of failing on the first invoice.

Opening the seal file (password right, not expired, not a test seal) is not done here: it
needs the signing library and is reported by the system checks of :mod:`.checks`, which
``efactura serve`` and ``efactura manage check --deploy`` run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MIN_ENCRYPTION_KEY_LENGTH = 32
"""Characters each ``EFACTURA_ENCRYPTION_KEY`` entry must have at least (≈190 random bits)."""


def encryption_keys(env: Mapping[str, str]) -> tuple[str, ...]:
    """``EFACTURA_ENCRYPTION_KEY``: comma-separated keys, newest first; empty = use the secret key.

    The first key encrypts; every key listed decrypts, so a key is rotated by putting the new
    one in front and keeping the old one until ``efactura manage reencrypt_certificates`` (or a
    fresh upload) has re-encrypted the certificates.
    """
    raw = env.get("EFACTURA_ENCRYPTION_KEY", "")
    keys = tuple(part.strip() for part in raw.split(",") if part.strip())
    for position, key in enumerate(keys, start=1):
        if len(key) < MIN_ENCRYPTION_KEY_LENGTH:
            raise ImproperlyConfigured(
                f"EFACTURA_ENCRYPTION_KEY key number {position} is too short: use at least "
                f"{MIN_ENCRYPTION_KEY_LENGTH} random characters (for example the output of "
                '`python -c "import secrets; print(secrets.token_urlsafe(48))"`).'
            )
    return keys


def seal_file(env: Mapping[str, str]) -> tuple[str, str]:
    """``EFACTURA_SEAL_P12`` and ``EFACTURA_SEAL_PASSWORD``, checked to belong together.

    Returns ``("", "")`` when no seal is configured (the embedded default then generates a
    TEST seal, which production refuses).  The file must exist and be readable.
    """
    path = env.get("EFACTURA_SEAL_P12", "").strip()
    password = env.get("EFACTURA_SEAL_PASSWORD", "")
    if not path:
        if password:
            raise ImproperlyConfigured(
                "EFACTURA_SEAL_PASSWORD is set but EFACTURA_SEAL_P12 is not: set "
                "EFACTURA_SEAL_P12 to the path of the platform seal's .p12/.pfx file."
            )
        return "", ""
    file = Path(path).expanduser()
    if not file.is_file():
        raise ImproperlyConfigured(
            f"EFACTURA_SEAL_P12 points to {file}, which is not a file: give the path of the "
            "platform seal's PKCS#12 (.p12/.pfx) file."
        )
    try:
        with file.open("rb"):
            pass
    except OSError as exc:
        raise ImproperlyConfigured(
            f"EFACTURA_SEAL_P12 file {file} cannot be read: {exc.strerror}."
        ) from exc
    if not password:
        raise ImproperlyConfigured(
            "EFACTURA_SEAL_P12 is set but EFACTURA_SEAL_PASSWORD is empty: set it to the "
            "password of the seal's PKCS#12 file."
        )
    return str(file.resolve()), password
