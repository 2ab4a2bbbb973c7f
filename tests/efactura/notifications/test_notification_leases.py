"""A worker that dies while sending (``kill -9``) leaves a lease that expires: housekeeping hands
the email to another worker, the retry keeps its Message-ID, and a sent email is never resent."""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from tests.efactura.notifications.smtp_support import (  # noqa: F401  (fixtures)
    SmtpServer,
    draft,
    issuer_fixture,
    issuer_user_fixture,
)

from efactura.housekeeping import run_housekeeping
from efactura.invoices.models import Invoice
from efactura.invoices.services import do_issue_invoice
from efactura.notifications.choices import EmailStatus
from efactura.notifications.models import Notification, NotificationSettings
from efactura.notifications.services import claim_notification, do_requeue_stalled_notifications

pytestmark = pytest.mark.django_db

CUSTOMER = "A39123450"


@pytest.fixture
def smtp(settings: Any) -> Any:
    server = SmtpServer().start()
    settings.MAILERS = server.mailers()
    yield server
    server.stop()


def _queued_email(issuer: Any, issuer_user: Any, settings: Any) -> Notification:
    """An invoice whose customer email is recorded but not yet handed to a worker."""
    from django.test import override_settings

    from efactura.invoices.effects import run_effect

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        invoice = do_issue_invoice(
            company=issuer,
            actor=issuer_user,
            draft=draft(buyer_tax_id=CUSTOMER, buyer_name="Hostelería Cantábrica, S.A."),
            customer_email="compras@cantabrica.example",
        )
        # The worker runs the notification side effect of the routing (which records the
        # email); the send task it enqueues stays in the queue.
        run_effect.call(
            handler="efactura.notifications.receivers.on_invoice_routed",
            invoice_id=str(invoice.pk),
            source="web",
        )
    return Notification.objects.get()


def test_email_left_sending_by_a_dead_worker_is_requeued_by_housekeeping(
    issuer: Any, issuer_user: Any, settings: Any, smtp: Any
) -> None:
    """Regression: after ``kill -9`` an email stayed ``sending`` and housekeeping ignored it."""
    settings.EFACTURA_EMAIL_LEASE_SECONDS = 60
    email = _queued_email(issuer, issuer_user, settings)
    # A worker claims it ... and is killed before it can report anything.
    assert claim_notification(notification_id=email.pk)
    email.refresh_from_db()
    assert email.status == EmailStatus.SENDING and email.lease_expires_at is not None
    message_id = email.message_id
    assert message_id.startswith("<") and message_id.endswith(">")

    # While the lease runs, nobody else takes it, and housekeeping leaves it alone.
    assert not claim_notification(notification_id=email.pk)
    run_housekeeping()
    email.refresh_from_db()
    assert email.status == EmailStatus.SENDING
    assert smtp.messages == []

    # The lease lapses: housekeeping hands it to a worker (tasks run at once in tests).
    Notification.objects.filter(pk=email.pk).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    results = run_housekeeping()
    assert results["email_requeue"] == "1"
    [message] = smtp.wait_for(1)
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and email.lease_expires_at is None
    assert message["Message-ID"] == message_id  # one Message-ID per notification


def test_sent_email_is_never_sent_again(
    issuer: Any, issuer_user: Any, settings: Any, smtp: Any
) -> None:
    email = _queued_email(issuer, issuer_user, settings)
    from efactura.notifications.services import do_send_notification

    assert do_send_notification(notification_id=email.pk) == EmailStatus.SENT
    smtp.wait_for(1)
    # Whatever stale task or requeue comes later, the known outcome stands.
    Notification.objects.filter(pk=email.pk).update(
        updated=timezone.now() - dt.timedelta(days=1),
        created=timezone.now() - dt.timedelta(days=1),
    )
    assert run_housekeeping()["email_requeue"] == "0"
    assert do_send_notification(notification_id=email.pk) == EmailStatus.SENT
    assert not claim_notification(notification_id=email.pk)
    assert len(smtp.messages) == 1


# -- Fault test: kill -9 of the worker on PostgreSQL --------------------------------------------
# Fault test on PostgreSQL: the background worker is killed with SIGKILL three times while 300
# invoices with customer emails are issued.  Afterwards no invoice is lost or duplicated, no
# email is stuck, and at most one email per kill reached the mail server twice.
#
# Real components only: PostgreSQL (``DATABASE_URL=postgres://…``; the test is skipped on
# SQLite, where several processes on one database file are not the deployment being tested), the
# real ``efactura worker`` in its own process, a real SMTP server (aiosmtpd) on loopback.
# Housekeeping runs in this process, as a worker's scheduler thread would, with a short lease.

INVOICES = 300
KILLS = 3
LEASE_SECONDS = 3
CUSTOMER = "A39123450"


def _database_url() -> str:
    db = connection.settings_dict
    user = (
        f"{db['USER']}{':' + db['PASSWORD'] if db.get('PASSWORD') else ''}@" if db["USER"] else ""
    )
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{host}{port}/{db['NAME']}"


class Worker:
    """``efactura worker`` in its own process group, killed the hard way when asked."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "efactura", "worker", "--skip-migrate"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                process_group=0,
            )

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.uses_db_worker
@pytest.mark.django_db(transaction=True)
def test_kill_9_of_the_worker_loses_and_sticks_nothing(
    issuer: Any, issuer_user: Any, settings: Any, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the worker fault test runs on PostgreSQL (set DATABASE_URL)")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # Plain emails: what is tested is the hand-over between workers, not PDF rendering
    # (which would make the 300 sends take many minutes on a small machine).
    NotificationSettings.objects.create(company=issuer, attach_pdf=False)
    settings.EFACTURA_EMAIL_LEASE_SECONDS = LEASE_SECONDS
    smtp = SmtpServer().start()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "EFACTURA_DATA_DIR": str(django_settings.DATA_DIR),
        "EFACTURA_SECRET_KEY": django_settings.SECRET_KEY,
        "EFACTURA_EMAIL_LEASE_SECONDS": str(LEASE_SECONDS),
        "EFACTURA_HOUSEKEEPING_SECONDS": "3600",
    }
    worker = Worker(env, tmp_path / "worker.log")
    worker.start()
    kill_at = {INVOICES * (n + 1) // (KILLS + 1) for n in range(KILLS)}
    kills = 0
    try:
        for n in range(INVOICES):
            do_issue_invoice(
                company=issuer,
                actor=issuer_user,
                draft=draft(
                    buyer_tax_id=CUSTOMER, buyer_name="Hostelería Cantábrica, S.A.", price="10"
                ),
                customer_email="compras@cantabrica.example",
            )
            if n + 1 in kill_at:
                # Wait until the worker is busy sending, then kill it mid-flight.
                deadline = time.monotonic() + 20
                while (
                    not Notification.objects.filter(status=EmailStatus.SENDING).exists()
                    and time.monotonic() < deadline
                ):
                    time.sleep(0.005)
                worker.kill()
                kills += 1
                worker.start()
        # Let the last worker finish; housekeeping hands over what the dead workers held.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            open_emails = Notification.objects.exclude(status=EmailStatus.SENT).count()
            if open_emails == 0:
                break
            do_requeue_stalled_notifications(older_than=dt.timedelta(seconds=LEASE_SECONDS))
            time.sleep(1)
        smtp.wait_for(INVOICES, timeout=30)
    finally:
        worker.stop()
        smtp.stop()

    assert kills == KILLS
    invoices = list(Invoice.objects.filter(issuer=issuer).values_list("full_number", flat=True))
    assert len(invoices) == INVOICES, "invoices lost"
    assert len(set(invoices)) == INVOICES, "invoices duplicated"
    statuses = collections.Counter(Notification.objects.values_list("status", flat=True))
    assert statuses == {EmailStatus.SENT: INVOICES}, f"emails stuck: {statuses}"

    received = collections.Counter(message["Message-ID"] for message in smtp.messages)
    expected = set(Notification.objects.values_list("message_id", flat=True))
    assert len(expected) == INVOICES  # one Message-ID per notification
    assert set(received) == expected, "an email never reached the mail server"
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates <= KILLS, f"{duplicates} emails sent twice after {KILLS} kills"
