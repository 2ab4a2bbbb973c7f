"""Reads of the API app, always scoped to the acting company."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from dataclasses import dataclass, fields
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from efactura.api.choices import SYNC_SETTLE_SECONDS
from efactura.api.models import Acknowledgement, Webhook, WebhookDelivery
from efactura.companies.models import Company
from efactura.invoices.models import Event, Invoice
from efactura.invoices.selectors import (
    LIST_FIELDS,
    InvoiceFilters,
    Side,
    encode_cursor,
    list_invoices,
    page_of,
)


class BadCursor(ValueError):
    """The cursor was not produced by this API (or belongs to another listing)."""


def _encode(payload: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise BadCursor(cursor) from exc
    if not isinstance(data, list):
        raise BadCursor(cursor)
    return data


def _acknowledged_sql() -> str:
    # Only table and column names from the models, quoted; the company id is a parameter.
    quote = connection.ops.quote_name
    ack, invoice = Acknowledgement._meta, Invoice._meta
    return (
        f"EXISTS(SELECT 1 FROM {quote(ack.db_table)} AS ack "  # noqa: S608
        f"WHERE ack.{quote(str(ack.get_field('company').column))} = %s "
        f"AND ack.{quote(str(ack.get_field('invoice').column))} = "
        f"{quote(invoice.db_table)}.{quote(str(invoice.pk.column))})"
    )


def with_acknowledgement(qs: QuerySet[Invoice], company: Company) -> QuerySet[Invoice]:
    """Annotate ``acknowledged`` (the company's programme confirmed it has the invoice).

    The same ``EXISTS`` Django writes for ``Exists(OuterRef("pk"))``, written once as SQL:
    resolving and compiling the correlated subquery was about a tenth of every API list
    request's CPU.  It names the invoice table itself, which is the list query's own alias
    (the list joins no second invoice table).
    """
    return qs.annotate(
        acknowledged=RawSQL(  # noqa: S611 (fixed SQL, the value is a parameter)
            _acknowledged_sql(), (company.pk,), output_field=BooleanField()
        )
    )


class ListRow(dict[str, Any]):
    """One invoice of an API list as fetched (``values()``), its columns also readable as
    attributes like a model instance's (``row.full_number``, ``row.pk``)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self["id" if name == "pk" else name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class InvoicePage:
    items: list[ListRow]
    next_cursor: str | None
    has_more: bool


# -- The first page, compiled once per shape ------------------------------------------------
#
# An ERP polls the same first page (``unacknowledged=true``, or the newest invoices) again and
# again, and building and compiling its query was a third of the request's CPU.  The first
# page's SQL is compiled once per shape (side, filters, sort, size, unacknowledged) and per
# thread, with a stand-in company; each request runs it with its own company's id in the
# parameters where the stand-in was, and Django's own converters turn the rows into values.


_STAND_INS = (-7_100_000_000_000_000_001, -7_200_000_000_000_000_002)
"""Two company ids no database holds, to find where the company enters the query."""


@dataclass(frozen=True)
class _CompiledPage:
    sql: str
    params: tuple[Any, ...]
    company_at: tuple[int, ...]
    names: tuple[str, ...]
    compiler: Any
    converters: Any


class _Compiled(threading.local):
    pages: dict[tuple[Any, ...], _CompiledPage | None]

    def __init__(self) -> None:
        self.pages = {}


_compiled = _Compiled()
_COMPILED_MAX = 256


def _first_page_query(
    company: Company, side: Side, filters: InvoiceFilters, unacknowledged: bool
) -> QuerySet[Invoice, dict[str, Any]]:
    qs = with_acknowledgement(list_invoices(company=company, side=side, filters=filters), company)
    if unacknowledged:
        qs = qs.filter(acknowledged=False)  # type: ignore[misc]  # annotation above
    return qs.values(*LIST_FIELDS, "acknowledged")


def _compile_first_page(
    side: Side, filters: InvoiceFilters, unacknowledged: bool, size: int
) -> _CompiledPage | None:
    """The first page's SQL with the company's id as a parameter, or ``None`` when the
    company is not only a parameter (then the page is built the ordinary way)."""
    compiled = []
    for stand_in in _STAND_INS:
        probe = Company(pk=stand_in)
        probe._state.adding = False
        qs = _first_page_query(probe, side, filters, unacknowledged)[: size + 1]
        compiler = qs.query.get_compiler(qs.db)
        sql, params = compiler.as_sql()
        at = tuple(i for i, p in enumerate(params) if type(p) is int and p == stand_in)
        compiled.append((sql, tuple(params), at, compiler, qs.query))
    (sql, params, at, compiler, query), (sql2, params2, at2, _, _) = compiled
    # Compiled with two different stand-ins, the SQL must be the same and the parameters
    # differ exactly where the stand-in is: the company enters the query nowhere else.
    if sql != sql2 or not at or at != at2 or len(params) != len(params2):
        return None
    if any(a != b for i, (a, b) in enumerate(zip(params, params2, strict=True)) if i not in at):
        return None
    names = (
        tuple(query.selected)
        if query.selected
        else (*query.extra_select, *query.values_select, *query.annotation_select)
    )
    fields = [column[0] for column in compiler.select[: compiler.col_count]]
    return _CompiledPage(
        sql=sql,
        params=params,
        company_at=at,
        names=names,
        compiler=compiler,
        converters=compiler.get_converters(fields),
    )


def _first_page_rows(
    *, company: Company, side: Side, filters: InvoiceFilters, unacknowledged: bool, size: int
) -> list[ListRow] | None:
    """The first ``size + 1`` rows through the compiled page (``None``: not compilable)."""
    shape = (
        connection.alias,
        side,
        tuple(getattr(filters, f.name) for f in fields(filters) if f.name != "errors"),
        unacknowledged,
        size,
    )
    pages = _compiled.pages
    if shape not in pages:
        if len(pages) >= _COMPILED_MAX:
            pages.clear()
        pages[shape] = _compile_first_page(side, filters, unacknowledged, size)
    page = pages[shape]
    if page is None:
        return None
    params = list(page.params)
    for index in page.company_at:
        params[index] = company.pk
    with connection.cursor() as cursor:
        cursor.execute(page.sql, params)
        fetched: Any = cursor.fetchall()
    if page.converters:
        fetched = page.compiler.apply_converters(fetched, page.converters)
    names = page.names
    return [ListRow(zip(names, row, strict=True)) for row in fetched]


def list_api_invoices(
    *,
    company: Company,
    side: Side,
    filters: InvoiceFilters,
    unacknowledged: bool = False,
    changes: bool = False,
    cursor: str = "",
    size: int,
) -> InvoicePage:
    """One page of the company's issued or received invoices.

    Browsing (default): ``filters.sort`` order, keyset cursor, ``next_cursor`` null at the end.
    Change feed (``changes``): oldest change first on (``updated``, ``id``); ``next_cursor``
    is always given — store it and ask again later for what changed since.  Rows changed in
    the last :data:`SYNC_SETTLE_SECONDS` wait for the next call, so a transaction committing
    slightly out of order is not skipped.
    """
    if not changes and not cursor:
        rows = _first_page_rows(
            company=company,
            side=side,
            filters=filters,
            unacknowledged=unacknowledged,
            size=size,
        )
        if rows is not None:
            items = rows[:size]
            more = len(rows) > size and bool(items)
            return InvoicePage(
                items=items,
                next_cursor=encode_cursor(items[-1], filters.sort) if more else None,
                has_more=more,
            )
    # Plain rows, not model instances: building 50 Invoice objects was the largest part of
    # a list request's CPU, and a summary reads nothing a row does not have.
    rows_qs = _first_page_query(company, side, filters, unacknowledged)
    if not changes:
        if cursor:
            _decode(cursor)  # refuse garbage instead of silently starting over
        page = page_of(rows_qs, sort=filters.sort, cursor=cursor, size=size, row=ListRow)
        return InvoicePage(
            items=page.items, next_cursor=page.next_cursor or None, has_more=bool(page.next_cursor)
        )
    rows_qs = rows_qs.order_by("updated", "id").filter(
        updated__lte=timezone.now() - dt.timedelta(seconds=SYNC_SETTLE_SECONDS)
    )
    if cursor:
        data = _decode(cursor)
        if len(data) != 3 or data[0] != "changes":
            raise BadCursor(cursor)
        try:
            updated = dt.datetime.fromisoformat(data[1])
        except (TypeError, ValueError) as exc:
            raise BadCursor(cursor) from exc
        # The leading ">=" is implied by the OR; stating it lets PostgreSQL start the walk of
        # the (company, updated, id) index at the cursor instead of at the oldest change.
        after = Q(updated__gt=updated)
        if data[2]:  # empty in the cursor of a feed that had nothing yet
            after |= Q(updated=updated, id__gt=data[2])
        rows_qs = rows_qs.filter(Q(updated__gte=updated), after)
    rows = [ListRow(r) for r in rows_qs[: size + 1]]
    items = rows[:size]
    if items:
        last = items[-1]
        next_cursor = _encode(["changes", last.updated.isoformat(), str(last.pk)])
    else:
        next_cursor = cursor or _encode(["changes", "1970-01-01T00:00:00+00:00", ""])
    return InvoicePage(items=items, next_cursor=next_cursor, has_more=len(rows) > size)


def list_visible_events(*, company: Company, after: int = 0, size: int) -> list[Event]:
    """Events of invoices the company issued or received, in the order they happened, after
    event id ``after`` (the feed cursor); recent events wait :data:`SYNC_SETTLE_SECONDS`."""
    qs = (
        Event.objects.filter(Q(invoice__issuer=company) | Q(invoice__recipient=company))
        .filter(pk__gt=after, at__lte=timezone.now() - dt.timedelta(seconds=SYNC_SETTLE_SECONDS))
        .select_related("invoice", "company")
        .order_by("pk")
    )
    return list(qs[:size])


def acknowledged_ids(*, company: Company, invoice_ids: list[Any]) -> set[str]:
    return {
        str(pk)
        for pk in Acknowledgement.objects.filter(
            company=company, invoice_id__in=invoice_ids
        ).values_list("invoice_id", flat=True)
    }


def list_webhooks(*, company: Company) -> QuerySet[Webhook]:
    return Webhook.objects.filter(company=company).order_by("-created")


def access_webhook_by_id(*, company: Company, webhook_id: int) -> Webhook:
    """One of the company's webhooks; ``Http404`` for another company's."""
    webhook = list_webhooks(company=company).filter(pk=webhook_id).first()
    if webhook is None:
        raise Http404("No such webhook.")
    return webhook


def list_webhook_deliveries(*, company: Company, limit: int = 50) -> list[WebhookDelivery]:
    """The company's latest webhook deliveries, newest first (the delivery log)."""
    return list(
        WebhookDelivery.objects.filter(webhook__company=company)
        .select_related("webhook", "invoice")
        .order_by("-created", "-id")[:limit]
    )
