"""``kill -9`` of the worker in the middle of a submission: nothing lost, nothing duplicated,
the chain intact.  Real PostgreSQL, a real ``efactura worker`` process, the HTTP simulator.

Run with ``DATABASE_URL=postgres://localhost/<name>``; skipped on SQLite (the worker process
cannot share an in-memory test database)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from tests.efactura.verifactu.test_chain import assert_one_continuous_chain

from efactura.verifactu.choices import State, SubmissionState
from efactura.verifactu.models import BillingRecord, Submission
from efactura.verifactu.simulator import Simulator, start

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgresql_only,
    pytest.mark.uses_db_worker,
    pytest.mark.django_db(transaction=True),
]


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    efactura = Path(sys.executable).with_name("efactura")
    return subprocess.Popen(
        [str(efactura), "worker", "--skip-migrate"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def test_killing_the_worker_mid_submission_loses_and_duplicates_nothing(
    parties: dict[str, Any], issue: Any, cancel: Any, settings: Any, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://… (the worker is a separate process)")
    simulator = Simulator(wait_seconds=0, answer_delay=4.0)
    server, url = start(simulator)
    settings.EFACTURA_VERIFACTU_ENDPOINT = url
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db.get('HOST') or 'localhost'}/{db['NAME']}",
        "EFACTURA_DATA_DIR": str(tmp_path / "worker"),
        "EFACTURA_VERIFACTU_ENDPOINT": url,
        "EFACTURA_VERIFACTU_LEASE_SECONDS": "3",
        "EFACTURA_HOUSEKEEPING_SECONDS": "2",
    }
    if db.get("USER"):
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db.get('HOST') or 'localhost'}/{db['NAME']}"
        )
    log = tmp_path / "worker.log"
    worker = None
    try:
        invoices = [issue() for _ in range(30)]
        assert BillingRecord.objects.filter(state=State.PENDING).count() == 30

        worker = _worker(env, log)
        # The worker sent the batch and the AEAT registered it; the answer is still coming.
        _wait_for(lambda: len(simulator.records("B98765431")) == 30, 90, "the first submission")
        assert BillingRecord.objects.filter(state=State.SENDING).count() == 30
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        worker = None

        # Life goes on while the worker is down: more records join the chain.
        invoices += [issue(), issue()]
        cancel(invoices[5])
        assert BillingRecord.objects.count() == 33

        simulator.answer_delay = 0
        worker = _worker(env, log)
        _wait_for(
            lambda: BillingRecord.objects.filter(state=State.CORRECT).count() == 33,
            120,
            "every record to be accepted after the restart",
        )
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
        server.shutdown()

    records = assert_one_continuous_chain(parties["seller"])
    registered = simulator.records("B98765431")
    huellas = [entry["huella"] for entry in registered]
    assert len(huellas) == len(set(huellas)) == 33, "a record reached the AEAT twice"
    assert huellas == [r.fingerprint for r in records]
    assert {entry["state"] for entry in registered} == {"Correcto"}
    assert Submission.objects.filter(state=SubmissionState.ABANDONED).count() == 1
