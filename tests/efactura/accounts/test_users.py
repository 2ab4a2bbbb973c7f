"""Users log in with their email address; there is no username."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction

from efactura.accounts.models import User
from efactura.accounts.selectors import access_user_by_email
from efactura.accounts.services import do_create_user, do_set_user_language, generate_password
from efactura.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_user_has_no_username_and_logs_in_by_email() -> None:
    user = do_create_user(email="  Ana.Ruiz@Example.COM ", password="pw-Secret-123")
    assert user.email == "ana.ruiz@example.com"
    assert not hasattr(user, "username")
    assert User.USERNAME_FIELD == "email"
    assert authenticate(username="ANA.RUIZ@example.com", password="pw-Secret-123") == user
    assert authenticate(username="ana.ruiz@example.com", password="wrong") is None
    assert AuditEntry.objects.filter(action="accounts.user.created").count() == 1


def test_email_is_unique_whatever_the_case() -> None:
    do_create_user(email="ana@example.com", password=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="ANA@example.com")
    assert access_user_by_email(email="Ana@Example.com") is not None


def test_user_without_password_cannot_log_in() -> None:
    user = do_create_user(email="nopw@example.com", password=None)
    assert not user.has_usable_password()


def test_superuser_is_staff() -> None:
    user = User.objects.create_superuser("root@example.com", "pw-Secret-123")
    assert user.is_staff and user.is_superuser


def test_language_preference(make_user: Any) -> None:
    user = make_user("ana@example.com")
    do_set_user_language(user=user, language="en")
    assert User.objects.get(pk=user.pk).language == "en"
    do_set_user_language(user=user, language="")
    assert User.objects.get(pk=user.pk).language == ""
    with pytest.raises(ValueError):
        do_set_user_language(user=user, language="fr")


def test_generated_passwords_are_random_and_long() -> None:
    passwords = {generate_password() for _ in range(50)}
    assert len(passwords) == 50
    assert all(len(p) == 23 for p in passwords)
