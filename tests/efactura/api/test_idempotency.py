"""Idempotency-Key: the same key gets the same answer and never a second invoice."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from apitools import invoice_json


@pytest.mark.django_db
def test_retry_with_same_key_replays_the_answer(supplier_api, customer) -> None:
    from efactura.invoices.models import Invoice

    headers = {"Idempotency-Key": "erp-order-4711"}
    first = supplier_api.post_json("/invoices", invoice_json(customer.tax_id), headers)
    again = supplier_api.post_json("/invoices", invoice_json(customer.tax_id), headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Invoice.objects.count() == 1
    # another key is another invoice
    other = supplier_api.post_json(
        "/invoices", invoice_json(customer.tax_id), {"Idempotency-Key": "erp-order-4712"}
    )
    assert other.json()["id"] != first.json()["id"]


@pytest.mark.django_db
def test_a_refusal_is_replayed_too(supplier_api) -> None:
    headers = {"Idempotency-Key": "bad-1"}
    first = supplier_api.post_json("/invoices", invoice_json("X1234"), headers)
    again = supplier_api.post_json("/invoices", invoice_json("X1234"), headers)
    assert first.status_code == again.status_code == 422
    assert first.json() == again.json()


@pytest.mark.django_db
def test_same_key_with_other_content_is_refused(supplier_api, customer) -> None:
    headers = {"Idempotency-Key": "k-1"}
    supplier_api.post_json("/invoices", invoice_json(customer.tax_id, quantity="1"), headers)
    clash = supplier_api.post_json(
        "/invoices", invoice_json(customer.tax_id, quantity="2"), headers
    )
    assert clash.status_code == 422
    assert clash.json()["type"] == "urn:efactura:problem:idempotency-key-reused"


@pytest.mark.django_db
def test_keys_are_per_company(supplier_api, customer_api, supplier, customer) -> None:
    headers = {"Idempotency-Key": "shared-name"}
    a = supplier_api.post_json("/invoices", invoice_json(customer.tax_id), headers)
    data = invoice_json(supplier.tax_id)
    b = customer_api.post_json("/invoices", data, headers)
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_one_invoice(supplier, customer, make_key) -> None:
    from django.db import connection, connections
    from django.test import Client

    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises every writer on one database lock, so requests cannot overlap; "
            "the concurrent case is proven on PostgreSQL (DATABASE_URL=postgres://…)."
        )
    from efactura.invoices.models import Invoice

    key = make_key(supplier)
    threads = 6
    barrier = threading.Barrier(threads)
    answers: list[Any] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            client = Client()
            barrier.wait()
            response = client.post(
                "/api/v1/invoices",
                data=json.dumps(invoice_json(customer.tax_id)),
                content_type="application/json",
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "race-1"},
            )
            with lock:
                answers.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=send) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert len(answers) == threads
    # A retry waits for the first request's answer; one that waited too long gets 409.
    assert {status for status, _body in answers} <= {201, 409}
    assert len({body["id"] for status, body in answers if status == 201}) == 1
    assert Invoice.objects.filter(issuer=supplier).count() == 1


SEEN: list[bool] = []


def watching_resolver(tax_id: str) -> None:
    """A route resolver (which may call a partner platform) noting whether it ran inside a
    database transaction."""
    from django.db import connection

    SEEN.append(connection.in_atomic_block)


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_the_submission_works(
    supplier_api, customer, settings
) -> None:
    """Regression: with a key, the whole submission (route discovery included) ran inside one
    transaction holding the key's row."""
    from efactura.api.models import IdempotencyRecord

    settings.EFACTURA_ROUTE_RESOLVERS = [f"{__name__}.watching_resolver"]
    SEEN.clear()
    answer = supplier_api.post_json(
        "/invoices", invoice_json("B48123459"), {"Idempotency-Key": "outside-1"}
    )
    assert answer.status_code == 201
    assert SEEN == [False]
    stored = IdempotencyRecord.objects.get(key="outside-1")
    assert stored.status_code == 201
    assert stored.invoice_ids == [answer.json()["id"]]


def _claim(company: Any, key: str, body: Any, *, age: int = 0, invoice_ids=()) -> Any:
    import datetime as dt

    from django.utils import timezone

    from efactura.api.models import IdempotencyRecord
    from efactura.api.services import Submission

    return IdempotencyRecord.objects.create(
        company=company,
        key=key,
        fingerprint=Submission(kind="json", payload=body).fingerprint,
        invoice_ids=list(invoice_ids),
        created=timezone.now() - dt.timedelta(seconds=age),
    )


@pytest.mark.django_db
def test_a_request_in_progress_answers_409_to_its_retry(
    supplier_api, supplier, customer, settings
) -> None:
    from efactura.invoices.models import Invoice

    settings.EFACTURA_IDEMPOTENCY_WAIT_SECONDS = 0
    body = invoice_json(customer.tax_id)
    _claim(supplier, "busy-1", body)
    answer = supplier_api.post_json("/invoices", body, {"Idempotency-Key": "busy-1"})
    assert answer.status_code == 409
    assert answer["Retry-After"] == "1"
    assert answer.json()["type"] == "urn:efactura:problem:idempotency-key-in-progress"
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_a_claim_left_by_a_dead_request_is_taken_over(supplier_api, supplier, customer) -> None:
    from efactura.api.choices import IDEMPOTENCY_LEASE_SECONDS
    from efactura.invoices.models import Invoice

    body = invoice_json(customer.tax_id)
    _claim(supplier, "dead-1", body, age=IDEMPOTENCY_LEASE_SECONDS + 5)
    answer = supplier_api.post_json("/invoices", body, {"Idempotency-Key": "dead-1"})
    assert answer.status_code == 201
    assert Invoice.objects.filter(issuer=supplier).count() == 1
    again = supplier_api.post_json("/invoices", body, {"Idempotency-Key": "dead-1"})
    assert again.json() == answer.json()


@pytest.mark.django_db
def test_a_dead_request_that_stored_its_invoice_is_answered_not_redone(
    supplier_api, supplier, customer
) -> None:
    from efactura.api.choices import IDEMPOTENCY_LEASE_SECONDS
    from efactura.invoices.models import Invoice

    body = invoice_json(customer.tax_id)
    first = supplier_api.post_json("/invoices", body).json()
    _claim(supplier, "dead-2", body, age=IDEMPOTENCY_LEASE_SECONDS + 5, invoice_ids=[first["id"]])
    answer = supplier_api.post_json("/invoices", body, {"Idempotency-Key": "dead-2"})
    assert answer.status_code == 201
    assert answer["Idempotent-Replayed"] == "true"
    assert answer.json()["id"] == first["id"]
    assert Invoice.objects.filter(issuer=supplier).count() == 1


@pytest.mark.django_db
def test_an_unexpected_failure_releases_the_key(
    supplier_api, supplier, customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from efactura.api import services
    from efactura.api.models import IdempotencyRecord

    def broken(**_kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    body = invoice_json(customer.tax_id)
    with monkeypatch.context() as patch:
        patch.setattr(services, "_submit", broken)
        with pytest.raises(RuntimeError):
            services.do_submit_invoice(
                company=supplier,
                submission=services.Submission(kind="json", payload=body),
                idempotency_key="fails-1",
            )
    assert not IdempotencyRecord.objects.filter(key="fails-1").exists()
    answer = supplier_api.post_json("/invoices", body, {"Idempotency-Key": "fails-1"})
    assert answer.status_code == 201
