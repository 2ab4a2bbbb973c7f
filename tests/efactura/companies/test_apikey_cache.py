"""API key look-ups are cached per process, and revoking a key takes effect at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from efactura.companies import apikey_cache
from efactura.companies.models import ApiKey
from efactura.companies.services import do_create_api_key, do_revoke_api_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(supplier: Any) -> tuple[ApiKey, str]:
    return do_create_api_key(company=supplier, name="ERP", scopes=["receive"])


def test_a_cached_key_costs_no_query(
    key: tuple[ApiKey, str], supplier: Any, django_assert_num_queries: Any
) -> None:
    row, clear = key
    company, api_key = apikey_cache.authenticate_api_key(clear)
    assert (company.pk, api_key.pk) == (supplier.pk, row.pk)
    with django_assert_num_queries(0):
        company, again = apikey_cache.authenticate_api_key(f"  {clear} ")
    assert again.pk == row.pk and again.company is company
    assert again is not api_key  # each request gets its own copies


def test_unknown_malformed_and_wrong_keys_are_refused(key: tuple[ApiKey, str]) -> None:
    row, clear = key
    for bad in ("", "nope", "efk_x", f"efk_{row.prefix}_wrong", clear + "x"):
        with pytest.raises(apikey_cache.InvalidKey):
            apikey_cache.authenticate_api_key(bad)


def test_revoking_through_the_service_takes_effect_at_once(
    key: tuple[ApiKey, str], django_capture_on_commit_callbacks: Any
) -> None:
    row, clear = key
    apikey_cache.authenticate_api_key(clear)
    with django_capture_on_commit_callbacks(execute=True):
        do_revoke_api_key(api_key=row)
    assert cache.get(apikey_cache.GENERATION_KEY) == 1  # other processes are told too
    with pytest.raises(apikey_cache.InvalidKey):
        apikey_cache.authenticate_api_key(clear)


def test_a_revocation_in_another_process_is_seen_through_the_shared_generation(
    key: tuple[ApiKey, str],
) -> None:
    row, clear = key
    apikey_cache.authenticate_api_key(clear)
    # Another process revokes: the row changes and the shared generation moves on; this
    # process's cache still holds the key.
    ApiKey.objects.filter(pk=row.pk).update(revoked=timezone.now())
    assert apikey_cache.authenticate_api_key(clear)[1].pk == row.pk
    cache.set(apikey_cache.GENERATION_KEY, 7, timeout=None)
    with pytest.raises(apikey_cache.InvalidKey):
        apikey_cache.authenticate_api_key(clear)


def test_without_a_shared_cache_the_entry_expires(
    key: tuple[ApiKey, str], supplier: Any, monkeypatch: Any, settings: Any
) -> None:
    _row, clear = key
    settings.EFACTURA_API_KEY_CACHE_SECONDS = 5
    apikey_cache.authenticate_api_key(clear)
    type(supplier).objects.filter(pk=supplier.pk).update(is_active=False)
    now = apikey_cache.time.monotonic()
    monkeypatch.setattr(apikey_cache.time, "monotonic", lambda: now + 6)
    with pytest.raises(apikey_cache.InvalidKey):
        apikey_cache.authenticate_api_key(clear)


def test_last_used_is_kept_up_to_date(key: tuple[ApiKey, str], monkeypatch: Any) -> None:
    row, clear = key
    apikey_cache.authenticate_api_key(clear)
    first = ApiKey.objects.get(pk=row.pk).last_used
    assert first is not None
    later = first + dt.timedelta(minutes=5)
    monkeypatch.setattr(apikey_cache.timezone, "now", lambda: later)
    apikey_cache.authenticate_api_key(clear)
    assert ApiKey.objects.get(pk=row.pk).last_used == later


def test_the_cache_stays_bounded(key: tuple[ApiKey, str], supplier: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(apikey_cache, "MAX_ENTRIES", 2)
    clears = [key[1]] + [
        do_create_api_key(company=supplier, name=f"ERP {n}", scopes=["receive"])[1]
        for n in range(3)
    ]
    for clear in clears:
        apikey_cache.authenticate_api_key(clear)
    assert len(apikey_cache._entries) <= 2
