"""``efactura serve`` starts one web process per core by default; ``--workers``, ``--threads``
and ``--background-workers`` choose otherwise."""

from __future__ import annotations

import os

import pytest

from efactura import cli


def _parsed(*args: str) -> object:
    parser = cli.build_parser()
    return parser.parse_args(["serve", *args])


def test_one_web_process_per_core_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2}, raising=False)
    assert cli.default_web_processes() == 3
    args = _parsed()
    assert args.workers == 0 and args.threads == 4 and args.background_workers == 1  # type: ignore[attr-defined]
    command = cli._gunicorn_command("127.0.0.1", 8000, cli.default_web_processes(), 4)
    assert command[command.index("--workers") + 1] == "3"
    assert command[command.index("--threads") + 1] == "4"


def test_without_affinity_the_cpu_count_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert cli.default_web_processes() == 1


def test_processes_and_threads_can_be_chosen() -> None:
    args = _parsed("--workers", "2", "--threads", "8", "--background-workers", "3")
    assert (args.workers, args.threads, args.background_workers) == (2, 8, 3)  # type: ignore[attr-defined]
    command = cli._gunicorn_command("::1", 8000, 2, 8)
    assert command[command.index("--bind") + 1] == "[::1]:8000"
    assert command[command.index("--workers") + 1] == "2"
    assert command[command.index("--threads") + 1] == "8"
