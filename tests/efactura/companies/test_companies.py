"""Companies: tax-ID validation and uniqueness, memberships and roles, API keys."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from efactura.audit.models import AuditEntry
from efactura.companies.models import ApiKey, Company, Membership
from efactura.companies.selectors import (
    InvalidApiKey,
    access_company_by_api_key,
    access_company_by_tax_id,
    list_memberships,
)
from efactura.companies.services import (
    do_add_membership,
    do_create_api_key,
    do_create_company,
    do_revoke_api_key,
)
from efactura.companies.validators import canonical_tax_id

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("B98765431", "ESB98765431"),  # CIF, digit check character
        ("b-9876543-1", "ESB98765431"),
        ("ES B 98765431", "ESB98765431"),
        ("Q2826000H", "ESQ2826000H"),  # CIF of a public body, letter check character
        ("12345678Z", "ES12345678Z"),  # DNI
        ("X1234567L", "ESX1234567L"),  # NIE
        ("DE 136 695 976", "DE136695976"),  # German VAT number
        ("FR40303265045", "FR40303265045"),
    ],
)
def test_tax_ids_are_normalised(written: str, canonical: str) -> None:
    assert canonical_tax_id(written) == canonical


@pytest.mark.parametrize(
    ("written", "reason_en"),
    [
        ("B98765432", "check digit"),
        ("12345678A", "check digit"),
        ("B1234", "number of characters"),
        ("", "empty"),
        ("DE136695977", "check digit"),
        ("US123456789", "Only Spanish tax IDs and EU VAT numbers"),
    ],
)
def test_invalid_tax_ids_are_refused_with_a_reason(written: str, reason_en: str) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as info:
        canonical_tax_id(written)
    assert reason_en in " ".join(info.value.messages)


def test_tax_id_reason_in_spanish() -> None:
    with translation.override("es"), pytest.raises(ValidationError) as info:
        canonical_tax_id("B98765432")
    assert "no es válido" in info.value.messages[0]


def test_company_is_created_canonical_and_audited(supplier: Any) -> None:
    assert supplier.tax_id == "ESB98765431"
    assert supplier.country == "ES"
    assert supplier.display_tax_id == "B98765431"
    entry = AuditEntry.objects.get(action="companies.company.created")
    assert entry.company == supplier
    assert entry.object_id == str(supplier.pk)
    assert entry.data["tax_id"] == "ESB98765431"


def test_duplicate_tax_id_is_refused_in_any_spelling(supplier: Any) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as info:
        do_create_company(tax_id="b-98765431", legal_name="Copy", contact_email="x@example.com")
    assert "already registered" in info.value.messages[0]
    assert Company.objects.count() == 1


def test_database_enforces_one_company_per_tax_id(supplier: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Company.objects.create(
            tax_id="ESB98765431", legal_name="Race", contact_email="x@example.com"
        )


def test_company_needs_name_and_email() -> None:
    with pytest.raises(ValidationError):
        do_create_company(tax_id="B98765431", legal_name="  ", contact_email="x@example.com")
    with pytest.raises(ValidationError):
        do_create_company(tax_id="B98765431", legal_name="X", contact_email="not-an-email")
    assert not Company.objects.exists()


def test_company_lookup_by_any_spelling(supplier: Any) -> None:
    assert access_company_by_tax_id(tax_id="b98765431") == supplier
    with pytest.raises(Company.DoesNotExist):
        access_company_by_tax_id(tax_id="A39123450")
    with pytest.raises(Company.DoesNotExist):
        access_company_by_tax_id(tax_id="garbage")


def test_memberships_are_unique_per_user_and_company(
    make_user: Any, supplier: Any, customer: Any
) -> None:
    user = make_user("ana@example.com", supplier)
    with pytest.raises(ValidationError):
        do_add_membership(user=user, company=supplier, role="viewer")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, company=supplier, role="viewer")
    do_add_membership(user=user, company=customer, role="viewer")
    assert [m.company for m in list_memberships(user=user)] == [customer, supplier]
    assert AuditEntry.objects.filter(action="companies.membership.created").count() == 2


def test_roles(make_user: Any, supplier: Any) -> None:
    with pytest.raises(ValidationError):
        make_user("bad@example.com", supplier, role="owner")
    admin = Membership.objects.get(user=make_user("a@example.com", supplier, role="admin"))
    accountant = Membership.objects.get(
        user=make_user("b@example.com", supplier, role="accountant")
    )
    viewer = Membership.objects.get(user=make_user("c@example.com", supplier, role="viewer"))
    assert (admin.is_admin, admin.can_write) == (True, True)
    assert (accountant.is_admin, accountant.can_write) == (False, True)
    assert (viewer.is_admin, viewer.can_write) == (False, False)


def test_inactive_company_is_not_listed(make_user: Any, supplier: Any) -> None:
    user = make_user("ana@example.com", supplier)
    Company.objects.filter(pk=supplier.pk).update(is_active=False)
    assert list(list_memberships(user=user)) == []


def test_api_key_is_stored_hashed_and_shown_once(supplier: Any, supplier_user: Any) -> None:
    api_key, clear = do_create_api_key(
        company=supplier, name="ERP", scopes=["status", "send"], actor=supplier_user
    )
    assert clear.startswith(f"efk_{api_key.prefix}_")
    assert len(clear) > 50
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert stored.key_hash == hashlib.sha256(clear.encode()).hexdigest()
    assert clear not in str(vars(stored).values())
    assert stored.scopes == ["send", "status"]  # canonical order
    assert stored.created_by == supplier_user
    entry = AuditEntry.objects.get(action="companies.apikey.created")
    assert clear not in str(entry.data)


def test_api_key_gives_access_to_its_company_only(supplier: Any, customer: Any) -> None:
    _key, clear = do_create_api_key(company=supplier, name="ERP", scopes=["send"])
    do_create_api_key(company=customer, name="Other", scopes=["send"])
    assert access_company_by_api_key(key=clear, scope="send") == supplier
    assert ApiKey.objects.get(company=supplier).last_used is not None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),  # wrong secret
        lambda key: "efk_000000000000_" + key.split("_", 2)[2],  # unknown prefix
        lambda key: "nonsense",
        lambda key: "",
    ],
)
def test_wrong_api_keys_are_refused(supplier: Any, mangle: Any) -> None:
    _key, clear = do_create_api_key(company=supplier, name="ERP", scopes=["send"])
    with pytest.raises(InvalidApiKey):
        access_company_by_api_key(key=mangle(clear))


def test_api_key_scope_and_revocation(supplier: Any) -> None:
    api_key, clear = do_create_api_key(company=supplier, name="ERP", scopes=["receive"])
    with pytest.raises(InvalidApiKey):
        access_company_by_api_key(key=clear, scope="send")
    do_revoke_api_key(api_key=api_key)
    do_revoke_api_key(api_key=api_key)  # harmless, audited once
    with pytest.raises(InvalidApiKey):
        access_company_by_api_key(key=clear, scope="receive")
    assert AuditEntry.objects.filter(action="companies.apikey.revoked").count() == 1


def test_api_key_last_used_is_refreshed_at_most_once_a_minute(supplier: Any) -> None:
    api_key, clear = do_create_api_key(company=supplier, name="ERP", scopes=["send"])
    access_company_by_api_key(key=clear)
    first = ApiKey.objects.get(pk=api_key.pk).last_used
    access_company_by_api_key(key=clear)
    assert ApiKey.objects.get(pk=api_key.pk).last_used == first
    ApiKey.objects.filter(pk=api_key.pk).update(last_used=timezone.now() - timedelta(minutes=5))
    access_company_by_api_key(key=clear)
    assert ApiKey.objects.get(pk=api_key.pk).last_used > first - timedelta(seconds=1)


@pytest.mark.parametrize(("scopes", "ok"), [([], False), (["pay"], False), (["send"], True)])
def test_api_key_scopes_are_checked(supplier: Any, scopes: list[str], ok: bool) -> None:
    if ok:
        do_create_api_key(company=supplier, name="ERP", scopes=scopes)
    else:
        with pytest.raises(ValidationError):
            do_create_api_key(company=supplier, name="ERP", scopes=scopes)
    assert ApiKey.objects.exists() is ok
