"""Tools › Set-up › Series and Bank accounts (thin views over the services)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from efactura.companies.acting import acting_company, acting_user, request_notes
from efactura.invoices import services
from efactura.invoices.models import Series
from efactura.payments import selectors as payment_selectors
from efactura.payments import services as payment_services
from efactura.payments.models import BankAccount
from efactura.web.views import company_required


class SeriesForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        help_text=gettext_lazy("Printed before the number, e.g. FV26 gives FV26000001."),
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=100, required=False)
    first_number = forms.IntegerField(label=gettext_lazy("First number"), min_value=1, initial=1)
    digits = forms.IntegerField(label=gettext_lazy("Digits"), min_value=1, max_value=12, initial=6)
    is_corrective = forms.BooleanField(
        label=gettext_lazy("For corrective invoices"), required=False
    )


class BankAccountForm(forms.Form):
    iban = forms.CharField(label=gettext_lazy("IBAN"), max_length=42)
    label = forms.CharField(label=gettext_lazy("Name"), max_length=100, required=False)
    make_default = forms.BooleanField(label=gettext_lazy("Default account"), required=False)

    def clean_iban(self) -> str:
        return payment_services.check_iban(self.cleaned_data["iban"])


def _writer(request: HttpRequest) -> None:
    if not request_notes(request).can_write:
        raise PermissionDenied(_("Your role in this company does not allow changing its set-up."))


@require_http_methods(["GET", "POST"])
@company_required
def series(request: HttpRequest) -> HttpResponse:
    """The company's invoice series with their next number; create one deliberately."""
    company = acting_company(request)
    form = SeriesForm(request.POST or None)
    status = 200
    if request.method == "POST":
        _writer(request)
        if form.is_valid():
            try:
                created = services.do_create_series(
                    company=company, actor=acting_user(request), **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                messages.success(
                    request, _("Series %(code)s is ready to use.") % {"code": created.code}
                )
                return redirect("web:series")
        status = 422
    rows = [
        {
            "series": s,
            "next": f"{s.code}{services.peek_number(company=company, series_code=s.code)}",
        }
        for s in Series.objects.filter(company=company)
    ]
    return render(
        request,
        "web/setup/series.html",
        {
            "section": "setup",
            "form": form,
            "rows": rows,
            "can_write": request_notes(request).can_write,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@company_required
def bank_accounts(request: HttpRequest) -> HttpResponse:
    """The company's bank accounts: pre-filled on invoices, debited by payment orders."""
    company = acting_company(request)
    form = BankAccountForm(request.POST or None)
    status = 200
    if request.method == "POST":
        _writer(request)
        if form.is_valid():
            try:
                account = payment_services.do_add_bank_account(
                    company=company, actor=acting_user(request), **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error("iban", exc)
            else:
                messages.success(
                    request, _("Account %(iban)s added.") % {"iban": account.formatted}
                )
                return redirect("web:bank_accounts")
        status = 422
    return render(
        request,
        "web/setup/bank_accounts.html",
        {
            "section": "setup",
            "form": form,
            "accounts": payment_selectors.list_bank_accounts(company=company),
            "can_write": request_notes(request).can_write,
        },
        status=status,
    )


@require_POST
@company_required
def bank_account_action(request: HttpRequest, account_id: int, action: str) -> HttpResponse:
    _writer(request)
    company, actor = acting_company(request), acting_user(request)
    try:
        if action == "default":
            payment_services.do_make_default_bank_account(
                company=company, actor=actor, account_id=account_id
            )
            messages.success(request, _("Default account changed."))
        elif action == "remove":
            payment_services.do_remove_bank_account(
                company=company, actor=actor, account_id=account_id
            )
            messages.success(request, _("Account removed."))
        else:
            raise Http404
    except BankAccount.DoesNotExist:
        raise Http404(_("No such account.")) from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("web:bank_accounts")
