"""Tools › Set-up › Notifications and Manage codes (thin views over the services)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from efactura.audit.choices import Source
from efactura.companies.acting import acting_company, acting_user, request_notes
from efactura.companies.validators import canonical_tax_id
from efactura.notifications.models import Notification
from efactura.notifications.selectors import access_notification_by_id, list_notifications
from efactura.notifications.services import (
    do_resend_invitation,
    do_resend_notification,
    do_update_notification_settings,
    settings_for,
)
from efactura.registration.selectors import list_used_issuer_codes, list_waiting_customers
from efactura.registration.services import do_generate_issuer_code, do_revoke_issuer_code
from efactura.web.views import admin_role_required, company_required

ADDRESS_HELP = gettext_lazy("One address per line, or separated by commas. Leave empty for none.")


class AccessibleForm(forms.Form):
    """Links each input to its help and error texts (``aria-describedby``, ``aria-invalid``)."""

    def full_clean(self) -> None:
        super().full_clean()
        for name, field in self.fields.items():
            described = []
            if field.help_text:
                described.append(f"id_{name}-help")
            if self.is_bound and name in self.errors:
                field.widget.attrs["aria-invalid"] = "true"
                described.append(f"id_{name}-error")
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}-help"


class AddressListField(forms.CharField):
    """A textarea of addresses: one per line or comma-separated (validated by the service)."""

    widget = forms.Textarea(attrs={"rows": 2, "autocomplete": "off", "spellcheck": "false"})

    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [
            part.strip()
            for part in text.replace(";", ",").replace("\n", ",").split(",")
            if part.strip()
        ]

    def prepare_value(self, value: object) -> object:
        if isinstance(value, list):
            return "\n".join(value)
        return value


class NotificationSettingsForm(AccessibleForm):
    email_customer_on_issue = forms.BooleanField(
        label=gettext_lazy("Email my customer when I issue an invoice"),
        required=False,
        help_text=gettext_lazy(
            "Sent to the address given on the invoice, else the one in the customer record. "
            "Customers who are not registered always receive the invitation to register."
        ),
    )
    attach_pdf = forms.BooleanField(label=gettext_lazy("Attach the invoice as PDF"), required=False)
    invoice_received_emails = AddressListField(
        label=gettext_lazy("When an invoice arrives"), required=False, help_text=ADDRESS_HELP
    )
    status_changed_emails = AddressListField(
        label=gettext_lazy("When an invoice's status changes (accepted, rejected, paid…)"),
        required=False,
        help_text=ADDRESS_HELP,
    )
    delivery_failed_emails = AddressListField(
        label=gettext_lazy("When a delivery fails"), required=False, help_text=ADDRESS_HELP
    )
    certificate_expiring_emails = AddressListField(
        label=gettext_lazy("When a signing certificate is about to expire (30 days before)"),
        required=False,
        help_text=ADDRESS_HELP,
    )

    deadline_digest_emails = AddressListField(
        label=gettext_lazy(
            "Daily digest of invoices awaiting our answer (4-day period, RD 238/2026)"
        ),
        required=False,
        help_text=ADDRESS_HELP,
    )

    ADDRESS_FIELDS = (
        "invoice_received_emails",
        "status_changed_emails",
        "delivery_failed_emails",
        "certificate_expiring_emails",
        "deadline_digest_emails",
    )


@admin_role_required
def setup_notifications(request: HttpRequest) -> HttpResponse:
    """The company's notification settings and the log of its recent emails."""
    company = acting_company(request)
    current = settings_for(company)
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                do_update_notification_settings(
                    company=company,
                    actor=acting_user(request),
                    source=Source.WEB,
                    **{name: data[name] for name in form.fields},
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Notification settings saved."))
                return redirect("web:notifications")
    else:
        form = NotificationSettingsForm(
            initial={name: getattr(current, name) for name in NotificationSettingsForm.base_fields}
        )
    return render(
        request,
        "web/notifications/setup.html",
        {
            "section": "setup",
            "form": form,
            "address_fields": [form[name] for name in NotificationSettingsForm.ADDRESS_FIELDS],
            "emails": list_notifications(company=company)[:50],
        },
    )


@require_POST
@admin_role_required
def notification_resend(request: HttpRequest, notification_id: int) -> HttpResponse:
    company = acting_company(request)
    try:
        notification = access_notification_by_id(company=company, notification_id=notification_id)
        do_resend_notification(
            company=company, actor=acting_user(request), notification=notification
        )
    except Notification.DoesNotExist:
        raise Http404("No such email.") from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The email is queued to be sent again."))
    return redirect("web:notifications")


# -- Manage codes ---------------------------------------------------------------------------


@company_required
def setup_codes(request: HttpRequest) -> HttpResponse:
    """Customers waiting to register with our invoices, their code B, and codes used."""
    company = acting_company(request)
    new_code = request.session.pop("efactura_new_code_b", None)
    response = render(
        request,
        "web/registration/codes.html",
        {
            "section": "setup",
            "customers": list_waiting_customers(company=company),
            "used_codes": list_used_issuer_codes(company=company),
            "new_code": new_code,
            "can_write": request_notes(request).can_write,
        },
    )
    if new_code:
        response.headers["Cache-Control"] = "no-store"
    return response


def _posted_tax_id(request: HttpRequest) -> str:
    try:
        return canonical_tax_id(request.POST.get("tax_id", ""))
    except ValidationError:
        raise Http404("No such customer.") from None


@require_POST
@company_required
def code_action(request: HttpRequest) -> HttpResponse:
    """Generate/regenerate or revoke a code B, or resend the invitation (code A)."""
    company = acting_company(request)
    tax_id = _posted_tax_id(request)
    action = request.POST.get("action", "")
    try:
        if action == "generate":
            _row, clear = do_generate_issuer_code(
                company=company,
                actor=acting_user(request),
                tax_id=tax_id,
                source=Source.WEB,
            )
            # Shown once, on the next page only (post/redirect/get keeps it out of history).
            request.session["efactura_new_code_b"] = {"tax_id": tax_id, "code": clear}
        elif action == "revoke":
            if do_revoke_issuer_code(company=company, actor=acting_user(request), tax_id=tax_id):
                messages.success(
                    request, _("Code B for %(tax_id)s is revoked.") % {"tax_id": tax_id}
                )
        elif action == "invite":
            notification = do_resend_invitation(
                company=company, actor=acting_user(request), tax_id=tax_id
            )
            if notification is not None:
                messages.success(
                    request,
                    _("A new invitation with a new code A is on its way to %(email)s.")
                    % {"email": ", ".join(notification.to)},
                )
        else:
            raise Http404("Unknown action.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("web:codes")
