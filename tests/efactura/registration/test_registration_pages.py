"""The Manage codes, Notifications and public registration pages (Django test client)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from tests.efactura.notifications.smtp_support import (  # noqa: F401  (fixtures)
    draft,
    issuer_fixture,
    issuer_user_fixture,
)

from efactura.companies.models import Company
from efactura.invoices.services import do_issue_invoice
from efactura.notifications.models import NotificationSettings
from efactura.registration.models import IssuerCode
from efactura.registration.services import do_create_invitation_code

pytestmark = pytest.mark.django_db

CODE_RE = re.compile(r'id="new-code-b">([A-Z2-9-]{14})<')


@pytest.fixture
def logged_in(client: Any, issuer_user: Any) -> Any:
    client.force_login(issuer_user)
    return client


def test_manage_codes_generates_code_b_shown_once(
    logged_in: Any, issuer: Any, issuer_user: Any
) -> None:
    empty = logged_in.get(reverse("web:codes"))
    assert "Ningún cliente está pendiente de registro" in empty.content.decode()
    do_issue_invoice(
        company=issuer,
        actor=issuer_user,
        draft=draft(buyer_tax_id="B12345674", buyer_name="Talleres Norte, S.L."),
        customer_email="admin@talleres-norte.example",
    )
    page = logged_in.get(reverse("web:codes")).content.decode()
    assert "Talleres Norte, S.L." in page and "B12345674" in page and "Sin generar" in page

    response = logged_in.post(
        reverse("web:code_action"), {"tax_id": "B12345674", "action": "generate"}, follow=True
    )
    html = response.content.decode()
    code = CODE_RE.search(html)
    assert code is not None
    assert response.headers["Cache-Control"] == "no-store"
    assert "otra vía" in html  # the page says to pass it on by another channel
    assert "Activo" in html
    # Shown once: reloading does not show it again.
    again = logged_in.get(reverse("web:codes")).content.decode()
    assert code.group(1) not in again

    logged_in.post(reverse("web:code_action"), {"tax_id": "B12345674", "action": "revoke"})
    assert IssuerCode.objects.get().revoked_at is not None


def test_viewer_cannot_generate_codes(
    client: Any, issuer: Any, issuer_user: Any, make_user: Any
) -> None:
    do_issue_invoice(
        company=issuer, actor=issuer_user, draft=draft(buyer_tax_id="B12345674", buyer_name="T")
    )
    viewer = make_user("viewer@example.com", issuer, role="viewer")
    client.force_login(viewer)
    page = client.get(reverse("web:codes")).content.decode()
    assert "Generar código B" not in page
    response = client.post(
        reverse("web:code_action"), {"tax_id": "B12345674", "action": "generate"}
    )
    assert response.status_code == 403
    assert not IssuerCode.objects.exists()


def test_codes_of_other_companies_are_invisible(
    client: Any, issuer: Any, issuer_user: Any, make_company: Any, make_user: Any
) -> None:
    do_issue_invoice(
        company=issuer,
        actor=issuer_user,
        draft=draft(buyer_tax_id="B12345674", buyer_name="Talleres Norte, S.L."),
    )
    other = make_company("Otra, S.L.", tax_id="A28467918")
    client.force_login(make_user("otra@example.com", other))
    assert "Talleres Norte" not in client.get(reverse("web:codes")).content.decode()
    client.post(reverse("web:code_action"), {"tax_id": "B12345674", "action": "generate"})
    assert not IssuerCode.objects.exists()


def test_notification_settings_page_saves_and_validates(logged_in: Any, issuer: Any) -> None:
    page = logged_in.get(reverse("web:notifications")).content.decode()
    assert "Enviar un correo a mi cliente al emitir una factura" in page
    assert "facturas@example.com" in page  # defaults: contact address for failures/expiry
    bad = logged_in.post(
        reverse("web:notifications"),
        {
            "email_customer_on_issue": "on",
            "invoice_received_emails": "buzon@levante.example\nno-es-correo",
        },
    )
    assert "no es una dirección de correo válida" in bad.content.decode()
    assert not NotificationSettings.objects.exists()
    logged_in.post(
        reverse("web:notifications"),
        {
            "attach_pdf": "on",
            "invoice_received_emails": "Buzon@Levante.example, contabilidad@levante.example",
            "status_changed_emails": "cobros@levante.example",
        },
    )
    saved = NotificationSettings.objects.get(company=issuer)
    assert saved.email_customer_on_issue is False and saved.attach_pdf is True
    assert saved.invoice_received_emails == [
        "buzon@levante.example",
        "contabilidad@levante.example",
    ]
    assert saved.certificate_expiring_emails == []


def test_public_registration_page_registers_and_logs_in(
    client: Any, issuer: Any, issuer_user: Any
) -> None:
    from efactura.registration.services import do_generate_issuer_code

    invoice = do_issue_invoice(
        company=issuer,
        actor=issuer_user,
        draft=draft(buyer_tax_id="B12345674", buyer_name="Talleres Norte, S.L."),
    )
    a = do_create_invitation_code(
        issuer=issuer, tax_id="ESB12345674", invoice=invoice, email="x@example.com"
    )[1]
    b = do_generate_issuer_code(company=issuer, actor=issuer_user, tax_id="ESB12345674")[1]
    form = client.get(reverse("web:register") + "?tax_id=ESB12345674").content.decode()
    assert 'value="ESB12345674"' in form
    fields = {
        "tax_id": "B12345674",
        "code_a": a,
        "code_b": "WRONG-CODE-XX",
        "legal_name": "Talleres Norte, S.L.",
        "contact_email": "facturas@talleres-norte.example",
        "admin_name": "Ana Ruiz",
        "admin_email": "ana@talleres-norte.example",
        "password": "Gx7-lantern-Rive",
        "password2": "Gx7-lantern-Rive",
        "language": "es",
    }
    wrong = client.post(reverse("web:register"), fields).content.decode()
    assert "no coinciden" in wrong and "Gx7-lantern-Rive" not in wrong
    response = client.post(reverse("web:register"), {**fields, "code_b": b.lower()}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:payable")
    company = Company.objects.get(tax_id="ESB12345674")
    assert invoice.full_number in response.content.decode()
    # No address typed: the company keeps the one its supplier invoiced it at.
    assert (company.address, company.postal_code, company.city, company.province) == (
        "Calle Mayor 1",
        "39001",
        "Santander",
        "Cantabria",
    )
    # The new administrator has not chosen a language: the browser's language applies.
    user = company.memberships.get().user
    assert user.language == ""
    english = client.get(reverse("web:payable"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Invoices payable" in english


def test_invitation_link_prefills_the_address_the_supplier_invoiced(
    client: Any, issuer: Any, issuer_user: Any
) -> None:
    """The invitation's link fills in the company's name and the address its supplier
    already had on the invoice; a tax ID typed without the link's token fills in nothing."""
    from efactura.notifications.choices import Kind
    from efactura.notifications.models import Notification

    do_issue_invoice(
        company=issuer,
        actor=issuer_user,
        draft=draft(
            buyer_tax_id="B12345674",
            buyer_name="Talleres Norte, S.L.",
            email="admin@talleres-norte.example",
        ),
    )
    link = Notification.objects.get(kind=Kind.INVITATION).context["link"]
    path = link[link.index("/register/") :]
    page = client.get(path).content.decode()
    for value in ("Talleres Norte, S.L.", "Calle Mayor 1", "39001", "Santander", "Cantabria"):
        assert f'value="{value}"' in page, value
    bare = client.get(reverse("web:register") + "?tax_id=ESB12345674").content.decode()
    forged = client.get(path.replace("invite=", "invite=x")).content.decode()
    for other in (bare, forged):
        assert "Calle Mayor 1" not in other and "Talleres Norte" not in other
