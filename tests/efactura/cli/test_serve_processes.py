"""``efactura serve`` starts one web process per core by default; ``--workers``, ``--threads``,
``--background-workers`` and ``--worker-threads`` (``efactura worker --threads``) choose
otherwise."""

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


def test_worker_threads_are_chosen_and_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert _parsed().worker_threads == 1  # type: ignore[attr-defined]
    assert _parsed("--worker-threads", "2").worker_threads == 2  # type: ignore[attr-defined]
    parser = cli.build_parser()
    assert parser.parse_args(["worker", "--threads", "3"]).threads == 3
    for bad in ("0", "-1", "two"):
        with pytest.raises(SystemExit):
            parser.parse_args(["worker", "--threads", bad])
    err = capsys.readouterr().err
    assert "must be 1 or more, not 0" in err and "'two' is not a whole number" in err
