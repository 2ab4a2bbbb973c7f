"""Pay from the inbox: choose invoices payable, make a SEPA transfer order (pain.001),
download it or hand it to the bank, and confirm it when the bank has paid.

Thin views over :mod:`efactura.payments.services`; the invoices' statuses change only when the
order is confirmed, through the invoices lifecycle service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from efactura.audit.choices import Source
from efactura.companies.acting import acting_company, acting_user, request_notes
from efactura.invoices.models import Invoice
from efactura.payments import selectors as payment_selectors
from efactura.payments import services as payment_services
from efactura.payments.models import BankAccount, PaymentOrder
from efactura.web.views import company_required


class PayForm(forms.Form):
    account = forms.ModelChoiceField(
        label=gettext_lazy("Pay from"), queryset=BankAccount.objects.none(), empty_label=None
    )
    execution_date = forms.DateField(
        label=gettext_lazy("Execution date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_execution_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["execution_date"]
        if value < timezone.localdate():
            raise ValidationError(_("The execution date cannot be in the past."))
        return value


def _order(request: HttpRequest, order_id: Any) -> PaymentOrder:
    try:
        return payment_selectors.access_payment_order_by_id(
            company=acting_company(request), order_id=order_id
        )
    except PaymentOrder.DoesNotExist:
        raise Http404(_("No such payment order.")) from None


@require_http_methods(["GET", "POST"])
@company_required
def pay(request: HttpRequest) -> HttpResponse:
    """The invoices that can be paid, those due within N days (or overdue) ticked."""
    company = acting_company(request)
    can_write = request_notes(request).can_write
    try:
        days = max(0, min(int(request.GET.get("days", payment_selectors.DEFAULT_DAYS)), 366))
    except ValueError:
        days = payment_selectors.DEFAULT_DAYS
    candidates = list(payment_selectors.list_payable_candidates(company=company))
    ordered = payment_selectors.ordered_invoice_ids(company=company)
    accounts = payment_selectors.list_bank_accounts(company=company)
    default = payment_selectors.default_bank_account(company=company)
    form = PayForm(
        request.POST or None,
        initial={"account": default, "execution_date": timezone.localdate()},
    )
    form.fields["account"].queryset = accounts  # type: ignore[attr-defined]
    status = 200
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(_("Your role in this company does not allow paying invoices."))
        chosen = request.POST.getlist("invoice")
        if form.is_valid():
            try:
                order = payment_services.do_create_payment_order(
                    company=company,
                    actor=acting_user(request),
                    invoice_ids=chosen,
                    account=form.cleaned_data["account"],
                    execution_date=form.cleaned_data["execution_date"],
                    source=Source.WEB,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            except Invoice.DoesNotExist:
                raise Http404(_("No such invoice.")) from None
            else:
                messages.success(
                    request,
                    _("Payment order %(id)s for %(total)s EUR is ready.")
                    % {"id": order.message_id, "total": order.total},
                )
                return redirect("web:payment_order", order_id=order.pk)
        status = 422
        selected = set(chosen)
    elif request.GET.getlist("invoice"):
        selected = set(request.GET.getlist("invoice"))
    else:
        selected = payment_selectors.default_selection(
            [i for i in candidates if str(i.pk) not in ordered], days=days
        )
    today = timezone.localdate()
    rows = [
        {
            "invoice": invoice,
            "outstanding": invoice.payable - invoice.paid_amount,
            "ordered": str(invoice.pk) in ordered,
            "selected": str(invoice.pk) in selected and str(invoice.pk) not in ordered,
            "overdue": invoice.due_date is not None and invoice.due_date < today,
            "iban": payment_services.creditor_account(invoice),
        }
        for invoice in candidates
    ]
    return render(
        request,
        "web/payments/pay.html",
        {
            "section": "payable",
            "form": form,
            "rows": rows,
            "days": days,
            "accounts": accounts,
            "orders": payment_selectors.list_payment_orders(company=company)[:20],
            "can_write": can_write,
        },
        status=status,
    )


@require_GET
@company_required
def order(request: HttpRequest, order_id: Any) -> HttpResponse:
    payment_order = _order(request, order_id)
    return render(
        request,
        "web/payments/order.html",
        {
            "section": "payable",
            "order": payment_order,
            "items": list(payment_order.items.select_related("invoice")),
            "hook": payment_services.hook_configured(),
            "can_write": request_notes(request).can_write,
            "today": timezone.localdate(),
        },
    )


@require_GET
@company_required
def order_file(request: HttpRequest, order_id: Any) -> HttpResponse:
    payment_order = _order(request, order_id)
    response = HttpResponse(bytes(payment_order.xml), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{payment_order.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@company_required
def order_action(request: HttpRequest, order_id: Any, action: str) -> HttpResponse:
    """Hand the order to the bank's hook, or confirm that the bank has paid it."""
    if not request_notes(request).can_write:
        raise PermissionDenied(_("Your role in this company does not allow paying invoices."))
    payment_order = _order(request, order_id)
    company, actor = acting_company(request), acting_user(request)
    try:
        if action == "send":
            payment_order = payment_services.do_send_payment_order(
                order=payment_order, company=company, actor=actor
            )
            if payment_order.state == PaymentOrder.State.SENT:
                messages.success(request, _("The payment order is with the bank."))
            else:
                messages.error(
                    request,
                    _("The bank did not take the payment order (%(detail)s); download it instead.")
                    % {"detail": payment_order.state_detail},
                )
        elif action == "confirm":
            payment_services.do_confirm_payment_order(
                order=payment_order, company=company, actor=actor, source=Source.WEB
            )
            messages.success(request, _("The invoices of this order are recorded as paid."))
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("web:payment_order", order_id=payment_order.pk)
