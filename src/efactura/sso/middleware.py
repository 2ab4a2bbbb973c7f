"""Content-Security-Policy allowance for the bank's sign-in.

Every page carries the logout form; for a session opened at the bank, logging out answers with
a redirect to the provider's ``end_session_endpoint`` (RP-initiated logout).  Browsers apply the
page's ``form-action`` directive to redirects that follow a form submission, so the provider's
origin is added to it whenever single sign-on is configured — and only then.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponseBase

from efactura.sso import config as sso_config


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class BankFormActionMiddleware:
    """Adds the provider's origin to ``form-action`` (django-csp's per-response update)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        current = sso_config.current()
        origin = _origin(current.issuer) if current is not None else ""
        if origin:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), origin]
            response._csp_update = update  # type: ignore[attr-defined]
        return response
