"""Bulk actions on the invoice lists, and the XLSX export of a filtered list.

The lists post the ticked invoices (``invoice``) with one ``action``: accept, reject with one
reason, record payment (each invoice's outstanding amount), pay by transfer (to the
pay-from-inbox page), download PDFs and originals as a zip, export CSV or XLSX.  Every status
change goes through the invoices lifecycle service, one invoice at a time, so one refusal
does not undo the others; the page then says what was done and what was not, and why.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from efactura.audit.choices import Source
from efactura.companies.acting import acting_company, acting_user
from efactura.invoices import selectors, services, storage
from efactura.invoices.models import Invoice
from efactura.web import exports
from efactura.web.views import company_required
from efactura.web.views_invoices import SIDES, _language, pdf_bytes

LIFECYCLE_ACTIONS = ("accept", "reject", "pay")
MAX_ZIP = 200
"""Invoices one zip may hold (the PDFs are rendered while the person waits)."""


def _selected(request: HttpRequest, section: str) -> list[Invoice]:
    ids = []
    for value in request.POST.getlist("invoice"):
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    qs = selectors.list_invoices(company=acting_company(request), side=SIDES[section])
    return list(qs.filter(pk__in=ids))


def _back(request: HttpRequest, section: str) -> HttpResponse:
    query = request.POST.get("query", "")
    url = reverse(f"web:{section}")
    return redirect(f"{url}?{query}" if query and not query.startswith("?") else url)


def _apply(request: HttpRequest, invoices: list[Invoice], action: str) -> tuple[int, list[str]]:
    """Apply one lifecycle step to each invoice; (number done, one sentence per refusal)."""
    company, actor = acting_company(request), acting_user(request)
    reason = (request.POST.get("reason") or "").strip()
    if action == "reject" and not reason:
        return 0, [_("Say why the invoices are rejected (one reason for all of them).")]
    done, problems = 0, []
    today = timezone.localdate()
    for invoice in invoices:
        common: dict[str, Any] = {
            "invoice": invoice,
            "company": company,
            "actor": actor,
            "source": Source.WEB,
        }
        try:
            if action == "accept":
                services.do_accept_invoice(**common)
            elif action == "reject":
                services.do_reject_invoice(**common, reason=reason)
            else:
                services.do_record_payment(
                    **common, amount=invoice.payable - invoice.paid_amount, date=today
                )
        except (ValidationError, PermissionDenied, Invoice.DoesNotExist) as exc:
            text = " ".join(getattr(exc, "messages", None) or [str(exc)])
            problems.append(
                _("Invoice %(number)s: %(problem)s")
                % {"number": invoice.full_number, "problem": text}
            )
        else:
            done += 1
    return done, problems


_DONE = {
    "accept": lambda n: ngettext("%(count)d invoice accepted.", "%(count)d invoices accepted.", n),
    "reject": lambda n: ngettext("%(count)d invoice rejected.", "%(count)d invoices rejected.", n),
    "pay": lambda n: ngettext(
        "Payment recorded for %(count)d invoice.", "Payment recorded for %(count)d invoices.", n
    ),
}


def _zip(request: HttpRequest, invoices: list[Invoice], section: str) -> HttpResponse:
    """PDF and archived original of each invoice in one zip file."""
    buffer = io.BytesIO()
    skipped = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for invoice in invoices[:MAX_ZIP]:
            base = "".join(
                ch if ch.isalnum() or ch in "-_." else "_" for ch in invoice.full_number
            ) or str(invoice.pk)
            archive.writestr(f"{base}.pdf", pdf_bytes(request, invoice))
            document = selectors.original_document(invoice=invoice)
            if document is None:
                continue
            try:
                data = storage.read(document)
            except storage.ArchiveTampered:
                skipped.append(invoice.full_number)
                continue
            suffix = document.filename.rsplit(".", 1)[-1] if "." in document.filename else "xml"
            archive.writestr(f"{base}.{suffix}", data)
        if skipped:
            archive.writestr(
                "NOT-INCLUDED.txt",
                _("These originals failed their integrity check and are not included: %(list)s")
                % {"list": ", ".join(skipped)},
            )
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="invoices-{section}-{stamp}.zip"'
    return response


def _export(request: HttpRequest, qs: Any, section: str, kind: str) -> HttpResponse:
    side = SIDES[section]
    stamp = timezone.localdate().isoformat()
    header = exports.headers(side)
    if kind == "xlsx":
        title = _("Invoices payable") if section == "payable" else _("Invoices issued")
        data = exports.xlsx_bytes(header, exports.rows(qs, side), title=title)
        response: HttpResponse = HttpResponse(
            data,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="invoices-{section}-{stamp}.xlsx"'
        return response
    lines = exports.csv_lines(header, exports.rows(qs, side), spanish=_language(request) == "es")
    streaming = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    streaming["Content-Disposition"] = f'attachment; filename="invoices-{section}-{stamp}.csv"'
    return streaming  # type: ignore[return-value]


def _bulk(request: HttpRequest, section: str) -> HttpResponse:
    action = request.POST.get("action", "")
    invoices = _selected(request, section)
    if not invoices:
        messages.error(request, _("Tick the invoices first, then choose what to do with them."))
        return _back(request, section)
    if action in ("csv", "xlsx"):
        qs = selectors.list_invoices(company=acting_company(request), side=SIDES[section])
        return _export(request, qs.filter(pk__in=[i.pk for i in invoices]), section, action)
    if action == "zip":
        return _zip(request, invoices, section)
    if action == "order" and section == "payable":
        query = urlencode([("invoice", str(i.pk)) for i in invoices])
        return redirect(f"{reverse('web:pay')}?{query}")
    if action not in LIFECYCLE_ACTIONS:
        messages.error(request, _("Choose what to do with the ticked invoices."))
        return _back(request, section)
    done, problems = _apply(request, invoices, action)
    if done:
        messages.success(request, _DONE[action](done) % {"count": done})
    for problem in problems:
        messages.error(request, problem)
    return _back(request, section)


@require_POST
@company_required
def payable_bulk(request: HttpRequest) -> HttpResponse:
    return _bulk(request, "payable")


@require_POST
@company_required
def issued_bulk(request: HttpRequest) -> HttpResponse:
    return _bulk(request, "issued")


def _xlsx(request: HttpRequest, section: str) -> HttpResponse:
    filters = selectors.InvoiceFilters.from_query(request.GET)
    qs = selectors.list_invoices(
        company=acting_company(request), side=SIDES[section], filters=filters
    )
    return _export(request, qs, section, "xlsx")


@require_GET
@company_required
def payable_xlsx(request: HttpRequest) -> HttpResponse:
    return _xlsx(request, "payable")


@require_GET
@company_required
def issued_xlsx(request: HttpRequest) -> HttpResponse:
    return _xlsx(request, "issued")


__all__ = ["issued_bulk", "issued_xlsx", "payable_bulk", "payable_xlsx"]
