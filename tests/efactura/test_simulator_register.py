"""The simulators' register: shared by the processes of one installation, transactional, and
made of rows (a registration touches only its own, however long the register grows)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from efactura.simulator_register import Register
from efactura.spfe.simulator import Simulator


def test_values_and_logs_are_shared_through_the_file(tmp_path: Path) -> None:
    web, worker = Register(tmp_path / "r.sqlite3"), Register(tmp_path / "r.sqlite3")
    with web.transaction() as register:
        register.put("answers", "k1", {"status": "ACCEPTED"})
        register.append("log", {"n": 1})
    with worker.transaction() as register:
        assert register.get("answers", "k1") == {"status": "ACCEPTED"}
        assert register.get("answers", "k2") is None
        register.put("answers", "k1", {"status": "REPLACED"})
        register.append("log", {"n": 2})
        register.append("other", {"n": 3})
    with web.transaction() as register:
        assert register.get("answers", "k1") == {"status": "REPLACED"}
        assert register.entries("log") == [{"n": 1}, {"n": 2}]
        assert register.entries("other") == [{"n": 3}]


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    store = Register(tmp_path / "r.sqlite3")
    with pytest.raises(RuntimeError), store.transaction() as register:
        register.put("answers", "k1", 1)
        register.append("log", "lost")
        raise RuntimeError("half-way")
    with store.transaction() as register:
        assert register.get("answers", "k1") is None
        assert register.entries("log") == []


def test_in_memory_registers_are_private() -> None:
    first, second = Register(None), Register(None)
    with first.transaction() as register:
        register.append("log", "only here")
    with second.transaction() as register:
        assert register.entries("log") == []
    with first.transaction() as register:
        assert register.entries("log") == ["only here"]


def test_another_process_shares_the_register(tmp_path: Path) -> None:
    """The web process and the worker are separate processes on one file."""
    path = tmp_path / "spfe.sqlite3"
    simulator = Simulator(state_file=path)
    first = simulator._register("parent-key", {"type": "INVOICE"})
    child = (
        "import sys; from pathlib import Path; from efactura.spfe.simulator import Simulator; "
        "answer = Simulator(state_file=Path(sys.argv[1]))._register('child-key', {'type': 'X'}); "
        "assert answer.status == 201"
    )
    subprocess.run([sys.executable, "-c", child, str(path)], check=True, timeout=120)
    again = simulator._register("parent-key", {"type": "INVOICE"})
    assert again.body["duplicate"] is True
    assert again.body["verification_code"] == first.body["verification_code"]
    assert [e["key"] for e in simulator.log()] == ["parent-key", "child-key"]
    # The file is an ordinary SQLite database an operator can read.
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM entry").fetchone() == (2,)


def test_a_forked_child_does_not_reuse_its_parents_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a fork (gunicorn forks its workers) the process id changes: the register opens
    a connection of its own instead of using the one it inherited."""
    store = Register(tmp_path / "r.sqlite3")
    with store.transaction() as register:
        register.append("log", "parent")
    inherited = store._connection
    monkeypatch.setattr("efactura.simulator_register.os.getpid", lambda: -1)
    with store.transaction() as register:
        register.append("log", "child")
        assert register.entries("log") == ["parent", "child"]
    assert store._connection is not inherited
