"""The day-before reminder of the period to accept or reject (RD 238/2026), through a real
SMTP server: once per invoice, whatever how often the job runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from tests.efactura.notifications.smtp_support import (  # noqa: F401  (fixtures)
    SmtpServer,
    draft,
    issuer_fixture,
    issuer_user_fixture,
    parts,
)

from efactura import housekeeping
from efactura.invoices.services import do_issue_invoice, do_reject_invoice
from efactura.notifications.choices import Kind
from efactura.notifications.deadlines import do_send_response_reminders
from efactura.notifications.models import Notification
from efactura.notifications.services import do_update_notification_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    settings.MAILERS = server.mailers()
    settings.EFACTURA_BASE_URL = "https://efactura.example"
    settings.EFACTURA_SPFE_ENDPOINT = "off"
    try:
        yield server
    finally:
        server.stop()


def test_reminder_goes_out_once_per_invoice_the_day_before(
    smtp: SmtpServer,
    issuer: Any,
    issuer_user: Any,
    make_company: Any,
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = make_company("Hostelería Cantábrica, S.A.", tax_id="A39123450")
    customer_user = make_user("cuentas@cantabrica.example", customer)
    do_update_notification_settings(
        company=customer,
        actor=customer_user,
        email_customer_on_issue=False,
        attach_pdf=False,
        invoice_received_emails=["facturas@cantabrica.example"],
        status_changed_emails=[],
        delivery_failed_emails=[],
        certificate_expiring_emails=[],
    )
    invoices = [
        do_issue_invoice(
            company=issuer,
            actor=issuer_user,
            draft=draft(buyer_tax_id="A39123450", buyer_name="Hostelería Cantábrica, S.A."),
        )
        for _ in range(2)
    ]
    # An answered invoice gets no reminder.
    answered = do_issue_invoice(
        company=issuer,
        actor=issuer_user,
        draft=draft(buyer_tax_id="A39123450", buyer_name="Hostelería Cantábrica, S.A."),
    )
    do_reject_invoice(invoice=answered, company=customer, actor=customer_user, reason="No")
    due = invoices[0].response_due
    assert due is not None
    assert do_send_response_reminders(today=due - dt.timedelta(days=2)) == 0  # too early
    day_before = due - dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert do_send_response_reminders(today=day_before) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert do_send_response_reminders(today=day_before) == 0  # run again: nothing new
        assert do_send_response_reminders(today=due) == 0  # next day: still nothing new
        housekeeping.run_housekeeping(only=["response_reminders"])
    received = smtp.wait_for(2)
    reminders = [m for m in received if "último día" in str(m["Subject"])]
    assert len(reminders) == 2
    assert {m["To"] for m in reminders} == {"facturas@cantabrica.example"}
    numbers = sorted(i.full_number for i in invoices)
    assert sorted(str(m["Subject"]).split(" factura ")[1].split(" ")[0] for m in reminders) == (
        numbers
    )
    body = parts(reminders[0])["text"]
    assert "se considera aceptada" in body
    assert "https://efactura.example/invoices/" in parts(reminders[0])["html"]
    assert Notification.objects.filter(kind=Kind.RESPONSE_REMINDER).count() == 2
    for invoice in invoices:
        invoice.refresh_from_db()
        assert invoice.response_reminded_at is not None


def test_daily_digest_is_opt_in_and_sent_once_a_day(
    smtp: SmtpServer,
    issuer: Any,
    issuer_user: Any,
    make_company: Any,
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from efactura.notifications.deadlines import do_send_deadline_digests

    customer = make_company("Hostelería Cantábrica, S.A.", tax_id="A39123450")
    customer_user = make_user("cuentas@cantabrica.example", customer)
    invoice = do_issue_invoice(
        company=issuer,
        actor=issuer_user,
        draft=draft(buyer_tax_id="A39123450", buyer_name="Hostelería Cantábrica, S.A."),
    )
    assert do_send_deadline_digests() == 0  # not asked for
    settings_row = do_update_notification_settings(
        company=customer,
        actor=customer_user,
        email_customer_on_issue=False,
        attach_pdf=False,
        invoice_received_emails=[],
        status_changed_emails=[],
        delivery_failed_emails=[],
        certificate_expiring_emails=[],
        deadline_digest_emails=["tesoreria@cantabrica.example"],
    )
    assert settings_row.deadline_digest_emails == ["tesoreria@cantabrica.example"]
    with django_capture_on_commit_callbacks(execute=True):
        assert do_send_deadline_digests() == 1
        assert do_send_deadline_digests() == 0  # once a day
    [digest] = smtp.wait_for(1)
    assert digest["To"] == "tesoreria@cantabrica.example"
    assert "1 factura pendiente" in str(digest["Subject"])
    assert invoice.full_number in parts(digest)["text"]
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    do_reject_invoice(invoice=invoice, company=customer, actor=customer_user, reason="No")
    assert do_send_deadline_digests(today=tomorrow) == 0  # nothing waiting
