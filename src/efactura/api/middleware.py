"""Every error under ``/api/`` is an RFC 9457 problem document, never an HTML page.

ninja turns the API's own exceptions into problem documents (``handlers.py``); what it never
sees — an unknown path (Django's 404), a method the route does not have (405), an exception
nobody caught (500), a refusal by middleware (CSRF 403, a too large body 413/400) — would
otherwise answer with Django's HTML pages.  This middleware rewrites those answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from efactura.api.problems import PROBLEM_CONTENT_TYPE, json_response, problem_body

log = logging.getLogger("efactura.api")

API_PREFIX = "/api/"

_TITLES: dict[int, tuple[str, Callable[[], str]]] = {
    400: ("bad-request", lambda: _("The request is not valid.")),
    403: ("forbidden", lambda: _("This request is not allowed.")),
    404: ("not-found", lambda: _("Not found.")),
    405: ("method-not-allowed", lambda: _("This method is not allowed here.")),
    413: ("request-too-large", lambda: _("The request is too large.")),
    500: ("internal-error", lambda: _("Something went wrong on the server.")),
}


def _problem(status: int, *, detail: str = "", allow: str = "") -> HttpResponse:
    slug, title = _TITLES.get(status, ("http-error", lambda: _("The request failed.")))
    headers = {"Allow": allow} if allow else None
    return json_response(
        status, problem_body(status=status, slug=slug, title=title(), detail=detail), headers
    )


class ApiProblemMiddleware:
    """Rewrites non-JSON error answers under ``/api/`` into problem documents."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith((PROBLEM_CONTENT_TYPE, "application/json")):
            return response
        detail = ""
        if response.status_code == 405:
            detail = _("Allowed methods: %(methods)s.") % {"methods": response.get("Allow", "")}
        rewritten = _problem(response.status_code, detail=detail, allow=response.get("Allow", ""))
        for header in ("Retry-After", "WWW-Authenticate"):
            if header in response:
                rewritten[header] = response[header]
        return rewritten

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
        from django.http import Http404
        from django.http.multipartparser import MultiPartParserError

        if isinstance(
            exception,
            Http404 | PermissionDenied | BadRequest | SuspiciousOperation | MultiPartParserError,
        ):
            # Django answers these itself (404, 403, 400); __call__ rewrites that answer.
            return None
        log.exception("Unhandled error in %s %s", request.method, request.path)
        return _problem(500)
