"""Correlative numbering: no gaps and no duplicates, sequentially and under concurrency."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from tests.efactura.invoices import helpers as h

from efactura.invoices import services, storage
from efactura.invoices.models import Invoice, Series
from einvoice import formats


@pytest.fixture
def seller(make_company: Any) -> Any:
    return h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)


@pytest.fixture
def seller_user(make_user: Any, seller: Any) -> Any:
    return make_user("s@example.com", seller)


def _issue(seller: Any, user: Any, series: str, buyer: str = h.BUYER_TAX_ID) -> Invoice:
    return services.do_issue_invoice(
        company=seller, actor=user, draft=h.draft(buyer), series_code=series
    )


@pytest.mark.django_db
def test_each_series_counts_on_its_own(seller: Any, seller_user: Any) -> None:
    numbers = [_issue(seller, seller_user, "A").full_number for _ in range(3)]
    numbers += [_issue(seller, seller_user, "R").full_number for _ in range(2)]
    numbers += [_issue(seller, seller_user, "A").full_number]
    assert numbers == ["A000001", "A000002", "A000003", "R000001", "R000002", "A000004"]
    assert Series.objects.get(company=seller, code="A").next_number == 5


@pytest.mark.django_db
def test_a_rejected_invoice_does_not_use_up_a_number(seller: Any, seller_user: Any) -> None:
    _issue(seller, seller_user, "A")
    with pytest.raises(services.InvoiceRejected):
        _issue(seller, seller_user, "A", buyer="B12345678")  # wrong check digit (B12345674)
    assert _issue(seller, seller_user, "A").full_number == "A000002"


@pytest.mark.django_db
def test_numbers_taken_by_imported_invoices_are_skipped(seller: Any, seller_user: Any) -> None:
    own = h.external_invoice(
        "000002", seller_tax_id="ES" + h.SELLER_TAX_ID, buyer_tax_id="ES" + h.OUTSIDER_TAX_ID
    )
    own = own.__class__(**{**{f: getattr(own, f) for f in own.__dataclass_fields__}, "series": "A"})
    report = services.do_import_files(
        company=seller,
        actor=seller_user,
        files=[("A000002.xml", formats.render("facturae", [own]))],
        direction="issued",
    )
    assert report.ok, report.as_dict()
    numbers = [_issue(seller, seller_user, "A").full_number for _ in range(3)]
    assert numbers == ["A000001", "A000003", "A000004"]


@pytest.mark.django_db(transaction=True)
def test_parallel_issuing_gives_no_gaps_and_no_duplicates(seller: Any, seller_user: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite serialises every write on one database lock, so parallel issuing cannot "
            "race there; run with DATABASE_URL=postgres://… to exercise the row lock."
        )
    workers, per_worker = 6, 4
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def work() -> None:
        try:
            start.wait()
            for _ in range(per_worker):
                _issue(seller, seller_user, "P")
        except BaseException as exc:  # reported below with the failing thread's error
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert not errors, errors
    numbers = sorted(
        Invoice.objects.filter(issuer=seller, series="P").values_list("number", flat=True)
    )
    expected = [f"{n:06d}" for n in range(1, workers * per_worker + 1)]
    assert numbers == expected
    assert Series.objects.get(company=seller, code="P").next_number == workers * per_worker + 1
    assert storage.check_archive(verify_bytes=False).ok
