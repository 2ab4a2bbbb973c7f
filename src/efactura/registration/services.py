"""Writes of the registration app: codes A and B, and registering with both.

Every message a person sees on failure is the same whichever code was wrong, missing, expired,
used or meant for another tax ID, and whether or not the tax ID has invoices waiting: the
registration page must not become a way to learn who invoices whom.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from efactura.accounts.models import User, normalise_email
from efactura.accounts.services import do_create_user
from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.acting import check_role
from efactura.companies.choices import Role
from efactura.companies.models import Company
from efactura.companies.services import do_add_membership, do_create_company
from efactura.companies.validators import canonical_tax_id
from efactura.invoices.choices import Route
from efactura.invoices.mapping import canonical_of
from efactura.invoices.models import Invoice
from efactura.registration.choices import CodeKind, setting
from efactura.registration.codes import generate_code, hash_code, matches, normalise_code
from efactura.registration.models import InvitationCode, IssuerCode, RegistrationThrottle


class RegistrationRefused(Exception):
    """Registration with these codes is refused; ``str(exc)`` is the sentence to show.

    ``reason`` is ``codes`` (any problem with the tax ID/code combination), ``locked`` (too
    many wrong attempts) or ``registered`` (the codes were right but the tax ID already has
    a company).
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=int(setting("EFACTURA_CODE_DAYS")))


def waiting_invoices(*, tax_id: str, issuer: Company | None = None) -> object:
    """Invoices awaiting the registration of ``tax_id`` (optionally of one issuer)."""
    qs = Invoice.objects.filter(
        buyer_tax_id=tax_id, route=Route.AWAITING_REGISTRATION, recipient__isnull=True
    )
    return qs.filter(issuer=issuer) if issuer is not None else qs


def _address_known_to_supplier(*, tax_id: str, issuer: Company) -> dict[str, str]:
    """The postal address the supplier already invoiced ``tax_id`` at (its newest waiting
    invoice), so a company that registers without typing one keeps it."""
    invoice = (
        waiting_invoices(tax_id=tax_id, issuer=issuer)  # type: ignore[attr-defined]
        .order_by("-issue_date", "-created")
        .first()
    )
    if invoice is None:
        return {}
    address = canonical_of(invoice).buyer.address
    if address is None:
        return {}
    return {
        "address": address.line1 or "",
        "postal_code": address.postal_code or "",
        "city": address.city or "",
        "province": address.subdivision or "",
    }


def require_writer(*, actor: User | None, company: Company) -> None:
    check_role(
        actor=actor,
        company=company,
        message=_("Your role in this company does not allow managing codes."),
    )


# -- Code A -----------------------------------------------------------------------------------


def do_create_invitation_code(
    *, issuer: Company, tax_id: str, invoice: Invoice | None, email: str
) -> tuple[InvitationCode, str]:
    """A new code A for an invitation about to be sent; returns the row and the clear code.

    Called by the email worker just before sending, so the clear code never rests in the
    database (not even in the email log, which keeps a masked copy).
    """
    clear = generate_code()
    row = InvitationCode.objects.create(
        tax_id=tax_id,
        issuer=issuer,
        invoice=invoice,
        email=email,
        code_hash=hash_code(code=clear, kind=CodeKind.INVITATION, tax_id=tax_id),
        expires=_expiry(),
    )
    return row, clear


def do_discard_invitation_code(*, code: InvitationCode) -> None:
    """Forget a code A whose email could not be sent (nobody can know it)."""
    InvitationCode.objects.filter(pk=code.pk, used_at__isnull=True).delete()


# -- Code B -----------------------------------------------------------------------------------


@transaction.atomic
def do_generate_issuer_code(
    *, company: Company, actor: User | None, tax_id: str, source: Source = Source.WEB
) -> tuple[IssuerCode, str]:
    """Generate (or regenerate) code B of ``company`` for customer ``tax_id``.

    Refused unless ``company`` has an invoice waiting for that tax ID.  A previous open code
    of the same issuer and tax ID is revoked.  Returns the row and the clear code, which is
    shown once and never stored.
    """
    require_writer(actor=actor, company=company)
    if not waiting_invoices(tax_id=tax_id, issuer=company).exists():  # type: ignore[attr-defined]
        raise ValidationError(
            _("None of your invoices is waiting for the registration of %(tax_id)s.")
            % {"tax_id": tax_id},
            code="nothing_waiting",
        )
    now = timezone.now()
    replaced = IssuerCode.objects.filter(
        issuer=company, tax_id=tax_id, revoked_at__isnull=True, used_at__isnull=True
    ).update(revoked_at=now)
    clear = generate_code()
    row = IssuerCode.objects.create(
        issuer=company,
        tax_id=tax_id,
        code_hash=hash_code(code=clear, kind=CodeKind.ISSUER, tax_id=tax_id),
        created_by=actor,
        expires=_expiry(),
    )
    record(
        action="registration.code_b.regenerated" if replaced else "registration.code_b.generated",
        actor=actor,
        company=company,
        obj=row,
        source=source,
        data={"tax_id": tax_id, "expires": row.expires.isoformat()},
    )
    return row, clear


@transaction.atomic
def do_revoke_issuer_code(
    *, company: Company, actor: User | None, tax_id: str, source: Source = Source.WEB
) -> int:
    """Revoke ``company``'s open code B for ``tax_id``; returns how many were revoked (0/1)."""
    require_writer(actor=actor, company=company)
    revoked = IssuerCode.objects.filter(
        issuer=company, tax_id=tax_id, revoked_at__isnull=True, used_at__isnull=True
    ).update(revoked_at=timezone.now())
    if revoked:
        record(
            action="registration.code_b.revoked",
            actor=actor,
            company=company,
            source=source,
            data={"tax_id": tax_id},
        )
    return revoked


# -- Throttling -------------------------------------------------------------------------------


def _lock_minutes() -> int:
    return int(setting("EFACTURA_REGISTRATION_LOCK_MINUTES"))


def _locked_until(key: str) -> dt.datetime | None:
    row = RegistrationThrottle.objects.filter(key=key).first()
    if row and row.locked_until and row.locked_until > timezone.now():
        return row.locked_until
    return None


MAX_LOCK = dt.timedelta(hours=24)


@transaction.atomic
def _count_failure(*, key: str, limit: int) -> int:
    """Count one wrong attempt for ``key``; returns the attempts left before it locks.

    A lock lasts ``EFACTURA_REGISTRATION_LOCK_MINUTES`` the first time and twice as long each
    further time (up to a day); a successful registration forgets the key.
    """
    now = timezone.now()
    window = dt.timedelta(minutes=_lock_minutes())
    RegistrationThrottle.objects.get_or_create(key=key)
    row = RegistrationThrottle.objects.select_for_update().get(key=key)
    if row.window_start + window < now or (row.locked_until and row.locked_until <= now):
        row.failures, row.window_start, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= limit:
        row.locks += 1
        row.locked_until = now + min(window * 2 ** (row.locks - 1), MAX_LOCK)
    row.save()
    return max(0, limit - row.failures)


def _throttle_keys(tax_id: str, ip: str) -> list[tuple[str, int]]:
    """(key, limit): the (tax ID, client) pair first, then the per-tax-ID ceiling, the client."""
    client = ip or "unknown"
    keys = [
        (f"pair:{tax_id}|{client}"[:80], int(setting("EFACTURA_REGISTRATION_MAX_ATTEMPTS"))),
        (f"tax:{tax_id}", int(setting("EFACTURA_REGISTRATION_TAX_ID_CEILING"))),
    ]
    if ip:
        keys.append((f"ip:{ip}"[:80], int(setting("EFACTURA_REGISTRATION_IP_MAX_ATTEMPTS"))))
    return keys


def _locked_message(until: dt.datetime | None = None) -> str:
    if until is not None:
        minutes = max(1, -(-int((until - timezone.now()).total_seconds()) // 60))
    else:
        minutes = _lock_minutes()
    return _(
        "Too many wrong attempts. For your security, registration is locked for "
        "%(minutes)s minutes; try again later."
    ) % {"minutes": minutes}


def _lock_of(keys: list[tuple[str, int]]) -> dt.datetime | None:
    locks = [until for key, _limit in keys if (until := _locked_until(key))]
    return max(locks) if locks else None


@transaction.atomic
def do_unlock_registration(
    *, throttle_ids: list[int], actor: User | None, source: Source = Source.WEB
) -> int:
    """Lift registration lockouts (an operator, after checking who is asking); audited."""
    rows = RegistrationThrottle.objects.filter(pk__in=throttle_ids)
    keys = list(rows.values_list("key", flat=True))
    if not keys:
        return 0
    rows.delete()
    record(
        action="registration.lock.lifted",
        actor=actor,
        source=source,
        data={"keys": keys},
    )
    return len(keys)


# -- Registering ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegistrationData:
    """What the public registration form collects."""

    tax_id: str
    code_a: str
    code_b: str
    legal_name: str
    contact_email: str
    address: str = ""
    postal_code: str = ""
    city: str = ""
    province: str = ""
    language: str = "es"
    admin_name: str = ""
    admin_email: str
    password: str


def codes_refused_message() -> str:
    """The one sentence for every problem with the codes (never says which)."""
    return _(
        "The tax ID and the two codes do not match, or the codes have expired or have already "
        "been used. Check them and try again; if it keeps failing, ask the company that "
        "invoiced you for a new code B."
    )


def check_register_company(*, data: RegistrationData, ip: str = "") -> tuple[Company, User]:
    """Register the company of ``data.tax_id`` with code A and code B, and its administrator.

    Checks the lockouts, then both codes (unused, unexpired, bound to this tax ID; code B from
    an issuer that has an invoice waiting for it).  On success, in one transaction: creates
    the company, the user and the admin membership, marks both codes used and puts every
    invoice waiting for the tax ID — from every issuer — into the new company's inbox.
    Raises :class:`RegistrationRefused` (codes, locked, registered) or ``ValidationError``
    (bad tax ID, password, email already in use).
    """
    try:
        tax_id = canonical_tax_id(data.tax_id)
    except ValidationError as exc:
        raise ValidationError({"tax_id": exc.messages}) from None
    keys = _throttle_keys(tax_id, ip)
    if (until := _lock_of(keys)) is not None:
        raise RegistrationRefused(_locked_message(until), reason="locked")
    try:
        validate_password(data.password, User(email=data.admin_email, full_name=data.admin_name))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    code_a, code_b = normalise_code(data.code_a), normalise_code(data.code_b)
    with transaction.atomic():
        now = timezone.now()
        a_rows = {
            row.code_hash: row
            for row in InvitationCode.objects.select_for_update().filter(
                tax_id=tax_id, used_at__isnull=True, expires__gt=now
            )
        }
        b_rows = {
            row.code_hash: row
            for row in IssuerCode.objects.select_for_update().filter(
                tax_id=tax_id, used_at__isnull=True, revoked_at__isnull=True, expires__gt=now
            )
        }
        found_a = matches(
            candidate_hash=hash_code(code=code_a, kind=CodeKind.INVITATION, tax_id=tax_id),
            stored_hashes=list(a_rows),
        )
        found_b = matches(
            candidate_hash=hash_code(code=code_b, kind=CodeKind.ISSUER, tax_id=tax_id),
            stored_hashes=list(b_rows),
        )
        ok = bool(code_a and code_b and found_a and found_b)
        if ok:
            b_row = b_rows[found_b]  # type: ignore[index]
            ok = waiting_invoices(tax_id=tax_id, issuer=b_row.issuer).exists()  # type: ignore[attr-defined]
        if ok:
            if Company.objects.filter(tax_id=tax_id).exists():
                raise RegistrationRefused(
                    _(
                        "A company with tax ID %(tax_id)s is already registered: log in, or "
                        "ask its administrator to add you."
                    )
                    % {"tax_id": tax_id},
                    reason="registered",
                )
            if User.objects.filter(email=normalise_email(data.admin_email)).exists():
                raise ValidationError(
                    {
                        "admin_email": _(
                            "There is already an account with this email address. Use another "
                            "address, or ask the platform operator to add the new company to "
                            "your account."
                        )
                    },
                    code="email_taken",
                )
            known = _address_known_to_supplier(tax_id=tax_id, issuer=b_row.issuer)
            company = do_create_company(
                tax_id=tax_id,
                legal_name=data.legal_name,
                contact_email=data.contact_email,
                address=data.address or known.get("address", ""),
                postal_code=data.postal_code or known.get("postal_code", ""),
                city=data.city or known.get("city", ""),
                province=data.province or known.get("province", ""),
                language=data.language,
                source=Source.WEB,
            )
            # No stored interface language: the browser's language wins until the user
            # chooses one with the ES/EN switch (the company's language is for its emails).
            user = do_create_user(
                email=data.admin_email,
                password=data.password,
                full_name=data.admin_name,
                language="",
                source=Source.WEB,
            )
            do_add_membership(
                user=user, company=company, role=Role.ADMIN, actor=user, source=Source.WEB
            )
            a_row = a_rows[found_a]  # type: ignore[index]
            InvitationCode.objects.filter(pk=a_row.pk).update(used_at=now, used_by=company)
            IssuerCode.objects.filter(pk=b_row.pk).update(used_at=now, used_by=company)
            # The tax ID is registered now: other issuers' open codes B have no use left.
            IssuerCode.objects.filter(
                tax_id=tax_id, used_at__isnull=True, revoked_at__isnull=True
            ).update(revoked_at=now)
            from efactura.invoices.services import do_deliver_waiting_invoices

            delivered = do_deliver_waiting_invoices(company=company, source=Source.WEB)
            record(
                action="registration.company.registered",
                actor=user,
                company=company,
                obj=company,
                source=Source.WEB,
                data={
                    "tax_id": tax_id,
                    "code_a": a_row.pk,
                    "code_b": b_row.pk,
                    "code_b_issuer": b_row.issuer.tax_id,
                    "invoices_released": len(delivered),
                    "ip": ip,
                },
            )
            RegistrationThrottle.objects.filter(
                models.Q(key=f"tax:{tax_id}") | models.Q(key__startswith=f"pair:{tax_id}|")
            ).delete()
            return company, user
    left = [_count_failure(key=key, limit=limit) for key, limit in keys]
    record(
        action="registration.attempt.refused",
        source=Source.WEB,
        data={"tax_id": tax_id, "ip": ip},
    )
    if (until := _lock_of(keys)) is not None:
        raise RegistrationRefused(_locked_message(until), reason="locked")
    attempts_left = min(left)
    raise RegistrationRefused(
        codes_refused_message()
        + " "
        + ngettext(
            "%(count)d attempt left before registration is paused.",
            "%(count)d attempts left before registration is paused.",
            attempts_left,
        )
        % {"count": attempts_left},
        reason="codes",
    )
