"""Tools › Set-up › Certificates: the company's signing certificate and signing policy.

Every member sees how the company's invoices are signed; only administrators upload, remove
or change the policy.  Views stay thin: parse the form, call one signing service, render.
The certificate's key and password never appear in a response, a log or an error report
(``sensitive_post_parameters`` keeps the password out of Django's error emails).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from efactura.audit.choices import Source
from efactura.companies.acting import acting_company, acting_user, request_notes
from efactura.signing.choices import EXPIRY_WARNING_DAYS
from efactura.signing.selectors import access_certificate_by_id, signing_overview
from efactura.signing.services import do_remove_certificate, do_set_policy, do_upload_certificate
from efactura.web.forms_certificates import CertificateUploadForm, SigningPolicyForm
from efactura.web.views import company_required


def _is_admin(request: HttpRequest) -> bool:
    return request_notes(request).is_admin


def _require_admin(request: HttpRequest) -> None:
    if not _is_admin(request):
        raise PermissionDenied(_("Only administrators of the company can change certificates."))


def _page(
    request: HttpRequest,
    *,
    upload_form: CertificateUploadForm | None = None,
    policy_form: SigningPolicyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    company = acting_company(request)
    overview = signing_overview(company=company)
    context: dict[str, Any] = {
        "section": "setup",
        "overview": overview,
        "is_admin": _is_admin(request),
        "upload_form": upload_form or CertificateUploadForm(),
        "policy_form": policy_form or SigningPolicyForm(initial={"policy": overview.policy}),
        "warning_days": EXPIRY_WARNING_DAYS,
    }
    response = render(request, "web/certificates/index.html", context, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD"])
@company_required
def certificates(request: HttpRequest) -> HttpResponse:
    return _page(request)


@sensitive_post_parameters("password")
@require_POST
@company_required
def certificate_upload(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = CertificateUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            certificate = do_upload_certificate(
                company=acting_company(request),
                actor=acting_user(request),
                p12=upload.read(),
                password=form.cleaned_data["password"],
                filename=upload.name or "",
                source=Source.WEB,
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(
                request,
                _("The certificate of %(name)s is uploaded and now signs your invoices.")
                % {"name": certificate.common_name or certificate.subject},
            )
            return redirect("web:certificates")
    return _page(request, upload_form=form, status=400)


@require_POST
@company_required
def certificate_remove(request: HttpRequest, certificate_id: int) -> HttpResponse:
    _require_admin(request)
    company = acting_company(request)
    certificate = access_certificate_by_id(company=company, certificate_id=certificate_id)
    try:
        do_remove_certificate(
            company=company,
            actor=acting_user(request),
            certificate_id=certificate.pk,
            source=Source.WEB,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The certificate of %(name)s is removed; its private key has been erased.")
            % {"name": certificate.common_name or certificate.subject},
        )
    return redirect("web:certificates")


@require_POST
@company_required
def signing_policy(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = SigningPolicyForm(request.POST)
    if form.is_valid():
        try:
            changed = do_set_policy(
                company=acting_company(request),
                actor=acting_user(request),
                policy=form.cleaned_data["policy"],
                source=Source.WEB,
            )
        except ValidationError as exc:
            form.add_error("policy", exc)
        else:
            if changed:
                messages.success(request, _("The way your invoices are signed is saved."))
            return redirect("web:certificates")
    return _page(request, policy_form=form, status=400)
