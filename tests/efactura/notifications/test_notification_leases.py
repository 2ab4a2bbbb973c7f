"""A worker that dies while sending (``kill -9``) leaves a lease that expires: housekeeping hands
the email to another worker, the retry keeps its Message-ID, and a sent email is never resent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from tests.efactura.notifications.smtp_support import (  # noqa: F401  (fixtures)
    SmtpServer,
    draft,
    issuer_fixture,
    issuer_user_fixture,
)

from efactura.housekeeping import run_housekeeping
from efactura.invoices.services import do_issue_invoice
from efactura.notifications.choices import EmailStatus
from efactura.notifications.models import Notification
from efactura.notifications.services import claim_notification

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

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        do_issue_invoice(
            company=issuer,
            actor=issuer_user,
            draft=draft(buyer_tax_id=CUSTOMER, buyer_name="Hostelería Cantábrica, S.A."),
            customer_email="compras@cantabrica.example",
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
