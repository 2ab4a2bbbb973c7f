"""The rows of the invoice lists, prepared in Python.

A list page shows 50 invoices; rendering each row's status badges, countdown, dates, amounts
and link with template tags and includes cost more CPU than the rest of the request together
(about half a millisecond per row).  Here each row is prepared once with plain function calls
and the template only prints the values.  ``status_badges`` and ``countdown`` are also the
``_status.html`` / ``_countdown.html`` fragments of the invoice page (template tags in
``invoice_format``), so there is one wording for both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from efactura.invoices.choices import Route, Status, Transport

_ANSWER_PENDING = frozenset({Status.RECEIVED, Status.READ})
_CLOSED = frozenset({Status.PAID, Status.REJECTED, Status.CANCELLED})


def _short_date(value: dt.date | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value is not None else ""


def _amount(value: Decimal) -> str:
    return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


def status_badges(invoice: Any, *, today: dt.date | None = None) -> SafeString:
    """The business status, the delivery state when it matters and the overdue marks."""
    today = today or timezone.localdate()
    parts: list[tuple[str, str]] = []
    if invoice.transport == Transport.DELIVERED or invoice.status != Status.RECEIVED:
        parts.append((f"badge status status-{invoice.status}", invoice.get_status_display()))
    if invoice.transport == Transport.AWAITING_REGISTRATION:
        parts.append(("badge status status-waiting", gettext("Awaiting registration")))
    elif invoice.transport == Transport.FAILED:
        parts.append(("badge status status-rejected", gettext("Delivery failed")))
    elif invoice.transport == Transport.CREATED and invoice.route == Route.PEER:
        parts.append(("badge status status-waiting", gettext("Sending to the customer's platform")))
    pending = invoice.status in _ANSWER_PENDING
    if pending and invoice.response_due is not None and invoice.response_due < today:
        parts.append(("badge overdue", gettext("Response overdue")))
    if invoice.due_date is not None and invoice.status not in _CLOSED and invoice.due_date < today:
        parts.append(("badge overdue", gettext("Payment overdue")))
    return format_html_join(" ", '<span class="{}">{}</span>', parts)


def countdown(invoice: Any, *, today: dt.date | None = None) -> SafeString:
    """Days left to accept or reject, as the payables list and the invoice page show them."""
    if invoice.response_due is None or invoice.status not in _ANSWER_PENDING:
        return SafeString("")
    left = (invoice.response_due - (today or timezone.localdate())).days
    if left < 0:
        text = gettext("period ended")
    elif left == 0:
        text = gettext("last day today")
    else:
        text = ngettext("%(days)s day left", "%(days)s days left", left) % {"days": left}
    css = "countdown countdown-urgent" if left <= 1 else "countdown"
    return format_html('<span class="{}">{}</span>', css, text)


@dataclass(frozen=True, slots=True)
class ListRow:
    """What one row of a list shows, ready to print."""

    pk: str
    url: str
    number: str
    corrective: bool
    issue_date: str
    party_name: str
    party_tax_id: str
    total: str
    currency: str
    paid: str
    due_date: str
    status: SafeString
    payment_ordered: bool
    respond_by: str
    countdown: SafeString
    route: str
    overdue: bool


def list_rows(
    invoices: Iterable[Any], *, side: str, ordered_ids: set[str] | frozenset[str] = frozenset()
) -> list[ListRow]:
    """The rows of an *issued* or *received* list page."""
    today = timezone.localdate()
    # One reverse() for the page: every row's link differs only by its id.
    marker = "00000000-0000-0000-0000-000000000000"
    url_pattern = reverse("web:invoice", args=[marker])
    received = side == "received"
    rows = []
    for inv in invoices:
        pk = str(inv.pk)
        pending = inv.status in _ANSWER_PENDING and inv.response_due is not None
        overdue = (pending and inv.response_due < today) or (
            inv.due_date is not None and inv.status not in _CLOSED and inv.due_date < today
        )
        rows.append(
            ListRow(
                pk=pk,
                url=url_pattern.replace(marker, pk),
                number=inv.full_number,
                corrective=bool(inv.is_corrective),
                issue_date=_short_date(inv.issue_date),
                party_name=inv.seller_name if received else inv.buyer_name,
                party_tax_id=inv.seller_tax_id if received else inv.buyer_tax_id,
                total=_amount(inv.total),
                currency=inv.currency,
                paid=_amount(inv.paid_amount)
                if inv.paid_amount and inv.status != Status.PAID
                else "",
                due_date=_short_date(inv.due_date),
                status=status_badges(inv, today=today),
                payment_ordered=pk in ordered_ids,
                respond_by=_short_date(inv.response_due) if received and pending else "",
                countdown=countdown(inv, today=today) if received and pending else SafeString(""),
                route=inv.get_route_display() if not received else "",
                overdue=bool(overdue),
            )
        )
    return rows


_ROW = (
    '<tr{}><td class="col-select"><input type="checkbox" name="invoice" value="{}"'
    ' aria-label="{}"></td>'
    '<th scope="row" data-label="{}"><a href="{}">{}</a>{}</th>'
    '<td class="nowrap" data-label="{}">{}</td>'
    '<td data-label="{}">{}<br><span class="muted small">{}</span></td>'
    '<td class="num nowrap" data-label="{}">{} {}{}</td>'
    '<td class="nowrap" data-label="{}">{}</td>'
    '<td data-label="{}">{}{}</td>'
    '<td class="nowrap" data-label="{}">{}</td></tr>\n'
)
_DASH = SafeString('<span class="muted">—</span>')


def rows_html(rows: list[ListRow], *, side: str) -> SafeString:
    """The ``<tr>`` elements of a list's table (the data labels turn them into cards on
    phones).  Written here rather than in the template: fifty rows of template variables
    cost more than the rest of the page."""
    received = side == "received"
    number, issued = gettext("Number"), gettext("Issue date")
    total, due, status = gettext("Total"), gettext("Due"), gettext("Status")
    party = gettext("Supplier") if received else gettext("Customer")
    last = gettext("Respond by") if received else gettext("Delivery")
    corrective = format_html(' <span class="badge badge-muted">{}</span>', gettext("corrective"))
    ordered = format_html(
        ' <span class="badge badge-ordered">{}</span>', gettext("payment ordered")
    )
    paid_label = gettext("paid")
    select = gettext("Select invoice %(number)s")
    out = []
    for row in rows:
        last_cell: str
        if received:
            last_cell = (
                format_html("{}<br>{}", row.respond_by, row.countdown) if row.respond_by else _DASH
            )
        else:
            last_cell = row.route
        out.append(
            format_html(
                _ROW,
                SafeString(' class="row-overdue"') if row.overdue else "",
                row.pk,
                select % {"number": row.number},
                number,
                row.url,
                row.number,
                corrective if row.corrective else "",
                issued,
                row.issue_date,
                party,
                row.party_name,
                row.party_tax_id,
                total,
                row.total,
                row.currency,
                format_html('<br><span class="muted small">{} {}</span>', paid_label, row.paid)
                if row.paid
                else "",
                due,
                row.due_date or _DASH,
                status,
                row.status,
                ordered if row.payment_ordered else "",
                last,
                last_cell,
            )
        )
    return SafeString("".join(out))
