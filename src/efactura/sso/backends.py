"""Authentication backends: password login that respects ``EFACTURA_OIDC_PASSWORD_LOGIN``,
and the backend recorded in sessions opened by signing in at the bank."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from efactura.accounts.models import User


class PasswordBackend(ModelBackend):
    """Email and password; bank customers only when ``EFACTURA_OIDC_PASSWORD_LOGIN=1``.

    A bank customer (a user with a bank identity) normally enters through online banking, where
    the bank applies its own strong authentication; a password here would be a weaker door.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or getattr(settings, "EFACTURA_OIDC_PASSWORD_LOGIN", False):
            return user  # type: ignore[return-value]
        if hasattr(user, "bank_identity"):
            return None
        return user  # type: ignore[return-value]


class BankBackend(ModelBackend):
    """Never checks credentials itself: the sign-in view verified the bank's ID token and logs
    the user in with this backend, which then loads the user on every request."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> None:
        return None
