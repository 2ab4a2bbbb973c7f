"""Three real platforms interconnected over AS4 on localhost.

A serves the supplier, B and C one customer each.  A knows B and C as partners (their SMP and
certificate); B and C know A.  An invoice issued on A for B's customer is found through B's
SMP, travels as a signed, encrypted AS4 message, arrives exactly once, and the customer's
answers (accepted, paid) come back to A as Peppol Invoice Responses.
"""

from __future__ import annotations

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
CUSTOMER_B = "A39123450"
CUSTOMER_C = "B48123459"


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Node]]:
    ca = TestCA()
    extra = {"EFACTURA_AS4_RETRY_SECONDS": "1", "EFACTURA_AS4_MAX_ATTEMPTS": "8"}
    names = {"node-a": (SUPPLIER, "Suministros Levante, S.L."),
             "node-b": (CUSTOMER_B, "Hostelería Cantábrica, S.A."),
             "node-c": (CUSTOMER_C, "Talleres del Norte, S.L.")}  # fmt: skip

    def prepare(name: str) -> Node:
        node = make_node(name, tmp_path_factory.mktemp(name), ca, extra=extra)
        register(node, *names[name])
        return node

    with ThreadPoolExecutor(max_workers=3) as pool:
        cluster = dict(zip(names, pool.map(prepare, names), strict=True))
    try:
        a, b, c = cluster["node-a"], cluster["node-b"], cluster["node-c"]
        add_partner(a, b)
        add_partner(a, c)
        add_partner(b, a)
        add_partner(c, a)
        with ThreadPoolExecutor(max_workers=3) as pool:
            list(pool.map(Node.start, cluster.values()))
        yield cluster
    finally:
        for node in cluster.values():
            node.stop()


def issue(node: Node, buyer_tax_id: str, name: str, **kwargs: Any) -> dict[str, Any]:
    response = node.api(
        SUPPLIER, "POST", "/invoices", json=invoice_json(buyer_tax_id, name, **kwargs)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def detail(node: Node, company: str, invoice_id: str) -> dict[str, Any]:
    response = node.api(company, "GET", f"/invoices/{invoice_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_invoice_and_its_answers_cross_platforms(nodes: dict[str, Node]) -> None:
    a, b, c = nodes["node-a"], nodes["node-b"], nodes["node-c"]
    everyone = [a, b, c]
    issued = issue(a, CUSTOMER_B, "Hostelería Cantábrica, S.A.")

    sent = wait_for(
        "A to record the AS4 delivery to B",
        lambda: (d := detail(a, SUPPLIER, issued["id"]))["transport"] == "delivered" and d,
        everyone,
    )
    assert sent["route"] == "peer"
    [arrived] = wait_for("the invoice in B's inbox", lambda: received(b, CUSTOMER_B), everyone)
    assert arrived["number"] == issued["number"]
    assert arrived["seller_tax_id"] == "ESB98765431"
    assert received(c, CUSTOMER_C) == []
    on_b = detail(b, CUSTOMER_B, arrived["id"])
    assert on_b["signature_status"] == "valid"

    answer = b.api(
        CUSTOMER_B, "POST", f"/invoices/{arrived['id']}/status", json={"status": "accepted"}
    )
    assert answer.status_code == 200, answer.text
    accepted = wait_for(
        "A to see the acceptance (Invoice Response AP)",
        lambda: (d := detail(a, SUPPLIER, issued["id"]))["status"] == "accepted" and d,
        everyone,
    )
    assert any(e["kind"] == "accepted" and e["source"] == "peer" for e in accepted["timeline"])

    paid = b.api(CUSTOMER_B, "POST", f"/invoices/{arrived['id']}/status", json={"status": "paid"})
    assert paid.status_code == 200, paid.text
    final = wait_for(
        "A to see the payment (Invoice Response PD)",
        lambda: (d := detail(a, SUPPLIER, issued["id"]))["status"] == "paid" and d,
        everyone,
    )
    assert final["paid_amount"] == final["payable"]
    assert any(e["kind"] == "payment" and e["source"] == "peer" for e in final["timeline"])
    # Exactly once on B.
    assert len(received(b, CUSTOMER_B)) == 1


def test_each_customer_is_reached_on_its_own_platform(nodes: dict[str, Node]) -> None:
    a, c = nodes["node-a"], nodes["node-c"]
    issued = issue(a, CUSTOMER_C, "Talleres del Norte, S.L.")
    [arrived] = wait_for(
        "the invoice in C's inbox", lambda: received(c, CUSTOMER_C), list(nodes.values())
    )
    assert arrived["number"] == issued["number"]
    assert detail(a, SUPPLIER, issued["id"])["route"] == "peer"


def test_partner_commands_and_node_identity(nodes: dict[str, Node]) -> None:
    a = nodes["node-a"]
    listed = a.cli("partner", "list")
    assert "node-b" in listed and "node-c" in listed
    assert a.info["as4_url"] == f"{a.url}/as4" and a.info["smp_url"] == f"{a.url}/smp"
    assert a.info["certificate"].startswith("-----BEGIN CERTIFICATE-----")
    out = a.cli("partner", "test", "node-b", "--participant", f"9920:ES{CUSTOMER_B}")
    assert "signed receipt" in out
