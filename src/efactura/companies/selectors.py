"""Reads on companies, memberships and API keys, scoped to the acting user or company."""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from efactura.accounts.models import User
from efactura.companies.choices import (
    API_KEY_LAST_USED_RESOLUTION_SECONDS,
    API_KEY_PREFIX,
    ApiScope,
)
from efactura.companies.models import ApiKey, Company, Membership
from efactura.companies.validators import canonical_tax_id


class InvalidApiKey(PermissionDenied):
    """The presented API key is unknown, malformed, revoked, or lacks the scope needed.

    One exception for every case, so a caller cannot learn which keys exist.
    """


def list_memberships(*, user: User) -> QuerySet[Membership]:
    """The companies ``user`` may act for (active companies only), by company name."""
    return (
        Membership.objects.filter(user=user, company__is_active=True)
        .select_related("company")
        .order_by("company__legal_name")
    )


def access_membership_by_company_id(*, user: User, company_id: int) -> Membership:
    """``user``'s membership in company ``company_id``; ``Http404`` when not a member.

    Not-found rather than forbidden, so nobody learns which company ids exist.
    """
    membership = list_memberships(user=user).filter(company_id=company_id).first()
    if membership is None:
        raise Http404("No such company.")
    return membership


def access_company_by_tax_id(*, tax_id: str) -> Company:
    """The company registered with ``tax_id`` (any spelling); ``Company.DoesNotExist`` if none.

    For operators (command line, admin) and routing, which act across companies.
    """
    try:
        canonical = canonical_tax_id(tax_id)
    except Exception:
        raise Company.DoesNotExist(tax_id) from None
    return Company.objects.get(tax_id=canonical)


def list_api_keys(*, company: Company) -> QuerySet[ApiKey]:
    """The acting company's API keys, newest first (revoked ones included)."""
    return ApiKey.objects.filter(company=company).select_related("created_by")


def access_api_key_by_id(*, company: Company, api_key_id: int) -> ApiKey:
    """One of the acting company's API keys; ``Http404`` for another company's key."""
    api_key = list_api_keys(company=company).filter(pk=api_key_id).first()
    if api_key is None:
        raise Http404("No such API key.")
    return api_key


def access_company_by_api_key(*, key: str, scope: ApiScope | str | None = None) -> Company:
    """The company an ERP acts for, from the clear API key it presented.

    Finds the row by its lookup prefix, compares SHA-256 hashes in constant time, refuses
    revoked keys, inactive companies and keys without ``scope``, and refreshes ``last_used``
    (at most once a minute).  Raises :class:`InvalidApiKey`.
    """
    from efactura.companies.services import hash_api_key

    parts = key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        raise InvalidApiKey("Invalid API key.")
    api_key = (
        ApiKey.objects.select_related("company")
        .filter(prefix=parts[1], revoked__isnull=True, company__is_active=True)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.key_hash, hash_api_key(key.strip())):
        raise InvalidApiKey("Invalid API key.")
    if scope is not None and str(scope) not in api_key.scopes:
        raise InvalidApiKey("This API key may not do that.")
    now = timezone.now()
    stale = now - timedelta(seconds=API_KEY_LAST_USED_RESOLUTION_SECONDS)
    if api_key.last_used is None or api_key.last_used < stale:
        # Bookkeeping only, not a business change: a plain update, no audit entry.
        ApiKey.objects.filter(pk=api_key.pk).update(last_used=now)
    return api_key.company
