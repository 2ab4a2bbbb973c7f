"""Authentication of API requests: ``Authorization: Bearer efk_…``.

The gate runs before ninja reads any body, so it also enforces the request-size limit (413)
and the per-key rate limit (429).  A missing, malformed, unknown or revoked key is 401 with
one and the same answer, so nobody learns which keys exist.  Key look-ups are cached per
process for a few seconds (:mod:`efactura.companies.apikey_cache`); revoking a key empties
that cache.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from efactura.accounts import throttling
from efactura.accounts.throttling import client_ip
from efactura.api import ratelimit
from efactura.api.choices import DEFAULT_MAX_REQUEST_BYTES
from efactura.api.problems import ApiProblem
from efactura.companies.acting import acting_company, request_notes
from efactura.companies.apikey_cache import InvalidKey, authenticate_api_key
from efactura.companies.models import ApiKey, Company


def max_request_bytes() -> int:
    return int(getattr(settings, "EFACTURA_API_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES))


def check_request_size(request: HttpRequest) -> None:
    """413 when the declared body is larger than the limit (checked before reading it)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = max_request_bytes()
    if length > limit:
        raise ApiProblem(
            status=413,
            slug="request-too-large",
            title=_("The request is too large."),
            detail=_("The request has %(size)s bytes; the limit is %(limit)s bytes.")
            % {"size": f"{length:,}", "limit": f"{limit:,}"},
        )


AUTH_FAILURE_WINDOW_SECONDS = 15 * 60


def check_failed_authentications(client: str) -> None:
    """429 for a client that sent too many wrong API keys lately (guessing keys)."""
    limit = int(getattr(settings, "EFACTURA_API_AUTH_FAILURE_LIMIT", 20))
    wait = throttling.blocked_for(
        scope="api-auth", identity=client, limit=limit, window=AUTH_FAILURE_WINDOW_SECONDS
    )
    if wait is not None:
        raise ApiProblem(
            status=429,
            slug="too-many-failed-authentications",
            title=_("Too many failed authentications."),
            detail=_(
                "This client sent %(limit)s wrong or revoked API keys; "
                "try again in %(wait)s seconds."
            )
            % {"limit": limit, "wait": wait},
            headers={"Retry-After": str(wait)},
        )


def count_failed_authentication(client: str) -> None:
    throttling.count(scope="api-auth", identity=client, window=AUTH_FAILURE_WINDOW_SECONDS)


class ApiKeyAuth(HttpBearer):
    """Resolves the acting company and key from the bearer token into the request's typed
    notes (:func:`~efactura.companies.acting.request_notes`): ``company``, ``api_key`` (the
    actor of everything the call does) and ``scopes``."""

    def authenticate(self, request: HttpRequest, token: str) -> Company | None:
        client = client_ip(request)
        check_failed_authentications(client)
        try:
            company, api_key = authenticate_api_key(token)
        except InvalidKey:
            count_failed_authentication(client)
            return None
        wait = ratelimit.hit(f"key{api_key.pk}")
        if wait is not None:
            raise ApiProblem(
                status=429,
                slug="rate-limited",
                title=_("Too many requests."),
                detail=_(
                    "This API key made more than %(limit)s requests in %(window)s seconds; "
                    "try again in %(wait)s seconds."
                )
                % {
                    "limit": ratelimit.limits()[0],
                    "window": ratelimit.limits()[1],
                    "wait": wait,
                },
                headers={"Retry-After": str(wait)},
            )
        check_request_size(request)
        notes = request_notes(request)
        notes.company = company
        notes.api_key = api_key
        notes.scopes = frozenset(api_key.scopes)
        return company


def require_scope(request: HttpRequest, *scopes: str) -> Company:
    """The acting company, if the key holds one of ``scopes``; 403 otherwise."""
    notes = request_notes(request)
    if scopes and not notes.scopes.intersection(scopes):
        raise ApiProblem(
            status=403,
            slug="scope-missing",
            title=_("This API key may not do that."),
            detail=_("This operation needs an API key with the scope %(scopes)s.")
            % {"scopes": " / ".join(scopes)},
        )
    return acting_company(request)


def acting_key(request: HttpRequest) -> ApiKey:
    """The API key the call authenticated with: the actor of its audit entries and events."""
    api_key = request_notes(request).api_key
    assert api_key is not None, "ApiKeyAuth runs before every handler"
    return api_key
