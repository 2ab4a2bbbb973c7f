"""Shared fixtures: companies, users, logged-in clients; tasks run at once, mail in memory.

pytest-django already swaps the email backend for Django's in-memory one (``mail.outbox``);
tests that need the embedded outbox backend switch it on with the ``settings`` fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

# No test module or parametrised test may pass by skipping every case (see skip_guard.py).
# Browser tests: Debian's chromium and the live server it drives (see live_browser.py).
# PostgreSQL: connections left open at the end are named (see pg_sessions.py).
pytest_plugins = ["skip_guard", "live_browser", "pg_sessions"]


@pytest.fixture(autouse=True)
def _tasks_run_immediately(request: pytest.FixtureRequest) -> Iterator[None]:
    """Enqueued tasks run inside the test, unless it is marked ``uses_db_worker``."""
    if request.node.get_closest_marker("uses_db_worker") or "settings" not in _django_ready():
        yield
        return
    from django.test import override_settings

    with override_settings(
        TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    ):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate-limit and throttling counters live in Django's cache, API key look-ups in a
    per-process one: each test starts at zero."""
    if "settings" in _django_ready():
        from django.core.cache import cache

        from efactura.companies import apikey_cache

        cache.clear()
        apikey_cache._entries.clear()
    yield


def _django_ready() -> set[str]:
    try:
        from django.conf import settings

        return {"settings"} if settings.configured else set()
    except Exception:
        return set()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "uses_db_worker: the test runs enqueued tasks through the database worker"
    )
    config.addinivalue_line(
        "markers",
        "own_databases: the test runs platform nodes that keep their own SQLite data folders, "
        "whatever DATABASE_URL says",
    )
    config.addinivalue_line(
        "markers",
        "postgresql_only: the whole module needs PostgreSQL (separate worker processes sharing "
        "the database); left out, not skipped, on SQLite",
    )


def _database_independent(item: pytest.Item) -> bool:
    """The pure standards library never touches a database, and nodes started with their own
    data folders ignore ``DATABASE_URL``: on a PostgreSQL run these would repeat, identically,
    what the SQLite run already did."""
    path = item.path.as_posix()
    return "/tests/einvoice/" in path or item.get_closest_marker("own_databases") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On SQLite, leave out the modules marked ``postgresql_only``; on PostgreSQL, leave out the
    tests whose outcome cannot depend on the database (see :func:`_database_independent`;
    ``EFACTURA_TEST_EVERYTHING=1`` keeps them)."""
    import os

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        postgres_only = [item for item in items if item.get_closest_marker("postgresql_only")]
        if postgres_only:
            config.hook.pytest_deselected(items=postgres_only)
            items[:] = [item for item in items if item not in postgres_only]
        return
    if os.environ.get("EFACTURA_TEST_EVERYTHING") == "1":
        return
    independent = [item for item in items if _database_independent(item)]
    if independent:
        config.hook.pytest_deselected(items=independent)
        items[:] = [item for item in items if not _database_independent(item)]


@pytest.fixture
def make_company(db: Any) -> Any:
    """Factory creating a company through the service (valid CIFs, computed check digit)."""
    from stdnum.es import cif

    from efactura.companies.services import do_create_company

    counter = iter(range(1000, 9999))

    def make(name: str = "Empresa de Prueba, S.L.", tax_id: str | None = None, **extra: Any) -> Any:
        if tax_id is None:
            body = f"B{next(counter):04d}{len(name) % 10}{len(name) % 7}{len(name) % 3}"
            tax_id = body + cif.calc_check_digits(body)[0]
        return do_create_company(
            tax_id=tax_id, legal_name=name, contact_email="facturas@example.com", **extra
        )

    return make


@pytest.fixture
def make_user(db: Any) -> Any:
    """Factory creating a user (password ``pw-Secret-123``), optionally member of companies."""
    from efactura.accounts.services import do_create_user
    from efactura.companies.services import do_add_membership

    def make(email: str, *companies: Any, role: str = "admin", language: str = "") -> Any:
        user = do_create_user(email=email, password="pw-Secret-123", language=language)
        for company in companies:
            do_add_membership(user=user, company=company, role=role)
        return user

    return make


@pytest.fixture
def supplier(make_company: Any) -> Any:
    return make_company("Suministros Levante, S.L.", tax_id="B98765431")


@pytest.fixture
def customer(make_company: Any) -> Any:
    return make_company("Hostelería Cantábrica, S.A.", tax_id="A39123450")


@pytest.fixture
def supplier_user(make_user: Any, supplier: Any) -> Any:
    return make_user("proveedor@example.com", supplier, role="admin")


@pytest.fixture
def supplier_client(client: Any, supplier_user: Any) -> Any:
    """A test client logged in as the supplier's administrator."""
    client.force_login(supplier_user)
    return client


def _hypothesis_profiles() -> None:
    """On CI (``CI=true``) property tests explore the same examples every run, so a red run
    is reproducible; developers' runs keep exploring new ones."""
    import os

    try:
        from hypothesis import settings as hypothesis_settings
    except ImportError:  # pragma: no cover - hypothesis is a dev dependency
        return
    hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
    if os.environ.get("CI"):
        hypothesis_settings.load_profile("ci")


_hypothesis_profiles()
