"""Several real platform nodes exchanging invoices over HTTP on localhost.

Three ``efactura serve`` processes, each with its own data folder, node key and database
(SQLite, or a PostgreSQL database of its own when DATABASE_URL is set), trust each other
through ``EFACTURA_PEERS`` built from what ``efactura node --json`` prints.  The supplier is
registered on node A; its customers on B and C.  Everything a user or ERP does goes through
the command line and the REST API; every wait is bounded and the processes are always
stopped.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.efactura.federation.helpers import free_port

from efactura.federation import protocol

pytestmark = pytest.mark.slow

EFACTURA = str(Path(sys.executable).with_name("efactura"))
WAIT_SECONDS = 60.0

SUPPLIER = "B98765431"
CUSTOMER_B = "A39123450"
CUSTOMER_C = "B48123459"


@dataclass
class Node:
    name: str
    folder: Path
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    public_key: str = ""
    api_keys: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [EFACTURA, *args], env=self.env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, f"{self.name}: efactura {' '.join(args)}\n{done.stderr}"
        return done.stdout

    def start(self) -> None:
        log = (self.folder / "serve.log").open("ab")
        self.process = subprocess.Popen(
            [EFACTURA, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"{self.name} stopped:\n{self.log()}"
            try:
                httpx.get(f"{self.url}/federation/v1/participants/x", timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise AssertionError(f"{self.name} did not start in {WAIT_SECONDS} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log(self) -> str:
        path = self.folder / "serve.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def api(self, company: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.api_keys[company]}"}
        return httpx.request(
            method, f"{self.url}/api/v1{path}", headers=headers, timeout=30, **kwargs
        )

    def signing_key(self) -> Ed25519PrivateKey:
        key = serialization.load_pem_private_key(
            (self.folder / "node" / "ed25519.pem").read_bytes(), password=None
        )
        assert isinstance(key, Ed25519PrivateKey)
        return key


def wait_for(what: str, probe: Callable[[], Any], nodes: list[Node]) -> Any:
    """Poll ``probe`` until it returns something truthy (at most WAIT_SECONDS)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.5)
    logs = "\n".join(f"--- {n.name} ---\n{n.log()}" for n in nodes)
    raise AssertionError(f"Timed out waiting for {what}.\n{logs}")


def _postgres_databases(names: list[str]) -> tuple[dict[str, str], Callable[[], None]]:
    """One fresh PostgreSQL database per node on the server of DATABASE_URL."""
    import dj_database_url
    import psycopg

    base = os.environ["DATABASE_URL"]
    config = dj_database_url.parse(base)
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    prefix = f"efactura_fed_{os.getpid()}"
    urls: dict[str, str] = {}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{prefix}_{name}"')
            conn.execute(f'CREATE DATABASE "{prefix}_{name}"')
            urls[name] = base.rsplit("/", 1)[0] + f"/{prefix}_{name}"

    def drop() -> None:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{prefix}_{name}" WITH (FORCE)')

    return urls, drop


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Node]]:
    names = ["node-a", "node-b", "node-c"]
    drop: Callable[[], None] = lambda: None  # noqa: E731
    database_urls: dict[str, str] = {}
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        database_urls, drop = _postgres_databases(names)
    base_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("EFACTURA_", "DATABASE_URL", "EMAIL_URL", "PYTEST"))
    }
    cluster: dict[str, Node] = {}
    for name in names:
        folder = tmp_path_factory.mktemp(name)
        port = free_port()
        env = {
            **base_env,
            "EFACTURA_DATA_DIR": str(folder),
            "EFACTURA_NODE_ID": name,
            "EFACTURA_BASE_URL": f"http://127.0.0.1:{port}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "EFACTURA_FEDERATION_RETRY_SECONDS": "1",
            "EFACTURA_FEDERATION_MAX_ATTEMPTS": "3",
            "LANG": "C.UTF-8",
        }
        if name in database_urls:
            env["DATABASE_URL"] = database_urls[name]
        cluster[name] = Node(name=name, folder=folder, port=port, env=env)
    registrations = {
        "node-a": (SUPPLIER, "Suministros Levante, S.L."),
        "node-b": (CUSTOMER_B, "Hostelería Cantábrica, S.A."),
        "node-c": (CUSTOMER_C, "Talleres del Norte, S.L."),
    }

    def prepare(node: Node) -> None:
        node.public_key = json.loads(node.cli("node", "--json"))["public_key"]
        if "DATABASE_URL" in node.env:
            # A shared PostgreSQL database is migrated on purpose (SQLite migrates by itself).
            node.cli("manage", "migrate", "--verbosity", "0")
        tax_id, legal_name = registrations[node.name]
        node.cli(
            "company", "add", "--tax-id", tax_id, "--name", legal_name,
            "--email", f"facturas@{node.name}.example", "--address", "Avenida del Puerto, 112",
            "--postal-code", "46023", "--city", "Valencia", "--province", "Valencia",
        )  # fmt: skip
        node.api_keys[tax_id] = node.cli("apikey", "create", "--company", tax_id).split()[-1]

    try:
        # The nodes are independent until they are told about each other: set them up at once.
        with ThreadPoolExecutor(max_workers=len(cluster)) as pool:
            list(pool.map(prepare, cluster.values()))
        # A trusts B and C; B and C trust A.  B does not know C (for the unknown-peer check).
        trust = {"node-a": ["node-b", "node-c"], "node-b": ["node-a"], "node-c": ["node-a"]}
        for name, node in cluster.items():
            node.env["EFACTURA_PEERS"] = json.dumps(
                [
                    {"id": p, "url": cluster[p].url, "public_key": cluster[p].public_key}
                    for p in trust[name]
                ]
            )
        with ThreadPoolExecutor(max_workers=len(cluster)) as pool:
            list(pool.map(Node.start, cluster.values()))
        yield cluster
    finally:
        for node in cluster.values():
            node.stop()
        drop()


def invoice_json(buyer_tax_id: str, name: str) -> dict[str, Any]:
    return {
        "series": "FED",
        "issue_date": dt.date.today().isoformat(),
        "buyer": {
            "name": name,
            "tax_id": buyer_tax_id,
            "address": {
                "line1": "Calle Castelar 5",
                "city": "Santander",
                "postal_code": "39004",
                "subdivision": "Cantabria",
                "country": "ES",
            },
        },
        "lines": [
            {
                "id": "1",
                "name": "Café en grano, saco de 1 kg",
                "quantity": "10",
                "net_price": "12.50",
                "net_amount": "125.00",
                "vat_category": "S",
                "vat_rate": "21",
            }
        ],
    }


def issue(node_a: Node, buyer_tax_id: str, name: str) -> dict[str, Any]:
    response = node_a.api(SUPPLIER, "POST", "/invoices", json=invoice_json(buyer_tax_id, name))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def detail(node: Node, company: str, invoice_id: str) -> dict[str, Any]:
    response = node.api(company, "GET", f"/invoices/{invoice_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def received(node: Node, company: str) -> list[dict[str, Any]]:
    response = node.api(company, "GET", "/invoices/received")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_invoice_and_its_answers_cross_platforms(nodes: dict[str, Node]) -> None:
    a, b, c = nodes["node-a"], nodes["node-b"], nodes["node-c"]
    everyone = [a, b, c]
    issued = issue(a, CUSTOMER_B, "Hostelería Cantábrica, S.A.")

    # Discovery asked B and C; B serves the customer, so the invoice went to B.
    sent = wait_for(
        "A to record the delivery to B",
        lambda: (d := detail(a, SUPPLIER, issued["id"]))["transport"] == "delivered" and d,
        everyone,
    )
    assert sent["route"] == "peer"
    [arrived] = wait_for("the invoice in B's inbox", lambda: received(b, CUSTOMER_B), everyone)
    assert arrived["number"] == issued["number"]
    assert arrived["seller_tax_id"] == "ESB98765431"
    assert received(c, CUSTOMER_C) == []

    # The signed original arrived byte for byte and verifies on B.
    original_a = a.api(SUPPLIER, "GET", f"/invoices/{issued['id']}/document").content
    original_b = b.api(CUSTOMER_B, "GET", f"/invoices/{arrived['id']}/document").content
    assert original_b == original_a
    assert detail(b, CUSTOMER_B, arrived["id"])["signature_status"] == "valid"

    # The customer accepts on B; the supplier sees it on A.
    answer = b.api(
        CUSTOMER_B, "POST", f"/invoices/{arrived['id']}/status", json={"status": "accepted"}
    )
    assert answer.status_code == 200, answer.text
    accepted = wait_for(
        "A to see the acceptance",
        lambda: (d := detail(a, SUPPLIER, issued["id"]))["status"] == "accepted" and d,
        everyone,
    )
    assert any(e["kind"] == "accepted" and e["source"] == "peer" for e in accepted["timeline"])

    # And pays it.
    paid = b.api(CUSTOMER_B, "POST", f"/invoices/{arrived['id']}/status", json={"status": "paid"})
    assert paid.status_code == 200, paid.text
    final = wait_for(
        "A to see the payment",
        lambda: (d := detail(a, SUPPLIER, issued["id"]))["status"] == "paid" and d,
        everyone,
    )
    assert final["paid_amount"] == final["payable"]
    assert any(e["kind"] == "payment" and e["source"] == "peer" for e in final["timeline"])


def test_each_customer_is_reached_on_its_own_platform(nodes: dict[str, Node]) -> None:
    a, c = nodes["node-a"], nodes["node-c"]
    issued = issue(a, CUSTOMER_C, "Talleres del Norte, S.L.")

    [arrived] = wait_for(
        "the invoice in C's inbox", lambda: received(c, CUSTOMER_C), list(nodes.values())
    )
    assert arrived["number"] == issued["number"]
    assert detail(a, SUPPLIER, issued["id"])["route"] == "peer"


def _message(
    key: Ed25519PrivateKey, sender: str, *, message_id: str, sent: dt.datetime, payload: bytes
) -> dict[str, str]:
    envelope = protocol.build_envelope(
        message_id=message_id,
        kind=protocol.KIND_STATUS,
        sender=sender,
        receiver="node-b",
        sender_participant="9920:ESB98765431",
        receiver_participant="9920:ESA39123450",
        document_type=protocol.STATUS_DOCUMENT_TYPE,
        invoice={
            "seller_tax_id": "ESB98765431",
            "series": "X",
            "number": "1",
            "issue_date": "2026-01-01",
        },
        payload=payload,
        created=sent,
        sent=sent,
    )
    raw, header = protocol.encode_envelope(envelope)
    return {
        protocol.ENVELOPE_HEADER: header,
        protocol.SIGNATURE_HEADER: base64.b64encode(key.sign(raw)).decode(),
        "Content-Type": "application/json",
    }


def test_forged_stale_and_replayed_messages_are_refused(nodes: dict[str, Node]) -> None:
    a, b, c = nodes["node-a"], nodes["node-b"], nodes["node-c"]
    url = f"{b.url}/federation/v1/messages"
    now = dt.datetime.now(dt.UTC)
    payload = b'{"event": "accepted", "status": "accepted", "in_reply_to": ""}'

    # C is a real node with a real key, but B does not trust it.
    unknown = httpx.post(
        url,
        content=payload,
        headers=_message(
            c.signing_key(), "node-c", message_id=str(uuid.uuid4()), sent=now, payload=payload
        ),
    )
    assert unknown.status_code == 403 and unknown.json()["error"] == "FED-UNKNOWN-PEER"

    # A's key, but the envelope changed after signing.
    headers = _message(
        a.signing_key(), "node-a", message_id=str(uuid.uuid4()), sent=now, payload=payload
    )
    raw = base64.urlsafe_b64decode(headers[protocol.ENVELOPE_HEADER])
    headers[protocol.ENVELOPE_HEADER] = base64.urlsafe_b64encode(
        raw.replace(b"ESA39123450", b"ESA39123451")
    ).decode()
    tampered = httpx.post(url, content=payload, headers=headers)
    assert tampered.status_code == 401 and tampered.json()["error"] == "FED-SIGNATURE"

    # A's key, sent an hour ago: outside the replay window.
    stale = httpx.post(
        url,
        content=payload,
        headers=_message(
            a.signing_key(),
            "node-a",
            message_id=str(uuid.uuid4()),
            sent=now - dt.timedelta(hours=1),
            payload=payload,
        ),
    )
    assert stale.status_code == 401 and stale.json()["error"] == "FED-STALE"

    # A valid message answered once; replayed → same signed receipt; reused id → refused.
    message_id = str(uuid.uuid4())
    first = httpx.post(
        url,
        content=payload,
        headers=_message(
            a.signing_key(), "node-a", message_id=message_id, sent=now, payload=payload
        ),
    )
    again = httpx.post(
        url,
        content=payload,
        headers=_message(
            a.signing_key(), "node-a", message_id=message_id, sent=now, payload=payload
        ),
    )
    assert first.status_code == again.status_code == 200
    assert again.headers["Efactura-Replayed"] == "true"
    assert again.json() == first.json()
    other = payload.replace(b"accepted", b"rejected")
    reused = httpx.post(
        url,
        content=other,
        headers=_message(a.signing_key(), "node-a", message_id=message_id, sent=now, payload=other),
    )
    assert reused.status_code == 409 and reused.json()["error"] == "FED-REPLAY"


def test_peer_down_is_retried_then_failed_visibly(nodes: dict[str, Node]) -> None:
    a, b = nodes["node-a"], nodes["node-b"]
    b.stop()
    issued = issue(a, CUSTOMER_B, "Hostelería Cantábrica, S.A.")

    failed = wait_for(
        "A to give up delivering to the stopped B",
        lambda: (d := detail(a, SUPPLIER, issued["id"]))["transport"] == "failed" and d,
        list(nodes.values()),
    )
    assert failed["route"] == "peer"
    assert [e["kind"] for e in failed["timeline"]].count("delivery_failed") == 1
