"""Operator support in the back office: invoice search, failure reasons, registration locks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.efactura.web.test_dashboard import make_invoice

from efactura.invoices.choices import EventKind, Transport
from efactura.invoices.models import Event
from efactura.registration.models import RegistrationThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client: Any, make_user: Any, settings: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = make_user("operador@example.com")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(user)
    return client


def test_operator_finds_an_invoice_by_number_tax_id_or_name(
    operator: Any, make_company: Any
) -> None:
    seller = make_company("Suministros Levante, S.L.", tax_id="B98765431")
    buyer = make_company("Hostelería Cantábrica, S.A.", tax_id="A39123450")
    invoice = make_invoice(issuer=seller, recipient=buyer, total="10.00")
    url = reverse("admin:invoices_invoice_changelist")
    for term in (invoice.full_number, "a39123450", "cantábrica", "ESB98765431"):
        html = operator.get(url, {"q": term}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
        assert invoice.full_number in html, term
    assert invoice.full_number not in operator.get(url, {"q": "nadie"}).content.decode()


def test_operator_sees_why_a_delivery_failed(operator: Any, make_company: Any) -> None:
    seller = make_company("Suministros Levante, S.L.", tax_id="B98765431")
    invoice = make_invoice(issuer=seller, total="10.00")
    invoice.transport = Transport.FAILED
    invoice.save(update_fields=["transport"])
    Event.objects.create(
        invoice=invoice,
        kind=EventKind.DELIVERY_FAILED,
        source="peer",
        data={"error": "HTTP 503 from the partner's AS4 endpoint"},
    )
    page = operator.get(
        reverse("admin:invoices_invoice_change", args=[invoice.pk]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Por qué falló la entrega" in page
    assert "HTTP 503 from the partner&#x27;s AS4 endpoint" in page
    clean = make_invoice(issuer=seller, total="5.00")
    page = operator.get(
        reverse("admin:invoices_invoice_change", args=[clean.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "No delivery problem recorded." in page


def test_operator_sees_and_lifts_registration_locks(operator: Any) -> None:
    now = timezone.now()
    locked = RegistrationThrottle.objects.create(
        key="tax:ESB12345674",
        failures=5,
        locks=1,
        window_start=now,
        locked_until=now + dt.timedelta(hours=1),
    )
    RegistrationThrottle.objects.create(key="ip:192.0.2.1", failures=1, window_start=now)
    url = reverse("admin:registration_registrationthrottle_changelist")
    html = operator.get(url, {"locked": "yes"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "tax:ESB12345674" in html and "ip:192.0.2.1" not in html
    assert "Bloqueado ahora" in html
    html = operator.get(url, {"locked": "no"}).content.decode()
    assert "ip:192.0.2.1" in html and "tax:ESB12345674" not in html
    operator.post(url, {"action": "unlock", "_selected_action": [locked.pk]})
    assert not RegistrationThrottle.objects.filter(pk=locked.pk, locked_until__gt=now).exists()


def test_admin_labels_are_spanish(operator: Any) -> None:
    html = operator.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Task Results" not in html and "Tasks Database Backend" not in html
    assert "Tareas en segundo plano" in html
