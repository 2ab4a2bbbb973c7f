"""The one place that decides, per request, the interface language and the acting company."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation

from efactura.companies.acting import request_notes
from efactura.companies.models import Membership
from efactura.companies.selectors import access_membership_by_company_id, list_memberships

SESSION_COMPANY_KEY = "efactura_company_id"
"""Session key holding the id of the company the user chose in the company switcher."""


class UserLanguageMiddleware:
    """Use the logged-in user's preferred language, if they chose one.

    Runs after ``LocaleMiddleware`` (which took the language cookie or the browser's
    ``Accept-Language``) and after authentication, so a saved preference wins on any device.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


def resolve_acting_membership(request: HttpRequest) -> Membership | None:
    """The membership the request acts through: the session's choice, else the first one.

    A stale choice (membership removed, company deactivated) silently falls back to the
    first remaining membership; ``None`` for anonymous users and users without companies.
    """
    user = request.user
    if not user.is_authenticated:
        return None
    chosen = request.session.get(SESSION_COMPANY_KEY)
    if isinstance(chosen, int):
        try:
            return access_membership_by_company_id(user=user, company_id=chosen)
        except Http404:
            request.session.pop(SESSION_COMPANY_KEY, None)
    return list_memberships(user=user).first()


class ActingCompanyMiddleware:
    """Decides, for every request, the acting user, membership and company.

    They are written once into the request's typed :class:`RequestNotes`; views never look a
    company up themselves: they read ``acting_company(request)`` and pass it to selectors,
    which is what keeps one company's data out of another's pages.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = resolve_acting_membership(request)
        notes = request_notes(request)
        notes.user = request.user if request.user.is_authenticated else None
        notes.membership = membership
        notes.company = membership.company if membership is not None else None
        return self.get_response(request)
