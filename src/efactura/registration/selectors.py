"""Reads for the *Manage codes* page, scoped to the issuing company."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone

from efactura.companies.models import Company
from efactura.invoices.choices import Route
from efactura.invoices.models import Customer, Invoice
from efactura.registration.models import InvitationCode, IssuerCode, RegistrationThrottle


@dataclass
class WaitingCustomer:
    """A customer tax ID with invoices of ours awaiting its registration."""

    tax_id: str
    name: str
    invoices: int
    amount: Decimal
    oldest: dt.date
    email: str
    code: IssuerCode | None
    """Our latest code B for the tax ID (active, revoked or expired), if any."""
    last_invitation: InvitationCode | None
    locked_until: dt.datetime | None = None
    """When wrong registration attempts for the tax ID (by anyone) stop blocking it."""

    @property
    def display_tax_id(self) -> str:
        return self.tax_id[2:] if self.tax_id.startswith("ES") else self.tax_id


def list_registration_locks(*, tax_ids: list[str]) -> dict[str, dt.datetime]:
    """For the issuer's Manage codes page: tax IDs whose registration is locked now (for
    everyone or for some client), with the time the longest lock ends."""
    now = timezone.now()
    found: dict[str, dt.datetime] = {}
    for tax_id in tax_ids:
        rows = RegistrationThrottle.objects.filter(
            Q(key=f"tax:{tax_id}") | Q(key__startswith=f"pair:{tax_id}|"),
            locked_until__gt=now,
        ).values_list("locked_until", flat=True)
        until = max((row for row in rows if row is not None), default=None)
        if until is not None:
            found[tax_id] = until
    return found


def list_waiting_customers(*, company: Company) -> list[WaitingCustomer]:
    """Every tax ID with invoices of ``company`` awaiting registration, oldest first."""
    groups = (
        Invoice.objects.filter(
            issuer=company, route=Route.AWAITING_REGISTRATION, recipient__isnull=True
        )
        .values("buyer_tax_id")
        .annotate(count=Count("pk"), amount=Sum("payable"), oldest=Min("issue_date"))
        .order_by("oldest", "buyer_tax_id")
    )
    rows = list(groups)
    tax_ids = [row["buyer_tax_id"] for row in rows]
    names: dict[str, str] = {}
    for tax_id, name in (
        Invoice.objects.filter(issuer=company, buyer_tax_id__in=tax_ids)
        .order_by("created")
        .values_list("buyer_tax_id", "buyer_name")
    ):
        names[tax_id] = name
    customers = {c.tax_id: c for c in Customer.objects.filter(company=company, tax_id__in=tax_ids)}
    codes: dict[str, IssuerCode] = {}
    for code in IssuerCode.objects.filter(issuer=company, tax_id__in=tax_ids).order_by("created"):
        codes[code.tax_id] = code
    invitations: dict[str, InvitationCode] = {}
    for invitation in InvitationCode.objects.filter(issuer=company, tax_id__in=tax_ids).order_by(
        "created"
    ):
        invitations[invitation.tax_id] = invitation
    locks = list_registration_locks(tax_ids=tax_ids)
    result = []
    for row in rows:
        tax_id = row["buyer_tax_id"]
        customer = customers.get(tax_id)
        result.append(
            WaitingCustomer(
                tax_id=tax_id,
                name=(customer.name if customer else "") or names.get(tax_id, ""),
                invoices=row["count"],
                amount=row["amount"] or Decimal("0"),
                oldest=row["oldest"],
                email=customer.email if customer else "",
                code=codes.get(tax_id),
                last_invitation=invitations.get(tax_id),
                locked_until=locks.get(tax_id),
            )
        )
    return result


def list_used_issuer_codes(*, company: Company, limit: int = 50) -> QuerySet[IssuerCode]:
    """``company``'s codes B that customers registered with, newest first."""
    return (
        IssuerCode.objects.filter(issuer=company, used_at__isnull=False)
        .select_related("used_by", "created_by")
        .order_by("-used_at")[:limit]
    )


PREFILL_SALT = "efactura.registration.prefill"
PREFILL_MAX_AGE = 400 * 24 * 3600
"""How long the invitation's link pre-fills the form: longer than any invoice waits unclaimed."""


def registration_prefill_token(*, invoice: Invoice) -> str:
    """A signed token for the invitation's link: it names the invoice whose buyer details
    (name, postal address) pre-fill the registration form. Only the invitation email holds it,
    so a tax ID typed by anyone else pre-fills nothing."""
    from django.core import signing

    return signing.dumps({"i": str(invoice.pk), "t": invoice.buyer_tax_id}, salt=PREFILL_SALT)


def registration_prefill(*, token: str, tax_id: str) -> dict[str, str]:
    """The buyer's name and address the supplier invoiced ``tax_id`` at, for the registration
    form; empty when the token is bad, expired, for another tax ID, or the invoice no longer
    waits for a registration."""
    from django.core import signing

    from efactura.invoices.mapping import canonical_of

    try:
        data = signing.loads(token, salt=PREFILL_SALT, max_age=PREFILL_MAX_AGE)
    except signing.BadSignature:
        return {}
    if not isinstance(data, dict) or data.get("t") != tax_id or not data.get("i"):
        return {}
    invoice = Invoice.objects.filter(
        pk=str(data["i"]),
        buyer_tax_id=tax_id,
        route=Route.AWAITING_REGISTRATION,
        recipient__isnull=True,
    ).first()
    if invoice is None:
        return {}
    prefill = {"legal_name": invoice.buyer_name}
    address = canonical_of(invoice).buyer.address
    if address is not None:
        prefill.update(
            address=address.line1 or "",
            postal_code=address.postal_code or "",
            city=address.city or "",
            province=address.subdivision or "",
        )
    return {key: value for key, value in prefill.items() if value}
