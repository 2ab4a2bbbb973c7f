"""Benchmark cases for the invoice lists: first page, filtered page, deep keyset page, CSV.

A temporary SQLite database gets ``BENCH_LIST_ROWS`` invoice rows (default 200,000) issued by
one company, a fifth of them received by a second one, spread over three years, eight
statuses and 500 customers; rows are written with ``bulk_create`` (outside any test, outside
the services: this measures reads only).  The cases call the same selectors the pages use
(``list_invoices`` + ``page_of``) and the CSV export's row generator.  An OFFSET page is
measured too, to show what keyset pagination avoids.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from typing import Any

from bench import Case

ROWS = int(os.environ.get("BENCH_LIST_ROWS", "200000"))
_state: dict[str, Any] = {}
_NAMES = (
    "lists / issued: first page (50, newest first) payable: first page (50) "
    "issued: filtered page (status+amount+date) issued: search by number (q=FV0123) "
    "issued: deep keyset page (at 75 %) issued: deep keyset page, sorted by total "
    "issued: deep keyset page, sorted by due date issued: OFFSET page at 75 % (comparison) "
    "CSV export"
)


def _setup_django() -> None:
    from django.conf import settings

    if not settings.configured:
        folder = tempfile.mkdtemp(prefix="efactura-bench-lists-")
        os.environ["EFACTURA_DATA_DIR"] = folder
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efactura.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _populate() -> dict[str, Any]:
    from efactura.companies.services import do_create_company
    from efactura.invoices.choices import Route, Status, Transport
    from efactura.invoices.models import Invoice

    seller = do_create_company(
        tax_id="B98765431", legal_name="Suministros Levante, S.L.", contact_email="a@example.com"
    )
    buyer = do_create_company(
        tax_id="A39123450", legal_name="Hostelería Cantábrica, S.A.", contact_email="b@example.com"
    )
    rng = random.Random(20261125)
    statuses = list(Status.values)
    start = dt.date(2024, 1, 1)
    customers = [(f"ESB{10000000 + i:08d}", f"Cliente {i:03d}, S.L.") for i in range(500)]
    t0 = time.perf_counter()
    batch: list[Invoice] = []
    for i in range(ROWS):
        tax_id, name = customers[i % len(customers)]
        to_buyer = i % 5 == 0
        net = Decimal(rng.randint(1000, 500000)) / 100
        tax = (net * Decimal("0.21")).quantize(Decimal("0.01"))
        issue = start + dt.timedelta(days=(i * 1096) // ROWS)
        batch.append(
            Invoice(
                id=uuid.UUID(int=rng.getrandbits(128)),
                issuer=seller,
                recipient=buyer if to_buyer else None,
                origin="issued",
                seller_tax_id=seller.tax_id,
                seller_name=seller.legal_name,
                buyer_tax_id=buyer.tax_id if to_buyer else tax_id,
                buyer_name=buyer.legal_name if to_buyer else name,
                series="FV",
                number=f"{i + 1:07d}",
                full_number=f"FV{i + 1:07d}",
                issue_date=issue,
                due_date=issue + dt.timedelta(days=30),
                net_total=net,
                tax_total=tax,
                total=net + tax,
                payable=net + tax,
                canonical={},
                content_hash=f"{i:064x}",
                route=Route.LOCAL if to_buyer else Route.AWAITING_REGISTRATION,
                transport=Transport.DELIVERED if to_buyer else Transport.AWAITING_REGISTRATION,
                status=statuses[rng.randrange(len(statuses))],
            )
        )
        if len(batch) == 5000:
            Invoice.objects.bulk_create(batch)
            batch = []
    if batch:
        Invoice.objects.bulk_create(batch)
    seconds = time.perf_counter() - t0
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"seller": seller, "buyer": buyer, "load_seconds": seconds}


def _page(company: Any, side: str, params: dict[str, str], cursor: str = "") -> int:
    from efactura.invoices import selectors

    filters = selectors.InvoiceFilters.from_query(params)
    qs = selectors.list_invoices(company=company, side=side, filters=filters)  # type: ignore[arg-type]
    page = selectors.page_of(qs, sort=filters.sort, cursor=cursor, size=50)
    return len(page.items)


def _wanted() -> bool:
    """Only when the bench runs everything or ``--only`` names one of these rows (the
    200,000-row SQLite database takes a while to write)."""
    if "--only" not in sys.argv:
        return True
    index = sys.argv.index("--only")
    only = sys.argv[index + 1] if index + 1 < len(sys.argv) else ""
    return only.startswith("lists /") or only == "lists" or only in _NAMES


def cases() -> list[Case]:
    if not _wanted():
        return []
    _setup_django()
    if "seller" not in _state:
        _state.update(_populate())
    from efactura.invoices import selectors
    from efactura.web.views_invoices import _csv_rows

    seller, buyer = _state["seller"], _state["buyer"]
    note = f"{ROWS:,} rows (loaded in {_state['load_seconds']:.1f} s)"
    issued = selectors.list_invoices(company=seller, side="issued")
    deep_row = issued[int(ROWS * 0.75)]
    deep_cursor = selectors.encode_cursor(deep_row, "-issue_date")
    by_total = selectors.list_invoices(
        company=seller, side="issued", filters=selectors.InvoiceFilters(sort="-total")
    )
    deep_total_cursor = selectors.encode_cursor(by_total[int(ROWS * 0.75)], "-total")
    by_due = selectors.list_invoices(
        company=seller, side="issued", filters=selectors.InvoiceFilters(sort="-due_date")
    )
    deep_due_cursor = selectors.encode_cursor(by_due[int(ROWS * 0.75)], "-due_date")
    filtered = {
        "status": "accepted",
        "amount_min": "500",
        "amount_max": "2000",
        "date_from": "2025-01-01",
    }
    csv_filter = selectors.InvoiceFilters.from_query({"date_from": "2026-07-01"})

    def csv_export() -> int:
        qs = selectors.list_invoices(company=seller, side="issued", filters=csv_filter)
        return sum(1 for _ in _csv_rows(qs, "issued"))

    def offset_page() -> int:
        return len(list(issued[int(ROWS * 0.75) : int(ROWS * 0.75) + 50]))

    csv_rows = csv_export() - 2  # minus BOM and header
    return [
        Case(
            "lists",
            "issued: first page (50, newest first)",
            lambda: _page(seller, "issued", {}),
            units=1,
            unit="pages",
            setup_note=note,
        ),
        Case(
            "lists",
            "payable: first page (50)",
            lambda: _page(buyer, "received", {}),
            units=1,
            unit="pages",
        ),
        Case(
            "lists",
            "issued: filtered page (status+amount+date)",
            lambda: _page(seller, "issued", filtered),
            units=1,
            unit="pages",
        ),
        Case(
            "lists",
            "issued: search by number (q=FV0123)",
            lambda: _page(seller, "issued", {"q": "FV0123"}),
            units=1,
            unit="pages",
        ),
        Case(
            "lists",
            "issued: deep keyset page (at 75 %)",
            lambda: _page(seller, "issued", {}, deep_cursor),
            units=1,
            unit="pages",
        ),
        Case(
            "lists",
            "issued: deep keyset page, sorted by total",
            lambda: _page(seller, "issued", {"sort": "-total"}, deep_total_cursor),
            units=1,
            unit="pages",
        ),
        Case(
            "lists",
            "issued: deep keyset page, sorted by due date",
            lambda: _page(seller, "issued", {"sort": "-due_date"}, deep_due_cursor),
            units=1,
            unit="pages",
        ),
        Case(
            "lists", "issued: OFFSET page at 75 % (comparison)", offset_page, units=1, unit="pages"
        ),
        Case("lists", f"CSV export ({csv_rows:,} rows)", csv_export, units=csv_rows, unit="rows"),
    ]
