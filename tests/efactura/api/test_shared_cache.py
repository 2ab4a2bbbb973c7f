"""The API rate limit is shared through Redis when ``CACHE_URL`` points at one.

Runs against the local Redis server (database 6, emptied first).  Each thread gets its own
connection to the cache, as each web process would, and they count against one limit.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import redis
from django.core.cache import cache

from efactura.api import ratelimit

REDIS_URL = "redis://localhost:6379/6"


@pytest.fixture
def shared_cache(settings: Any) -> Any:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    settings.EFACTURA_API_RATE_LIMIT = 5
    settings.EFACTURA_API_RATE_WINDOW = 60
    raw = redis.Redis.from_url(REDIS_URL)
    raw.flushdb()
    yield raw
    raw.flushdb()


def test_rate_limit_counts_across_connections(shared_cache: Any) -> None:
    now = 1_800_000_000.0
    answers: list[int | None] = []

    def one_process() -> None:
        # A fresh thread opens its own cache connection, like another web process.
        answers.extend(ratelimit.hit("key-1", now=now) for _ in range(3))

    workers = [threading.Thread(target=one_process) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # Six requests against a limit of five: exactly one refused, whichever came last.
    assert sorted(answers, key=lambda a: a or 0) == [None] * 5 + [60]
    assert ratelimit.hit("key-1", now=now) == 60
    assert ratelimit.hit("key-2", now=now) is None
    # The counter lives in Redis, where every machine sees it.
    [name] = [k for k in shared_cache.keys("*") if b"key-1" in k]
    assert int(shared_cache.get(name)) == 7


def test_cache_values_are_shared(shared_cache: Any) -> None:
    cache.set("efactura:test:shared", {"company": 7}, timeout=30)
    seen: list[object] = []
    reader = threading.Thread(target=lambda: seen.append(cache.get("efactura:test:shared")))
    reader.start()
    reader.join()
    assert seen == [{"company": 7}]
