"""Reading the single sign-on configuration (``EFACTURA_OIDC_*``).

:func:`from_environment` runs in ``settings.py``: pure, no database, and a bad value raises
:class:`~django.core.exceptions.ImproperlyConfigured` naming the variable.  The rest of the app
reads :func:`current` (built from ``django.conf.settings``, so tests can override settings).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from efactura import environment

TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
ROLES = ("admin", "accountant", "viewer")
CLAIM_NAME = re.compile(r"^[A-Za-z0-9_:./-]{1,100}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class OidcConfig:
    """Everything the relying party needs to talk to the bank's OpenID provider."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid profile email"
    token_auth_method: str = "client_secret_basic"  # noqa: S105 - a method name
    national_id_claim: str = "national_id"
    companies_claim: str = ""
    companies_role: str = "viewer"
    name_claim: str = "name"
    email_claim: str = "email"
    provider_logout: bool = True
    password_login: bool = False
    clock_skew_seconds: int = 60
    timeout_seconds: int = 10
    provider_name: str = ""

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"


def _claim(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name)
    value = default if raw is None else raw.strip()
    if value and not CLAIM_NAME.match(value):
        raise ImproperlyConfigured(f"{name} must be a claim name such as {default or 'companies'}.")
    return value


def from_environment(env: Mapping[str, str], *, production: bool) -> dict[str, Any]:
    """The ``EFACTURA_OIDC_*`` settings as a dict of setting name → value.

    Without ``EFACTURA_OIDC_ISSUER`` single sign-on is off and only the defaults are returned.
    """
    issuer = env.get("EFACTURA_OIDC_ISSUER", "").strip().rstrip("/")
    client_id = env.get("EFACTURA_OIDC_CLIENT_ID", "").strip()
    client_secret = env.get("EFACTURA_OIDC_CLIENT_SECRET", "").strip()
    if issuer:
        parts = urlsplit(issuer)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ImproperlyConfigured(
                f"EFACTURA_OIDC_ISSUER must be the provider's address such as "
                f"https://login.bank.example, not {issuer!r}."
            )
        if production and parts.scheme != "https":
            raise ImproperlyConfigured("EFACTURA_OIDC_ISSUER must use https in production.")
        if not client_id or not client_secret:
            raise ImproperlyConfigured(
                "EFACTURA_OIDC_ISSUER needs EFACTURA_OIDC_CLIENT_ID and "
                "EFACTURA_OIDC_CLIENT_SECRET (as registered at the bank's provider)."
            )
    scopes = " ".join(env.get("EFACTURA_OIDC_SCOPES", "").replace(",", " ").split())
    scopes = scopes or "openid profile email"
    if "openid" not in scopes.split():
        raise ImproperlyConfigured("EFACTURA_OIDC_SCOPES must include openid.")
    method = env.get("EFACTURA_OIDC_TOKEN_AUTH_METHOD", "").strip() or "client_secret_basic"
    if method not in TOKEN_AUTH_METHODS:
        raise ImproperlyConfigured(
            f"EFACTURA_OIDC_TOKEN_AUTH_METHOD must be one of {', '.join(TOKEN_AUTH_METHODS)}."
        )
    role = env.get("EFACTURA_OIDC_COMPANIES_ROLE", "").strip() or "viewer"
    if role not in ROLES:
        raise ImproperlyConfigured(
            f"EFACTURA_OIDC_COMPANIES_ROLE must be one of {', '.join(ROLES)}."
        )
    return {
        "EFACTURA_OIDC_ISSUER": issuer,
        "EFACTURA_OIDC_CLIENT_ID": client_id,
        "EFACTURA_OIDC_CLIENT_SECRET": client_secret,
        "EFACTURA_OIDC_SCOPES": scopes,
        "EFACTURA_OIDC_TOKEN_AUTH_METHOD": method,
        "EFACTURA_OIDC_NATIONAL_ID_CLAIM": _claim(
            env, "EFACTURA_OIDC_NATIONAL_ID_CLAIM", "national_id"
        ),
        "EFACTURA_OIDC_COMPANIES_CLAIM": _claim(env, "EFACTURA_OIDC_COMPANIES_CLAIM", ""),
        "EFACTURA_OIDC_COMPANIES_ROLE": role,
        "EFACTURA_OIDC_NAME_CLAIM": _claim(env, "EFACTURA_OIDC_NAME_CLAIM", "name"),
        "EFACTURA_OIDC_EMAIL_CLAIM": _claim(env, "EFACTURA_OIDC_EMAIL_CLAIM", "email"),
        "EFACTURA_OIDC_PROVIDER_LOGOUT": environment.flag(
            env, "EFACTURA_OIDC_PROVIDER_LOGOUT", default=True
        ),
        "EFACTURA_OIDC_PASSWORD_LOGIN": environment.flag(env, "EFACTURA_OIDC_PASSWORD_LOGIN"),
        "EFACTURA_OIDC_CLOCK_SKEW": environment.positive_int(env, "EFACTURA_OIDC_CLOCK_SKEW", 60),
        "EFACTURA_OIDC_TIMEOUT": environment.positive_int(env, "EFACTURA_OIDC_TIMEOUT", 10),
        "EFACTURA_OIDC_PROVIDER_NAME": env.get("EFACTURA_OIDC_PROVIDER_NAME", "").strip(),
    }


def current() -> OidcConfig | None:
    """The configuration in effect, or ``None`` when single sign-on is off."""
    from django.conf import settings

    issuer = getattr(settings, "EFACTURA_OIDC_ISSUER", "")
    if not issuer:
        return None
    return OidcConfig(
        issuer=issuer.rstrip("/"),
        client_id=settings.EFACTURA_OIDC_CLIENT_ID,
        client_secret=settings.EFACTURA_OIDC_CLIENT_SECRET,
        scopes=settings.EFACTURA_OIDC_SCOPES,
        token_auth_method=settings.EFACTURA_OIDC_TOKEN_AUTH_METHOD,
        national_id_claim=settings.EFACTURA_OIDC_NATIONAL_ID_CLAIM,
        companies_claim=settings.EFACTURA_OIDC_COMPANIES_CLAIM,
        companies_role=settings.EFACTURA_OIDC_COMPANIES_ROLE,
        name_claim=settings.EFACTURA_OIDC_NAME_CLAIM,
        email_claim=settings.EFACTURA_OIDC_EMAIL_CLAIM,
        provider_logout=settings.EFACTURA_OIDC_PROVIDER_LOGOUT,
        password_login=settings.EFACTURA_OIDC_PASSWORD_LOGIN,
        clock_skew_seconds=settings.EFACTURA_OIDC_CLOCK_SKEW,
        timeout_seconds=settings.EFACTURA_OIDC_TIMEOUT,
        provider_name=settings.EFACTURA_OIDC_PROVIDER_NAME,
    )
