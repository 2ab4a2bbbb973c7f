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
    assert {status for status, _body in answers} == {201}
    assert len({body["id"] for _status, body in answers}) == 1
    assert Invoice.objects.filter(issuer=supplier).count() == 1
