"""``GET /healthz`` says whether the database, the cache and the document store answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from efactura import health

pytestmark = pytest.mark.django_db


def test_healthy_platform_answers_200(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "storage": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_unreachable_cache_answers_503_naming_it(client: Client, settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "error"
    assert response.json()["database"] == "ok"


def test_failing_storage_is_reported(client: Client, monkeypatch: Any) -> None:
    def broken() -> None:
        raise OSError("bucket gone")

    monkeypatch.setitem(health.CHECKS, "storage", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "cache": "ok",
        "storage": "error",
    }
    assert client.post("/healthz").status_code == 405
