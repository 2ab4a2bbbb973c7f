"""Reads of the API app, always scoped to the acting company."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
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
from efactura.invoices.selectors import LIST_FIELDS, InvoiceFilters, Side, list_invoices, page_of


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
    qs = with_acknowledgement(list_invoices(company=company, side=side, filters=filters), company)
    if unacknowledged:
        qs = qs.filter(acknowledged=False)  # type: ignore[misc]  # annotation above
    # Plain rows, not model instances: building 50 Invoice objects was the largest part of
    # a list request's CPU, and a summary reads nothing a row does not have.
    rows_qs = qs.values(*LIST_FIELDS, "acknowledged")
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
