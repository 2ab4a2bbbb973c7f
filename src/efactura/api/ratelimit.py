"""Per-key rate limit: a fixed window counter in Django's cache.

Each key may make ``EFACTURA_API_RATE_LIMIT`` requests per ``EFACTURA_API_RATE_WINDOW``
seconds; the next request gets 429 with ``Retry-After`` (the seconds until the window ends).
The counter lives in the ``default`` cache: in-process memory by default, which is exact for
one process; deployments with several processes or machines must point ``CACHE_URL`` at a
shared Redis, or each process counts on its own (the limit is then multiplied).
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache

from efactura.api.choices import DEFAULT_RATE_LIMIT, DEFAULT_RATE_WINDOW_SECONDS


def limits() -> tuple[int, int]:
    """``(requests, window seconds)`` from the settings."""
    limit = int(getattr(settings, "EFACTURA_API_RATE_LIMIT", DEFAULT_RATE_LIMIT))
    window = int(getattr(settings, "EFACTURA_API_RATE_WINDOW", DEFAULT_RATE_WINDOW_SECONDS))
    return limit, max(1, window)


def hit(identity: str, *, now: float | None = None) -> int | None:
    """Count one request for ``identity``; ``None`` if allowed, else seconds to wait."""
    limit, window = limits()
    if limit <= 0:
        return None
    now = time.time() if now is None else now
    window_start = int(now // window) * window
    name = f"efactura:api:rate:{identity}:{window_start}"
    # add() is atomic: only the first request of the window creates the counter.
    if cache.add(name, 1, timeout=window + 5):
        count = 1
    else:
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add() and incr()
            cache.add(name, 1, timeout=window + 5)
            count = 1
    if count <= limit:
        return None
    return max(1, math.ceil(window_start + window - now))
