"""Invoice pages: Invoices payable and issued, the invoice form, the invoice page, import.

Thin views (STYLE.md habit 1): each parses its input, takes ``acting_company(request)`` (resolved by
the middleware), reads through :mod:`efactura.invoices.selectors` — which scope everything to
that company, so another company's invoice is a 404 — calls one service to change anything
and renders.  Actions are POST with CSRF; viewers see no action buttons and the services
refuse them anyway.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from efactura.audit.choices import Source
from efactura.companies.acting import acting_company, acting_user, request_notes
from efactura.imports import services as import_services
from efactura.invoices import selectors, services, storage
from efactura.invoices.choices import RejectionReason, Route, Status, Transport
from efactura.invoices.codes import FACE_CODES, PEPPOL_CODES
from efactura.invoices.models import Invoice
from efactura.payments.selectors import (
    default_bank_account,
    open_payment_order,
    ordered_invoice_ids,
)
from efactura.signing.services import SigningRefused
from efactura.web import exports
from efactura.web.forms_invoices import (
    PAYMENT_MEANS_CHOICES,
    TAX_OPTIONS,
    AdjustmentFormSet,
    CancellationAnswerForm,
    CancellationRequestForm,
    ImportForm,
    InvoiceForm,
    LineFormSet,
    PaymentForm,
    RejectForm,
    build_draft,
    filled_forms,
    initial_from_invoice,
)
from efactura.web.list_rows import list_rows, rows_html
from efactura.web.views import company_required
from einvoice import formats, totals
from einvoice.errors import ConversionError, EInvoiceError, Violation

PAGE_SIZE = 50
SIDES: dict[str, Literal["issued", "received"]] = {"payable": "received", "issued": "issued"}


def _language(request: HttpRequest) -> str:
    return (
        "en"
        if (getattr(request, "LANGUAGE_CODE", "") or get_language() or "es").startswith("en")
        else "es"
    )


def _can_write(request: HttpRequest) -> bool:
    return request_notes(request).can_write


def _access(request: HttpRequest, invoice_id: Any) -> Invoice:
    """The invoice if the acting company is a side of it; 404 otherwise (never 403)."""
    try:
        return selectors.access_invoice_by_id(
            company=acting_company(request), invoice_id=invoice_id
        )
    except Invoice.DoesNotExist:
        raise Http404(_("No such invoice.")) from None


def violation_rows(violations: list[Violation], language: str) -> list[dict[str, Any]]:
    """Violations as the templates show them: rule id, where, sentence in the user's language."""
    return [
        {
            "rule": v.rule,
            "location": v.location,
            "invoice": v.invoice,
            "text": v.text(language),
            "detail": v.detail,
            "fatal": v.is_fatal,
        }
        for v in violations
    ]


# ---------------------------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------------------------


def _list_context(request: HttpRequest, section: str) -> dict[str, Any]:
    side = SIDES[section]
    filters = selectors.InvoiceFilters.from_query(request.GET)
    qs = selectors.list_invoices(company=acting_company(request), side=side, filters=filters)
    page = selectors.page_of(
        qs, sort=filters.sort, cursor=request.GET.get("after", ""), size=PAGE_SIZE
    )
    params = request.GET.copy()
    params.pop("after", None)
    base_query = params.urlencode()
    sort_links = {}
    for key in ("issue_date", "total", "due_date"):
        current = filters.sort.lstrip("-") == key
        descending = filters.sort.startswith("-")
        target = key if current and descending else f"-{key}"
        sort_params = params.copy()
        sort_params["sort"] = target
        sort_links[key] = {
            "url": "?" + sort_params.urlencode(),
            "active": current,
            "aria": ("descending" if descending else "ascending") if current else "none",
        }
    next_params = params.copy()
    next_params["after"] = page.next_cursor
    filtered = any(
        [
            filters.q,
            filters.party,
            filters.date_from,
            filters.date_to,
            filters.status,
            filters.amount_min is not None,
            filters.amount_max is not None,
        ]
    )
    ordered_ids = (
        ordered_invoice_ids(company=acting_company(request), invoice_ids=[i.pk for i in page.items])
        if side == "received" and page.items
        else set()
    )
    rows = list_rows(page.items, side=side, ordered_ids=ordered_ids)
    return {
        "section": section,
        "side": side,
        "filters": filters,
        "page": page,
        "rows": rows,
        "rows_html": rows_html(rows, side=side),
        "statuses": Status.choices,
        "sort_links": sort_links,
        "next_url": "?" + next_params.urlencode() if page.next_cursor else "",
        "first_url": "?" + base_query if page.has_previous else "",
        "csv_url": reverse(f"web:{section}_csv") + ("?" + base_query if base_query else ""),
        "xlsx_url": reverse(f"web:{section}_xlsx") + ("?" + base_query if base_query else ""),
        "bulk_url": reverse(f"web:{section}_bulk"),
        "ordered_ids": ordered_ids,
        "filtered": filtered,
        "can_write": _can_write(request),
        "today": timezone.localdate(),
    }


@require_GET
@company_required
def payable(request: HttpRequest) -> HttpResponse:
    return render(request, "web/invoices/list.html", _list_context(request, "payable"))


@require_GET
@company_required
def issued(request: HttpRequest) -> HttpResponse:
    return render(request, "web/invoices/list.html", _list_context(request, "issued"))


def _csv(request: HttpRequest, section: str) -> StreamingHttpResponse:
    side = SIDES[section]
    filters = selectors.InvoiceFilters.from_query(request.GET)
    qs = selectors.list_invoices(company=acting_company(request), side=side, filters=filters)
    lines = exports.csv_lines(
        exports.headers(side), exports.rows(qs, side), spanish=_language(request) == "es"
    )
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="invoices-{section}-{stamp}.csv"'
    return response


@require_GET
@company_required
def payable_csv(request: HttpRequest) -> StreamingHttpResponse:
    return _csv(request, "payable")


@require_GET
@company_required
def issued_csv(request: HttpRequest) -> StreamingHttpResponse:
    return _csv(request, "issued")


# ---------------------------------------------------------------------------------------------
# The invoice form
# ---------------------------------------------------------------------------------------------


def _form_context(
    request: HttpRequest,
    form: InvoiceForm,
    lines: Any,
    adjustments: Any,
    *,
    corrected: Invoice | None,
    violations: list[dict[str, Any]] | None = None,
    show_errors: bool = True,
    negative_total: bool = False,
) -> dict[str, Any]:
    company = acting_company(request)
    return {
        "section": "issued",
        "form": form,
        "series_choices": form.fields["series"].choices,  # type: ignore[attr-defined]
        "negative_total": negative_total,
        "lines": lines,
        "adjustments": adjustments,
        "corrected": corrected,
        "violations": violations or [],
        "show_errors": show_errors,
        "tax_rates": {
            o.key: {
                "rate": str(o.rate or 0),
                "surcharge": str(o.surcharge or ""),
                "type": o.tax_type.name,
            }
            for o in TAX_OPTIONS
        },
        "company": company,
    }


def _corrected_from(request: HttpRequest, value: Any) -> Invoice | None:
    if not value:
        return None
    invoice = _access(request, value)
    if invoice.issuer_id != acting_company(request).pk:
        raise PermissionDenied(_("Only the issuer can correct an invoice."))
    return invoice


@require_http_methods(["GET", "POST"])
@company_required
def invoice_new(request: HttpRequest) -> HttpResponse:
    """Create and issue an invoice (or a corrective one, with ``?corrects=<id>``)."""
    if not _can_write(request):
        raise PermissionDenied(_("Your role in this company does not allow issuing invoices."))
    if request.method == "GET":
        corrected = _corrected_from(request, request.GET.get("corrects"))
        header: dict[str, Any] = {
            "issue_date": timezone.localdate(),
            "due_date": timezone.localdate() + dt.timedelta(days=30),
            "payment_means": "58",
            "customer_country": "ES",
        }
        line_initial: list[dict[str, Any]] = [{"quantity": 1, "tax": "IVA-21"}]
        account = default_bank_account(company=acting_company(request))
        if account is not None:
            header["iban"] = account.iban
        if corrected is not None:
            original_header, line_initial = initial_from_invoice(services.canonical(corrected))
            header |= original_header
            header["corrects"] = corrected.pk
        choices = _series_choices(request, corrective=corrected is not None)
        if choices:
            header["series"] = choices[0][0]
        form = InvoiceForm(initial=header, series_choices=choices)
        lines = LineFormSet(prefix="lines", initial=line_initial)
        adjustments = AdjustmentFormSet(prefix="adj")
        return render(
            request,
            "web/invoices/form.html",
            _form_context(request, form, lines, adjustments, corrected=corrected),
        )

    data = request.POST.copy()
    for prefix, button in (("lines", "add_line"), ("adj", "add_adjustment")):
        if button in data:
            # Without JavaScript, "Add a line" posts the form back with one more row.
            total = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
            data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    corrected = _corrected_from(request, data.get("corrects")) if data.get("corrects") else None
    form = InvoiceForm(
        data, series_choices=_series_choices(request, corrective=corrected is not None)
    )
    lines = LineFormSet(data, prefix="lines")
    adjustments = AdjustmentFormSet(data, prefix="adj")
    if "add_line" in data or "add_adjustment" in data:
        return render(
            request,
            "web/invoices/form.html",
            _form_context(
                request, form, lines, adjustments, corrected=corrected, show_errors=False
            ),
        )
    if form.is_valid() and lines.is_valid() and adjustments.is_valid():
        draft = build_draft(
            form.cleaned_data,
            [f.cleaned_data for f in filled_forms(lines)],
            [f.cleaned_data for f in filled_forms(adjustments)],
            corrected=services.canonical(corrected) if corrected else None,
        )
        if corrected is None and _mark_negative_lines(draft, lines):
            return render(
                request,
                "web/invoices/form.html",
                _form_context(
                    request, form, lines, adjustments, corrected=None, negative_total=True
                ),
                status=422,
            )
        try:
            invoice = services.do_issue_invoice(
                company=acting_company(request),
                actor=acting_user(request),
                draft=draft,
                series_code=form.cleaned_data.get("series", ""),
                customer_email=form.cleaned_data.get("customer_email", ""),
                source=Source.WEB,
                corrects=corrected,
            )
        except services.InvoiceRejected as exc:
            violations = _form_violations(form, exc.violations, _language(request))
        except SigningRefused as exc:
            violations = [
                {"rule": "SIGNING", "location": "", "text": " ".join(exc.messages), "fatal": True}
            ]
        else:
            text = _("Invoice %(number)s is issued, signed and %(route)s.") % {
                "number": invoice.full_number,
                "route": _route_sentence(invoice),
            }
            messages.success(request, text.replace("..", "."))  # names such as "S.A." end in a dot
            return redirect("web:invoice", invoice_id=invoice.pk)
        return render(
            request,
            "web/invoices/form.html",
            _form_context(
                request, form, lines, adjustments, corrected=corrected, violations=violations
            ),
            status=422,
        )
    return render(
        request,
        "web/invoices/form.html",
        _form_context(request, form, lines, adjustments, corrected=corrected),
        status=422,
    )


def _series_choices(request: HttpRequest, *, corrective: bool) -> list[tuple[str, str]]:
    return services.list_series_choices(company=acting_company(request), corrective=corrective)


def _mark_negative_lines(draft: Any, lines: Any) -> bool:
    """Mark the lines that make an ordinary invoice's total negative; True if it is negative."""
    try:
        total = totals.compute(draft).totals.invoice_total
    except EInvoiceError:
        return False  # the issuing service reports those problems with their rule ids
    if total >= 0:
        return False
    message = _(
        "An ordinary invoice cannot have a negative total: negative quantities and prices "
        "belong on a corrective invoice."
    )
    marked = False
    for line_form in filled_forms(lines):
        for name in ("quantity", "price"):
            value = line_form.cleaned_data.get(name)
            if value is not None and value < 0:
                line_form.add_error(name, message)
                marked = True
    if not marked:
        lines.forms[0].add_error(None, message)
    return True


def _form_violations(
    form: InvoiceForm, violations: list[Violation], language: str
) -> list[dict[str, Any]]:
    """The service's violations for the form: the customer's tax ID is marked on its field,
    and no row names the trial number of an invoice that was never issued."""
    rows = []
    for row in violation_rows(violations, language):
        if row["rule"] == "ES-TAXID-02":
            form.add_error("customer_tax_id", row["text"])
            continue
        rows.append({**row, "invoice": ""})
    return rows


def _route_sentence(invoice: Invoice) -> str:
    if invoice.route == Route.LOCAL:
        return _("already in %(company)s's Invoices payable") % {"company": invoice.route_detail}
    if invoice.route == Route.PEER:
        return _("on its way to %(peer)s") % {"peer": invoice.route_detail}
    return _("waiting for the customer to register")


def _decimal_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


@require_POST
@company_required
def invoice_preview(request: HttpRequest) -> JsonResponse:
    """Totals of the form as it stands, computed by ``einvoice.totals`` (the authority).

    Lines that are still incomplete are left out; the answer says how many were used.
    """
    form = InvoiceForm(request.POST)
    form.is_valid()  # only the tax-related fields matter here; the rest may be unfinished
    header: dict[str, Any] = {
        k: form.cleaned_data.get(k)
        for k in ("surcharge", "withholding", "issue_date")
        if k in form.cleaned_data
    }
    lines = LineFormSet(request.POST, prefix="lines")
    adjustments = AdjustmentFormSet(request.POST, prefix="adj")
    line_data = [f.cleaned_data for f in lines.forms if f.is_valid() and f.cleaned_data]
    adjustment_data = [f.cleaned_data for f in adjustments.forms if f.is_valid() and f.cleaned_data]
    draft = build_draft(header, line_data, adjustment_data)
    try:
        computed = totals.compute(draft)
    except EInvoiceError as exc:
        return JsonResponse(
            {"ok": False, "violations": violation_rows(exc.violations, _language(request))}
        )
    t = computed.totals
    return JsonResponse(
        {
            "ok": True,
            "lines_used": len(line_data),
            "lines": [_decimal_text(line.net_amount) for line in computed.lines],
            "breakdown": [
                {
                    "tax": row.tax_type.name,
                    "category": str(row.category),
                    "rate": _decimal_text(row.rate),
                    "base": _decimal_text(row.taxable_amount),
                    "amount": _decimal_text(row.tax_amount),
                    "surcharge_rate": _decimal_text(row.surcharge_rate),
                    "surcharge_amount": _decimal_text(row.surcharge_amount),
                }
                for row in computed.vat_breakdown
            ],
            "withholdings": [
                {
                    "rate": _decimal_text(w.rate),
                    "base": _decimal_text(w.base),
                    "amount": _decimal_text(w.amount),
                }
                for w in computed.withholdings
            ],
            "totals": {
                "lines": _decimal_text(t.line_net_total),
                "allowances": _decimal_text(t.allowance_total),
                "charges": _decimal_text(t.charge_total),
                "net": _decimal_text(t.tax_exclusive),
                "taxes": _decimal_text(t.vat_total),
                "withheld": _decimal_text(t.withheld_total),
                "total": _decimal_text(t.invoice_total),
                "payable": _decimal_text(t.payable),
            },
        }
    )


@require_GET
@company_required
def customer_search(request: HttpRequest) -> JsonResponse:
    """My earlier customers matching ``q`` (tax ID or name), for the form's autocomplete."""
    q = (request.GET.get("q") or "").strip()[:50]
    customers = selectors.list_customers(company=acting_company(request), q=q)[:10]
    return JsonResponse(
        {
            "results": [
                {
                    "tax_id": c.tax_id,
                    "name": c.name,
                    "email": c.email,
                    "address": c.address,
                    "postal_code": c.postal_code,
                    "city": c.city,
                    "province": c.province,
                    "country": c.country,
                }
                for c in customers
            ]
        }
    )


@require_GET
@company_required
def check_tax_id(request: HttpRequest) -> JsonResponse:
    """Is the customer's tax ID valid? The form asks as the person types (same rules as
    issuing: :func:`einvoice.identifiers.check_tax_id`)."""
    from efactura.web.forms_invoices import tax_id_message
    from einvoice.identifiers import check_tax_id as check

    value = (request.GET.get("tax_id") or "").strip()[:30]
    country = (request.GET.get("country") or "ES").strip().upper()[:2] or "ES"
    if not value:
        return JsonResponse({"valid": None, "message": ""})
    checked = check(value, country if country.isalpha() else "ES")
    return JsonResponse(
        {
            "valid": checked.valid,
            "value": checked.value,
            "message": "" if checked.valid else tax_id_message(checked),
        }
    )


# ---------------------------------------------------------------------------------------------
# The invoice page
# ---------------------------------------------------------------------------------------------


def _signature_view(signature: dict[str, Any], language: str) -> dict[str, Any] | None:
    if not signature:
        return None
    signer = signature.get("signer") or {}
    signing_time = None
    if signature.get("signing_time"):
        try:
            signing_time = dt.datetime.fromisoformat(signature["signing_time"])
        except ValueError:
            signing_time = None
    return {
        "status": signature.get("status", ""),
        "valid": signature.get("status") == "valid",
        "reason": signature.get("reason_es" if language == "es" else "reason") or "",
        "signer": signer.get("common_name") or signer.get("subject") or "",
        "signer_tax_id": signer.get("tax_id", ""),
        "issuer": signer.get("issuer", ""),
        "signing_time": signing_time,
        "policy_ok": signature.get("policy_ok"),
        "policy": signature.get("policy_identifier", ""),
        "role": signature.get("signer_role", ""),
        "test_seal": bool(signer.get("is_test")),
    }


def _amount(value: Decimal, language: str) -> str:
    """An amount written the way ``language`` writes numbers (1.234,50 or 1,234.50)."""
    from django.utils import translation
    from django.utils.formats import number_format

    with translation.override(language):
        return number_format(value, 2, use_l10n=True, force_grouping=True)


def _status_lines(invoice: Invoice, language: str) -> list[str]:
    """Short status sentences for the PDF's closing box, in the PDF's language."""
    es = language == "es"
    labels = {
        Status.RECEIVED: ("Recibida", "Received"),
        Status.READ: ("Leída por el cliente", "Read by the customer"),
        Status.ACCEPTED: ("Aceptada", "Accepted"),
        Status.REJECTED: ("Rechazada", "Rejected"),
        Status.PARTIALLY_PAID: ("Pagada parcialmente", "Partially paid"),
        Status.PAID: ("Pagada", "Paid"),
        Status.CANCELLATION_REQUESTED: ("Anulación solicitada", "Cancellation requested"),
        Status.CANCELLED: ("Anulada", "Cancelled"),
    }
    label = labels.get(Status(invoice.status), (invoice.status, invoice.status))[0 if es else 1]
    when = invoice.updated.date().strftime("%d/%m/%Y")  # Spanish and British English alike
    lines = [f"{'Estado' if es else 'Status'}: {label} ({when})"]
    face, peppol = FACE_CODES.get(invoice.status), PEPPOL_CODES.get(invoice.status)
    if face and peppol:
        lines.append(f"FACe {face[0]} · Peppol {peppol[0]}")
    if invoice.paid_amount:
        lines.append(
            f"{'Pagado' if es else 'Paid'}: {_amount(invoice.paid_amount, language)} "
            f"{invoice.currency}"
            + (f" ({invoice.paid_date:%d/%m/%Y})" if invoice.paid_date else "")
        )
    if invoice.status == Status.REJECTED and invoice.rejection_reason:
        lines.append(f"{'Motivo' if es else 'Reason'}: {invoice.rejection_reason[:200]}")
    if invoice.transport == Transport.AWAITING_REGISTRATION:
        lines.append(
            "Pendiente de que el cliente se registre"
            if es
            else "Awaiting the customer's registration"
        )
    return lines


def _signature_summary(sig: dict[str, Any] | None, language: str) -> str:
    if not sig:
        return ""
    es = language == "es"
    if sig["valid"]:
        when = sig["signing_time"].strftime("%d/%m/%Y %H:%M") if sig["signing_time"] else ""
        text = (
            f"Firmada electrónicamente (XAdES-EPES, política Facturae) por {sig['signer']} {when}"
            if es
            else f"Electronically signed (XAdES-EPES, Facturae policy) by {sig['signer']} {when}"
        )
        if sig["test_seal"]:
            text += " — sello de PRUEBAS" if es else " — TEST seal"
        return text.strip()
    return ("Firma no válida: " if es else "Invalid signature: ") + sig["reason"]


def _means_label(payment: Any) -> str:
    code = payment.means_code if payment is not None else ""
    return str(dict(PAYMENT_MEANS_CHOICES).get(code, code or ""))


@require_GET
@company_required
def invoice_detail(request: HttpRequest, invoice_id: Any) -> HttpResponse:
    invoice = _access(request, invoice_id)
    company = acting_company(request)
    if invoice.recipient_id == company.pk and invoice.read_at is None:
        services.do_mark_read(
            invoice=invoice, company=company, actor=acting_user(request), source=Source.WEB
        )
        invoice = _access(request, invoice_id)
    language = _language(request)
    canonical = services.canonical(invoice)
    is_issuer = invoice.issuer_id == company.pk
    is_recipient = invoice.recipient_id == company.pk
    status = invoice.status
    delivered = invoice.transport == Transport.DELIVERED or status != Status.RECEIVED
    actions = services.list_allowed_actions(
        invoice=invoice, company=company, actor=acting_user(request)
    )
    original = selectors.original_document(invoice=invoice)
    events = list(selectors.list_events(invoice=invoice))
    return render(
        request,
        "web/invoices/detail.html",
        {
            "section": "issued" if is_issuer else "payable",
            "invoice": invoice,
            "doc": canonical,
            "is_issuer": is_issuer,
            "is_recipient": is_recipient,
            "actions": actions,
            "any_action": any(actions.values()),
            "signature": _signature_view(invoice.signature, language),
            "events": events,
            # The codes describe the recipient's view: none until the invoice reached them.
            "face": FACE_CODES.get(status) if delivered else None,
            "peppol": PEPPOL_CODES.get(status) if delivered else None,
            "original": original,
            "documents": list(selectors.list_documents(invoice=invoice)),
            "corrections": list(selectors.visible_invoices(company).filter(corrects=invoice)),
            "corrected": selectors.visible_invoices(company).filter(pk=invoice.corrects_id).first()
            if invoice.corrects_id
            else None,
            "means_label": _means_label(canonical.payment),
            "reject_form": RejectForm(),
            "payment_form": PaymentForm(
                initial={
                    "amount": invoice.payable - invoice.paid_amount,
                    "date": timezone.localdate(),
                }
            ),
            "cancel_form": CancellationRequestForm(),
            "answer_form": CancellationAnswerForm(),
            "outstanding": invoice.payable - invoice.paid_amount,
            "payment_order": open_payment_order(company=company, invoice=invoice)
            if is_recipient
            else None,
            "today": timezone.localdate(),
            "withholdings": canonical.withholdings,
            "payment": canonical.payment,
            "Route": Route,
            "Transport": Transport,
        },
    )


_XML_NAMES = {
    "facturae": "Facturae 3.2.2",
    "ubl": "UBL (Peppol BIS 3)",
    "cii": "UN/CEFACT CII",
    "edifact": "UN/EDIFACT INVOIC (EN 16931)",
    "facturx": "Factur-X (PDF/A-3)",
}
_DOWNLOAD_FILES = {
    "facturae": ("application/xml", "facturae.xml"),
    "ubl": ("application/xml", "ubl.xml"),
    "cii": ("application/xml", "cii.xml"),
    "edifact": ("application/EDIFACT", "edifact.edi"),
    "facturx": ("application/pdf", "facturx.pdf"),
}


@require_GET
@company_required
def invoice_download(request: HttpRequest, invoice_id: Any, kind: str) -> HttpResponse:
    """The original file, the invoice in another format, or its PDF.

    An archived file that no longer matches its recorded hash is never served: the page says
    so (409) and the operators are alerted (by :func:`storage.read`).
    """
    invoice = _access(request, invoice_id)
    try:
        return _invoice_download(request, invoice, kind)
    except storage.ArchiveTampered:
        return render(
            request, "web/invoices/archive_damaged.html", {"invoice": invoice}, status=409
        )


def pdf_bytes(request: HttpRequest, invoice: Invoice) -> bytes:
    """The invoice's PDF in the request's language (invoice page and bulk zip), rendered once
    and then served from the document store (:mod:`efactura.invoices.pdfs`)."""
    from efactura.invoices.pdfs import invoice_pdf

    language = _language(request)
    sig = _signature_view(invoice.signature, language)
    pdf: bytes = invoice_pdf(
        invoice=invoice,
        language=language,
        status_lines=list(_status_lines(invoice, language)),
        signature_summary=_signature_summary(sig, language),
        test_seal=bool(sig and sig["test_seal"]),
    )
    return pdf


def _invoice_download(request: HttpRequest, invoice: Any, kind: str) -> HttpResponse:
    base = invoice.full_number.replace("/", "-") or str(invoice.pk)
    if kind == "original":
        document = selectors.original_document(invoice=invoice)
        if document is None:
            raise Http404(_("This invoice has no archived original."))
        data = storage.read(document)
        return _attachment(
            data, document.content_type, document.filename.split("/")[-1] or f"{base}.xml"
        )
    if kind == "pdf":
        response = _attachment(pdf_bytes(request, invoice), "application/pdf", f"{base}.pdf")
        if request.GET.get("inline"):
            # The preview frame on the invoice page: shown in place, framed by this site only.
            response["Content-Disposition"] = response["Content-Disposition"].replace(
                "attachment;", "inline;", 1
            )
            response["X-Frame-Options"] = "SAMEORIGIN"
            response._csp_replace = {"frame-ancestors": ["'self'"]}  # type: ignore[attr-defined]
        return response
    if kind not in _XML_NAMES:
        raise Http404
    if kind == "facturae":
        document = selectors.original_document(invoice=invoice)
        if document is not None and document.format == "facturae" and document.version == "3.2.2":
            # The signed original is the legal Facturae: served as archived, never re-rendered.
            return _attachment(
                storage.read(document),
                "application/xml",
                f"{base}.xsig" if document.signed else f"{base}.xml",
            )
    try:
        if kind == "facturx":
            from einvoice.formats import facturx

            sig = _signature_view(invoice.signature, _language(request))
            data = facturx.render(
                services.canonical(invoice),
                language=_language(request),
                test_seal=bool(sig and sig["test_seal"]),
            )
        else:
            data = formats.render(kind, [services.canonical(invoice)])
    except ConversionError as exc:
        language = _language(request)
        return render(
            request,
            "web/invoices/conversion_error.html",
            {
                "invoice": invoice,
                "format_name": _XML_NAMES[kind],
                "violations": violation_rows(exc.violations, language),
                "section": "issued"
                if invoice.issuer_id == acting_company(request).pk
                else "payable",
            },
            status=422,
        )
    content_type, suffix = _DOWNLOAD_FILES[kind]
    return _attachment(data, content_type, f"{base}-{suffix}")


def _attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    safe = "".join(ch if ch.isalnum() or ch in "-_.+" else "_" for ch in filename)
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------------------------
# Lifecycle actions
# ---------------------------------------------------------------------------------------------


@require_POST
@company_required
def invoice_action(request: HttpRequest, invoice_id: Any, action: str) -> HttpResponse:
    """Accept, reject, record a payment, ask for or answer a cancellation (one service each)."""
    invoice = _access(request, invoice_id)
    common: dict[str, Any] = {
        "invoice": invoice,
        "company": acting_company(request),
        "actor": acting_user(request),
        "source": Source.WEB,
    }
    done = ""
    try:
        if action == "accept":
            services.do_accept_invoice(**common)
            done = _("Invoice %(number)s is accepted.")
        elif action == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Say why the invoice is rejected."))
            services.do_reject_invoice(
                **common,
                reason=form.cleaned_data["reason"],
                code=form.cleaned_data["code"] or RejectionReason.OTH,
            )
            done = _("Invoice %(number)s is rejected; the supplier sees your reason.")
        elif action == "pay":
            pay_form = PaymentForm(request.POST)
            if not pay_form.is_valid():
                raise ValidationError([e for errors in pay_form.errors.values() for e in errors])
            services.do_record_payment(
                **common, amount=pay_form.cleaned_data["amount"], date=pay_form.cleaned_data["date"]
            )
            done = _("The payment of invoice %(number)s is recorded.")
        elif action == "cancel":
            cancel_form = CancellationRequestForm(request.POST)
            if not cancel_form.is_valid():
                raise ValidationError(_("Say why the invoice should be cancelled."))
            services.do_request_cancellation(**common, reason=cancel_form.cleaned_data["reason"])
            done = _("The cancellation of invoice %(number)s is requested.")
        elif action == "answer_cancellation":
            answer = CancellationAnswerForm(request.POST)
            if not answer.is_valid():
                raise ValidationError(_("Choose whether you accept the cancellation."))
            accept = answer.cleaned_data["answer"] == "accept"
            services.do_answer_cancellation(
                **common, accept=accept, reason=answer.cleaned_data.get("reason", "")
            )
            done = (
                _("Invoice %(number)s is cancelled.")
                if accept
                else _("You refused to cancel invoice %(number)s.")
            )
        else:
            raise Http404
    except Invoice.DoesNotExist:
        raise Http404(_("No such invoice.")) from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done % {"number": invoice.full_number})
    return redirect("web:invoice", invoice_id=invoice.pk)


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@company_required
def import_invoices(request: HttpRequest) -> HttpResponse:
    """Upload Facturae / UBL / CII files or a .zip; a report per file and per invoice."""
    can_write = _can_write(request)
    report = None
    status = 200
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(
                _("Your role in this company does not allow importing invoices.")
            )
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            files = [(f.name or "upload.xml", f.read()) for f in form.cleaned_data["files"]]
            if import_services.runs_in_background(files):
                # Large uploads go to the worker: the request returns at once, the job page
                # shows progress and then the report.
                job = import_services.do_start_import(
                    company=acting_company(request),
                    actor=acting_user(request),
                    files=files,
                    direction=form.cleaned_data["direction"],
                    source=Source.WEB,
                )
                return redirect("web:import_job", job_id=job.pk)
            report = services.do_import_files(
                company=acting_company(request),
                actor=acting_user(request),
                files=files,
                direction=form.cleaned_data["direction"],
                source=Source.WEB,
            )
            form = ImportForm(initial={"direction": form.cleaned_data["direction"]})
        else:
            status = 422
    else:
        form = ImportForm()
    language = _language(request)
    file_rows = []
    if report is not None:
        for file_report in report.files:
            file_rows.append(
                {
                    "report": file_report,
                    "violations": violation_rows(file_report.violations, language),
                    "warnings": violation_rows(file_report.warnings, language),
                    "invoices": [
                        {"item": item, "violations": violation_rows(item.violations, language)}
                        for item in file_report.invoices
                    ],
                }
            )
    return render(
        request,
        "web/invoices/import.html",
        {
            "section": "import",
            "form": form,
            "report": report,
            "file_rows": file_rows,
            "can_write": can_write,
        },
        status=status,
    )


__all__ = [
    "check_tax_id",
    "customer_search",
    "import_invoices",
    "invoice_action",
    "invoice_detail",
    "invoice_download",
    "invoice_new",
    "invoice_preview",
    "issued",
    "issued_csv",
    "payable",
    "payable_csv",
]
