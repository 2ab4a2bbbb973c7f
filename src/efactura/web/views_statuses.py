"""The RD 238/2026 status steps of the invoice page beyond accept / reject / pay.

The recipient cancels its rejection or one of its payments; the issuer reports collection
(*cobro*) or default (*impago*) and cancels either.  Like the lifecycle actions of
:mod:`.views_invoices`: POST with CSRF, the acting company resolved by the middleware, one
service call (:mod:`efactura.invoices.services.statuses`) which checks the step against
:mod:`efactura.invoices.transitions` and the user's role.  A refused step comes back as the
service's translated message on the invoice page; a viewer or the wrong side gets 403, another
company's invoice 404.  The buttons themselves are in ``web/invoices/_status_steps.html``
(``{% status_steps %}``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from efactura.audit.choices import Source
from efactura.companies.acting import acting_company, acting_user
from efactura.invoices import selectors
from efactura.invoices.models import Invoice
from efactura.invoices.services import statuses
from efactura.web.forms_statuses import CancelPaymentForm, CollectionForm, StepNoteForm
from efactura.web.views import company_required

ISSUER_STEPS = ("settle", "cancel_settlement", "default", "cancel_default")
STATUS_STEPS = ("cancel_rejection", "cancel_payment", *ISSUER_STEPS)
"""The steps this module takes (the URL's ``step``)."""


def _form_errors(form: Any) -> ValidationError:
    return ValidationError([e for errors in form.errors.values() for e in errors])


def _done(step: str) -> str:
    """The sentence confirming each step (whole sentences, so each language words them well)."""
    return {
        "cancel_rejection": _(
            "The rejection of invoice %(number)s is cancelled; you can accept or reject it again."
        ),
        "cancel_payment": _("The payment of invoice %(number)s is cancelled."),
        "settle": _("Invoice %(number)s is reported as collected."),
        "cancel_settlement": _("The collection of invoice %(number)s is cancelled."),
        "default": _("Invoice %(number)s is reported as unpaid (default)."),
        "cancel_default": _("The default of invoice %(number)s is cancelled."),
    }[step]


def _take_step(request: HttpRequest, invoice: Invoice, step: str) -> None:
    common: dict[str, Any] = {
        "invoice": invoice,
        "company": acting_company(request),
        "actor": acting_user(request),
        "source": Source.WEB,
    }
    if step == "cancel_payment":
        pay_form = CancelPaymentForm(request.POST)
        if not pay_form.is_valid():
            raise ValidationError(_("Choose the payment to cancel."))
        statuses.do_cancel_payment(**common, payment_id=pay_form.cleaned_data["payment"])
        return
    if step in ("settle", "default"):
        form: StepNoteForm = CollectionForm(request.POST)
    else:
        form = StepNoteForm(request.POST)
    if not form.is_valid():
        raise _form_errors(form)
    reason = form.cleaned_data.get("reason", "")
    if step == "cancel_rejection":
        statuses.do_cancel_rejection(**common, reason=reason)
    else:
        statuses.do_report_collection(
            **common, step=step, date=form.cleaned_data.get("date"), reason=reason
        )


@require_POST
@company_required
def invoice_status_step(request: HttpRequest, invoice_id: Any, step: str) -> HttpResponse:
    """Take one status step on the invoice, then back to the invoice page with the outcome."""
    if step not in STATUS_STEPS:
        raise Http404
    try:
        invoice = selectors.access_invoice_by_id(
            company=acting_company(request), invoice_id=invoice_id
        )
        _take_step(request, invoice, step)
    except Invoice.DoesNotExist:
        raise Http404(_("No such invoice.")) from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _done(step) % {"number": invoice.full_number})
    return redirect("web:invoice", invoice_id=invoice_id)
