"""Writes of the online-banking sign-in: enrolments, sign-ins, bank memberships, sessions.

Keyword-only, one transaction each, an audit entry for every change of who may act for which
company.  Nothing here talks to the provider: the views fetch and verify tokens first, then call
these with the verified claims (no network call inside a transaction).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.es import dni, nie

from efactura.accounts.models import User
from efactura.accounts.services import do_create_user
from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.choices import Role
from efactura.companies.models import Company, Membership
from efactura.companies.services import do_add_membership
from efactura.companies.validators import canonical_tax_id
from efactura.sso.config import OidcConfig
from efactura.sso.models import BankIdentity, BankMembership, BankSession, Enrolment

ROLE_RANK = {Role.VIEWER.value: 0, Role.ACCOUNTANT.value: 1, Role.ADMIN.value: 2}
PLACEHOLDER_DOMAIN = "bank-sso.invalid"
"""Users created for bank customers without a usable email get ``<hash>@bank-sso.invalid``
(the ``.invalid`` top-level domain never receives mail, RFC 2606)."""


def canonical_national_id(value: str) -> str:
    """A Spanish DNI or NIE without separators, upper case; ``ValidationError`` if invalid."""
    compact = re.sub(r"[\s.\-/]", "", value or "").upper()
    if compact.startswith("ES"):
        compact = compact[2:]
    try:
        if compact[:1] in {"X", "Y", "Z"}:
            nie.validate(compact)
        else:
            dni.validate(compact)
    except Exception:
        raise ValidationError(
            _("%(value)s is not a valid Spanish DNI or NIE (e.g. 12345678Z).") % {"value": value},
            code="invalid_national_id",
        ) from None
    return compact


def _check_role(role: str) -> str:
    if role not in Role.values:
        raise ValidationError(
            _("Unknown role %(role)s: use admin, accountant or viewer.") % {"role": role},
            code="invalid_role",
        )
    return role


@transaction.atomic
def do_enrol(
    *,
    company: Company,
    role: str,
    subject: str = "",
    national_id: str = "",
    note: str = "",
    actor: User | None = None,
    source: Source = Source.SYSTEM,
) -> Enrolment:
    """Enrol a bank customer for ``company`` (or update the role of an existing enrolment).

    A person who already signed in gets the membership at once; the next page they open shows
    the company.
    """
    subject = subject.strip()
    national_id = canonical_national_id(national_id) if national_id.strip() else ""
    if not subject and not national_id:
        raise ValidationError(
            _("Give the customer's subject at the bank's provider or their national ID."),
            code="no_identity",
        )
    _check_role(role)
    lookup = Q(subject=subject) if subject else Q(national_id=national_id)
    enrolment = Enrolment.objects.select_for_update().filter(lookup, company=company).first()
    if enrolment is None:
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(
                    company=company,
                    subject=subject,
                    national_id=national_id,
                    role=role,
                    note=note,
                    created_by=actor,
                )
        except IntegrityError:
            raise ValidationError(
                _("This customer is already enrolled for %(company)s.")
                % {"company": company.legal_name},
                code="duplicate",
            ) from None
        action = "sso.enrolment.created"
    else:
        enrolment.role = role
        enrolment.is_active = True
        if national_id:
            enrolment.national_id = national_id
        if note:
            enrolment.note = note
        enrolment.save(update_fields=["role", "is_active", "national_id", "note"])
        action = "sso.enrolment.changed"
    record(
        action=action,
        actor=actor,
        company=company,
        obj=enrolment,
        source=source,
        data={"subject": subject, "national_id": national_id, "role": role},
    )
    _resync_matching(enrolment)
    return enrolment


@transaction.atomic
def do_set_enrolment_active(
    *,
    enrolment: Enrolment,
    active: bool,
    actor: User | None = None,
    source: Source = Source.SYSTEM,
) -> Enrolment:
    """Disable (or enable again) an enrolment; access changes at the person's next request."""
    enrolment.is_active = active
    enrolment.save(update_fields=["is_active"])
    record(
        action="sso.enrolment.enabled" if active else "sso.enrolment.disabled",
        actor=actor,
        company=enrolment.company,
        obj=enrolment,
        source=source,
        data={"subject": enrolment.subject, "national_id": enrolment.national_id},
    )
    _resync_matching(enrolment)
    return enrolment


@transaction.atomic
def do_update_enrolment(
    *,
    enrolment: Enrolment,
    previous: tuple[str, str],
    fields: list[str],
    actor: User | None = None,
    source: Source = Source.SYSTEM,
) -> Enrolment:
    """Save an enrolment edited in the admin; ``previous`` is its old (subject, national ID),
    so a person who is no longer named loses the membership too."""
    _check_role(enrolment.role)
    enrolment.save()
    record(
        action="sso.enrolment.changed",
        actor=actor,
        company=enrolment.company,
        obj=enrolment,
        source=source,
        data={
            "subject": enrolment.subject,
            "national_id": enrolment.national_id,
            "role": enrolment.role,
            "active": enrolment.is_active,
            "fields": fields,
        },
    )
    _resync_matching(enrolment, also=previous)
    return enrolment


def _resync_matching(enrolment: Enrolment, also: tuple[str, str] = ("", "")) -> None:
    """Bring the memberships of everyone this enrolment names (or named) up to date."""
    match = Q(pk__in=[])
    for subject in {enrolment.subject, also[0]} - {""}:
        match |= Q(subject=subject)
    for national_id in {enrolment.national_id, also[1]} - {""}:
        match |= Q(national_id=national_id)
    for identity in BankIdentity.objects.filter(match).select_related("user"):
        _sync_memberships(identity)


def _desired_companies(identity: BankIdentity) -> dict[int, str]:
    """Company id → role this identity should have: enrolments first, then the claim."""
    match = Q(subject=identity.subject)
    if identity.national_id:
        match |= Q(national_id=identity.national_id)
    desired: dict[int, str] = {}
    enrolments = Enrolment.objects.filter(match, is_active=True, company__is_active=True)
    for company_id, role in enrolments.values_list("company_id", "role"):
        if ROLE_RANK[role] >= ROLE_RANK.get(desired.get(company_id, ""), -1):
            desired[company_id] = role
    enrolled = set(desired)
    for entry in identity.claimed_companies:
        company = Company.objects.filter(tax_id=entry["tax_id"], is_active=True).first()
        if company is None or company.pk in enrolled:
            continue
        role = entry["role"]
        if ROLE_RANK[role] >= ROLE_RANK.get(desired.get(company.pk, ""), -1):
            desired[company.pk] = role
    return desired


def _sync_memberships(identity: BankIdentity) -> None:
    desired = _desired_companies(identity)
    user = identity.user
    for grant in identity.bank_memberships.select_related("membership__company"):
        membership = grant.membership
        role = desired.pop(membership.company_id, None)
        if role is None:
            record(
                action="sso.membership.removed",
                company=membership.company,
                obj=membership,
                data={"user": user.email, "subject": identity.subject},
            )
            membership.delete()
        elif role != membership.role:
            Membership.objects.filter(pk=membership.pk).update(role=role)
            record(
                action="sso.membership.changed",
                company=membership.company,
                obj=membership,
                data={"user": user.email, "subject": identity.subject, "role": role},
            )
    for company_id, role in desired.items():
        if Membership.objects.filter(user=user, company_id=company_id).exists():
            continue  # added by an operator: not the bank's to change
        membership = do_add_membership(
            user=user, company=Company.objects.get(pk=company_id), role=role
        )
        BankMembership.objects.create(membership=membership, identity=identity)


def _claimed_companies(config: OidcConfig, claims: Mapping[str, Any]) -> list[dict[str, str]]:
    """The company claim as ``[{"tax_id", "role"}]``; unreadable entries are ignored.

    The claim may be a list of tax IDs (``["B12345674"]``) or of objects
    (``[{"tax_id": "B12345674", "role": "admin"}]``); a missing role is
    ``EFACTURA_OIDC_COMPANIES_ROLE``.
    """
    if not config.companies_claim:
        return []
    raw = claims.get(config.companies_claim)
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    if not isinstance(raw, list):
        return []
    found: list[dict[str, str]] = []
    for entry in raw:
        tax_id, role = (
            (entry.get("tax_id"), entry.get("role")) if isinstance(entry, dict) else (entry, None)
        )
        role = role if role in Role.values else config.companies_role
        try:
            found.append({"tax_id": canonical_tax_id(str(tax_id)), "role": role})
        except ValidationError:
            continue
    return found


@dataclass(frozen=True, slots=True)
class SignInResult:
    """The outcome of a verified sign-in: ``user`` to log in, or ``None`` with a reason."""

    user: User | None
    identity: BankIdentity | None
    subject: str
    national_id: str
    reason: str = ""


def _claim_text(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name) if name else None
    return value.strip() if isinstance(value, str) else ""


def _email_for(config: OidcConfig, claims: Mapping[str, Any], subject: str) -> str:
    email = _claim_text(claims, config.email_claim).lower()
    verified = claims.get("email_verified") is not False
    if (
        email
        and verified
        and "@" in email
        and not User.objects.filter(email__iexact=email).exists()
    ):
        return email
    digest = hashlib.sha256(f"{config.issuer}|{subject}".encode()).hexdigest()[:20]
    return f"{digest}@{PLACEHOLDER_DOMAIN}"


@transaction.atomic
def do_sign_in_bank_customer(*, config: OidcConfig, claims: Mapping[str, Any]) -> SignInResult:
    """Map verified ID-token claims to a local user with the memberships enrolments grant.

    Someone enrolled nowhere (and given no company by the claim) gets no user and no access;
    the refusal is audited.  A user is created at the first successful sign-in, with an
    unusable password.
    """
    subject = _claim_text(claims, "sub")
    try:
        national_id = canonical_national_id(_claim_text(claims, config.national_id_claim))
    except ValidationError:
        national_id = ""
    claimed = _claimed_companies(config, claims)
    identity = (
        BankIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=config.issuer, subject=subject)
        .first()
    )
    if identity is None:
        match = Q(subject=subject) | (Q(national_id=national_id) if national_id else Q(pk__in=[]))
        known = Enrolment.objects.filter(match, is_active=True, company__is_active=True).exists()
        registered = Company.objects.filter(
            tax_id__in=[c["tax_id"] for c in claimed], is_active=True
        ).exists()
        if not known and not registered:
            return _refuse(subject, national_id, "not_enrolled")
        user = do_create_user(
            email=_email_for(config, claims, subject),
            password=None,
            full_name=_claim_text(claims, config.name_claim)[:200],
        )
        identity = BankIdentity.objects.create(user=user, issuer=config.issuer, subject=subject)
        record(
            action="sso.identity.created",
            actor=user,
            obj=identity,
            data={"subject": subject, "national_id": national_id},
        )
    user = identity.user
    if not user.is_active:
        return _refuse(subject, national_id, "user_inactive")
    identity.national_id = national_id
    identity.claimed_companies = claimed
    identity.last_sign_in = timezone.now()
    identity.save(update_fields=["national_id", "claimed_companies", "last_sign_in"])
    name = _claim_text(claims, config.name_claim)[:200]
    if name and name != user.full_name:
        User.objects.filter(pk=user.pk).update(full_name=name)
        user.full_name = name
    _sync_memberships(identity)
    if not Membership.objects.filter(user=user, company__is_active=True).exists():
        return _refuse(subject, national_id, "not_enrolled")
    record(
        action="sso.signin.succeeded",
        actor=user,
        obj=identity,
        source=Source.WEB,
        data={"subject": subject},
    )
    return SignInResult(user=user, identity=identity, subject=subject, national_id=national_id)


def _refuse(subject: str, national_id: str, reason: str) -> SignInResult:
    record(
        action="sso.signin.refused",
        source=Source.WEB,
        data={"subject": subject, "national_id": national_id, "reason": reason},
    )
    return SignInResult(
        user=None, identity=None, subject=subject, national_id=national_id, reason=reason
    )


def record_refused_token(*, reason: str, detail: str) -> None:
    """Audit an answer from the provider that failed verification (tampered, expired …)."""
    record(
        action="sso.signin.refused", source=Source.WEB, data={"reason": reason, "detail": detail}
    )


def do_remember_bank_session(*, identity: BankIdentity, session_key: str, sid: str) -> None:
    """Note which platform session belongs to which provider session (for back-channel logout).

    Rows older than a session can live are dropped here, so the table does not grow with
    sessions that simply expired.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    BankSession.objects.filter(identity=identity, created__lt=cutoff).delete()
    BankSession.objects.update_or_create(
        session_key=session_key, defaults={"identity": identity, "sid": sid}
    )


def do_forget_bank_session(*, session_key: str | None) -> None:
    if session_key:
        BankSession.objects.filter(session_key=session_key).delete()


def do_end_bank_sessions(
    *, issuer: str, subject: str, sid: str, session_store: type[SessionBase]
) -> int:
    """End the platform sessions a back-channel logout token names; returns how many.

    With ``sid`` only that provider session's platform sessions end; without it, all the
    subject's.
    """
    sessions = BankSession.objects.filter(identity__issuer=issuer)
    if subject:
        sessions = sessions.filter(identity__subject=subject)
    if sid:
        sessions = sessions.filter(sid=sid)
    keys: Iterable[str] = list(sessions.values_list("session_key", flat=True))
    for key in keys:
        session_store(session_key=key).delete()
    with transaction.atomic():
        deleted, _detail = BankSession.objects.filter(session_key__in=keys).delete()
    if keys:
        record(
            action="sso.session.ended",
            source=Source.SYSTEM,
            data={"subject": subject, "sid": sid, "sessions": len(list(keys))},
        )
    return deleted
