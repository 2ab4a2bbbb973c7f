"""Real efactura platforms on localhost for the interconnection tests.

Each node is an ``efactura serve`` process (web server + worker) with its own data folder,
SQLite database, AS4 certificate (issued by a test CA every node trusts) and SMP.  Everything
an operator or ERP does goes through the command line and the REST API; every wait is
bounded and the processes are always stopped.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tests.efactura.interconnection.testpki import TestCA

EFACTURA = str(Path(sys.executable).with_name("efactura"))
WAIT_SECONDS = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Node:
    name: str
    folder: Path
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    info: dict[str, str] = field(default_factory=dict)
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
                httpx.get(f"{self.url}/smp/ready", timeout=2)
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
            method, f"{self.url}/api/v1{path}", headers=headers, timeout=60, **kwargs
        )

    def certificate_file(self) -> Path:
        path = self.folder / "as4-cert.pem"
        path.write_text(self.info["certificate"])
        return path


def make_node(name: str, folder: Path, ca: TestCA, *, extra: dict[str, str] | None = None) -> Node:
    """A node with its own data folder and an AS4 certificate from ``ca`` (not started)."""
    port = free_port()
    trust = folder / "trust.pem"
    trust.write_bytes(ca.pem)
    base_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("EFACTURA_", "DATABASE_URL", "EMAIL_URL", "PYTEST", "CACHE_URL"))
    }
    env = {
        **base_env,
        "EFACTURA_DATA_DIR": str(folder),
        "EFACTURA_NODE_ID": name,
        "EFACTURA_BASE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EFACTURA_AS4_TRUST_ANCHORS": str(trust),
        "LANG": "C.UTF-8",
        **(extra or {}),
    }
    node = Node(name=name, folder=folder, port=port, env=env)
    cert, key = ca.issue(f"POP-{name.upper()}").write(folder)
    node.info = json.loads(
        node.cli("node", "--certificate-file", str(cert), "--key-file", str(key), "--json")
    )
    return node


def register(node: Node, tax_id: str, legal_name: str) -> None:
    node.cli(
        "company", "add", "--tax-id", tax_id, "--name", legal_name,
        "--email", f"facturas@{node.name}.example", "--address", "Avenida del Puerto, 112",
        "--postal-code", "46023", "--city", "Valencia", "--province", "Valencia",
    )  # fmt: skip
    node.api_keys[tax_id] = node.cli("apikey", "create", "--company", tax_id).split()[-1]


def add_partner(node: Node, other: Node) -> None:
    node.cli(
        "partner", "add", "--name", other.name, "--smp-url", other.info["smp_url"],
        "--certificate-file", str(other.certificate_file()),
    )  # fmt: skip


def wait_for(
    what: str, probe: Callable[[], Any], nodes: list[Node], seconds: float = WAIT_SECONDS
) -> Any:
    """Poll ``probe`` until it returns something truthy (bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.5)
    logs = "\n".join(f"--- {n.name} ---\n{n.log()}" for n in nodes)
    raise AssertionError(f"Timed out waiting for {what}.\n{logs}")


def invoice_json(buyer_tax_id: str, name: str, *, series: str = "AS4") -> dict[str, Any]:
    import datetime as dt

    return {
        "series": series,
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


def received(node: Node, company: str) -> list[dict[str, Any]]:
    """Every invoice in ``company``'s *Invoices payable* on ``node`` (all pages)."""
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        response = node.api(
            company, "GET", "/invoices/received", params={"cursor": cursor, "page_size": 100}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        if not body.get("has_more"):
            return items
        cursor = body["next_cursor"]
