"""Brute force: logins are throttled per account and per client (django-axes), password-reset
requests and failed API-key authentications per client; operators unlock in the admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from efactura.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Secret-123"


def _login(client: Client, email: str, password: str, **extra: Any) -> Any:
    return client.post(
        reverse("login"),
        {"username": email, "password": password},
        HTTP_ACCEPT_LANGUAGE="en",
        **extra,
    )


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_forty_wrong_passwords_then_the_right_one_does_not_log_in(
    client: Client, supplier_user: Any
) -> None:
    """Regression: 40 guesses followed by the right password used to log in."""
    for _ in range(40):
        _login(client, "proveedor@example.com", "wrong")
    response = _login(client, "proveedor@example.com", PASSWORD)
    assert response.status_code == 429
    assert not _logged_in(client)
    assert "Too many failed logins" in response.content.decode()


def test_lock_is_per_account_whatever_the_client(client: Client, supplier_user: Any) -> None:
    for n in range(5):
        _login(client, "proveedor@example.com", "wrong", REMOTE_ADDR=f"198.51.100.{n + 1}")
    fresh = Client()
    response = _login(fresh, "Proveedor@Example.com", PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    assert not _logged_in(fresh)


def test_lock_is_per_client_whatever_the_account(client: Client, make_user: Any) -> None:
    make_user("ana@example.com")
    for n in range(5):
        _login(client, f"nobody{n}@example.com", "wrong", REMOTE_ADDR="198.51.100.7")
    # That client is paused, even for a right password of an untouched account ...
    assert (
        _login(client, "ana@example.com", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429
    )
    assert not _logged_in(client)
    # ... while another client logs in to that account as usual.
    other = Client()
    assert _login(other, "ana@example.com", PASSWORD, REMOTE_ADDR="198.51.100.8").status_code == 302
    assert _logged_in(other)


def test_forwarded_for_is_ignored_without_a_trusted_proxy(
    client: Client, make_user: Any, settings: Any
) -> None:
    settings.EFACTURA_TRUSTED_PROXIES = 0
    make_user("ana@example.com")
    for n in range(5):
        _login(
            client,
            f"nobody{n}@example.com",
            "wrong",
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    # A forged header does not give the attacker a fresh address.
    response = _login(
        client,
        "ana@example.com",
        PASSWORD,
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert response.status_code == 429


def test_behind_one_proxy_each_client_counts_on_its_own(
    client: Client, make_user: Any, settings: Any
) -> None:
    settings.EFACTURA_TRUSTED_PROXIES = 1
    make_user("ana@example.com")
    for n in range(5):
        # The client forges a left-most entry; the proxy appends the real address.
        _login(
            client,
            f"nobody{n}@example.com",
            "wrong",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"9.9.9.{n}, 198.51.100.7",
        )
    assert AccessAttempt.objects.filter(ip_address="198.51.100.7").exists()
    other = Client()
    ok = _login(
        other,
        "ana@example.com",
        PASSWORD,
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    assert ok.status_code == 302  # everyone behind the proxy is not locked together


def test_cool_off_ends_the_lock(client: Client, supplier_user: Any) -> None:
    for _ in range(5):
        _login(client, "proveedor@example.com", "wrong")
    assert _login(client, "proveedor@example.com", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=1))
    assert _login(client, "proveedor@example.com", PASSWORD).status_code == 302
    assert _logged_in(client)


def test_lockout_is_audited_and_an_operator_unlocks_it(client: Client, supplier_user: Any) -> None:
    from efactura.accounts.services import do_create_user

    for _ in range(5):
        _login(client, "proveedor@example.com", "wrong", REMOTE_ADDR="198.51.100.7")
    locked = AuditEntry.objects.filter(action="accounts.login.locked_out")
    assert locked.exists()
    assert locked.first().data["username"] == "proveedor@example.com"

    operator = do_create_user(
        email="op@example.com", password=None, is_staff=True, is_superuser=True
    )
    admin = Client()
    admin.force_login(operator)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert admin.get(changelist).status_code == 200
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    response = admin.post(changelist, {"action": "unlock", "_selected_action": ids}, follow=True)
    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
    entry = AuditEntry.objects.get(action="accounts.login.unlocked")
    assert entry.actor == operator
    assert (
        _login(client, "proveedor@example.com", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code
        == 302
    )


def test_lockout_page_is_in_spanish(client: Client, supplier_user: Any) -> None:
    for _ in range(6):
        response = client.post(
            reverse("login"),
            {"username": "proveedor@example.com", "password": "wrong"},
            HTTP_ACCEPT_LANGUAGE="es",
        )
    assert response.status_code == 429
    assert "Demasiados inicios de sesión fallidos" in response.content.decode()


def test_password_reset_requests_are_rate_limited_per_client(
    client: Client, supplier_user: Any
) -> None:
    answers = [
        client.post(
            reverse("password_reset"), {"email": f"x{n}@example.com"}, HTTP_ACCEPT_LANGUAGE="en"
        ).status_code
        for n in range(5)
    ]
    assert answers == [302] * 5
    response = client.post(
        reverse("password_reset"), {"email": "proveedor@example.com"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 429
    assert "Too many password-reset requests" in response.content.decode()
    assert mail.outbox == []  # the one real account got no mail from the refused request
    other = Client(REMOTE_ADDR="203.0.113.5")
    assert (
        other.post(reverse("password_reset"), {"email": "proveedor@example.com"}).status_code == 302
    )
    assert len(mail.outbox) == 1


def test_password_reset_requests_are_rate_limited_per_address(
    client: Client, supplier_user: Any
) -> None:
    for n in range(5):
        Client(REMOTE_ADDR=f"203.0.113.{n + 1}").post(
            reverse("password_reset"), {"email": "proveedor@example.com"}
        )
    assert len(mail.outbox) == 5
    response = Client(REMOTE_ADDR="203.0.113.99").post(
        reverse("password_reset"), {"email": "proveedor@example.com"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 429
    assert "Demasiadas solicitudes" in response.content.decode()
    assert len(mail.outbox) == 5


def test_failed_api_key_authentications_are_rate_limited_per_client(
    client: Client, supplier: Any
) -> None:
    from efactura.companies.services import do_create_api_key

    _key, good = do_create_api_key(company=supplier, name="ERP", scopes=["send", "receive"])
    for n in range(20):
        response = client.get(
            "/api/v1/me", HTTP_AUTHORIZATION=f"Bearer efk_guess{n}_xxxxxxxxxxxxxxxx"
        )
        assert response.status_code == 401
    refused = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer efk_guess_more")
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/problem+json")
    assert int(refused["Retry-After"]) > 0
    # Another client with a good key is not affected.
    other = Client(REMOTE_ADDR="203.0.113.5")
    assert other.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 200
