"""A mail server that is down: attempts are retried with back-off, then the failure is visible,
and nothing is lost (the email can be sent again once the server is back)."""

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
    mailers_for_closed_port,
    parts,
)

from efactura.invoices.choices import EventKind
from efactura.invoices.effects import run_effect
from efactura.invoices.services import do_issue_invoice
from efactura.notifications.choices import EmailStatus, retry_delay
from efactura.notifications.models import Notification
from efactura.notifications.services import do_resend_notification
from efactura.registration.models import InvitationCode

pytestmark = pytest.mark.django_db

UNREGISTERED = "B12345674"


def test_server_down_retries_then_fails_visibly_and_resend_delivers(
    settings: Any, issuer: Any, issuer_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MAILERS = mailers_for_closed_port()
    settings.EFACTURA_EMAIL_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        invoice = do_issue_invoice(
            company=issuer,
            actor=issuer_user,
            draft=draft(buyer_tax_id=UNREGISTERED, buyer_name="Talleres Norte, S.L."),
            customer_email="admin@talleres-norte.example",
        )
    email = Notification.objects.get()
    assert email.status == EmailStatus.FAILED
    assert email.attempts == 3
    assert "ConnectionRefusedError" in email.last_error
    failed = invoice.events.get(kind=EventKind.EMAIL_FAILED)
    assert failed.data["attempts"] == 3 and failed.data["to"] == ["admin@talleres-norte.example"]
    assert not invoice.events.filter(kind=EventKind.EMAIL_SENT).exists()
    # No code A survives an email that never left: nobody could know it.
    assert InvitationCode.objects.count() == 0

    # The server comes back: the recorded email is sent again, nothing was lost.
    server = SmtpServer().start()
    try:
        settings.MAILERS = server.mailers()
        with django_capture_on_commit_callbacks(execute=True):
            do_resend_notification(company=issuer, actor=issuer_user, notification=email)
        [message] = server.wait_for(1)
    finally:
        server.stop()
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and email.attempts == 1
    assert invoice.full_number in parts(message)["text"]
    assert InvitationCode.objects.filter(tax_id=f"ES{UNREGISTERED}").count() == 1
    assert invoice.events.filter(kind=EventKind.EMAIL_SENT).count() == 1


@pytest.mark.uses_db_worker
def test_retries_are_deferred_with_back_off_in_the_database_queue(
    settings: Any,
    issuer: Any,
    issuer_user: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the real database task backend, each retry is a new task row whose run_after is
    the back-off delay ahead; the worker does not pick it up before then."""
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    # The worker normally runs in its own process and recycles its connections between tasks;
    # here it shares the test's connection (inside the test transaction), which must stay open.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    settings.MAILERS = mailers_for_closed_port()
    settings.EFACTURA_EMAIL_MAX_ATTEMPTS = 3
    settings.EFACTURA_EMAIL_RETRY_SECONDS = (60, 600)
    settings.EFACTURA_SPFE_ENDPOINT = "off"  # only the email's tasks in this queue
    with django_capture_on_commit_callbacks(execute=True):
        do_issue_invoice(
            company=issuer,
            actor=issuer_user,
            draft=draft(buyer_tax_id=UNREGISTERED, buyer_name="Talleres Norte, S.L."),
            customer_email="admin@talleres-norte.example",
        )
        # Issuing enqueued its side effects as tasks; running them records (queues) the email.
        for row in DBTaskResult.objects.filter(task_path=run_effect.module_path):
            run_effect.call(**row.args_kwargs["kwargs"])
            row.delete()
    email = Notification.objects.get()
    assert email.status == EmailStatus.QUEUED  # handed to the queue, not sent inline
    # The invoice's VERI*FACTU record has its own submission task; count the email's.
    assert DBTaskResult.objects.exclude(task_path__contains="verifactu").count() == 1

    call_command("db_worker", batch=True, interval=0, verbosity=0)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.RETRYING, 1)
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after is not None
    delay = (retry.run_after - timezone.now()).total_seconds()
    assert 50 < delay <= 60

    # Running the worker again now does nothing: the retry is not due.
    call_command("db_worker", batch=True, interval=0, verbosity=0)
    email.refresh_from_db()
    assert email.attempts == 1

    # Time passes (the row's due time moves into the past): second attempt, next delay 600 s.
    DBTaskResult.objects.filter(pk=retry.pk).update(
        run_after=timezone.now() - dt.timedelta(seconds=1)
    )
    call_command("db_worker", batch=True, interval=0, verbosity=0)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.RETRYING, 2)
    second = DBTaskResult.objects.filter(status="READY").get()
    assert 590 < (second.run_after - timezone.now()).total_seconds() <= 600

    DBTaskResult.objects.filter(pk=second.pk).update(
        run_after=timezone.now() - dt.timedelta(seconds=1)
    )
    call_command("db_worker", batch=True, interval=0, verbosity=0)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.FAILED, 3)
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_retry_delays_follow_the_setting(settings: Any) -> None:
    settings.EFACTURA_EMAIL_RETRY_SECONDS = (10, 20, 40)
    assert [retry_delay(n) for n in (1, 2, 3, 4, 9)] == [10, 20, 40, 40, 40]
