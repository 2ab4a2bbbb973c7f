"""Web shell: login, acting company, language, pages, API keys, password reset, outbox."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from efactura.audit.models import AuditEntry
from efactura.companies.models import ApiKey
from efactura.notifications.models import OutboxEmail
from efactura.web.middleware import SESSION_COMPANY_KEY

pytestmark = pytest.mark.django_db

COMPANY_PAGES = ["payable", "issued", "import", "notifications", "codes", "certificates"]


def test_login_with_email_and_password(client: Any, supplier_user: Any) -> None:
    response = client.post(
        reverse("login"), {"username": "Proveedor@Example.com", "password": "pw-Secret-123"}
    )
    assert response.status_code == 302
    assert response.url == reverse("web:home")
    page = client.get(reverse("web:payable"))
    assert page.status_code == 200
    assert "Suministros Levante, S.L." in page.content.decode()


def test_login_refuses_wrong_password(client: Any, supplier_user: Any) -> None:
    response = client.post(
        reverse("login"), {"username": "proveedor@example.com", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("page", [*COMPANY_PAGES, "api_keys"])
def test_company_pages_need_login(client: Any, page: str) -> None:
    response = client.get(reverse(f"web:{page}"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("page", COMPANY_PAGES)
def test_company_pages_render_inside_the_shell(supplier_client: Any, page: str) -> None:
    response = supplier_client.get(reverse(f"web:{page}"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="main"' in html and 'class="skip-link"' in html
    assert 'aria-label="Main navigation"' in html


def test_user_without_company_gets_an_explanation(client: Any, make_user: Any) -> None:
    client.force_login(make_user("nobody@example.com"))
    response = client.get(reverse("web:payable"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "do not act for any company" in response.content.decode()


def _selected_company(html: str) -> str:
    match = re.search(r'<option value="(\d+)" selected>', html)
    assert match is not None, "no company selected in the switcher"
    return match.group(1)


def test_company_switcher_changes_acting_company(
    client: Any, make_user: Any, supplier: Any, customer: Any
) -> None:
    user = make_user("both@example.com", supplier, customer)
    client.force_login(user)
    # Memberships are ordered by company name: Hostelería comes before Suministros.
    first = client.get(reverse("web:help")).content.decode()
    assert _selected_company(first) == str(customer.pk)
    response = client.post(
        reverse("web:switch_company"), {"company": supplier.pk, "next": reverse("web:help")}
    )
    assert response.status_code == 302
    assert response.url == reverse("web:help")
    assert client.session[SESSION_COMPANY_KEY] == supplier.pk
    after = client.get(reverse("web:help")).content.decode()
    assert _selected_company(after) == str(supplier.pk)


def test_company_switcher_gives_404_for_a_company_the_user_is_not_member_of(
    supplier_client: Any, customer: Any
) -> None:
    response = supplier_client.post(reverse("web:switch_company"), {"company": customer.pk})
    assert response.status_code == 404
    assert SESSION_COMPANY_KEY not in supplier_client.session
    garbage = supplier_client.post(reverse("web:switch_company"), {"company": "x"})
    assert garbage.status_code == 404


def test_stale_company_in_session_falls_back_to_a_membership(
    supplier_client: Any, supplier: Any, customer: Any
) -> None:
    session = supplier_client.session
    session[SESSION_COMPANY_KEY] = customer.pk  # e.g. membership removed since
    session.save()
    html = supplier_client.get(reverse("web:help")).content.decode()
    assert _selected_company(html) == str(supplier.pk)
    assert "Hostelería" not in html


def test_browser_language_is_respected(supplier_client: Any) -> None:
    spanish = supplier_client.get(reverse("web:payable"), HTTP_ACCEPT_LANGUAGE="es")
    english = supplier_client.get(reverse("web:payable"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Facturas recibidas" in spanish.content.decode()
    assert "Invoices payable" in english.content.decode()
    assert "Facturas recibidas" not in english.content.decode()


def test_language_switch_is_stored_on_the_user(supplier_client: Any, supplier_user: Any) -> None:
    response = supplier_client.post(
        reverse("web:set_language"), {"language": "en", "next": reverse("web:issued")}
    )
    assert response.status_code == 302
    assert response.url == reverse("web:issued")
    supplier_user.refresh_from_db()
    assert supplier_user.language == "en"
    # The stored preference wins over a Spanish browser.
    html = supplier_client.get(reverse("web:issued"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Invoices issued" in html and '<html lang="en">' in html
    supplier_client.post(reverse("web:set_language"), {"language": "es"})
    html = supplier_client.get(reverse("web:issued"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Facturas emitidas" in html and '<html lang="es">' in html


def test_language_switch_refuses_unknown_language_and_foreign_redirect(
    supplier_client: Any, supplier_user: Any
) -> None:
    response = supplier_client.post(
        reverse("web:set_language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response.url == reverse("web:home")
    supplier_user.refresh_from_db()
    assert supplier_user.language == ""


def test_help_page_has_real_text_in_both_languages(client: Any) -> None:
    en = client.get(reverse("web:help"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    es = client.get(reverse("web:help"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "two codes" in en.lower() or "second code" in en
    assert "segundo código" in es
    assert "API key" in en and "clave de API" in es


def test_api_key_page_creates_shows_once_and_revokes(supplier_client: Any, supplier: Any) -> None:
    url = reverse("web:api_keys")
    response = supplier_client.post(url, {"name": "ERP contable", "scopes": ["send", "status"]})
    assert response.status_code == 200
    html = response.content.decode()
    key = re.search(r'value="(efk_[0-9a-f]{12}_[^"]+)"', html)
    assert key is not None
    api_key = ApiKey.objects.get(company=supplier)
    assert api_key.scopes == ["send", "status"]
    assert key.group(1) not in supplier_client.get(url).content.decode()  # shown once only

    response = supplier_client.post(reverse("web:api_key_revoke", args=[api_key.pk]))
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked is not None
    assert AuditEntry.objects.filter(action="companies.apikey.revoked").count() == 1


def test_api_key_page_needs_a_scope(supplier_client: Any) -> None:
    response = supplier_client.post(
        reverse("web:api_keys"), {"name": "ERP"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert not ApiKey.objects.exists()


def test_api_keys_of_another_company_cannot_be_revoked(supplier_client: Any, customer: Any) -> None:
    from efactura.companies.services import do_create_api_key

    other, _clear = do_create_api_key(company=customer, name="Other", scopes=["send"])
    response = supplier_client.post(reverse("web:api_key_revoke", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.revoked is None


def test_api_keys_page_is_for_administrators_only(
    client: Any, make_user: Any, supplier: Any
) -> None:
    client.force_login(make_user("viewer@example.com", supplier, role="viewer"))
    assert client.get(reverse("web:api_keys")).status_code == 403
    response = client.post(reverse("web:api_keys"), {"name": "x", "scopes": ["send"]})
    assert response.status_code == 403
    assert not ApiKey.objects.exists()


def test_password_reset_email_lands_in_the_outbox(
    client: Any, supplier_user: Any, settings: Any
) -> None:
    settings.MAILERS = {"default": {"BACKEND": "efactura.notifications.backends.OutboxBackend"}}
    settings.EFACTURA_BASE_URL = "https://efactura.example"
    response = client.post(reverse("password_reset"), {"email": "proveedor@example.com"})
    assert response.status_code == 302
    email = OutboxEmail.objects.get()
    assert email.to == ["proveedor@example.com"]
    link = re.search(r"https://efactura\.example(/accounts/reset/\S+/)", email.text)
    assert link is not None
    assert "https://efactura.example/accounts/reset/" in email.html
    # The link works: it leads to the form for a new password.
    follow = client.get(link.group(1), follow=True)
    assert follow.status_code == 200
    assert 'name="new_password1"' in follow.content.decode()


def _outbox_email(to: str, subject: str = "Factura pendiente") -> OutboxEmail:
    message = mail.EmailMultiAlternatives(subject=subject, body="Hola", to=[to])
    message.attach_alternative("<p>Hola <b>HTML</b></p>", "text/html")
    message.send()
    return OutboxEmail.objects.get(subject=subject)


def test_outbox_pages_need_a_login(client: Any, settings: Any) -> None:
    """Regression: the outbox holds reset links and codes, so anonymous readers go to login."""
    settings.MAILERS = {"default": {"BACKEND": "efactura.notifications.backends.OutboxBackend"}}
    email = _outbox_email("nuevo@example.com")
    for url in (
        reverse("web:outbox"),
        reverse("web:outbox_email", args=[email.pk]),
        reverse("web:outbox_email_html", args=[email.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
        assert "Hola" not in response.content.decode()


def test_outbox_shows_users_only_their_own_mail(client: Any, settings: Any, make_user: Any) -> None:
    settings.MAILERS = {"default": {"BACKEND": "efactura.notifications.backends.OutboxBackend"}}
    mine = _outbox_email("Ana <Ana@Example.com>", subject="Para Ana")
    theirs = _outbox_email("otro@example.com", subject="Para otro")
    client.force_login(make_user("ana@example.com"))
    listing = client.get(reverse("web:outbox"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Para Ana" in listing and "Para otro" not in listing
    assert client.get(reverse("web:outbox_email", args=[mine.pk])).status_code == 200
    assert client.get(reverse("web:outbox_email", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("web:outbox_email_html", args=[theirs.pk])).status_code == 404


def test_operators_read_the_whole_outbox(client: Any, settings: Any) -> None:
    from efactura.accounts.services import do_create_user

    settings.MAILERS = {"default": {"BACKEND": "efactura.notifications.backends.OutboxBackend"}}
    email = _outbox_email("nuevo@example.com")
    client.force_login(do_create_user(email="op@example.com", password=None, is_staff=True))
    listing = client.get(reverse("web:outbox"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Factura pendiente" in listing and "nuevo@example.com" in listing
    detail = client.get(reverse("web:outbox_email", args=[email.pk]))
    assert "Hola" in detail.content.decode()
    html = client.get(reverse("web:outbox_email_html", args=[email.pk]))
    assert html["Content-Security-Policy"].startswith("sandbox")
    home = client.get(reverse("web:help"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert reverse("web:outbox") in home


def test_outbox_hidden_when_a_mail_server_is_configured(client: Any, settings: Any) -> None:
    settings.EMAIL_OUTBOX_ENABLED = False
    assert client.get(reverse("web:outbox")).status_code == 404
    assert client.get(reverse("web:outbox_email", args=[1])).status_code == 404
    home = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert reverse("web:outbox") not in home


def test_admin_lists_operator_models(client: Any, make_user: Any, supplier: Any) -> None:
    from efactura.accounts.services import do_create_user

    operator = do_create_user(
        email="op@example.com", password="x-Secret-123", is_staff=True, is_superuser=True
    )
    client.force_login(operator)
    for name in [
        "companies/company",
        "companies/membership",
        "companies/apikey",
        "accounts/user",
        "audit/auditentry",
    ]:
        assert client.get(f"/admin/{name}/").status_code == 200, name
    assert client.get(f"/admin/companies/company/{supplier.pk}/change/").status_code == 200
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
