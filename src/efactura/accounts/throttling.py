"""Who is asking, and how often: the client address and fixed-window failure counters.

Login throttling itself is django-axes (settings ``AXES_*``); this module holds what axes does
not cover and what several apps share:

- :func:`client_ip` — the address of the client, trusting ``X-Forwarded-For`` only as far as
  ``EFACTURA_TRUSTED_PROXIES`` reverse proxies are known to sit in front of the site.  With no
  proxy configured the header is ignored: anyone can write it, so trusting it would let an
  attacker pick a fresh address for every guess (or lock out someone else's).
- :func:`blocked_for` / :func:`count` — counters in Django's cache, used to rate-limit
  password-reset requests and failed API-key authentications per client.  Like the API's
  per-key limit they are exact within one process; several processes must share a cache
  (``CACHE_URL``).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

UNKNOWN_CLIENT = "0.0.0.0"  # noqa: S104 - a label for "no address", never bound
"""Stands for a request without a usable address (a test client, a broken proxy)."""


def _valid_ip(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's IP address as far as this site can trust it.

    Each trusted proxy appends the address it received the request from to
    ``X-Forwarded-For``; with ``EFACTURA_TRUSTED_PROXIES = n`` the client is therefore the
    n-th entry from the right.  Entries further left were written by the client and are
    ignored.  ``n = 0`` (the default) uses the socket address only.
    """
    remote = _valid_ip(str(request.META.get("REMOTE_ADDR") or "")) or UNKNOWN_CLIENT
    proxies = int(getattr(settings, "EFACTURA_TRUSTED_PROXIES", 0))
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
        if part.strip()
    ]
    if not forwarded:
        return remote
    candidate = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
    return _valid_ip(candidate) or remote


def axes_client_ip(request: Any) -> str:
    """``AXES_CLIENT_IP_CALLABLE``: the same address axes counts login failures against."""
    return client_ip(request)


def axes_username(request: Any, credentials: dict[str, Any] | None) -> str:
    """``AXES_USERNAME_CALLABLE``: logins are email addresses, compared case-insensitively."""
    from efactura.accounts.models import normalise_email

    value = (credentials or {}).get("username")
    if value is None and request is not None and hasattr(request, "POST"):
        value = request.POST.get(settings.AXES_USERNAME_FORM_FIELD)
    return normalise_email(str(value or ""))


def _key(scope: str, identity: str, window: int, now: float) -> tuple[str, int]:
    window_start = int(now // window) * window
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"efactura:throttle:{scope}:{digest}:{window_start}", window_start


def blocked_for(
    *, scope: str, identity: str, limit: int, window: int, now: float | None = None
) -> int | None:
    """Seconds until ``identity`` may try again in ``scope``, or ``None`` when it may now."""
    if limit <= 0:
        return None
    now = time.time() if now is None else now
    name, window_start = _key(scope, identity, window, now)
    if int(cache.get(name, 0)) < limit:
        return None
    return max(1, math.ceil(window_start + window - now))


def count(*, scope: str, identity: str, window: int, now: float | None = None) -> int:
    """Count one event (a failure, a request) for ``identity``; returns the window's total."""
    now = time.time() if now is None else now
    name, _start = _key(scope, identity, window, now)
    # add() is atomic: only the first event of the window creates the counter.
    if cache.add(name, 1, timeout=window + 5):
        return 1
    try:
        return int(cache.incr(name))
    except ValueError:  # expired between add() and incr()
        cache.add(name, 1, timeout=window + 5)
        return 1
