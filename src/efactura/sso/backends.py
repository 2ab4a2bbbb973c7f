"""Authentication backends of the online-banking sign-in.

``settings.AUTHENTICATION_BACKENDS`` lists :class:`BankCustomerPasswordPolicy` before Django's
``ModelBackend`` (email and password) and :class:`BankBackend` after it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from efactura.accounts.models import normalise_email
from efactura.sso.models import BankIdentity


class BankCustomerPasswordPolicy(ModelBackend):
    """Bank customers log in with a password only when ``EFACTURA_OIDC_PASSWORD_LOGIN=1``.

    A bank customer (a user with a bank identity) normally enters through online banking,
    where the bank applies its own strong authentication; a password here would be a weaker
    door.  Raising ``PermissionDenied`` stops Django from asking the next backends, so the
    login form shows its usual "wrong email or password" (nothing tells who is a customer).
    This backend never checks a password itself; being first in the list, it is the one
    Django's test client and ``login()`` without a backend record, so it loads users like
    ``ModelBackend`` does.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if username is None or getattr(settings, "EFACTURA_OIDC_PASSWORD_LOGIN", False):
            return None
        if BankIdentity.objects.filter(user__email=normalise_email(username)).exists():
            raise PermissionDenied("Bank customers enter from online banking.")
        return None


class BankBackend(ModelBackend):
    """Never checks credentials itself: the sign-in view verified the bank's ID token and logs
    the user in with this backend, which then loads the user on every request."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        return None
