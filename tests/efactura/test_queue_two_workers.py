"""Two task loops on one PostgreSQL queue, as two real ``efactura worker`` processes and as
one process with ``--threads 2``: every task runs exactly once (none twice, none lost), and
both loops take part.  The threaded worker also stops cleanly on SIGTERM.

Run with ``DATABASE_URL=postgres://localhost/<name>``; left out on SQLite (the worker
processes cannot share an in-memory test database)."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from efactura.notifications.models import OutboxEmail
from efactura.notifications.tasks import send_email

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgresql_only,
    pytest.mark.uses_db_worker,
    pytest.mark.django_db(transaction=True),
]

TASKS = 300


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _worker(env: dict[str, str], log: Path, threads: int = 1) -> subprocess.Popen[bytes]:
    efactura = Path(sys.executable).with_name("efactura")
    return subprocess.Popen(
        [str(efactura), "worker", "--skip-migrate", "--threads", str(threads)],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.mark.parametrize("layout", ["two processes", "one process, two threads"])
def test_two_workers_run_every_task_exactly_once(
    settings: Any, tmp_path: Path, layout: str
) -> None:
    db = settings.DATABASES["default"]
    user = f"{db['USER']}@" if db.get("USER") else ""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{user}{db.get('HOST') or 'localhost'}/{db['NAME']}",
        "EFACTURA_DATA_DIR": str(tmp_path / "worker"),
        "EFACTURA_HOUSEKEEPING_SECONDS": "3600",
    }
    env.pop("EMAIL_URL", None)  # the embedded outbox: each sent email is one row
    if layout == "two processes":
        logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
        workers = [_worker(env, log) for log in logs]
    else:
        logs = [tmp_path / "worker.log"]
        workers = [_worker(env, logs[0], threads=2)]

    def started() -> int:
        return sum(log.read_text(errors="replace").count("Starting worker") for log in logs)

    try:
        _wait_for(lambda: started() == 2, 180, "both task loops to start")
        with transaction.atomic():
            for n in range(TASKS):
                send_email.enqueue(to=["queue@example.com"], subject=f"task {n}", text="x")
        _wait_for(
            lambda: not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists(),
            300,
            "the queue to drain",
        )
        if layout != "two processes":
            # SIGTERM: each thread finishes its task and the process exits by itself.
            workers[0].send_signal(signal.SIGTERM)
            assert workers[0].wait(30) == 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)

    sent = collections.Counter(OutboxEmail.objects.values_list("subject", flat=True))
    assert sent == {f"task {n}": 1 for n in range(TASKS)}, "a task ran twice or was lost"
    results = list(DBTaskResult.objects.all())
    assert len(results) == TASKS
    assert {r.status for r in results} == {"SUCCESSFUL"}
    assert all(len(r.worker_ids) == 1 for r in results), "a task was claimed twice"
    assert len({r.worker_ids[0] for r in results}) == 2, "one worker did all the work"
