"""The lists' filters, sorts, searches and the ERP change feed give the same answers as a
plain Python reading of the rows, on SQLite and PostgreSQL alike (the PostgreSQL trigram
narrowing must never change an answer); lists read only the columns they show; the list
index migration applies on both databases."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from efactura.invoices import selectors
from efactura.invoices.models import Invoice

pytestmark = pytest.mark.django_db

STATUSES = ["received", "read", "accepted", "rejected", "paid", "cancelled"]
SUPPLIERS = [
    ("B12345674", "Panadería Núñez, S.L."),
    ("A58818501", "Distribuciones 50% Norte, S.A."),
    ("B00000000", "Cafés del_Sur, S.L."),
    ("ESB76543214", "Ñandú Logística, S.L."),
]


@pytest.fixture
def rows(make_company: Any) -> dict[str, Any]:
    """40 invoices received by ``buyer`` from four suppliers, one of which (``seller``) is
    on the platform and sees its ones as issued."""
    buyer = make_company("Hostelería Cantábrica, S.A.")
    seller = make_company("Suministros Levante, S.L.")
    base = timezone.now() - dt.timedelta(days=10)
    invoices = []
    for i in range(40):
        tax_id, name = SUPPLIERS[i % 4]
        issued_here = i % 4 == 0
        issue = dt.date(2025, 1, 1) + dt.timedelta(days=(i * 7) % 60)
        total = Decimal(100 + (i * 37) % 900) + Decimal("0.50")
        invoices.append(
            Invoice(
                id=uuid.UUID(int=i + 1),
                issuer=seller if issued_here else None,
                recipient=buyer,
                origin="api" if issued_here else "peer",
                seller_tax_id=seller.tax_id if issued_here else tax_id,
                seller_name=seller.legal_name if issued_here else name,
                buyer_tax_id=buyer.tax_id,
                buyer_name=buyer.legal_name,
                series="F25",
                number=f"{i:05d}",
                full_number=f"F25-{i:05d}",
                issue_date=issue,
                due_date=None if i % 5 == 0 else issue + dt.timedelta(days=30),
                net_total=total,
                tax_total=Decimal(0),
                total=total,
                payable=total,
                canonical={"big": "x" * 100},
                content_hash=f"{i:064x}",
                status=STATUSES[i % len(STATUSES)],
                transport="failed" if i % 9 == 0 else "delivered",
                created=base + dt.timedelta(minutes=i % 3),
                updated=base + dt.timedelta(hours=i % 7, minutes=i),
            )
        )
    Invoice.objects.bulk_create(invoices)
    return {"buyer": buyer, "seller": seller, "all": list(Invoice.objects.all())}


def _every_page(company: Any, side: str, query: dict[str, str], size: int = 7) -> list[str]:
    filters = selectors.InvoiceFilters.from_query(query)
    qs = selectors.list_invoices(company=company, side=side, filters=filters)  # type: ignore[arg-type]
    seen: list[str] = []
    cursor = ""
    for _ in range(50):
        page = selectors.page_of(qs, sort=filters.sort, cursor=cursor, size=size)
        seen += [i.full_number for i in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    return seen


def _contains(value: str, text: str) -> bool:
    return text.casefold() in value.casefold()


def _expected(rows: dict[str, Any], side: str, query: dict[str, str]) -> list[str]:
    company = rows["buyer"] if side == "received" else rows["seller"]
    mine = [
        i
        for i in rows["all"]
        if (i.recipient_id if side == "received" else i.issuer_id) == company.pk
    ]
    other_tax, other_name = (
        ("seller_tax_id", "seller_name") if side == "received" else ("buyer_tax_id", "buyer_name")
    )
    q, party = query.get("q", ""), query.get("party", "")
    out = []
    for i in mine:
        if q and not any(
            _contains(getattr(i, name), q) for name in ("full_number", other_tax, other_name)
        ):
            continue
        if party and not (
            getattr(i, other_tax) == party.upper() or _contains(getattr(i, other_name), party)
        ):
            continue
        if "status" in query and i.status != query["status"]:
            continue
        if "amount_min" in query and i.total < Decimal(query["amount_min"]):
            continue
        if "amount_max" in query and i.total > Decimal(query["amount_max"]):
            continue
        if "date_from" in query and i.issue_date < dt.date.fromisoformat(query["date_from"]):
            continue
        out.append(i)
    sort = query.get("sort", "-issue_date")
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    # Rows without a due date are left out: each database puts NULLs at its own end.
    with_value = [i for i in out if getattr(i, key) is not None]
    ordered = sorted(
        with_value, key=lambda i: (getattr(i, key), i.created, i.pk), reverse=descending
    )
    return [i.full_number for i in ordered]


QUERIES = [
    {},
    {"sort": "issue_date"},
    {"sort": "-total"},
    {"sort": "total"},
    {"status": "accepted"},
    {"amount_min": "300", "amount_max": "700", "sort": "-total"},
    {"date_from": "2025-02-01", "status": "paid"},
    {"q": "F25-0001"},
    {"q": "f25-0001"},
    {"q": "00012"},
    {"q": "núñez"},
    {"q": "NUÑEZ"},
    {"q": "50%"},
    {"q": "del_sur"},
    {"q": "B1234"},
    {"q": "andú log"},
    {"q": "25"},
    {"q": "zz"},
    {"q": "no such invoice"},
    {"party": "B12345674"},
    {"party": "b12345674"},
    {"party": "panadería"},
    {"party": "Suministros Levante"},
    {"q": "Levante", "sort": "-total"},
    # The trigram index looks for the last run of digits (selectors.selective_part).
    {"q": "F25-00031"},
    {"q": "F25-00012"},
    {"q": "F25-0003"},
    {"q": "B12345674"},
    {"q": "Distribuciones 50% Norte"},
    {"party": "A58818501"},
]


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("F2024-0512345", "512345"),
        ("B00001234", "1234"),
        ("F25-00012", "00012"),
        ("F25-1", "F25-1"),
        ("Proveedor 1234 de", "1234"),
        ("Panadería Núñez", "Panadería Núñez"),
        ("2024/100", "100"),
    ],
)
def test_the_index_looks_for_the_most_selective_part(text: str, part: str) -> None:
    assert selectors.selective_part(text) == part
    assert part in text


@pytest.mark.parametrize("query", QUERIES, ids=[str(q) for q in QUERIES])
@pytest.mark.parametrize("side", ["received", "issued"])
def test_every_list_operation_gives_the_plain_answer(
    rows: dict[str, Any], side: str, query: dict[str, str]
) -> None:
    company = rows["buyer"] if side == "received" else rows["seller"]
    assert _every_page(company, side, query) == _expected(rows, side, query)


@pytest.mark.parametrize("sort", ["-due_date", "due_date"])
def test_due_date_sort_orders_the_dated_invoices(rows: dict[str, Any], sort: str) -> None:
    filters = selectors.InvoiceFilters(sort=sort)
    qs = selectors.list_invoices(company=rows["buyer"], side="received", filters=filters)
    got = [i.full_number for i in selectors.page_of(qs, sort=sort, size=100).items]
    expected = _expected(rows, "received", {"sort": sort})
    assert [n for n in got if n in expected] == expected
    assert len(got) == 40


def test_lists_do_not_read_the_canonical_json(rows: dict[str, Any]) -> None:
    qs = selectors.list_invoices(company=rows["buyer"], side="received")
    invoice = selectors.page_of(qs, sort="-issue_date", size=5).items[0]
    assert {"canonical", "signature"} <= invoice.get_deferred_fields()


def test_the_api_list_and_its_rows_take_two_queries(
    rows: dict[str, Any], django_assert_num_queries: Any
) -> None:
    """One for the page (with the acknowledgement flag), none per row: every column the
    summary shows is loaded.  (Authentication is not part of this.)"""
    from efactura.api.representations import invoice_summary
    from efactura.api.selectors import list_api_invoices

    with django_assert_num_queries(1):
        page = list_api_invoices(
            company=rows["buyer"],
            side="received",
            filters=selectors.InvoiceFilters(),
            size=20,
        )
        bodies = [invoice_summary(i, company=rows["buyer"]) for i in page.items]
    assert len(bodies) == 20


def test_change_feed_pages_in_update_order(rows: dict[str, Any], monkeypatch: Any) -> None:
    from efactura.api.selectors import list_api_invoices

    monkeypatch.setattr("efactura.api.selectors.SYNC_SETTLE_SECONDS", 0)
    seen: list[str] = []
    cursor = ""
    for _ in range(20):
        page = list_api_invoices(
            company=rows["buyer"],
            side="received",
            filters=selectors.InvoiceFilters(),
            changes=True,
            cursor=cursor,
            size=6,
        )
        seen += [str(i.pk) for i in page.items]
        cursor = page.next_cursor or ""
        if not page.has_more:
            break
    expected = sorted(rows["all"], key=lambda i: (i.updated, str(i.pk)))
    assert seen == [str(i.pk) for i in expected]
    # Nothing new: the same cursor again, and an empty feed's own cursor, answer nothing.
    again = list_api_invoices(
        company=rows["buyer"],
        side="received",
        filters=selectors.InvoiceFilters(),
        changes=True,
        cursor=cursor,
        size=6,
    )
    assert again.items == [] and again.next_cursor == cursor
    empty = list_api_invoices(
        company=rows["seller"],
        side="received",
        filters=selectors.InvoiceFilters(),
        changes=True,
        size=6,
    )
    assert empty.items == []
    assert (
        list_api_invoices(
            company=rows["seller"],
            side="received",
            filters=selectors.InvoiceFilters(),
            changes=True,
            cursor=empty.next_cursor or "",
            size=6,
        ).items
        == []
    )


LIST_INDEXES = {"inv_issuer_feed", "inv_recipient_feed"}
POSTGRESQL_INDEXES = {
    "inv_issuer_total",
    "inv_recipient_total",
    "inv_issued_search",
    "inv_received_search",
}


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "invoices_invoice")
    return {name for name, info in constraints.items() if info["index"]}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_list_index_migration_applies_and_reverts() -> None:
    """Back to 0003 and forward again, on whichever database the run uses: the portable
    indexes everywhere, the PostgreSQL ones (trigram, total) only there."""
    from django.db.migrations.executor import MigrationExecutor

    on_postgresql = connection.vendor == "postgresql"
    wanted = LIST_INDEXES | (POSTGRESQL_INDEXES if on_postgresql else set())
    assert wanted <= _index_names()
    if not on_postgresql:
        assert not POSTGRESQL_INDEXES & _index_names()
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([("invoices", "0003_archive_head")])
        assert not (LIST_INDEXES | POSTGRESQL_INDEXES) & _index_names()
        executor = MigrationExecutor(connection)
        executor.migrate([("invoices", "0004_invoice_list_indexes")])
        assert wanted <= _index_names()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    assert wanted <= _index_names()


def test_the_trigram_search_uses_its_index_on_postgresql(rows: dict[str, Any]) -> None:
    """The search text is written exactly as the index expression (else the index is never
    used): with sequential scans off, the plan of the narrowing alone names the index."""
    qs = selectors.list_invoices(
        company=rows["buyer"], side="received", filters=selectors.InvoiceFilters(q="F25")
    )
    if connection.vendor != "postgresql":
        assert "||" not in str(qs.query)  # no narrowing on SQLite
        return
    assert "||" in str(qs.query)
    with connection.cursor() as cursor:
        # Inside the test's transaction (rolled back): leave the planner no other index.
        constraints = connection.introspection.get_constraints(cursor, "invoices_invoice")
        search = {"inv_received_search", "inv_issued_search"}
        for name, info in constraints.items():
            if info["index"] and not (info["unique"] or info["primary_key"] or name in search):
                cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
    for side, index, has_side in (
        ("received", "inv_received_search", {"recipient__isnull": False}),
        ("issued", "inv_issued_search", {"issuer__isnull": False}),
    ):
        narrowed = selectors._narrowed_by_trigrams(
            Invoice.objects.filter(**has_side),
            side,  # type: ignore[arg-type]
            "F25-0001",
        )
        assert index in narrowed.explain()
