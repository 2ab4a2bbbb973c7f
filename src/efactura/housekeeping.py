"""Periodic housekeeping run by every background worker.

The database task backend has no scheduler, so ``efactura worker`` (and ``serve``) start a
daemon thread that runs :func:`run_housekeeping` shortly after start and then every
``EFACTURA_HOUSEKEEPING_SECONDS`` (default one hour).  Every job is idempotent, so several
workers on several machines may run it at the same time; ``efactura housekeeping`` runs it
once (for cron, or by hand).

Jobs: certificate-expiry warnings (30 days before, once per certificate), webhook deliveries
whose retry time has come, federation messages whose send task was lost, VERI*FACTU records
waiting for the AEAT (or left by an interrupted worker), and purging old API
idempotency records.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger("efactura.housekeeping")


def _expiring_certificates() -> Any:
    from efactura.notifications.services import do_warn_expiring_certificates

    return do_warn_expiring_certificates()


def _webhook_retries() -> Any:
    from efactura.api.services import do_retry_due_webhook_deliveries

    return do_retry_due_webhook_deliveries()


def _stalled_federation_messages() -> Any:
    from efactura.federation.services import do_requeue_stalled_messages

    return do_requeue_stalled_messages(older_than=dt.timedelta(minutes=10))


def _idempotency_records() -> Any:
    from efactura.api.services import do_purge_idempotency_records

    return do_purge_idempotency_records(older_than_days=7)


def _verifactu_submissions() -> Any:
    from efactura.verifactu.services import do_log_due_summaries, do_submit_due

    return {"issuers_submitted": do_submit_due(), "summary_events": do_log_due_summaries()}


JOBS: dict[str, Callable[[], Any]] = {
    "certificate_expiry_warnings": _expiring_certificates,
    "webhook_retries": _webhook_retries,
    "federation_requeue": _stalled_federation_messages,
    "idempotency_purge": _idempotency_records,
    "verifactu_submissions": _verifactu_submissions,
}
"""Every periodic job by name; a failing job is logged and does not stop the others."""


def run_housekeeping() -> dict[str, str]:
    """Run every job once; return each job's result or error, as text."""
    results: dict[str, str] = {}
    for name, job in JOBS.items():
        try:
            results[name] = str(job())
        except Exception as exc:  # one broken job must not stop the others
            log.exception("housekeeping job %s failed", name)
            results[name] = f"error: {exc}"
    return results


def start_scheduler(*, first_delay: float = 30.0) -> threading.Thread:
    """Start the daemon thread that runs :func:`run_housekeeping` periodically."""
    interval = float(getattr(settings, "EFACTURA_HOUSEKEEPING_SECONDS", 3600))
    stop = threading.Event()

    def loop() -> None:
        if stop.wait(first_delay):
            return
        while True:
            # This thread keeps its own database connection between runs: drop it when stale
            # or broken (a restarted database), before and after each run.
            close_old_connections()
            results = run_housekeeping()
            log.info("housekeeping: %s", results)
            close_old_connections()
            if stop.wait(interval):
                return

    thread = threading.Thread(target=loop, name="efactura-housekeeping", daemon=True)
    thread.start()
    return thread
