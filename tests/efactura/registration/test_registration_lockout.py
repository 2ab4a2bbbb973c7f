"""Registration-code lockout: per (tax ID, client) with a per-tax-ID ceiling and back-off,
attempts left shown, the lock visible on Manage codes, operators unlock in the admin."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.efactura.notifications.smtp_support import (  # noqa: F401  (fixtures)
    draft,
    issuer_fixture,
    issuer_user_fixture,
)
from tests.efactura.registration.test_registration_codes import TAX, code_a, data, waiting

from efactura.audit.models import AuditEntry
from efactura.registration.codes import generate_code
from efactura.registration.models import RegistrationThrottle
from efactura.registration.services import (
    RegistrationRefused,
    check_register_company,
    do_generate_issuer_code,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(issuer: Any, issuer_user: Any) -> tuple[str, str]:
    invoice = waiting(issuer, issuer_user)
    return code_a(issuer, invoice), do_generate_issuer_code(
        company=issuer, actor=issuer_user, tax_id=TAX
    )[1]


def _wrong(ip: str) -> RegistrationRefused:
    with pytest.raises(RegistrationRefused) as caught:
        check_register_company(data=data(generate_code(), generate_code()), ip=ip)
    return caught.value


def test_one_client_guessing_does_not_lock_the_tax_id_for_everyone(
    settings: Any, pair: tuple[str, str]
) -> None:
    """Regression: five wrong tries from anyone locked the tax ID for everybody."""
    settings.EFACTURA_REGISTRATION_MAX_ATTEMPTS = 5
    for _ in range(5):
        error = _wrong("203.0.113.66")
    assert error.reason == "locked"
    # The attacker's client is paused ...
    with pytest.raises(RegistrationRefused) as caught:
        check_register_company(data=data(*pair), ip="203.0.113.66")
    assert caught.value.reason == "locked"
    # ... the real customer, from elsewhere, registers with the right codes.
    company, _user = check_register_company(data=data(*pair), ip="198.51.100.7")
    assert company.tax_id == TAX


def test_attempts_left_are_shown(settings: Any, pair: tuple[str, str]) -> None:
    from django.utils import translation

    settings.EFACTURA_REGISTRATION_MAX_ATTEMPTS = 5
    assert "Quedan 4 intentos" in str(_wrong("198.51.100.7"))
    with translation.override("en"):
        assert "3 attempts left" in str(_wrong("198.51.100.7"))


def test_per_tax_id_ceiling_stops_a_distributed_guess(settings: Any, pair: tuple[str, str]) -> None:
    settings.EFACTURA_REGISTRATION_MAX_ATTEMPTS = 5
    settings.EFACTURA_REGISTRATION_TAX_ID_CEILING = 6
    for n in range(6):
        _wrong(f"203.0.113.{n + 1}")
    with pytest.raises(RegistrationRefused) as caught:
        check_register_company(data=data(*pair), ip="198.51.100.7")
    assert caught.value.reason == "locked"


def test_each_further_lock_lasts_twice_as_long(settings: Any, pair: tuple[str, str]) -> None:
    settings.EFACTURA_REGISTRATION_MAX_ATTEMPTS = 2
    settings.EFACTURA_REGISTRATION_LOCK_MINUTES = 10
    key = f"pair:{TAX}|203.0.113.9"
    for _ in range(2):
        _wrong("203.0.113.9")
    first = RegistrationThrottle.objects.get(key=key)
    assert dt.timedelta(minutes=9) < first.locked_until - timezone.now() <= dt.timedelta(minutes=10)
    RegistrationThrottle.objects.filter(key=key).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    for _ in range(2):
        _wrong("203.0.113.9")
    second = RegistrationThrottle.objects.get(key=key)
    assert second.locks == 2
    assert (
        dt.timedelta(minutes=19) < second.locked_until - timezone.now() <= dt.timedelta(minutes=20)
    )


def test_issuer_sees_the_lock_on_manage_codes(
    settings: Any, pair: tuple[str, str], client: Client, issuer_user: Any
) -> None:
    settings.EFACTURA_REGISTRATION_MAX_ATTEMPTS = 2
    for _ in range(2):
        _wrong("203.0.113.9")
    client.force_login(issuer_user)
    page = client.get(reverse("web:codes"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Registration paused until" in page
    page = client.get(reverse("web:codes"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Registro en pausa hasta" in page


def test_operator_unlocks_with_an_admin_action(settings: Any, pair: tuple[str, str]) -> None:
    from efactura.accounts.services import do_create_user

    settings.EFACTURA_REGISTRATION_MAX_ATTEMPTS = 2
    for _ in range(2):
        _wrong("203.0.113.9")
    operator = do_create_user(
        email="op@example.com", password=None, is_staff=True, is_superuser=True
    )
    admin = Client()
    admin.force_login(operator)
    ids = [str(pk) for pk in RegistrationThrottle.objects.values_list("pk", flat=True)]
    response = admin.post(
        reverse("admin:registration_registrationthrottle_changelist"),
        {"action": "unlock", "_selected_action": ids},
    )
    assert response.status_code == 302
    assert not RegistrationThrottle.objects.exists()
    assert AuditEntry.objects.get(action="registration.lock.lifted").actor == operator
    assert check_register_company(data=data(*pair), ip="203.0.113.9")[0].tax_id == TAX


def test_forwarded_for_is_trusted_only_behind_configured_proxies(
    settings: Any, pair: tuple[str, str]
) -> None:
    from django.test import RequestFactory

    from efactura.web.views_registration import _client_ip

    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    settings.EFACTURA_TRUSTED_PROXIES = 0
    assert _client_ip(request) == "10.0.0.2"
    settings.EFACTURA_TRUSTED_PROXIES = 1
    assert _client_ip(request) == "198.51.100.7"
    settings.EFACTURA_TRUSTED_PROXIES = 2
    assert _client_ip(request) == "1.2.3.4"
