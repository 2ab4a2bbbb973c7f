"""``GET /healthz``: whether this process can reach what it shares with the others.

Load balancers and orchestrators ask it before sending traffic to a web process.  It checks
the database (one query), the cache (a write and a read: with ``CACHE_URL`` that is Redis)
and the document store (an existence check in the bucket or folder), answers 200 with one
word per component when all work and 503 naming the failed ones otherwise.  It reveals no
data and needs no login; each check is bounded by the component's own timeouts.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    key = f"efactura:health:{uuid.uuid4().hex}"
    cache.set(key, 1, timeout=10)
    if cache.get(key) != 1:
        raise RuntimeError("the cache did not return what was written")
    cache.delete(key)


def _storage() -> None:
    from django.core.files.storage import storages

    from efactura.invoices.storage import storage_name_for

    storage = storages["documents"] if "documents" in storages.backends else storages["default"]
    storage.exists(storage_name_for("0" * 64))


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "cache": _cache,
    "storage": _storage,
}


def check_health() -> dict[str, str]:
    """``{"database": "ok", …}``; a failing component reads ``"error"`` (details in the log)."""
    out: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            log.exception("health check failed: %s", name)
            out[name] = "error"
        else:
            out[name] = "ok"
    return out


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    found = check_health()
    healthy = all(value == "ok" for value in found.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **found}, status=200 if healthy else 503
    )
