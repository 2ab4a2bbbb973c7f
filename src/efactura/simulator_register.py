"""What the embedded simulators (the SPFE's and the AEAT's VERI*FACTU service) have registered.

A small SQLite file in the data folder, shared by the web and worker processes of one
installation (SQLite's own locking), or a private in-memory database (tests, and an
installation whose database is in memory).  Two kinds of data: keyed values (``get`` /
``put`` in a named space) and append-only logs (``append`` / ``entries``).  A registration
reads and writes only its own rows, so it costs the same with ten or a million entries; the
earlier register, one JSON document read and rewritten whole on every registration, grew
slower with every invoice (41 ms per registration at a thousand invoices, 133 ms at three
thousand).

It never imports Django: the simulators also run on their own (``efactura spfe simulator``,
``efactura verifactu simulator``).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS value ("
    " space TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (space, key))",
    "CREATE TABLE IF NOT EXISTS entry ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, log TEXT NOT NULL, entry TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS entry_log ON entry (log, id)",
)


class Transaction:
    """Reads and writes inside one :meth:`Register.transaction`."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def get(self, space: str, key: str) -> Any:
        """The value stored under ``key`` in ``space``, or ``None``."""
        row = self._connection.execute(
            "SELECT value FROM value WHERE space = ? AND key = ?", (space, key)
        ).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, space: str, key: str, value: Any) -> None:
        self._connection.execute(
            "INSERT INTO value (space, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (space, key) DO UPDATE SET value = excluded.value",
            (space, key, json.dumps(value)),
        )

    def append(self, log: str, entry: Any) -> None:
        self._connection.execute(
            "INSERT INTO entry (log, entry) VALUES (?, ?)", (log, json.dumps(entry))
        )

    def entries(self, log: str) -> list[Any]:
        """Everything appended to ``log``, in order."""
        rows = self._connection.execute(
            "SELECT entry FROM entry WHERE log = ? ORDER BY id", (log,)
        ).fetchall()
        return [json.loads(row[0]) for row in rows]


class Register:
    """The register in the SQLite file ``path``, or in memory when ``path`` is ``None``.

    One connection per process, kept open (closing the last connection to a WAL database
    checkpoints it, which cost more than the registration), used by one thread at a time."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        # First use, or a forked child: a connection is never shared across processes.
        if self.path is None:
            connection = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")  # a simulator: no fsync per answer
        for statement in _SCHEMA:
            connection.execute(statement)
        self._connection, self._pid = connection, os.getpid()
        return connection

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One write transaction: other threads and processes wait for it to end."""
        with self._lock:
            connection = self._connect()
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
