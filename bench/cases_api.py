"""Benchmark cases for the ERP API under concurrent load, against a real server process.

``cases()`` starts ``efactura serve`` (gunicorn, 8 threads, plus the worker) on a free port
with a temporary ``EFACTURA_DATA_DIR`` (embedded SQLite) and the rate limit lifted, registers
a supplier and a customer with API keys through the ``efactura`` command, then measures two
operations with THREADS httpx clients sending concurrently:

- ``POST /api/v1/invoices`` with a canonical JSON invoice (numbered, rendered as Facturae,
  signed with the platform seal, archived and delivered to the customer's inbox);
- ``GET /api/v1/invoices/received`` (first page of 50) as the customer.

How to read the rows (honest about what is measured): each runner call is one *burst* of
THREADS × PER_THREAD requests sent concurrently, so the ``rate`` column is requests per
second under that concurrency.  The runner's p50/p99 columns are per burst; the per-request
p50/p99, measured inside the bursts of a separate measuring pass, are written into the
operation name.  Skipped unless the bench runs everything or ``--only`` names ``api``.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from bench import Case, add_company_with_key

THREADS = 4
PER_THREAD = 10
ROOT = Path(__file__).resolve().parents[1]
EFACTURA = [sys.executable, "-m", "efactura"]


def _wanted() -> bool:
    if "--only" in sys.argv:
        index = sys.argv.index("--only")
        only = sys.argv[index + 1] if index + 1 < len(sys.argv) else ""
        return only in "api / POST /api/v1/invoices GET /api/v1/invoices/received"
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _invoice() -> dict[str, object]:
    return {
        "series": "B",
        "buyer_reference": "PO-1",
        "issue_date": time.strftime("%Y-%m-%d"),
        "buyer": {
            "name": "Hostelería Cantábrica, S.A.",
            "tax_id": "A39123450",
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
                "name": "Café en grano",
                "quantity": "10",
                "net_price": "12.50",
                "net_amount": "125.00",
                "vat_category": "S",
                "vat_rate": "21",
            }
        ],
    }


class Server:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="efactura-bench-api-"))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "EFACTURA_DATA_DIR": str(self.folder),
            "EFACTURA_API_RATE_LIMIT": "100000000",
            "LANG": "C",
        }
        self.env.pop("DATABASE_URL", None)
        self.keys: dict[str, str] = {}
        self.process: subprocess.Popen[bytes] | None = None

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [*EFACTURA, *args], env=self.env, capture_output=True, text=True, check=True, cwd=ROOT
        )
        return done.stdout

    def start(self) -> Server:
        for tax_id, name, province in (
            ("B98765431", "Suministros Levante, S.L.", "Valencia"),
            ("A39123450", "Hostelería Cantábrica, S.A.", "Cantabria"),
        ):
            self.keys[tax_id] = add_company_with_key(self._run, tax_id, name, province)
        self.process = subprocess.Popen(
            [*EFACTURA, "serve", "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            process_group=0,
        )
        atexit.register(self.stop)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/openapi.json", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError("efactura serve did not answer within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def _burst(url: str, key: str, request: str) -> list[float]:
    """THREADS clients each send PER_THREAD requests at once; returns per-request seconds."""
    latencies: list[float] = []
    lock = threading.Lock()
    body = json.dumps(_invoice()).encode()
    errors: list[str] = []

    def worker() -> None:
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60
        ) as client:
            for _ in range(PER_THREAD):
                t = time.perf_counter()
                if request == "submit":
                    r = client.post(
                        "/api/v1/invoices",
                        content=body,
                        headers={"Content-Type": "application/json"},
                    )
                    ok = r.status_code == 201
                else:
                    r = client.get("/api/v1/invoices/received", params={"page_size": 50})
                    ok = r.status_code == 200
                elapsed = time.perf_counter() - t
                with lock:
                    latencies.append(elapsed)
                    if not ok:
                        errors.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, first: {errors[0]}")
    return latencies


def _label(name: str, latencies: list[float]) -> str:
    latencies = sorted(latencies)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return f"{name} x{THREADS} (req p50 {p50:.0f} / p99 {p99:.0f} ms)"


def cases() -> list[Case]:
    if not _wanted():
        return []
    server = Server().start()
    supplier, customer = server.keys["B98765431"], server.keys["A39123450"]
    measured_submit = [x for _ in range(3) for x in _burst(server.url, supplier, "submit")]
    measured_list = [x for _ in range(3) for x in _burst(server.url, customer, "list")]
    units = THREADS * PER_THREAD
    return [
        Case(
            "api",
            _label("POST invoices JSON", measured_submit),
            lambda: _burst(server.url, supplier, "submit"),
            units=units,
            unit="req",
        ),
        Case(
            "api",
            _label("GET invoices/received", measured_list),
            lambda: _burst(server.url, customer, "list"),
            units=units,
            unit="req",
        ),
    ]
