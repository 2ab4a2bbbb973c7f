"""The demo bank: a local OpenID provider with demo bank customers (``efactura serve --demo``).

The provider (:mod:`efactura.sso.provider_process`) also serves a tiny online-banking page whose
E-INVOICE tab opens ``/sso/login?next=/payable/`` here, so a newcomer can walk the way bank
customers arrive.  One customer is enrolled for the demo customer company; one is not, to show
the refusal page.
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass
from typing import Any

from efactura.sso.provider_process import RunningProvider, start_provider

DEMO_CLIENT_ID = "efactura-demo"
DEMO_BANK_NAME = "Banco Demo"
DEMO_SCOPES = "openid profile email efactura"


@dataclass(frozen=True, slots=True)
class DemoBankCustomer:
    login: str
    password: str
    subject: str
    name: str
    national_id: str
    enrolled: bool


BANK_CUSTOMERS = (
    DemoBankCustomer(
        login="12345678Z",
        password="Banca-Demo-2026",  # noqa: S106 - public demo login
        subject="banco-demo-000123",
        name="Lucía Fernández Soto",
        national_id="12345678Z",
        enrolled=True,
    ),
    DemoBankCustomer(
        login="87654321X",
        password="Banca-Demo-2026",  # noqa: S106 - public demo login
        subject="banco-demo-000456",
        name="Tomás Ibáñez Roca",
        national_id="87654321X",
        enrolled=False,
    ),
)


def _port_near(host: str, preferred: int) -> int:
    """``preferred`` if free, else 0 (any free port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, preferred))
        except OSError:
            return 0
    return preferred


def start_demo_provider(*, base_url: str, port: int) -> tuple[RunningProvider, dict[str, str]]:
    """Start the demo bank's provider; returns it and the ``EFACTURA_OIDC_*`` variables to set.

    Raises :class:`~efactura.sso.provider_process.ProviderUnavailable` when node or the
    provider's packages are missing.
    """
    secret = secrets.token_urlsafe(32)
    config: dict[str, Any] = {
        "port": _port_near("127.0.0.1", port),
        "bank_name": DEMO_BANK_NAME,
        "einvoice_url": f"{base_url}/sso/login?next=/payable/",
        "clients": [
            {
                "client_id": DEMO_CLIENT_ID,
                "client_secret": secret,
                "client_name": "efactura",
                "redirect_uris": [f"{base_url}/sso/callback"],
                "post_logout_redirect_uris": [f"{base_url}/accounts/login/"],
                "backchannel_logout_uri": f"{base_url}/sso/backchannel-logout",
            }
        ],
        "accounts": [
            {
                "login": customer.login,
                "password": customer.password,
                "sub": customer.subject,
                "claims": {"name": customer.name, "national_id": customer.national_id},
            }
            for customer in BANK_CUSTOMERS
        ],
    }
    provider = start_provider(config)
    variables = {
        "EFACTURA_OIDC_ISSUER": provider.issuer,
        "EFACTURA_OIDC_CLIENT_ID": DEMO_CLIENT_ID,
        "EFACTURA_OIDC_CLIENT_SECRET": secret,
        "EFACTURA_OIDC_SCOPES": DEMO_SCOPES,
        "EFACTURA_OIDC_PROVIDER_NAME": DEMO_BANK_NAME,
    }
    return provider, variables


def do_load_demo_enrolments() -> None:
    """Enrol the demo bank customer for the demo customer company (idempotent)."""
    from efactura.audit.choices import Source
    from efactura.companies.choices import Role
    from efactura.companies.models import Company
    from efactura.demo import CUSTOMER
    from efactura.sso.models import Enrolment
    from efactura.sso.services import do_enrol

    company = Company.objects.get(tax_id=CUSTOMER.tax_id)
    for customer in BANK_CUSTOMERS:
        if (
            customer.enrolled
            and not Enrolment.objects.filter(
                company=company, national_id=customer.national_id
            ).exists()
        ):
            do_enrol(
                company=company,
                national_id=customer.national_id,
                role=Role.ADMIN,
                note="demo",
                source=Source.CLI,
            )


def demo_text(provider: RunningProvider | None, problem: str = "") -> str:
    """What to tell the newcomer about the demo bank."""
    if provider is None:
        return (
            f"Sign-in from online banking is off in this demo: {problem} Then start the demo again."
        )
    lines = [
        f"Online banking (demo {DEMO_BANK_NAME}, OpenID provider): {provider.issuer}/",
        "  open it, click the E-INVOICE tab and sign in at the bank as:",
    ]
    for customer in BANK_CUSTOMERS:
        what = "enrolled for Hostelería Cantábrica" if customer.enrolled else "not enrolled"
        lines.append(f"  {customer.login}  {customer.password}  ({customer.name}, {what})")
    return "\n".join(lines)
