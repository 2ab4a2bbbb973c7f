"""Demo data: two companies that invoice each other, their users, an operator.

``efactura demo`` and ``efactura serve --demo`` load it; loading twice changes nothing.  The
tax IDs are valid (check digit computed with python-stdnum) but invented.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from efactura.accounts.models import User
from efactura.accounts.selectors import access_user_by_email
from efactura.accounts.services import do_create_user
from efactura.audit.choices import Source
from efactura.companies.choices import Role
from efactura.companies.models import Company, Membership
from efactura.companies.services import do_add_membership, do_create_company


@dataclass(frozen=True, slots=True)
class DemoCompany:
    tax_id: str
    legal_name: str
    contact_email: str
    address: str
    postal_code: str
    city: str
    province: str


@dataclass(frozen=True, slots=True)
class DemoUser:
    email: str
    password: str
    full_name: str
    company_tax_id: str
    role: Role


SUPPLIER = DemoCompany(
    tax_id="ESB98765431",
    legal_name="Suministros Levante, S.L.",
    contact_email="facturas@suministros-levante.demo.efactura.test",
    address="Avenida del Puerto, 112",
    postal_code="46023",
    city="Valencia",
    province="Valencia",
)
CUSTOMER = DemoCompany(
    tax_id="ESA39123450",
    legal_name="Hostelería Cantábrica, S.A.",
    contact_email="administracion@hosteleria-cantabrica.demo.efactura.test",
    address="Paseo de Pereda, 20",
    postal_code="39004",
    city="Santander",
    province="Cantabria",
)
UNREGISTERED_CUSTOMER = DemoCompany(
    tax_id="ESB48123459",
    legal_name="Talleres Nervión, S.L.",
    contact_email="contabilidad@talleres-nervion.demo.efactura.test",
    address="Calle Ribera de Deusto, 7",
    postal_code="48014",
    city="Bilbao",
    province="Bizkaia",
)
"""A customer the supplier invoices that has no account on the platform (not a Company row):
later flows send it an invitation email with a registration code."""

USERS = (
    DemoUser(
        email="proveedor@demo.efactura.test",
        password="Levante-Demo-2026",  # noqa: S106 - public demo login, printed on purpose
        full_name="Lucía Ferrer",
        company_tax_id=SUPPLIER.tax_id,
        role=Role.ADMIN,
    ),
    DemoUser(
        email="cliente@demo.efactura.test",
        password="Cantabrica-Demo-2026",  # noqa: S106 - public demo login
        full_name="Javier Gutiérrez",
        company_tax_id=CUSTOMER.tax_id,
        role=Role.ADMIN,
    ),
)
OPERATOR = DemoUser(
    email="admin@demo.efactura.test",
    password="Operador-Demo-2026",  # noqa: S106 - public demo login
    full_name="Operador del banco",
    company_tax_id="",
    role=Role.VIEWER,
)


def _company(spec: DemoCompany) -> Company:
    existing = Company.objects.filter(tax_id=spec.tax_id).first()
    if existing is not None:
        return existing
    return do_create_company(
        tax_id=spec.tax_id,
        legal_name=spec.legal_name,
        contact_email=spec.contact_email,
        address=spec.address,
        postal_code=spec.postal_code,
        city=spec.city,
        province=spec.province,
        source=Source.CLI,
    )


def _user(spec: DemoUser, *, staff: bool = False) -> User:
    user = access_user_by_email(email=spec.email)
    if user is not None:
        return user
    return do_create_user(
        email=spec.email,
        password=spec.password,
        full_name=spec.full_name,
        language="",  # the browser decides until the user picks ES or EN
        is_staff=staff,
        is_superuser=staff,
        source=Source.CLI,
    )


@transaction.atomic
def do_load_demo() -> list[DemoUser]:
    """Create whatever part of the demo data is missing; returns the demo logins."""
    companies = {spec.tax_id: _company(spec) for spec in (SUPPLIER, CUSTOMER)}
    for spec in USERS:
        user = _user(spec)
        company = companies[spec.company_tax_id]
        if not Membership.objects.filter(user=user, company=company).exists():
            do_add_membership(user=user, company=company, role=spec.role, source=Source.CLI)
    _user(OPERATOR, staff=True)
    _bank_accounts(companies)
    from efactura.demo_invoices import load_demo_invoices

    load_demo_invoices(
        supplier=companies[SUPPLIER.tax_id],
        customer=companies[CUSTOMER.tax_id],
        supplier_user=_user(USERS[0]),
        customer_user=_user(USERS[1]),
        unregistered=UNREGISTERED_CUSTOMER,
    )
    return [*USERS, OPERATOR]


DEMO_ACCOUNTS = {
    SUPPLIER.tax_id: ("ES9121000418450200051332", "Cuenta de cobros"),
    CUSTOMER.tax_id: ("ES7921000813610123456789", "Cuenta de pagos"),
}
"""Each demo company's bank account, so paying from the inbox works out of the box."""


def _bank_accounts(companies: dict[str, Company]) -> None:
    from efactura.payments.models import BankAccount
    from efactura.payments.services import do_add_bank_account

    for tax_id, (iban, label) in DEMO_ACCOUNTS.items():
        company = companies[tax_id]
        if BankAccount.objects.filter(company=company).exists():
            continue
        admin = next(u for u in USERS if u.company_tax_id == tax_id and u.role == Role.ADMIN)
        do_add_bank_account(company=company, actor=_user(admin), iban=iban, label=label)


def credentials_text(users: list[DemoUser]) -> str:
    """The demo logins as aligned lines for the terminal."""
    names = {spec.tax_id: spec.legal_name for spec in (SUPPLIER, CUSTOMER)}
    email_width = max(len(user.email) for user in users)
    password_width = max(len(user.password) for user in users)
    lines = ["Demo logins (email / password):"]
    for user in users:
        what = (
            f"{user.role.label} of {names[user.company_tax_id]}"
            if user.company_tax_id
            else "operator, Django admin at /admin/"
        )
        lines.append(
            f"  {user.email.ljust(email_width)}  {user.password.ljust(password_width)}  ({what})"
        )
    return "\n".join(lines)
