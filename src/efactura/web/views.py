"""Pages of the web shell.

Views are thin (STYLE.md habit 1): they parse input, rely on ``acting_company(request)`` resolved by
:class:`~efactura.web.middleware.ActingCompanyMiddleware`, call one selector or service and
render.  They never write models themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from efactura.accounts import throttling
from efactura.accounts.models import User, normalise_email
from efactura.accounts.services import do_set_user_language
from efactura.accounts.throttling import client_ip
from efactura.audit.choices import Source
from efactura.companies.acting import acting_company, acting_user, request_notes
from efactura.companies.selectors import (
    access_api_key_by_id,
    access_membership_by_company_id,
    list_api_keys,
)
from efactura.companies.services import do_create_api_key, do_revoke_api_key
from efactura.notifications.selectors import access_outbox_email_by_id, list_outbox_emails
from efactura.web.forms import ApiKeyForm, EmailAuthenticationForm
from efactura.web.middleware import SESSION_COMPANY_KEY

View = Callable[..., HttpResponseBase]


def company_required(view: View) -> View:
    """Login required, and an acting company; users without one see an explanation page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request_notes(request).company is None:
            return render(request, "web/no_company.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def admin_role_required(view: View) -> View:
    """Only the acting company's administrators may use the page."""

    @company_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request_notes(request).is_admin:
            raise PermissionDenied(_("Only administrators of the company can do this."))
        return view(request, *args, **kwargs)

    return wrapper


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/help.html", {"section": "help"})


# -- API keys -------------------------------------------------------------------------------


@admin_role_required
def api_keys(request: HttpRequest) -> HttpResponse:
    """List the company's API keys and create one; the clear key is shown in this response only."""
    company = acting_company(request)
    new_key = ""
    if request.method == "POST":
        form = ApiKeyForm(request.POST)
        if form.is_valid():
            try:
                _api_key, new_key = do_create_api_key(
                    company=company,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    actor=acting_user(request),
                    source=Source.WEB,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                form = ApiKeyForm()
    else:
        form = ApiKeyForm()
    response = render(
        request,
        "web/setup_api_keys.html",
        {
            "section": "setup",
            "form": form,
            "new_key": new_key,
            "api_keys": list_api_keys(company=company),
        },
    )
    if new_key:
        response.headers["Cache-Control"] = "no-store"
    return response


@require_POST
@admin_role_required
def api_key_revoke(request: HttpRequest, api_key_id: int) -> HttpResponse:
    api_key = access_api_key_by_id(company=acting_company(request), api_key_id=api_key_id)
    do_revoke_api_key(api_key=api_key, actor=acting_user(request), source=Source.WEB)
    messages.success(request, _("The API key “%(name)s” is revoked.") % {"name": api_key.name})
    return redirect("web:api_keys")


# -- Company and language switchers ---------------------------------------------------------


@require_POST
@login_required
def switch_company(request: HttpRequest) -> HttpResponse:
    """Make another of the user's companies the acting one; 404 for a non-member company."""
    try:
        company_id = int(request.POST.get("company", ""))
    except ValueError:
        raise Http404("No such company.") from None
    user = acting_user(request)
    if user is None:
        raise Http404("No such company.")
    membership = access_membership_by_company_id(user=user, company_id=company_id)
    request.session[SESSION_COMPANY_KEY] = membership.company_id
    messages.success(
        request,
        _("You are now working for %(company)s.") % {"company": membership.company.legal_name},
    )
    return HttpResponseRedirect(_safe_next(request, reverse("web:home")))


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; remembered in a cookie and in the user's preferences."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request, reverse("web:home")))
    if language and check_for_language(language) and language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            do_set_user_language(user=request.user, language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
    return response


# -- Demo mail outbox (embedded mode only) --------------------------------------------------


def _require_outbox() -> None:
    if not settings.EMAIL_OUTBOX_ENABLED:
        raise Http404("The mail outbox exists only when no mail server is configured.")


def outbox_view(view: View) -> View:
    """The outbox page exists only in embedded mode (404 otherwise) and needs a login."""
    protected = login_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_outbox()
        return cast(HttpResponse, protected(request, *args, **kwargs))

    return wrapper


@outbox_view
def outbox(request: HttpRequest) -> HttpResponse:
    """Operators read every stored email; other users only those addressed to them."""
    emails = list_outbox_emails(user=cast(User, request.user))[:200]
    return render(request, "web/outbox.html", {"emails": emails})


@outbox_view
def outbox_email(request: HttpRequest, email_id: int) -> HttpResponse:
    email = access_outbox_email_by_id(email_id=email_id, user=cast(User, request.user))
    return render(request, "web/outbox_email.html", {"email": email})


@outbox_view
@xframe_options_sameorigin
def outbox_email_html(request: HttpRequest, email_id: int) -> HttpResponse:
    """The HTML part, shown inside a sandboxed frame: no scripts, no forms, no network.

    ``allow-same-origin`` (scripts stay off) lets the outbox page measure the email and make
    the frame as tall as it, so a long email is never cut."""
    email = access_outbox_email_by_id(email_id=email_id, user=cast(User, request.user))
    if not email.html:
        raise Http404("This email has no HTML part.")
    response = HttpResponse(email.html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = (
        "sandbox allow-same-origin; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    )
    return response


# -- Authentication (Django's views, our templates and form) --------------------------------


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset flow; links in the email use ``EFACTURA_BASE_URL``."""

    success_url = reverse_lazy("password_reset_done")
    html_email_template_name = "registration/password_reset_email_html.html"

    def form_valid(self, form: Any) -> HttpResponse:
        # Each client, and each address, may ask for a few links per hour: the form sends
        # email to anyone's address and must not become a way to flood a mailbox.
        limit = settings.EFACTURA_PASSWORD_RESET_LIMIT
        identities = [
            ("password-reset-client", client_ip(self.request)),
            ("password-reset-email", normalise_email(form.cleaned_data.get("email", ""))),
        ]
        waits = [
            throttling.blocked_for(scope=scope, identity=who, limit=limit, window=3600)
            for scope, who in identities
        ]
        if any(wait is not None for wait in waits):
            minutes = max(1, -(-max(w for w in waits if w is not None) // 60))
            form.add_error(
                None,
                _("Too many password-reset requests. Please try again in %(minutes)d minutes.")
                % {"minutes": minutes},
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        for scope, who in identities:
            throttling.count(scope=scope, identity=who, window=3600)
        self.extra_email_context = {"base_url": settings.EFACTURA_BASE_URL}
        return super().form_valid(form)
