"""The notification kinds registry, certificate-expiry warnings and delivery failures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.template.loader import get_template
from django.utils import timezone
from tests.efactura.notifications.smtp_support import (  # noqa: F401  (fixtures)
    draft,
    issuer_fixture,
    issuer_user_fixture,
)

from efactura.invoices.services import do_issue_invoice, do_record_peer_delivery
from efactura.notifications.choices import KINDS, Kind
from efactura.notifications.emails import render_email
from efactura.notifications.models import Notification
from efactura.notifications.services import (
    do_update_notification_settings,
    do_warn_expiring_certificates,
)

pytestmark = pytest.mark.django_db

SAMPLE = {
    "invoice": {
        "id": "x",
        "number": "F-000007",
        "seller": "Suministros <Levante>",
        "seller_tax_id": "ESB98765431",
        "buyer": "Talleres & Norte",
        "buyer_tax_id": "ESB12345674",
        "issue_date": "2026-11-20",
        "due_date": "2026-12-20",
        "total": "1234.5",
        "currency": "EUR",
    },
    "link": "https://efactura.example/invoices/x/",
    "issuer": "Suministros <Levante>",
    "company": "Talleres & Norte",
    "tax_id": "ESB12345674",
    "event": "rejected",
    "status": "rejected",
    "reason": "Precio <incorrecto>",
    "by": "Talleres & Norte",
    "error": "peer unreachable",
    "certificate": "LEVANTE SELLO",
    "serial": "0A1B",
    "not_after": "2026-12-01",
    "days": 6,
    "respond_by": "2026-11-24",
}


def test_every_kind_is_documented_and_has_its_three_templates() -> None:
    from efactura.notifications.models import NotificationSettings

    assert set(KINDS) == set(Kind.values)
    field_names = {f.name for f in NotificationSettings._meta.get_fields()}
    for kind, spec in KINDS.items():
        assert spec.trigger and spec.setting in field_names, kind
        for suffix in ("subject.txt", "txt", "html"):
            get_template(f"notifications/email/{kind}.{suffix}")


@pytest.mark.parametrize("kind", Kind.values)
@pytest.mark.parametrize("language", ["es", "en"])
def test_every_kind_renders_in_both_languages_escaping_html(kind: str, language: str) -> None:
    subject, text, html = render_email(kind=kind, language=language, context=SAMPLE)
    assert subject and "\n" not in subject and "{%" not in subject + text + html
    assert ("<Levante>" not in html and "&lt;" in html) or kind == Kind.CERTIFICATE_EXPIRING
    if kind != Kind.CERTIFICATE_EXPIRING:
        assert "F-000007" in text and "F-000007" in html
        assert ("1.234,50\u00a0€" if language == "es" else "€1,234.50") in text
    other = render_email(kind=kind, language="en" if language == "es" else "es", context=SAMPLE)
    assert other[1] != text  # really translated


def _certificate(company: Any, days: int) -> Any:
    from efactura.signing.models import Certificate

    now = timezone.now()
    return Certificate.objects.create(
        company=company,
        p12_encrypted=b"-",
        password_encrypted=b"-",
        subject="CN=x",
        issuer="CN=ca",
        serial="0A1B",
        common_name="LEVANTE SELLO",
        tax_ids=[company.tax_id],
        not_before=now - dt.timedelta(days=300),
        not_after=now + dt.timedelta(days=days),
    )


def test_certificate_expiry_is_announced_once(
    issuer: Any, make_company: Any, django_capture_on_commit_callbacks: Any
) -> None:
    soon = _certificate(issuer, 20)
    _certificate(make_company("Otra, S.L.", tax_id="A28467918"), 90)  # not yet
    with django_capture_on_commit_callbacks(execute=True):
        assert do_warn_expiring_certificates() == 1
        assert do_warn_expiring_certificates() == 0
    [message] = mail.outbox
    assert message.to == ["facturas@example.com"]  # default: the company's contact address
    assert "caduca" in message.subject
    soon.refresh_from_db()
    assert soon.expiry_warned is not None


def test_management_command_runs_the_daily_job(
    issuer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from io import StringIO

    from django.core.management import call_command

    _certificate(issuer, 5)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("notify_expiring_certificates", stdout=out)
    assert "certificates announced: 1" in out.getvalue()
    assert len(mail.outbox) == 1


def test_delivery_failure_event_emails_the_issuer(
    issuer: Any, issuer_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    do_update_notification_settings(
        company=issuer,
        actor=issuer_user,
        email_customer_on_issue=False,
        attach_pdf=False,
        invoice_received_emails=[],
        status_changed_emails=[],
        delivery_failed_emails=["it@levante.example"],
        certificate_expiring_emails=[],
    )
    invoice = do_issue_invoice(
        company=issuer,
        actor=issuer_user,
        draft=draft(buyer_tax_id="B12345674", buyer_name="Talleres Norte, S.L."),
    )
    with django_capture_on_commit_callbacks(execute=True):
        do_record_peer_delivery(
            invoice=invoice,
            peer_id="node.example",
            delivered=False,
            data={"error": "peer node.example answered 503"},
        )
    [message] = mail.outbox
    assert message.to == ["it@levante.example"]
    assert "503" in message.body
    assert Notification.objects.filter(kind=Kind.DELIVERY_FAILED, status="sent").count() == 1


def test_templates_directory_has_no_unregistered_kinds() -> None:
    import efactura.notifications as package

    folder = Path(package.__file__).parent / "templates" / "notifications" / "email"
    kinds = {p.name.split(".")[0] for p in folder.iterdir() if not p.name.startswith(("_", "base"))}
    assert kinds == set(Kind.values)
