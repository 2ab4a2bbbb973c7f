"""System checks of the signing app: production refuses to run with a TEST seal.

Invoices signed with the generated test seal have no legal value, so with
``EFACTURA_PRODUCTION=1`` the platform must not start without a real seal.  Django runs these
checks on ``efactura manage check`` (with or without ``--deploy``) and ``efactura serve`` runs
them before starting the web server and the worker, stopping on any error.

- ``signing.E001`` production without ``EFACTURA_SEAL_P12`` (the TEST seal would be used);
- ``signing.E002`` the configured seal cannot be opened (wrong password, not PKCS#12 …);
- ``signing.E003`` production with a seal that is a TEST certificate;
- ``signing.E004`` the configured seal has expired;
- ``signing.W001`` the configured seal expires within 30 days;
- ``signing.W002`` (deploy) production without ``EFACTURA_ENCRYPTION_KEY``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from efactura.signing.choices import EXPIRY_WARNING_DAYS

HINT_SEAL = (
    "Set EFACTURA_SEAL_P12 to the path of the platform's qualified seal certificate "
    "(PKCS#12 .p12/.pfx) and EFACTURA_SEAL_PASSWORD to its password."
)


@register(Tags.security)
def check_platform_seal(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The operator's seal: configured in production, readable, not a test seal, not expired."""
    from einvoice.errors import SignatureError
    from einvoice.signing import certs

    production = bool(getattr(settings, "PRODUCTION", False))
    path = str(getattr(settings, "EFACTURA_SEAL_P12", "") or "")
    if not path:
        if not production:
            return []
        return [
            Error(
                "Production mode refuses to start with the generated TEST seal: invoices "
                "signed with it are not legally valid. Configure EFACTURA_SEAL_P12 (and "
                "EFACTURA_SEAL_PASSWORD) with the platform's real seal.",
                hint=HINT_SEAL,
                id="signing.E001",
            )
        ]
    password = str(getattr(settings, "EFACTURA_SEAL_PASSWORD", "") or "")
    try:
        identity = certs.load_pkcs12(Path(path).read_bytes(), password)
    except (OSError, SignatureError) as exc:
        detail = exc.violations[0].message if isinstance(exc, SignatureError) else str(exc)
        return [
            Error(
                f"The platform seal EFACTURA_SEAL_P12={path} cannot be opened: {detail}",
                hint=HINT_SEAL,
                id="signing.E002",
            )
        ]
    info = certs.certificate_info(identity.certificate)
    messages: list[CheckMessage] = []
    if production and info.is_test:
        messages.append(
            Error(
                f"The platform seal EFACTURA_SEAL_P12={path} is a TEST certificate "
                f"({info.common_name}); production refuses to sign invoices with it.",
                hint=HINT_SEAL,
                id="signing.E003",
            )
        )
    now = dt.datetime.now(dt.UTC)
    if info.not_after <= now:
        messages.append(
            Error(
                f"The platform seal EFACTURA_SEAL_P12={path} expired on "
                f"{info.not_after:%Y-%m-%d}; no invoice can be signed with it.",
                hint=HINT_SEAL,
                id="signing.E004",
            )
        )
    elif info.not_after - now < dt.timedelta(days=EXPIRY_WARNING_DAYS):
        messages.append(
            Warning(
                f"The platform seal EFACTURA_SEAL_P12={path} expires on "
                f"{info.not_after:%Y-%m-%d} ({info.days_to_expiry} days): renew it.",
                id="signing.W001",
            )
        )
    return messages


@register(Tags.security, deploy=True)
def check_encryption_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Production should encrypt certificates with their own key, not the secret key."""
    if not getattr(settings, "PRODUCTION", False) or getattr(
        settings, "EFACTURA_ENCRYPTION_KEY", None
    ):
        return []
    return [
        Warning(
            "EFACTURA_ENCRYPTION_KEY is not set: companies' certificates are encrypted with a "
            "key derived from EFACTURA_SECRET_KEY, so changing the secret key would make them "
            "unreadable.",
            hint="Set EFACTURA_ENCRYPTION_KEY to a long random value kept apart from the "
            "secret key.",
            id="signing.W002",
        )
    ]
