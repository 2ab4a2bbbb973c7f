"""Periodic jobs: the one registry, run by every background worker and by ``efactura
housekeeping``.

The database task backend has no scheduler, so ``efactura worker`` (and ``serve``) start a
daemon thread that runs :func:`run_housekeeping` shortly after start and then every
``EFACTURA_HOUSEKEEPING_SECONDS`` (default one hour); the jobs in :data:`DAILY_JOBS` run on
the first pass and then once a day.  Every job is idempotent, so several workers on several
machines may run them at the same time; ``efactura housekeeping`` runs all of them once (for
cron, or by hand).  The management commands ``notify_expiring_certificates`` and
``check_certificates`` run their jobs from this registry too.

Jobs: certificate-expiry emails (30 days before, once per certificate), the operator's
certificate and seal check (log), emails whose send task was lost, webhook deliveries whose
retry time has come, AS4 messages whose send task was lost, archived documents a process left
unsealed, the archive's hash-chain check and re-hash of the stored files (with an operator alert
on a break), VERI*FACTU records waiting for the AEAT (or left by an interrupted worker), the NO
VERI*FACTU summary events and daily anomaly detection (events 03–06), purging API idempotency
records after their retention period, the RD 238/2026 deadlines (acceptance presumed when the
period ends without a rejection, the reminder email the day before, once per invoice) and the
SPFE queue (items whose back-off ended or whose task was lost).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import close_old_connections

from efactura.api.choices import IDEMPOTENCY_RETENTION_DAYS

log = logging.getLogger("efactura.housekeeping")

DAY_SECONDS = 24 * 3600


def _expiring_certificates() -> Any:
    from efactura.notifications.services import do_warn_expiring_certificates

    return do_warn_expiring_certificates()


def _certificate_check() -> Any:
    from efactura.signing.tasks import check_signing_certificates

    result = check_signing_certificates.call()
    expiring, expired = result["expiring"], result["expired"]
    assert isinstance(expiring, list) and isinstance(expired, list)
    return f"expiring: {len(expiring)}, expired in use: {len(expired)}"


def _webhook_retries() -> Any:
    from efactura.api.services import do_retry_due_webhook_deliveries

    return do_retry_due_webhook_deliveries()


def _stalled_as4_messages() -> Any:
    from efactura.interconnection.services import do_requeue_stalled_messages

    return do_requeue_stalled_messages(older_than=dt.timedelta(minutes=10))


def _stalled_emails() -> Any:
    from efactura.notifications.services import do_requeue_stalled_notifications

    return do_requeue_stalled_notifications(older_than=dt.timedelta(minutes=10))


def _archive_verification() -> Any:
    """Once a day (the job runs hourly): walk the archive chain and re-hash the files."""
    from django.utils import timezone

    from efactura.invoices.storage import do_verify_archive, last_verification

    last = last_verification()
    if last is not None and timezone.now() - last["time"] < dt.timedelta(hours=23):  # type: ignore[operator]
        return "skipped (checked within the last day)"
    result = do_verify_archive()
    return "intact" if result.ok else f"BROKEN: {result.first_break}"


def _archive_sealing() -> Any:
    """Chain archived documents a process left unsealed (it died between commit and seal)."""
    from efactura.invoices.storage import seal_pending

    return seal_pending()


def _idempotency_records() -> Any:
    from efactura.api.services import do_purge_idempotency_records

    return do_purge_idempotency_records(older_than_days=IDEMPOTENCY_RETENTION_DAYS)


def _verifactu_submissions() -> Any:
    from efactura.verifactu.services import do_log_due_summaries, do_submit_due

    return {"issuers_submitted": do_submit_due(), "summary_events": do_log_due_summaries()}


def _verifactu_integrity() -> Any:
    from efactura.verifactu.services import do_check_integrity_all

    reports = do_check_integrity_all()
    found = [r.company.tax_id for r in reports if not r.ok]
    return {"companies_checked": len(reports), "anomalies_in": found}


def _presumed_acceptance() -> Any:
    from efactura.invoices.services.statuses import do_presume_due_acceptances

    return do_presume_due_acceptances()


def _response_reminders() -> Any:
    from efactura.notifications.deadlines import do_send_response_reminders

    return do_send_response_reminders()


def _deadline_digest() -> Any:
    from efactura.notifications.deadlines import do_send_deadline_digests

    return do_send_deadline_digests()


def _spfe_queue() -> Any:
    from efactura.spfe.services import do_send_due

    return do_send_due()


JOBS: dict[str, Callable[[], Any]] = {
    "certificate_expiry_warnings": _expiring_certificates,
    "certificate_check": _certificate_check,
    "webhook_retries": _webhook_retries,
    "as4_requeue": _stalled_as4_messages,
    "idempotency_purge": _idempotency_records,
    "email_requeue": _stalled_emails,
    "archive_seal": _archive_sealing,
    "archive_verify": _archive_verification,
    "verifactu_submissions": _verifactu_submissions,
    "verifactu_integrity": _verifactu_integrity,
    "presumed_acceptance": _presumed_acceptance,
    "response_reminders": _response_reminders,
    "spfe_queue": _spfe_queue,
    "deadline_digest": _deadline_digest,
}
"""Every periodic job by name; a failing job is logged and does not stop the others."""

DAILY_JOBS = frozenset(
    {
        "certificate_expiry_warnings",
        "certificate_check",
        "archive_verify",
        "verifactu_integrity",
        "deadline_digest",
    }
)
"""Jobs the worker's scheduler runs once a day instead of at every pass."""


def run_housekeeping(only: Iterable[str] | None = None) -> dict[str, str]:
    """Run every job (or those named in ``only``) once; return each result or error, as text."""
    wanted = set(JOBS) if only is None else set(only)
    unknown = wanted - set(JOBS)
    if unknown:
        raise ValueError(f"Unknown housekeeping jobs: {sorted(unknown)}")
    results: dict[str, str] = {}
    for name, job in JOBS.items():
        if name not in wanted:
            continue
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
        last_daily: float | None = None
        while True:
            # This thread keeps its own database connection between runs: drop it when stale
            # or broken (a restarted database), before and after each run.
            close_old_connections()
            now = time.monotonic()
            daily_due = last_daily is None or now - last_daily >= DAY_SECONDS
            if daily_due:
                last_daily = now
            results = run_housekeeping(
                only=[name for name in JOBS if daily_due or name not in DAILY_JOBS]
            )
            log.info("housekeeping: %s", results)
            close_old_connections()
            if stop.wait(interval):
                return

    thread = threading.Thread(target=loop, name="efactura-housekeeping", daemon=True)
    thread.start()
    return thread
