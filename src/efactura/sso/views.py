"""Pages of the online-banking sign-in: start, callback, logout, back-channel logout.

Thin (STYLE.md habit 1): Authlib and :mod:`efactura.sso.client` talk to the provider, then one
service maps the verified claims to a user.  Every failure renders a page that says what
happened in the visitor's language, never a traceback.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from joserfc.errors import JoseError

from efactura.sso import client as oidc
from efactura.sso import config as sso_config
from efactura.sso import services

log = logging.getLogger(__name__)

BACKEND = "efactura.sso.backends.BankBackend"
SESSION_NEXT = "sso_next"
SESSION_ID_TOKEN = "sso_id_token"  # noqa: S105 - a session key name
SESSION_SID = "sso_sid"


def _absolute(path: str) -> str:
    return f"{settings.EFACTURA_BASE_URL}{path}"


def _safe_next(request: HttpRequest, target: str) -> str:
    """Only paths on this site; anything else lands in Invoices payable."""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:payable")


def _problem(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    return render(request, "sso/problem.html", {"title": title, "text": text}, status=status)


def _not_configured(request: HttpRequest) -> HttpResponse:
    return _problem(
        request,
        404,
        _("Sign-in from online banking is not available"),
        _(
            "This platform is not connected to a bank's sign-in. "
            "Log in with your email address and password."
        ),
    )


def _unreachable(request: HttpRequest) -> HttpResponse:
    return _problem(
        request,
        502,
        _("The bank's sign-in service cannot be reached"),
        _("Please try again in a few minutes. If it keeps happening, contact your bank."),
    )


@never_cache
@require_GET
def sso_login(request: HttpRequest) -> HttpResponse:
    """Start the authorization-code flow; ``?next=`` is where the person lands afterwards."""
    config = sso_config.current()
    if config is None:
        return _not_configured(request)
    try:
        oidc.metadata(config)
        client = oidc.oidc_client(config)
        request.session[SESSION_NEXT] = _safe_next(request, request.GET.get("next", ""))
        language = getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE
        return client.authorize_redirect(
            request, _absolute(reverse("sso:callback")), ui_locales=language
        )
    except (requests.RequestException, ValueError, JoseError) as exc:
        log.warning("sso: cannot start the sign-in: %s", exc)
        return _unreachable(request)


@never_cache
@require_GET
def sso_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back here with a code; verify, map, log in, redirect."""
    config = sso_config.current()
    if config is None:
        return _not_configured(request)
    client = oidc.oidc_client(config)
    try:
        token = client.authorize_access_token(
            request,
            claims_options=oidc.id_token_claims_options(config),
            leeway=config.clock_skew_seconds,
        )
        claims: dict[str, Any] = dict(token.get("userinfo") or {})
        if not claims.get("sub"):
            raise JoseError("the provider sent no ID token")
        claims = _with_userinfo(config, client, token, claims)
    except MismatchingStateError:
        return _problem(
            request,
            400,
            _("This sign-in link has expired"),
            _(
                "It was already used or is too old. "
                "Start again from the E-INVOICE tab of your online banking."
            ),
        )
    except OAuthError as exc:
        if exc.error in {"access_denied", "login_required", "interaction_required"}:
            return _problem(
                request,
                403,
                _("Sign-in cancelled"),
                _(
                    "The bank did not confirm who you are. "
                    "Start again from the E-INVOICE tab of your online banking."
                ),
            )
        log.warning("sso: the provider refused the sign-in: %s %s", exc.error, exc.description)
        services.record_refused_token(reason="provider_error", detail=str(exc.error))
        return _unreachable(request)
    except JoseError as exc:
        log.warning("sso: ID token refused: %s", exc)
        services.record_refused_token(reason="invalid_id_token", detail=f"{exc.error}: {exc}")
        return _problem(
            request,
            403,
            _("The bank's answer could not be verified"),
            _(
                "For your security you have not been signed in. Start again from the E-INVOICE tab "
                "of your online banking; if it happens again, contact your bank."
            ),
        )
    except (requests.RequestException, ValueError) as exc:
        log.warning("sso: the provider cannot be reached: %s", exc)
        return _unreachable(request)

    result = services.do_sign_in_bank_customer(config=config, claims=claims)
    if result.user is None or result.identity is None:
        return render(
            request,
            "sso/not_enrolled.html",
            {"subject": result.subject, "national_id": result.national_id},
            status=403,
        )
    next_url = request.session.pop(SESSION_NEXT, "") or reverse("web:payable")
    login(request, result.user, backend=BACKEND)
    request.session[SESSION_ID_TOKEN] = token.get("id_token", "")
    request.session[SESSION_SID] = str(claims.get("sid", ""))
    request.session.save()
    services.do_remember_bank_session(
        identity=result.identity,
        session_key=request.session.session_key or "",
        sid=str(claims.get("sid", "")),
    )
    return HttpResponseRedirect(_safe_next(request, next_url))


def _with_userinfo(
    config: sso_config.OidcConfig, client: Any, token: dict[str, Any], claims: dict[str, Any]
) -> dict[str, Any]:
    """Complete the ID token's claims from the userinfo endpoint when a mapped one is missing.

    Userinfo claims only count when their ``sub`` is the ID token's (OIDC Core §5.3.2).
    """
    wanted = [config.national_id_claim, config.companies_claim, config.name_claim]
    if all(not name or name in claims for name in wanted):
        return claims
    if not oidc.metadata(config).get("userinfo_endpoint") or not token.get("access_token"):
        return claims
    extra = dict(client.userinfo(token=token))
    if extra.get("sub") != claims["sub"]:
        return claims
    return {**extra, **claims}


class LogoutView(auth_views.LogoutView):
    """Django's logout, then — for a session opened at the bank — the provider's logout.

    RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) sends the browser to the
    provider's ``end_session_endpoint`` with the ID token as hint; the provider returns it to
    the login page.  ``EFACTURA_OIDC_PROVIDER_LOGOUT=0`` keeps the bank session open.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        id_token = request.session.get(SESSION_ID_TOKEN, "")
        services.do_forget_bank_session(session_key=request.session.session_key)
        response = super().post(request, *args, **kwargs)
        config = sso_config.current()
        if not id_token or config is None or not config.provider_logout:
            return response
        try:
            end_session = oidc.metadata(config).get("end_session_endpoint")
            if not end_session:
                return response
            messages.info(request, _("You have left efactura and your online banking session."))
            return oidc.oidc_client(config).logout_redirect(
                request,
                post_logout_redirect_uri=_absolute(reverse("login")),
                id_token_hint=id_token,
                client_id=config.client_id,
            )
        except (requests.RequestException, ValueError, JoseError) as exc:
            log.warning("sso: cannot reach the provider to end its session: %s", exc)
            return response


@csrf_exempt
@require_POST
def backchannel_logout(request: HttpRequest) -> HttpResponse:
    """The provider tells us a bank session ended (OpenID Connect Back-Channel Logout 1.0)."""
    config = sso_config.current()
    headers = {"Cache-Control": "no-store"}
    if config is None:
        return JsonResponse({"error": "invalid_request"}, status=400, headers=headers)
    token = request.POST.get("logout_token", "")
    try:
        claims = oidc.verify_logout_token(config, token)
    except (JoseError, ValueError) as exc:
        log.warning("sso: back-channel logout token refused: %s", exc)
        return JsonResponse({"error": "invalid_request"}, status=400, headers=headers)
    except requests.RequestException:
        return JsonResponse({"error": "temporarily_unavailable"}, status=503, headers=headers)
    engine = import_module(settings.SESSION_ENGINE)
    services.do_end_bank_sessions(
        issuer=config.issuer,
        subject=str(claims.get("sub", "")),
        sid=str(claims.get("sid", "")),
        session_store=engine.SessionStore,
    )
    return HttpResponse(status=200, headers=headers)
