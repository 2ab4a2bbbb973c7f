"""Writes on companies, memberships and API keys.

Every function is keyword-only, runs in one transaction, takes the acting user (``actor``,
``None`` for the system or the command line run by an operator) and the edge it came through
(``source``), and records an audit entry.  Invalid input raises Django's ``ValidationError``
with a sentence in the active language, ready for a form, the CLI or the API.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efactura.accounts.models import User
from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.apikey_cache import forget_api_keys
from efactura.companies.choices import API_KEY_LOOKUP_LENGTH, API_KEY_PREFIX, ApiScope, Role
from efactura.companies.models import ApiKey, Company, Membership
from efactura.companies.validators import canonical_tax_id


def do_create_company(
    *,
    tax_id: str,
    legal_name: str,
    contact_email: str,
    address: str = "",
    postal_code: str = "",
    city: str = "",
    province: str = "",
    language: str = "es",
    actor: User | None = None,
    source: Source = Source.SYSTEM,
) -> Company:
    """Register a company; ``tax_id`` is validated and stored canonical.

    Raises ``ValidationError`` for an invalid tax ID, an empty name, a bad email, or a tax ID
    that is already registered (checked first for a clear message, and by the unique
    constraint in a race).
    """
    canonical = canonical_tax_id(tax_id)
    legal_name = legal_name.strip()
    if not legal_name:
        raise ValidationError(_("The company needs a legal name."), code="required")
    validate_email(contact_email)
    if Company.objects.filter(tax_id=canonical).exists():
        raise ValidationError(
            _("A company with tax ID %(tax_id)s is already registered.") % {"tax_id": canonical},
            code="duplicate",
        )
    country = canonical[:2]
    try:
        with transaction.atomic():
            company = Company.objects.create(
                tax_id=canonical,
                legal_name=legal_name,
                contact_email=contact_email.strip(),
                address=address.strip(),
                postal_code=postal_code.strip(),
                city=city.strip(),
                province=province.strip(),
                country="GR" if country == "EL" else country,
                language=language,
            )
            record(
                action="companies.company.created",
                actor=actor,
                company=company,
                obj=company,
                source=source,
                data={"tax_id": canonical, "legal_name": legal_name},
            )
    except IntegrityError:
        raise ValidationError(
            _("A company with tax ID %(tax_id)s is already registered.") % {"tax_id": canonical},
            code="duplicate",
        ) from None
    return company


@transaction.atomic
def do_add_membership(
    *,
    user: User,
    company: Company,
    role: Role | str,
    actor: User | None = None,
    source: Source = Source.SYSTEM,
) -> Membership:
    """Let ``user`` act for ``company`` with ``role``; refused if already a member."""
    if role not in Role.values:
        raise ValidationError(
            _("Unknown role %(role)s: use admin, accountant or viewer.") % {"role": role},
            code="invalid_role",
        )
    if Membership.objects.filter(user=user, company=company).exists():
        raise ValidationError(
            _("%(email)s is already a member of %(company)s.")
            % {"email": user.email, "company": company.legal_name},
            code="duplicate",
        )
    membership = Membership.objects.create(user=user, company=company, role=role)
    record(
        action="companies.membership.created",
        actor=actor,
        company=company,
        obj=membership,
        source=source,
        data={"user": user.email, "role": str(role)},
    )
    return membership


def hash_api_key(key: str) -> str:
    """SHA-256 (hex) of a clear API key.

    A fast hash is right here: keys carry about 190 bits of randomness, so unlike passwords
    they cannot be guessed from a leaked hash.
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _parse_scopes(scopes: Iterable[str]) -> list[str]:
    chosen: list[str] = []
    for scope in scopes:
        scope = scope.strip().lower()
        if not scope:
            continue
        if scope not in ApiScope.values:
            raise ValidationError(
                _("Unknown API key scope %(scope)s: use send, receive or status.")
                % {"scope": scope},
                code="invalid_scope",
            )
        if scope not in chosen:
            chosen.append(scope)
    if not chosen:
        raise ValidationError(_("Choose at least one scope for the API key."), code="no_scope")
    return [scope for scope in ApiScope.values if scope in chosen]


@transaction.atomic
def do_create_api_key(
    *,
    company: Company,
    name: str,
    scopes: Iterable[str],
    actor: User | None = None,
    source: Source = Source.SYSTEM,
) -> tuple[ApiKey, str]:
    """Create an API key for ``company``; returns the row and the clear key.

    The clear key is returned this once and never stored: show it to the person, who copies
    it into the ERP.  Format: ``efk_<12 lookup chars>_<secret>``.
    """
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the API key a name, e.g. the ERP using it."), code="required")
    chosen = _parse_scopes(scopes)
    lookup = secrets.token_hex(API_KEY_LOOKUP_LENGTH // 2)
    clear = f"{API_KEY_PREFIX}_{lookup}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        company=company,
        name=name,
        prefix=lookup,
        key_hash=hash_api_key(clear),
        scopes=chosen,
        created_by=actor,
    )
    record(
        action="companies.apikey.created",
        actor=actor,
        company=company,
        obj=api_key,
        source=source,
        data={"name": name, "prefix": lookup, "scopes": chosen},
    )
    return api_key, clear


@transaction.atomic
def do_revoke_api_key(
    *, api_key: ApiKey, actor: User | None = None, source: Source = Source.SYSTEM
) -> ApiKey:
    """Revoke ``api_key`` for good; revoking twice is harmless and recorded once."""
    updated = ApiKey.objects.filter(pk=api_key.pk, revoked__isnull=True).update(
        revoked=timezone.now()
    )
    api_key.refresh_from_db(fields=["revoked"])
    if updated:
        forget_api_keys()
        record(
            action="companies.apikey.revoked",
            actor=actor,
            company=api_key.company,
            obj=api_key,
            source=source,
            data={"name": api_key.name, "prefix": api_key.prefix},
        )
    return api_key
