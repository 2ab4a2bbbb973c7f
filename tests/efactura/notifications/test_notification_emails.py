"""Notification emails through a real SMTP server, read back as a mail client would."""

from __future__ import annotations

import re
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

from efactura.invoices.choices import EventKind
from efactura.invoices.services import do_accept_invoice, do_issue_invoice
from efactura.notifications.choices import EmailStatus, Kind
from efactura.notifications.models import Notification
from efactura.notifications.services import do_update_notification_settings

pytestmark = pytest.mark.django_db

UNREGISTERED = "B12345674"
CODE_RE = re.compile(r"\b([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})\b")


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    settings.MAILERS = server.mailers()
    settings.EFACTURA_BASE_URL = "https://efactura.example"
    try:
        yield server
    finally:
        server.stop()


def issue(company: Any, user: Any, capture: Any, **kwargs: Any) -> Any:
    email = kwargs.pop("customer_email", "")
    with capture(execute=True):
        return do_issue_invoice(
            company=company, actor=user, draft=draft(**kwargs), customer_email=email
        )


def test_invitation_reaches_unregistered_customer_with_code_a_and_pdf(
    smtp: SmtpServer,
    issuer: Any,
    issuer_user: Any,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.EFACTURA_EMAIL_ATTACH_PDF = True  # the platform attaches PDFs unless told not to
    invoice = issue(
        issuer,
        issuer_user,
        django_capture_on_commit_callbacks,
        buyer_tax_id=UNREGISTERED,
        buyer_name="Talleres Norte, S.L.",
        customer_email="admin@talleres-norte.example",
    )
    [message] = smtp.wait_for(1)
    assert message["To"] == "admin@talleres-norte.example"
    assert "Suministros Levante" in message["Subject"]
    assert message.get_content_type() == "multipart/mixed"
    body = parts(message)
    code = CODE_RE.search(body["text"])
    assert code is not None, body["text"]
    assert code.group(1) in body["html"]
    assert invoice.full_number in body["text"] and invoice.full_number in body["html"]
    assert f"https://efactura.example/register/?tax_id=ES{UNREGISTERED}" in body["text"]
    # Spanish customer by default: the Spanish template, the amount in Spanish notation.
    assert "Código A" in body["text"]
    assert "121,00\u00a0€" in body["text"]
    [(name, pdf)] = body["attachments"].items()
    assert name.endswith(".pdf") and pdf.startswith(b"%PDF")

    record = Notification.objects.get()
    assert record.status == EmailStatus.SENT and record.attempts == 1
    assert record.kind == Kind.INVITATION and record.to == ["admin@talleres-norte.example"]
    # The log keeps what was sent, never the clear code A.
    assert code.group(1) not in record.text + record.html + record.subject
    assert "••••-••••-••••" in record.text
    sent_event = invoice.events.get(kind=EventKind.EMAIL_SENT)
    assert sent_event.data["to"] == ["admin@talleres-norte.example"]
    assert sent_event.company == issuer


def test_registered_customer_gets_the_invoice_in_english_and_recipient_is_notified(
    smtp: SmtpServer,
    issuer: Any,
    issuer_user: Any,
    make_company: Any,
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = make_company("Harbour Imports Ltd", tax_id="A28467918", language="en")
    customer_user = make_user("ap@harbour.example", customer)
    do_update_notification_settings(
        company=customer,
        actor=customer_user,
        email_customer_on_issue=True,
        attach_pdf=False,
        invoice_received_emails=["inbox@harbour.example"],
        status_changed_emails=[],
        delivery_failed_emails=[],
        certificate_expiring_emails=[],
    )
    do_update_notification_settings(
        company=issuer,
        actor=issuer_user,
        email_customer_on_issue=True,
        attach_pdf=False,
        invoice_received_emails=[],
        status_changed_emails=["cobros@levante.example"],
        delivery_failed_emails=[],
        certificate_expiring_emails=[],
    )
    invoice = issue(
        issuer,
        issuer_user,
        django_capture_on_commit_callbacks,
        buyer_tax_id="A28467918",
        buyer_name="Harbour Imports Ltd",
        customer_email="billing@harbour.example",
    )
    messages = smtp.wait_for(2)
    by_to = {m["To"]: m for m in messages}
    to_customer = by_to["billing@harbour.example"]
    assert to_customer["Subject"] == f"Invoice {invoice.full_number} from Suministros Levante, S.L."
    assert parts(to_customer)["attachments"] == {}
    assert "€121.00" in parts(to_customer)["text"]
    arrival = by_to["inbox@harbour.example"]
    assert arrival["Subject"].startswith("New invoice")
    assert f"https://efactura.example/invoices/{invoice.pk}/" in parts(arrival)["html"]

    with django_capture_on_commit_callbacks(execute=True):
        do_accept_invoice(invoice=invoice, company=customer, actor=customer_user)
    accepted = smtp.wait_for(3)[2]
    assert accepted["To"] == "cobros@levante.example"
    # The issuer's company language is Spanish.
    assert accepted["Subject"] == f"Factura {invoice.full_number} aceptada"
    assert "Harbour Imports Ltd ha aceptado la factura." in parts(accepted)["text"]


def test_customer_email_off_sends_nothing_to_a_registered_customer(
    smtp: SmtpServer,
    issuer: Any,
    issuer_user: Any,
    make_company: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_company("Harbour Imports Ltd", tax_id="A28467918")
    do_update_notification_settings(
        company=issuer,
        actor=issuer_user,
        email_customer_on_issue=False,
        attach_pdf=True,
        invoice_received_emails=[],
        status_changed_emails=[],
        delivery_failed_emails=[],
        certificate_expiring_emails=[],
    )
    issue(
        issuer,
        issuer_user,
        django_capture_on_commit_callbacks,
        buyer_tax_id="A28467918",
        buyer_name="Harbour Imports Ltd",
        customer_email="billing@harbour.example",
    )
    assert Notification.objects.count() == 0
    assert smtp.messages == []


def test_nothing_is_sent_when_the_issuing_transaction_rolls_back(
    smtp: SmtpServer, issuer: Any, issuer_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        do_issue_invoice(
            company=issuer,
            actor=issuer_user,
            draft=draft(buyer_tax_id=UNREGISTERED, buyer_name="Talleres Norte, S.L."),
            customer_email="admin@talleres-norte.example",
        )
        raise RuntimeError("the caller failed after issuing")
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert smtp.messages == []


def test_rule_ids_leave_the_sentence_for_a_technical_details_line() -> None:
    """A bookkeeper reads the cause; the rule ids (for experts) come last, on their own line."""
    from efactura.notifications.emails import render_email, split_rule_ids

    assert split_rule_ids("[BR-CO-10] The sum of the lines does not match (ES-TAXID-02)") == (
        "The sum of the lines does not match",
        ["BR-CO-10", "ES-TAXID-02"],
    )
    assert split_rule_ids("Invoice ES-2026-001 is late") == ("Invoice ES-2026-001 is late", [])
    context = {
        "invoice": {
            "id": "1",
            "number": "F-1",
            "seller": "S",
            "seller_tax_id": "B1",
            "buyer": "Cliente",
            "buyer_tax_id": "B2",
            "issue_date": "2026-03-01",
            "due_date": "",
            "total": "10.00",
            "currency": "EUR",
        },
        "link": "https://example.test/invoices/1/",
        "error": "PEPPOL-EN16931-R001: the business process is missing",
    }
    _subject, text, html = render_email(kind="delivery_failed", language="en", context=context)
    body, _, details = text.partition("Technical details")
    assert "Cause: the business process is missing" in body
    assert "PEPPOL-EN16931-R001" not in body and "PEPPOL-EN16931-R001" in details
    assert "Technical details: PEPPOL-EN16931-R001" in html
