"""Faults between two real platforms: the receiving platform is down for a minute while the
sender issues 200 invoices; after it returns, every invoice arrives exactly once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from tests.efactura.interconnection.nodes import (
    Node,
    add_partner,
    invoice_json,
    make_node,
    received,
    register,
    wait_for,
)
from tests.efactura.interconnection.testpki import TestCA

pytestmark = [pytest.mark.slow, pytest.mark.own_databases]

SUPPLIER = "B98765431"
CUSTOMER = "A39123450"
COUNT = 200
OUTAGE_SECONDS = 60.0


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Node]]:
    ca = TestCA()
    # Back-off 2, 4, 8 … s over 8 attempts outlasts a one-minute outage by far.
    extra = {"EFACTURA_AS4_RETRY_SECONDS": "2", "EFACTURA_AS4_MAX_ATTEMPTS": "8"}
    a = make_node("node-a", tmp_path_factory.mktemp("fault-a"), ca, extra=extra)
    b = make_node("node-b", tmp_path_factory.mktemp("fault-b"), ca, extra=extra)
    try:
        register(a, SUPPLIER, "Suministros Levante, S.L.")
        register(b, CUSTOMER, "Hostelería Cantábrica, S.A.")
        add_partner(a, b)
        add_partner(b, a)
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(Node.start, (a, b)))
        yield a, b
    finally:
        a.stop()
        b.stop()


def _issue(a: Node, index: int) -> dict[str, Any]:
    response = a.api(
        SUPPLIER, "POST", "/invoices", json=invoice_json(CUSTOMER, "Hostelería", series="OUT")
    )
    assert response.status_code == 201, f"invoice {index}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


def test_receiver_down_for_a_minute_gets_all_invoices_exactly_once(pair: tuple[Node, Node]) -> None:
    a, b = pair
    b.stop()
    stopped = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        issued = list(pool.map(lambda i: _issue(a, i), range(COUNT)))
    assert len({i["number"] for i in issued}) == COUNT
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
    b.start()

    arrived = wait_for(
        f"all {COUNT} invoices in B's inbox",
        lambda: (items := received(b, CUSTOMER)) and len(items) >= COUNT and items,
        [a, b],
        seconds=900,
    )
    numbers = [item["number"] for item in arrived]
    assert len(numbers) == COUNT and set(numbers) == {i["number"] for i in issued}

    def all_delivered() -> bool:
        return all(
            a.api(SUPPLIER, "GET", f"/invoices/{i['id']}").json()["transport"] == "delivered"
            for i in issued[-5:] + issued[:5]
        )

    wait_for("A to record the deliveries", all_delivered, [a, b], seconds=300)
    time.sleep(5)  # any late duplicate would land now
    assert len(received(b, CUSTOMER)) == COUNT
