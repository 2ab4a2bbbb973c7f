"""A per-process cache of API key look-ups, so an ERP's every call does not query the key.

An API call presents its clear key; :func:`authenticate_api_key` finds the key row and its
company once, then answers from memory for ``EFACTURA_API_KEY_CACHE_SECONDS`` (default 10),
keyed by the key's SHA-256 (the clear key is never kept).

Revocation takes effect at once: :func:`forget_api_keys` (called when a key is revoked, after
the transaction commits) empties this process's cache and increments a generation number in
Django's ``default`` cache, which every look-up compares with the one its entry was stored
under.  With ``CACHE_URL`` pointing at a shared Redis that reaches every process on every
machine at once; with the in-process default cache, other processes notice within the
time-to-live at the latest.
"""

from __future__ import annotations

import copy
import hmac
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from efactura.companies.choices import API_KEY_LAST_USED_RESOLUTION_SECONDS, API_KEY_PREFIX
from efactura.companies.models import ApiKey, Company

GENERATION_KEY = "efactura:apikeys:generation"
DEFAULT_TTL_SECONDS = 10.0
MAX_ENTRIES = 10_000


class InvalidKey(Exception):
    """The key is unknown, malformed, revoked or its company inactive (one answer for all)."""


@dataclass
class _Entry:
    api_key: ApiKey
    company: Company
    generation: int
    expires: float
    last_used: datetime | None = field(default=None)


_entries: dict[str, _Entry] = {}
_lock = threading.Lock()


def _ttl() -> float:
    return float(getattr(settings, "EFACTURA_API_KEY_CACHE_SECONDS", DEFAULT_TTL_SECONDS))


def _generation() -> int:
    return int(cache.get(GENERATION_KEY, 0))


def _digest(key: str) -> str:
    from efactura.companies.services import hash_api_key

    return hash_api_key(key)


def _load(key: str) -> tuple[ApiKey, Company]:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        raise InvalidKey
    api_key = (
        ApiKey.objects.select_related("company")
        .filter(prefix=parts[1], revoked__isnull=True, company__is_active=True)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _digest(key)):
        raise InvalidKey
    return api_key, api_key.company


def _touch(entry: _Entry) -> None:
    """Refresh ``last_used`` in the database at most once a minute (bookkeeping only)."""
    now = timezone.now()
    stale = now - timedelta(seconds=API_KEY_LAST_USED_RESOLUTION_SECONDS)
    if entry.last_used is None or entry.last_used < stale:
        ApiKey.objects.filter(pk=entry.api_key.pk).update(last_used=now)
        entry.last_used = now


def authenticate_api_key(key: str) -> tuple[Company, ApiKey]:
    """The company and key row of a clear API key; raises :class:`InvalidKey`.

    The objects returned are copies: a request may change them without touching the cache.
    """
    key = key.strip()
    digest = _digest(key)
    generation = _generation()  # read before the database, so a revocation in between wins
    entry = _entries.get(digest)
    if entry is None or entry.generation != generation or entry.expires <= time.monotonic():
        api_key, company = _load(key)
        entry = _Entry(
            api_key=api_key,
            company=company,
            generation=generation,
            expires=time.monotonic() + _ttl(),
            last_used=api_key.last_used,
        )
        with _lock:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[digest] = entry
    _touch(entry)
    company = copy.copy(entry.company)
    api_key = copy.copy(entry.api_key)
    api_key.company = company
    return company, api_key


def forget_api_keys() -> None:
    """Drop every cached look-up: in this process at once, and everywhere (through the
    shared cache) once the current transaction commits."""

    def forget_here() -> None:
        with _lock:
            _entries.clear()

    def forget() -> None:
        forget_here()
        if not cache.add(GENERATION_KEY, 1, timeout=None):
            try:
                cache.incr(GENERATION_KEY)
            except ValueError:  # evicted between add() and incr()
                cache.set(GENERATION_KEY, 1, timeout=None)

    # Now, so this process's next look-up reads the database (inside this transaction, it
    # sees the change); and again after the commit, with the shared generation, for the
    # look-ups other threads and processes made in between.
    forget_here()
    transaction.on_commit(forget)
