"""Who a request acts as: the one typed place for the acting company, role and actor.

A web request acts through the logged-in user's membership (``ActingCompanyMiddleware``
decides which); an API request acts as its API key (``ApiKeyAuth`` decides).  Both write a
:class:`RequestNotes` onto the request and every view, handler and template reads it back with
:func:`request_notes` — no attribute is set on ``HttpRequest`` and silenced for the type
checker.  (The idea is Zulip's ``RequestNotes``.)

:func:`check_role` is the one permission rule for "may this actor change this company's data":
members by role, API keys by scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from efactura.companies.choices import Role

if TYPE_CHECKING:
    from efactura.accounts.models import User
    from efactura.companies.models import ApiKey, Company, Membership

type Actor = User | ApiKey | None
"""Who acts in a service: a user (web), an API key (ERP API), or ``None`` (the platform itself:
peers, housekeeping, the demo loader)."""

WRITE_ROLES = frozenset({Role.ADMIN, Role.ACCOUNTANT})
"""Roles that may change a company's data (issue, answer, manage codes …)."""

_NOTES_ATTRIBUTE = "_efactura_notes"


@dataclass(kw_only=True)
class RequestNotes:
    """Per-request facts decided once, at the edge, and read everywhere else.

    ``company`` is ``None`` for anonymous users and users without a company.  For an API
    request ``api_key`` is the key it authenticated with and ``scopes`` what that key may do.
    """

    user: User | None = None
    membership: Membership | None = None
    company: Company | None = None
    api_key: ApiKey | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def role(self) -> str | None:
        """The acting role: the membership's, or ``None`` (API keys act by scope)."""
        return self.membership.role if self.membership is not None else None

    @property
    def can_write(self) -> bool:
        """May this request change the acting company's data?  (Pages hide buttons by it.)"""
        return self.membership is not None and self.membership.role in WRITE_ROLES

    @property
    def is_admin(self) -> bool:
        return self.membership is not None and self.membership.role == Role.ADMIN

    @property
    def actor(self) -> Actor:
        """Who audit entries and permission checks see: the user, else the API key."""
        return self.user if self.user is not None else self.api_key


def request_notes(request: HttpRequest) -> RequestNotes:
    """The request's notes, created empty on first use."""
    notes = getattr(request, _NOTES_ATTRIBUTE, None)
    if notes is None:
        notes = RequestNotes()
        setattr(request, _NOTES_ATTRIBUTE, notes)
    assert isinstance(notes, RequestNotes)
    return notes


def acting_company(request: HttpRequest) -> Company:
    """The acting company of a page or API call that requires one (404 when there is none).

    Views behind ``company_required`` and handlers behind ``ApiKeyAuth`` always have one; the
    404 only guards a view that forgot its decorator.
    """
    company = request_notes(request).company
    if company is None:
        raise Http404
    return company


def acting_user(request: HttpRequest) -> User | None:
    """The logged-in user, or ``None`` (anonymous, or an API key)."""
    return request_notes(request).user


def actor_label(actor: Actor) -> str:
    """The readable name of ``actor`` kept on audit entries and timeline events."""
    from efactura.companies.models import ApiKey

    if isinstance(actor, ApiKey):
        return f"API key {actor.name} ({actor.prefix})"[:255]
    return actor.email if actor is not None else ""


def check_role(
    *,
    actor: Actor,
    company: Company,
    roles: frozenset[str] = WRITE_ROLES,
    scopes: frozenset[str] = frozenset(),
    message: str = "",
) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` may act for ``company``.

    * a user needs a membership of ``company`` with one of ``roles``;
    * an API key must belong to ``company`` and, when ``scopes`` is given, hold one of them;
    * ``None`` is the platform itself (peer messages, housekeeping, the demo loader): allowed.

    This is the one permission rule of the domain services; the edges only decide *who* acts.
    """
    if actor is None:
        return
    from efactura.companies.models import ApiKey, Membership

    if isinstance(actor, ApiKey):
        owned = actor.company_id == company.pk and actor.revoked is None
        if owned and (not scopes or scopes.intersection(actor.scopes)):
            return
    else:
        membership = Membership.objects.filter(user=actor, company=company).first()
        if membership is not None and membership.role in roles:
            return
    raise PermissionDenied(message or _("Your role in this company does not allow this."))
