"""Every error under ``/api/`` is an RFC 9457 problem document, never an HTML page.

ninja turns the API's own exceptions into problem documents (``handlers.py``); what it never
sees — an unknown path (Django's 404), a method the route does not have (405), an exception
nobody caught (500), a refusal by middleware (CSRF 403, a too large body 413/400) — would
otherwise answer with Django's HTML pages.  This middleware rewrites those answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from efactura.api.problems import PROBLEM_CONTENT_TYPE, json_response, problem_body

log = logging.getLogger("efactura.api")

API_PREFIX = "/api/"
DOCS_PREFIX = "/api/v1/docs"
"""The Swagger page is a web page (scripts, styles, CSP): it keeps the whole stack."""

API_RESPONSE_HEADERS = {
    # A JSON answer runs no script and is never framed: the strictest policy there is.
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
}

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


class _ApiHandler(BaseHandler):
    """The request handler behind :class:`ApiRouteMiddleware`: Django's URL resolution and
    view call, inside ``settings.EFACTURA_API_MIDDLEWARE`` instead of ``MIDDLEWARE``."""

    def load_middleware(self, is_async: bool = False) -> None:
        # The same assembly as Django's (synchronous only): each middleware wraps the next,
        # its process_view / process_exception hooks are registered for _get_response.
        self._view_middleware: list[Callable[..., object]] = []
        self._template_response_middleware: list[Callable[..., object]] = []
        self._exception_middleware: list[Callable[..., object]] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for path in reversed(settings.EFACTURA_API_MIDDLEWARE):
            instance = import_string(path)(handler)
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


def is_api_call(path: str) -> bool:
    """A machine call to the API (an API key, JSON in and out), not its documentation page."""
    return path.startswith(API_PREFIX) and not path.startswith(DOCS_PREFIX)


class ApiRouteMiddleware:
    """Outermost: sends API calls through a short middleware stack of their own.

    An API call authenticates with its key and answers JSON, so the web's sessions, CSRF,
    messages, login lockout, acting-company and per-user language steps have nothing to do
    for it; they were about a tenth of every API request's time.  The API's stack
    (``EFACTURA_API_MIDDLEWARE``) keeps the security headers, the problem documents, the
    request's language, the host check, and sets the strict CSP and framing headers of a JSON
    answer.  Everything else (the pages, ``/api/v1/docs``) goes down ``MIDDLEWARE``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.api = _ApiHandler()
        self.api.load_middleware()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api_call(request.path_info):
            response = cast(HttpResponse, self.api._middleware_chain(request))
            for name, value in API_RESPONSE_HEADERS.items():
                response.headers.setdefault(name, value)
            return response
        return self.get_response(request)
