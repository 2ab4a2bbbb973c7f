"""Writes on users.  Every function is keyword-only and records an audit entry."""

from __future__ import annotations

import secrets

from django.db import transaction

from efactura.accounts.choices import Language
from efactura.accounts.models import User, normalise_email
from efactura.audit.choices import Source
from efactura.audit.services import record


def generate_password() -> str:
    """A random password that is easy to copy: 4 groups of 5 letters/digits (about 100 bits)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


@transaction.atomic
def do_create_user(
    *,
    email: str,
    password: str | None,
    full_name: str = "",
    language: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    actor: User | None = None,
    source: Source = Source.SYSTEM,
) -> User:
    """Create a user with ``email`` as login; ``password=None`` makes it unusable.

    The caller checks the address is not taken (``access_user_by_email``); the database
    constraint is the last word in a race.
    """
    user = User.objects.create_user(
        normalise_email(email),
        password,
        full_name=full_name,
        language=language,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    record(
        action="accounts.user.created",
        actor=actor,
        obj=user,
        source=source,
        data={"email": user.email, "is_staff": is_staff, "is_superuser": is_superuser},
    )
    return user


def do_set_user_language(*, user: User, language: str) -> None:
    """Remember the interface language ``user`` chose (``""`` = follow the browser)."""
    if language and language not in Language.values:
        raise ValueError(f"Unknown language {language!r}.")
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


@transaction.atomic
def do_unlock_logins(
    *,
    attempt_ids: list[int],
    actor: User | None,
    source: Source = Source.WEB,
) -> int:
    """Forget the failed logins ``attempt_ids`` (django-axes), lifting their lockout.

    An operator does this in the admin when a customer has been locked out and proved who
    they are; the audit entry names the accounts and addresses that were unlocked.
    """
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(pk__in=attempt_ids)
    rows = list(attempts.values("username", "ip_address", "failures_since_start"))
    if not rows:
        return 0
    attempts.delete()
    record(
        action="accounts.login.unlocked",
        actor=actor,
        source=source,
        data={"attempts": [{**row, "ip_address": str(row["ip_address"] or "")} for row in rows]},
    )
    return len(rows)
