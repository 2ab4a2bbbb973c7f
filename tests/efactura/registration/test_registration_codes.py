"""Two-code registration: the happy path, and every way it must refuse.

Every refusal shows the same sentence (never which code was wrong, never whether the tax ID
has invoices waiting); five wrong attempts lock the tax ID, and even the right codes are
refused while it is locked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from tests.efactura.notifications.smtp_support import (  # noqa: F401  (fixtures)
    draft,
    issuer_fixture,
    issuer_user_fixture,
)

from efactura.companies.models import Company, Membership
from efactura.invoices.choices import EventKind, Route, Transport
from efactura.invoices.services import do_issue_invoice
from efactura.registration.codes import generate_code, hash_code, normalise_code
from efactura.registration.models import InvitationCode, IssuerCode
from efactura.registration.services import (
    RegistrationData,
    RegistrationRefused,
    check_register_company,
    codes_refused_message,
    do_create_invitation_code,
    do_generate_issuer_code,
    do_revoke_issuer_code,
)

pytestmark = pytest.mark.django_db

TAX = "ESB12345674"
OTHER_TAX = "ESB87654323"


def waiting(
    company: Any, user: Any, tax_id: str = "B12345674", name: str = "Talleres Norte, S.L."
) -> Any:
    return do_issue_invoice(
        company=company, actor=user, draft=draft(buyer_tax_id=tax_id, buyer_name=name)
    )


def code_a(company: Any, invoice: Any, tax_id: str = TAX) -> str:
    return do_create_invitation_code(
        issuer=company, tax_id=tax_id, invoice=invoice, email="x@example.com"
    )[1]


def data(
    a: str, b: str, tax_id: str = "B12345674", email: str = "ana@talleres-norte.example"
) -> RegistrationData:
    return RegistrationData(
        tax_id=tax_id,
        code_a=a,
        code_b=b,
        legal_name="Talleres Norte, S.L.",
        contact_email="facturas@talleres-norte.example",
        admin_name="Ana Ruiz",
        admin_email=email,
        password="Gx7-lantern-Rive",
        language="es",
    )


@pytest.fixture
def second_issuer(make_company: Any, make_user: Any) -> tuple[Any, Any]:
    company = make_company(
        "Papelería Central, S.A.",
        tax_id="A28467918",
        address="Gran Vía 1",
        postal_code="28013",
        city="Madrid",
        province="Madrid",
    )
    return company, make_user("central@example.com", company)


def test_codes_are_random_60_bit_and_normalised() -> None:
    codes = {generate_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 14 and code.count("-") == 2
        assert not set(code) & set("01IO")
    code = next(iter(codes))
    assert normalise_code(code.lower().replace("-", " ")) == code.replace("-", "")
    assert normalise_code("ABCD") == "" and normalise_code("0000-0000-0000") == ""


def test_hash_binds_kind_and_tax_id() -> None:
    code = generate_code()
    base = hash_code(code=code, kind="A", tax_id=TAX)
    assert base == hash_code(code=code.lower(), kind="A", tax_id=TAX)
    assert base != hash_code(code=code, kind="B", tax_id=TAX)
    assert base != hash_code(code=code, kind="A", tax_id=OTHER_TAX)
    assert code.replace("-", "") not in base


def test_registration_releases_invoices_of_every_issuer(
    issuer: Any, issuer_user: Any, second_issuer: tuple[Any, Any]
) -> None:
    first = waiting(issuer, issuer_user)
    other_company, other_user = second_issuer
    second = waiting(other_company, other_user)
    # Code A from the first issuer's invitation, code B from the second issuer: any pair works.
    a = code_a(issuer, first)
    code_b_row, b = do_generate_issuer_code(company=other_company, actor=other_user, tax_id=TAX)
    stored = IssuerCode.objects.get(pk=code_b_row.pk)
    assert b.replace("-", "") not in stored.code_hash

    company, user = check_register_company(data=data(a, b), ip="198.51.100.7")

    assert company.tax_id == TAX and user.email == "ana@talleres-norte.example"
    assert Membership.objects.get(user=user, company=company).role == "admin"
    for invoice in (first, second):
        invoice.refresh_from_db()
        assert invoice.recipient == company
        assert (invoice.route, invoice.transport) == (Route.LOCAL, Transport.DELIVERED)
        assert invoice.events.filter(kind=EventKind.DELIVERED).exists()
    stored.refresh_from_db()
    assert stored.used_at is not None and stored.used_by == company
    assert InvitationCode.objects.get().used_by == company


@pytest.fixture
def pair(issuer: Any, issuer_user: Any) -> tuple[str, str]:
    invoice = waiting(issuer, issuer_user)
    return code_a(issuer, invoice), do_generate_issuer_code(
        company=issuer, actor=issuer_user, tax_id=TAX
    )[1]


def refused(registration: RegistrationData, *, reason: str = "codes") -> RegistrationRefused:
    with pytest.raises(RegistrationRefused) as caught:
        check_register_company(data=registration, ip="198.51.100.7")
    assert caught.value.reason == reason
    assert not Company.objects.filter(tax_id=TAX).exists()
    return caught.value


@pytest.mark.parametrize(
    "case",
    ["a_only", "b_only", "a_twice", "b_twice", "swapped", "wrong_a", "wrong_b", "garbage"],
)
def test_every_wrong_combination_gets_the_same_answer(pair: tuple[str, str], case: str) -> None:
    a, b = pair
    a_wrong, b_wrong = generate_code(), generate_code()
    combos = {
        "a_only": (a, ""),
        "b_only": ("", b),
        "a_twice": (a, a),
        "b_twice": (b, b),
        "swapped": (b, a),
        "wrong_a": (a_wrong, b),
        "wrong_b": (a, b_wrong),
        "garbage": ("x", "y"),
    }
    error = refused(data(*combos[case]))
    assert str(error).startswith(codes_refused_message())


def test_same_answer_for_a_tax_id_with_nothing_waiting(pair: tuple[str, str]) -> None:
    a, b = pair
    error = refused(data(a, b, tax_id="B87654323"))
    assert str(error).startswith(codes_refused_message())


def test_codes_of_one_tax_id_are_useless_for_another(
    issuer: Any, issuer_user: Any, pair: tuple[str, str]
) -> None:
    waiting(issuer, issuer_user, tax_id="B87654323", name="Otra, S.L.")
    a, b = pair  # generated for TAX
    refused(data(a, b, tax_id="B87654323"))
    assert not Company.objects.filter(tax_id=OTHER_TAX).exists()


def test_expired_codes_are_refused(settings: Any, pair: tuple[str, str]) -> None:
    a, b = pair
    InvitationCode.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    refused(data(a, b))
    InvitationCode.objects.update(expires=timezone.now() + dt.timedelta(days=1))
    IssuerCode.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    refused(data(a, b))
    IssuerCode.objects.update(expires=timezone.now() + dt.timedelta(days=1))
    assert check_register_company(data=data(a, b))[0].tax_id == TAX


def test_code_days_setting_sets_expiry(settings: Any, issuer: Any, issuer_user: Any) -> None:
    settings.EFACTURA_CODE_DAYS = 7
    waiting(issuer, issuer_user)
    row, _ = do_generate_issuer_code(company=issuer, actor=issuer_user, tax_id=TAX)
    assert dt.timedelta(days=6, hours=23) < row.expires - timezone.now() <= dt.timedelta(days=7)


def test_revoked_and_regenerated_code_b_stop_working(
    issuer: Any, issuer_user: Any, pair: tuple[str, str]
) -> None:
    a, b = pair
    _row, b2 = do_generate_issuer_code(company=issuer, actor=issuer_user, tax_id=TAX)
    refused(data(a, b))  # the regenerated code replaced it
    assert do_revoke_issuer_code(company=issuer, actor=issuer_user, tax_id=TAX) == 1
    refused(data(a, b2))


def test_codes_are_single_use(pair: tuple[str, str], issuer: Any, issuer_user: Any) -> None:
    a, b = pair
    check_register_company(data=data(a, b))
    with pytest.raises(RegistrationRefused) as caught:
        check_register_company(data=data(a, b, email="otra@example.com"), ip="198.51.100.8")
    assert caught.value.reason == "codes"


def test_code_b_needs_an_invoice_waiting(issuer: Any, issuer_user: Any) -> None:
    with pytest.raises(ValidationError):
        do_generate_issuer_code(company=issuer, actor=issuer_user, tax_id=TAX)


def test_brute_force_locks_the_tax_id_even_for_the_right_codes(
    settings: Any, pair: tuple[str, str]
) -> None:
    settings.EFACTURA_REGISTRATION_MAX_ATTEMPTS = 5
    a, b = pair
    for attempt in range(5):
        error = refused(
            data(generate_code(), generate_code()), reason="codes" if attempt < 4 else "locked"
        )
    assert "locked" in str(error) or "bloqueado" in str(error)
    refused(data(a, b), reason="locked")
    # After the lock period the right codes work again.
    from efactura.registration.models import RegistrationThrottle

    RegistrationThrottle.objects.update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    company, _user = check_register_company(data=data(a, b), ip="198.51.100.7")
    assert company.tax_id == TAX


def test_one_address_trying_many_tax_ids_is_locked(settings: Any, pair: tuple[str, str]) -> None:
    settings.EFACTURA_REGISTRATION_IP_MAX_ATTEMPTS = 3
    settings.EFACTURA_REGISTRATION_MAX_ATTEMPTS = 100
    a, b = pair
    for tax_id in ("B87654323", "A28467918", "B98765431"):
        with pytest.raises(RegistrationRefused):
            check_register_company(data=data(a, b, tax_id=tax_id), ip="203.0.113.9")
    with pytest.raises(RegistrationRefused) as caught:
        check_register_company(data=data(a, b), ip="203.0.113.9")
    assert caught.value.reason == "locked"
    # Another address is not affected.
    assert check_register_company(data=data(a, b), ip="203.0.113.10")[0].tax_id == TAX


def test_password_and_email_problems_are_reported_per_field(
    pair: tuple[str, str], make_user: Any
) -> None:
    a, b = pair
    weak = RegistrationData(**{**data(a, b).__dict__, "password": "12345678"})
    with pytest.raises(ValidationError) as caught:
        check_register_company(data=weak)
    assert "password" in caught.value.error_dict
    make_user("ana@talleres-norte.example")
    with pytest.raises(ValidationError) as caught:
        check_register_company(data=data(a, b))
    assert "admin_email" in caught.value.error_dict
    # The codes were not consumed by the failed attempt.
    assert check_register_company(data=data(a, b, email="ana2@example.com"))[0].tax_id == TAX
