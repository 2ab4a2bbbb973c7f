"""Reads of invoices, always scoped to the acting company (DESIGN.md, tenant isolation).

``access_invoice_by_id`` is the only way an edge gets one invoice: it returns it when the
company is its issuer or recipient, and raises ``Invoice.DoesNotExist`` otherwise — the same
answer as for an id that does not exist, so nobody learns that someone else's invoice exists.
Lists use keyset pagination on (issue date, created, id), which stays fast with hundreds of
thousands of invoices (no OFFSET scans, no COUNT on every page).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from django.db import connection
from django.db.models import F, Func, Q, QuerySet, TextField

from efactura.companies.models import Company
from efactura.invoices.choices import Status
from efactura.invoices.models import Customer, Document, Event, Invoice

Side = Literal["issued", "received"]

SORTS: dict[str, tuple[str, ...]] = {
    "-issue_date": ("-issue_date", "-created", "-id"),
    "issue_date": ("issue_date", "created", "id"),
    "-total": ("-total", "-created", "-id"),
    "total": ("total", "created", "id"),
    "-due_date": ("-due_date", "-created", "-id"),
    "due_date": ("due_date", "created", "id"),
}


# The columns a list row shows (web page, API summary) plus the keyset cursor's keys: lists
# never read the canonical JSON (~2.6 KB a row) nor the signature report.
LIST_FIELDS: tuple[str, ...] = (
    "id",
    "issuer_id",
    "recipient_id",
    "seller_tax_id",
    "seller_name",
    "buyer_tax_id",
    "buyer_name",
    "series",
    "full_number",
    "kind",
    "is_corrective",
    "issue_date",
    "due_date",
    "currency",
    "net_total",
    "tax_total",
    "total",
    "payable",
    "paid_amount",
    "route",
    "transport",
    "status",
    "response_due",
    "created",
    "updated",
)


def visible_invoices(company: Company) -> QuerySet[Invoice]:
    """Every invoice ``company`` may see: issued by it or received by it."""
    return Invoice.objects.filter(Q(issuer=company) | Q(recipient=company))


def access_invoice_by_id(*, company: Company, invoice_id: str | uuid.UUID) -> Invoice:
    """The invoice if ``company`` is a side of it; ``Invoice.DoesNotExist`` otherwise."""
    try:
        pk = uuid.UUID(str(invoice_id))
    except ValueError:
        raise Invoice.DoesNotExist from None
    return visible_invoices(company).select_related("issuer", "recipient").get(pk=pk)


def list_events(*, invoice: Invoice) -> QuerySet[Event]:
    return invoice.events.select_related("actor", "company").order_by("at", "id")


def list_documents(*, invoice: Invoice) -> QuerySet[Document]:
    return invoice.documents.order_by("id")


def original_document(*, invoice: Invoice) -> Document | None:
    return invoice.documents.filter(role=Document.Role.ORIGINAL).order_by("id").first()


ACTION_NEEDED = "action_needed"
"""The status filter value for "action needed": what the company still has to answer."""

ACTION_NEEDED_STATUSES: dict[str, tuple[str, ...]] = {
    "received": (Status.RECEIVED, Status.READ, Status.CANCELLATION_REQUESTED),
    "issued": (),
}


@dataclass
class InvoiceFilters:
    """What a list can be narrowed by (web form, CSV export and API share it)."""

    q: str = ""
    """Invoice number (prefix or contains), or the other party's tax ID or name."""
    party: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: str = ""
    transport: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    sort: str = "-issue_date"
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params: object) -> InvoiceFilters:
        """Build from a QueryDict-like mapping; bad values are ignored and noted in errors."""
        get = getattr(params, "get", lambda _k, _d=None: _d)
        f = cls(q=(get("q") or "").strip()[:100], party=(get("party") or "").strip()[:100])
        for name in ("date_from", "date_to"):
            raw = get(name) or ""
            if raw:
                try:
                    setattr(f, name, dt.date.fromisoformat(raw))
                except ValueError:
                    f.errors.append(name)
        for name in ("amount_min", "amount_max"):
            raw = (get(name) or "").replace(",", ".")
            if raw:
                try:
                    setattr(f, name, Decimal(raw))
                except InvalidOperation:
                    f.errors.append(name)
        f.status = (get("status") or "")[:32]
        f.transport = (get("transport") or "")[:32]
        sort = get("sort") or "-issue_date"
        f.sort = sort if sort in SORTS else "-issue_date"
        return f


# Shortest text a trigram index can look up (pg_trgm needs three characters).
TRIGRAM_MIN_LENGTH = 3


class SearchText(Func):
    """``full_number || ' ' || tax ID || ' ' || name``: written exactly as the expression of
    the PostgreSQL trigram indexes (migration ``invoices.0004_invoice_list_indexes``), which
    hold it upper-cased, as ``icontains`` compares."""

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()


def _search_text(side: Side) -> SearchText:
    other_tax, other_name = (
        ("buyer_tax_id", "buyer_name") if side == "issued" else ("seller_tax_id", "seller_name")
    )
    return SearchText(F("full_number"), F(other_tax), F(other_name))


def _narrowed_by_trigrams(qs: QuerySet[Invoice], side: Side, text: str) -> QuerySet[Invoice]:
    """On PostgreSQL, also require ``text`` in the side's search text.

    Every search and party condition below implies it (a part that contains the text or
    equals it makes the whole contain it), so the answer is the same; it only lets the
    trigram index find the few candidate rows instead of reading the company's every invoice
    (a leading-wildcard ``LIKE`` cannot use a B-tree).
    """
    if connection.vendor != "postgresql" or len(text) < TRIGRAM_MIN_LENGTH:
        return qs
    needle = selective_part(text)
    return qs.alias(search_text=_search_text(side)).filter(search_text__icontains=needle)


_DIGIT_RUNS = re.compile(r"[0-9]+")


def selective_part(text: str) -> str:
    """The part of a search text that the trigram index should look for.

    Any part of the text will do (a row that contains the text contains each of its parts);
    the index is fastest with the part whose trigrams are rarest.  Invoice numbers and tax IDs
    share their prefixes and padding across thousands of invoices ("F2024-", "B0000"), so
    their last run of digits without its leading zeros ("F2024-0512345" → "512345") finds the
    few candidates, where the whole text makes the index intersect the long lists of the
    shared trigrams.  Text without such a run (names) is looked for whole.
    """
    runs = _DIGIT_RUNS.findall(text)
    if not runs:
        return text
    last = runs[-1]
    for candidate in (last.lstrip("0"), last):
        if len(candidate) >= TRIGRAM_MIN_LENGTH:
            return candidate
    return text


def _filtered(qs: QuerySet[Invoice], side: Side, f: InvoiceFilters) -> QuerySet[Invoice]:
    other_tax, other_name = (
        ("buyer_tax_id", "buyer_name") if side == "issued" else ("seller_tax_id", "seller_name")
    )
    if f.q:
        qs = _narrowed_by_trigrams(qs, side, f.q)
        qs = qs.filter(
            Q(full_number__icontains=f.q)
            | Q(**{f"{other_tax}__icontains": f.q})
            | Q(**{f"{other_name}__icontains": f.q})
        )
    if f.party:
        qs = _narrowed_by_trigrams(qs, side, f.party)
        qs = qs.filter(
            Q(**{other_tax: f.party.upper()}) | Q(**{f"{other_name}__icontains": f.party})
        )
    if f.date_from:
        qs = qs.filter(issue_date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(issue_date__lte=f.date_to)
    if f.status == ACTION_NEEDED:
        # What the company still owes an answer on (RD 238/2026 period, cancellation requests).
        qs = qs.filter(status__in=ACTION_NEEDED_STATUSES[side])
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.transport:
        qs = qs.filter(transport=f.transport)
    if f.amount_min is not None:
        qs = qs.filter(total__gte=f.amount_min)
    if f.amount_max is not None:
        qs = qs.filter(total__lte=f.amount_max)
    return qs


def list_invoices(
    *, company: Company, side: Side, filters: InvoiceFilters | None = None
) -> QuerySet[Invoice]:
    """Invoices issued by (``side="issued"``) or received by ``company``, filtered and sorted."""
    f = filters or InvoiceFilters()
    base = (
        Invoice.objects.filter(issuer=company)
        if side == "issued"
        else Invoice.objects.filter(recipient=company)
    )
    return _filtered(base, side, f).order_by(*SORTS[f.sort]).only(*LIST_FIELDS)


@dataclass
class Page:
    items: list[Any]
    next_cursor: str
    has_previous: bool


def _cursor_values(invoice: Any, keys: tuple[str, ...]) -> list[str]:
    out = []
    for key in keys:
        value = getattr(invoice, key.lstrip("-"))
        out.append("" if value is None else str(value))
    return out


def encode_cursor(invoice: Any, sort: str) -> str:
    payload = json.dumps([sort, *_cursor_values(invoice, SORTS[sort])])
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _after(qs: QuerySet[Invoice], sort: str, cursor: str) -> QuerySet[Invoice]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if data[0] != sort:
            return qs
        values = data[1:]
    except (ValueError, IndexError, TypeError):
        return qs
    keys = SORTS[sort]
    condition = Q()
    for i, key in enumerate(keys):
        name = key.lstrip("-")
        op = "lt" if key.startswith("-") else "gt"
        raw = values[i]
        if raw == "":
            return qs  # nullable sort keys (due date) fall back to the first page
        step = Q(**{f"{name}__{op}": raw})
        for prev in keys[:i]:
            step &= Q(**{prev.lstrip("-"): values[keys.index(prev)]})
        condition |= step
    # The leading "<=" / ">=" on the first key is implied by the OR above; stating it lets
    # the database seek in the (company, date, created) index instead of scanning from the
    # first row, which keeps deep pages as fast as the first one.
    first = keys[0]
    lead = Q(**{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": values[0]})
    return qs.filter(lead & condition)


def page_of(
    qs: QuerySet[Any],
    *,
    sort: str,
    cursor: str = "",
    size: int = 50,
    row: Callable[[Any], Any] | None = None,
) -> Page:
    """One page of ``qs`` after ``cursor`` (keyset pagination); ``row`` wraps each fetched
    row (for a ``values()`` query: something with the columns as attributes)."""
    rows = list(_after(qs, sort, cursor)[: size + 1]) if cursor else list(qs[: size + 1])
    if row is not None:
        rows = [row(r) for r in rows]
    items = rows[:size]
    next_cursor = encode_cursor(items[-1], sort) if len(rows) > size and items else ""
    return Page(items=items, next_cursor=next_cursor, has_previous=bool(cursor))


def list_customers(*, company: Company, q: str = "") -> QuerySet[Customer]:
    qs = Customer.objects.filter(company=company)
    if q:
        qs = qs.filter(Q(tax_id__icontains=q) | Q(name__icontains=q))
    return qs.order_by("-last_invoiced", "name")
