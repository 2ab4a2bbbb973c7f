"""Tools › Set-up › Webhooks: the company's webhook addresses and their delivery log.

Administrators only.  The signing secret is shown once, right after creating the webhook,
like an API key.  Thin views: the form parses, one service acts (efactura.api.services).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from efactura.api.choices import WebhookEvent
from efactura.api.selectors import access_webhook_by_id, list_webhook_deliveries, list_webhooks
from efactura.api.services import do_create_webhook, do_delete_webhook
from efactura.audit.choices import Source
from efactura.companies.acting import acting_company, acting_user
from efactura.web.views import admin_role_required


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=gettext_lazy("Address (URL)"),
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy(
            "Where your programme listens, e.g. https://erp.example.com/efactura"
        ),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Tell me when"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(WebhookEvent.values),
    )


@admin_role_required
def webhooks(request: HttpRequest) -> HttpResponse:
    """List and create webhooks; show the latest deliveries with their outcome."""
    company = acting_company(request)
    new_secret = ""
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                _webhook, new_secret = do_create_webhook(
                    company=company,
                    url=form.cleaned_data["url"],
                    events=form.cleaned_data["events"],
                    actor=acting_user(request),
                    source=Source.WEB,
                )
            except ValidationError as exc:
                form.add_error("url", exc)
            else:
                form = WebhookForm()
    else:
        form = WebhookForm()
    response = render(
        request,
        "web/setup_webhooks.html",
        {
            "section": "setup",
            "form": form,
            "new_secret": new_secret,
            "webhooks": list_webhooks(company=company),
            "deliveries": list_webhook_deliveries(company=company, limit=50),
        },
    )
    if new_secret:
        response.headers["Cache-Control"] = "no-store"
    return response


@require_POST
@admin_role_required
def webhook_delete(request: HttpRequest, webhook_id: int) -> HttpResponse:
    webhook = access_webhook_by_id(company=acting_company(request), webhook_id=webhook_id)
    url = webhook.url
    do_delete_webhook(webhook=webhook, actor=acting_user(request), source=Source.WEB)
    messages.success(request, _("The webhook %(url)s is deleted.") % {"url": url})
    return redirect("web:webhooks")
