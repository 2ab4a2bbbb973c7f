"""The public registration page: tax ID + code A + code B + company and administrator."""

from __future__ import annotations

from django import forms
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from efactura.accounts.choices import Language
from efactura.accounts.throttling import client_ip
from efactura.registration.selectors import registration_prefill
from efactura.registration.services import (
    RegistrationData,
    RegistrationRefused,
    check_register_company,
)
from efactura.web.views_setup import AccessibleForm

CODE_ATTRS = {
    "autocomplete": "off",
    "spellcheck": "false",
    "autocapitalize": "characters",
    "placeholder": "XXXX-XXXX-XXXX",
    "inputmode": "text",
    "maxlength": "20",
    "class": "code-input",
}


class RegistrationForm(AccessibleForm):
    tax_id = forms.CharField(
        label=gettext_lazy("Tax ID (NIF)"),
        max_length=20,
        help_text=gettext_lazy("The tax ID the invoices are addressed to, e.g. B12345674."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code_a = forms.CharField(
        label=gettext_lazy("Code A"),
        max_length=20,
        help_text=gettext_lazy("In the email that told you about the invoice."),
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )
    code_b = forms.CharField(
        label=gettext_lazy("Code B"),
        max_length=20,
        help_text=gettext_lazy("Given to you by the company that invoiced you."),
        widget=forms.TextInput(attrs=CODE_ATTRS),
    )
    legal_name = forms.CharField(
        label=gettext_lazy("Company legal name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    contact_email = forms.EmailField(
        label=gettext_lazy("Company email for invoices"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postal_code = forms.CharField(
        label=gettext_lazy("Postal code"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    city = forms.CharField(
        label=gettext_lazy("Town"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    province = forms.CharField(
        label=gettext_lazy("Province"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level1"}),
    )
    admin_name = forms.CharField(
        label=gettext_lazy("Your full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    admin_email = forms.EmailField(
        label=gettext_lazy("Your email (to log in)"),
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("At least 8 characters; not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of emails and pages"), choices=Language.choices
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("The two passwords are different."))
        return data


def _client_ip(request: HttpRequest) -> str:
    # X-Forwarded-For only as far as EFACTURA_TRUSTED_PROXIES proxies are known to add it:
    # the client writes the rest and would use it to dodge (or aim) the limit.
    return client_ip(request)[:64]


@never_cache
@csrf_protect
@sensitive_post_parameters("code_a", "code_b", "password", "password2")
def register(request: HttpRequest) -> HttpResponse:
    """Register a company with the two codes; on success the new administrator is logged in
    and lands in Invoices payable, where the released invoices are waiting."""
    if request.method == "POST":
        form = RegistrationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                company, user = check_register_company(
                    data=RegistrationData(
                        **{
                            name: data[name]
                            for name in RegistrationData.__dataclass_fields__
                            if name in data
                        }
                    ),
                    ip=_client_ip(request),
                )
            except RegistrationRefused as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                for field, errors in getattr(exc, "error_dict", {None: exc.error_list}).items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                request.session["efactura_company_id"] = company.pk
                from django.contrib import messages

                messages.success(
                    request,
                    _(
                        "Welcome to efactura. %(company)s is registered; the invoices waiting "
                        "for it are below."
                    )
                    % {"company": company.legal_name},
                )
                return redirect("web:payable")
        cleared = request.POST.copy()
        for secret in ("password", "password2"):
            cleared[secret] = ""
        form.data = cleared
    else:
        language = (get_language() or "es").split("-")[0]
        tax_id = request.GET.get("tax_id", "")[:20]
        # The invitation's link pre-fills the company's name and the address its supplier
        # already invoiced it at (registration stores them on the new company).
        prefill = registration_prefill(token=request.GET.get("invite", "")[:500], tax_id=tax_id)
        form = RegistrationForm(
            initial={
                "tax_id": tax_id,
                "language": language if language in Language.values else "es",
                **prefill,
            }
        )
    return render(request, "web/registration/register.html", {"form": form, "section": "register"})
