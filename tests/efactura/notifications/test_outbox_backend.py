"""The embedded outbox keeps every email when no mail server is configured."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from efactura.notifications.models import OutboxEmail
from efactura.notifications.tasks import send_email

pytestmark = pytest.mark.django_db

OUTBOX = {"default": {"BACKEND": "efactura.notifications.backends.OutboxBackend"}}


def test_backend_stores_text_html_and_headers(settings: Any) -> None:
    settings.MAILERS = OUTBOX
    message = mail.EmailMultiAlternatives(
        subject="Factura 2026-001",
        body="Texto",
        from_email="efactura@example.com",
        to=["a@example.com"],
        cc=["b@example.com"],
        reply_to=["r@example.com"],
        headers={"X-Efactura-Kind": "invoice.issued"},
    )
    message.attach_alternative("<p>HTML</p>", "text/html")
    assert message.send() == 1
    stored = OutboxEmail.objects.get()
    assert stored.to == ["a@example.com"]
    assert stored.cc == ["b@example.com"]
    assert stored.subject == "Factura 2026-001"
    assert stored.text == "Texto"
    assert stored.html == "<p>HTML</p>"
    assert stored.headers["X-Efactura-Kind"] == "invoice.issued"
    assert stored.headers["Reply-To"] == "r@example.com"
    assert stored.from_email == "efactura@example.com"


def test_backend_stores_html_only_messages_as_html(settings: Any) -> None:
    settings.MAILERS = OUTBOX
    message = mail.EmailMessage(subject="S", body="<b>x</b>", to=["a@example.com"])
    message.content_subtype = "html"
    message.send()
    stored = OutboxEmail.objects.get()
    assert (stored.html, stored.text) == ("<b>x</b>", "")


def test_send_mail_shortcut_goes_to_the_outbox(settings: Any) -> None:
    settings.MAILERS = OUTBOX
    mail.send_mail("Hola", "Cuerpo", None, ["x@example.com"])
    assert OutboxEmail.objects.get().to == ["x@example.com"]


def test_send_email_task_runs_immediately_in_tests(settings: Any) -> None:
    settings.MAILERS = OUTBOX
    result = send_email.enqueue(to=["x@example.com"], subject="Tarea", text="t", html="<i>t</i>")
    assert result.return_value == 1
    assert OutboxEmail.objects.get().html == "<i>t</i>"


def test_tests_use_the_memory_backend_by_default() -> None:
    mail.send_mail("Hola", "Cuerpo", None, ["x@example.com"])
    assert len(mail.outbox) == 1
    assert not OutboxEmail.objects.exists()
