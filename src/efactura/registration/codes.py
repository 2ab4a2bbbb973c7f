"""Generating, normalising and hashing registration codes (no database access here)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

from efactura.registration.choices import CODE_ALPHABET, CODE_LENGTH


def generate_code() -> str:
    """A fresh random code in display form, e.g. ``K7QM-4ZPA-XW3N`` (60 bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(value: str) -> str:
    """What the person typed, without spaces or dashes, upper case; ``""`` if it cannot be a
    code (wrong length or a character outside the alphabet)."""
    cleaned = "".join(ch for ch in value.upper() if ch not in " -\t.")
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return ""
    return cleaned


def _pepper() -> bytes:
    """Secret key of the HMAC: ``EFACTURA_CODE_PEPPER``, else derived from ``SECRET_KEY``.

    A pepper kept outside the database means a stolen database dump alone does not allow
    testing guesses offline.  Changing it invalidates the codes not yet used.
    """
    pepper = getattr(settings, "EFACTURA_CODE_PEPPER", "") or settings.SECRET_KEY
    return hashlib.sha256(b"efactura.registration.codes:" + pepper.encode()).digest()


def hash_code(*, code: str, kind: str, tax_id: str) -> str:
    """HMAC-SHA256 of the code bound to its kind (A or B) and tax ID.

    Binding the tax ID makes a code useless for any other tax ID, and binding the kind means
    a code A typed into the code B field (or the reverse) never matches.
    """
    message = f"{kind}:{tax_id}:{normalise_code(code)}".encode()
    return hmac.new(_pepper(), message, hashlib.sha256).hexdigest()


def matches(*, candidate_hash: str, stored_hashes: list[str]) -> str | None:
    """The stored hash equal to ``candidate_hash``, compared in constant time against every
    candidate (no early exit, so timing does not tell how many codes exist)."""
    found: str | None = None
    for stored in stored_hashes:
        if hmac.compare_digest(candidate_hash, stored):
            found = stored
    return found
