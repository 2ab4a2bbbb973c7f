"""PostgreSQL runs: name the test behind any connection still open when the suite ends.

A connection left open to the test database (a thread that used the ORM and never closed
its connection, a process a test started and did not stop) makes Django's final
``DROP DATABASE`` fail with only "database test_test is being accessed by 1 other session".
Every connection the test process opens therefore sets its ``application_name`` to the test
and thread that opened it, and before the database is dropped the sessions still connected
are listed in a warning, each with that name (empty for a process the tests started).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

_current = {"test": "set-up"}


def pytest_runtest_setup(item: pytest.Item) -> None:
    _current["test"] = item.nodeid


def _tag(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "postgresql":
        return
    test = _current["test"].rsplit("/", 1)[-1]
    name = f"{threading.current_thread().name}|{test}"[-63:]
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('application_name', %s, false)", [name])


def pytest_configure(config: pytest.Config) -> None:
    try:
        from django.db.backends.signals import connection_created
    except ImportError:  # pragma: no cover - Django is always installed here
        return
    connection_created.connect(_tag, dispatch_uid="tests.pg_sessions")


class LeftOpen(UserWarning):
    """A connection to the test database outlived the suite."""


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's database set-up; on PostgreSQL, warns about sessions left open."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, left(query, 120) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        rows = cursor.fetchall()
    for pid, name, state, query in rows:
        warnings.warn(
            LeftOpen(
                f"PostgreSQL session {pid} is still connected to the test database at the end "
                f"of the suite: opened by {name or '(untagged: a process the tests started)'}, "
                f"{state}, last query {query!r}"
            ),
            stacklevel=1,
        )
