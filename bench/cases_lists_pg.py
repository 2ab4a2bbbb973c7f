"""Benchmark cases for the invoice lists at scale on PostgreSQL, through a real server.

Creates a temporary PostgreSQL database (``BENCH_POSTGRES_URL``, default
``postgres://postgres@localhost``; its name from ``BENCH_PG_DATABASE``, default
``efactura_bench_lists_<pid>``), migrates it, registers a buyer and a seller with API keys and a
signed-in web session, and writes ``BENCH_PG_LIST_ROWS`` (default 1,000,000) invoices received
by the buyer from 5,000 suppliers (a fifth of them issued by the seller on the platform, so the
seller's *issued* list has 200,000 rows) with one ``INSERT … SELECT … FROM generate_series``:
no ingest pipeline, only what the lists read.  Each row carries a ~2.6 KB canonical JSON, as
real invoices do.  Then ``efactura serve --workers BENCH_PG_WORKERS`` (default 2) answers.

Rows, each one HTTP GET over a kept-alive connection (median of many):
- ``lists-pg web`` — the *Invoices payable* page: first page, every filter, every sort, search
  by number / supplier name / tax ID, a second page; the *Invoices issued* page of the seller.
- ``lists-pg api`` — ``GET /api/v1/invoices/received`` with the same operations, plus the
  ERP change feed (``changes=true``) from the start and from a cursor half-way through.
- ``lists-pg api x8`` — the first page with 8 concurrent clients: rate in requests per second,
  per-request p50/p99 in the operation name.

The database and the data folder are removed at exit, unless ``BENCH_PG_KEEP=1``: then they
are kept, and a later run with the same ``BENCH_PG_DATABASE`` and ``BENCH_PG_KEEP=1`` measures
again without loading the rows again (drop the database by hand when done).  Runs only when
the bench runs everything or ``--only`` names ``lists-pg`` (or a part of a row's label).
"""

from __future__ import annotations

import atexit
import http.client
import json
import logging
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
from typing import Any
from urllib.parse import urlsplit

import httpx
from bench import Case, add_company_with_key

logging.getLogger("httpx").setLevel(logging.WARNING)

ROOT = Path(__file__).resolve().parents[1]
EFACTURA = [sys.executable, "-m", "efactura"]
ROWS = int(os.environ.get("BENCH_PG_LIST_ROWS", "1000000"))
WORKERS = int(os.environ.get("BENCH_PG_WORKERS", "2"))
SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@localhost").rstrip("/")
DATABASE = os.environ.get("BENCH_PG_DATABASE", f"efactura_bench_lists_{os.getpid()}")
# BENCH_PG_KEEP=1 keeps the database and its data folder at exit and writes what a later run
# needs (keys, sessions) beside them; a later run with the same BENCH_PG_DATABASE and
# BENCH_PG_KEEP=1 then measures again without loading the rows again.
KEEP = os.environ.get("BENCH_PG_KEEP", "") == "1"
STATE = Path(tempfile.gettempdir()) / f"efactura-bench-lists-pg-{DATABASE}.json"
CLIENTS = 8
PER_CLIENT = 10
BUYER = ("A39123450", "Hostelería Cantábrica, S.A.")
SELLER = ("B98765431", "Suministros Levante, S.L.")
SUPPLIERS = 5000


def _wanted() -> bool:
    if "--only" not in sys.argv:
        return True
    index = sys.argv.index("--only")
    only = sys.argv[index + 1] if index + 1 < len(sys.argv) else ""
    return only in "lists-pg web / lists-pg api / lists-pg api x8" or only.startswith("lists-pg")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# A canonical invoice of the usual size (~2.6 KB as JSON): the part the lists must not read.
_CANONICAL = {
    "kind": "invoice",
    "currency": "EUR",
    "seller": {
        "name": "Proveedor",
        "tax_id": "B00000000",
        "address": {
            "line1": "Avenida del Puerto 120, nave 4",
            "city": "Valencia",
            "postal_code": "46023",
            "subdivision": "Valencia",
            "country": "ES",
        },
        "contact": {"email": "facturacion@example.com", "phone": "+34 960 000 000"},
    },
    "buyer": {
        "name": BUYER[1],
        "tax_id": BUYER[0],
        "address": {
            "line1": "Calle Castelar 5",
            "city": "Santander",
            "postal_code": "39004",
            "subdivision": "Cantabria",
            "country": "ES",
        },
    },
    "payment": {
        "means": "58",
        "iban": "ES9121000418450200051332",
        "due_date": "2025-01-31",
        "terms": "Transferencia a 30 días de la fecha de factura.",
    },
    "lines": [
        {
            "id": str(n),
            "name": f"Artículo de hostelería número {n}, caja de 12 unidades",
            "description": "Suministro según pedido marco; entrega en el almacén del cliente.",
            "quantity": "12",
            "unit": "C62",
            "net_price": "10.25",
            "net_amount": "123.00",
            "vat_category": "S",
            "vat_rate": "21",
        }
        for n in range(1, 7)
    ],
    "notes": ["Factura emitida conforme al RD 1619/2012."],
}

_POPULATE = """
INSERT INTO invoices_invoice (
    id, issuer_id, recipient_id, origin, seller_tax_id, seller_name, buyer_tax_id, buyer_name,
    series, number, full_number, kind, type_code, is_corrective, issue_date, due_date, currency,
    net_total, tax_total, withheld_total, total, payable, canonical, content_hash, route,
    route_detail, transport, status, status_before_cancellation, rejection_reason, rejection_code,
    collection, paid_amount,
    received_at, signature, created, updated
)
SELECT
    md5('inv' || g)::uuid,
    CASE WHEN mod(g, 5) = 0 THEN %(seller)s END,
    %(buyer)s,
    CASE WHEN mod(g, 5) = 0 THEN 'api' ELSE 'peer' END,
    CASE WHEN mod(g, 5) = 0 THEN %(seller_tax)s
         ELSE 'B' || lpad(mod(g, %(suppliers)s)::text, 8, '0') END,
    CASE WHEN mod(g, 5) = 0 THEN %(seller_name)s
         ELSE 'Proveedor ' || mod(g, %(suppliers)s) || ' de ' || (ARRAY['Levante', 'Castilla',
              'Galicia', 'Aragón', 'Andalucía'])[1 + mod(g, 5)] || ', S.L.' END,
    %(buyer_tax)s,
    %(buyer_name)s,
    'F' || to_char(d.issue, 'YYYY'),
    lpad(g::text, 7, '0'),
    'F' || to_char(d.issue, 'YYYY') || '-' || lpad(g::text, 7, '0'),
    'invoice', '380', false,
    d.issue,
    CASE WHEN mod(g, 10) = 3 THEN NULL ELSE d.issue + 30 END,
    'EUR',
    r.net, round(r.net * 0.21, 2), 0, r.net + round(r.net * 0.21, 2),
    r.net + round(r.net * 0.21, 2),
    %(canonical)s::jsonb || jsonb_build_object('number', lpad(g::text, 7, '0')),
    md5('a' || g) || md5('b' || g),
    CASE WHEN mod(g, 5) = 0 THEN 'local' ELSE 'none' END,
    '',
    CASE WHEN mod(g, 97) = 0 THEN 'failed' ELSE 'delivered' END,
    (ARRAY['received', 'read', 'accepted', 'rejected', 'partially_paid', 'paid',
           'cancellation_requested', 'cancelled'])[1 + mod(r.h, 8)],
    '', '', '', '', 0,
    d.issue + time '09:00',
    '{}'::jsonb,
    d.issue + time '09:00' + mod(g, 3600) * interval '1 second',
    d.issue + time '09:00' + mod(r.h, 90) * interval '1 day' + mod(g, 3600) * interval '1 second'
FROM generate_series(1, %(rows)s) AS g,
LATERAL (SELECT date '2023-01-01' + (g::bigint * 1096 / %(rows)s)::int AS issue) AS d,
LATERAL (SELECT abs(hashint4(g)::bigint) AS h,
                mod(abs(hashint4(g + 7)::bigint), 500000)::numeric / 100 AS net) AS r
"""

_SESSION = """
import django, sys
django.setup()
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
user = get_user_model().objects.get(email=sys.argv[1])
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()
print(settings.SESSION_COOKIE_NAME, store.session_key)
"""


class ListServer:
    """The temporary database, its data and a running ``efactura serve``."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="efactura-bench-lists-pg-"))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "EFACTURA_DATA_DIR": str(self.folder),
            "DATABASE_URL": f"{SERVER_URL}/{DATABASE}",
            "DJANGO_SETTINGS_MODULE": "efactura.settings",
            "EFACTURA_API_RATE_LIMIT": "100000000",
            "LANG": "C",
        }
        self.keys: dict[str, str] = {}
        self.cookies: dict[str, dict[str, str]] = {}
        self.process: subprocess.Popen[bytes] | None = None
        self.created_database = False
        self.load_seconds = 0.0

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [*EFACTURA, *args], env=self.env, capture_output=True, text=True, cwd=ROOT
        )
        if done.returncode:
            raise RuntimeError(f"efactura {' '.join(args)}: {done.stderr or done.stdout}")
        return done.stdout

    def start(self) -> ListServer:
        atexit.register(self.stop)
        # A bench stopped with SIGTERM (e.g. by `timeout`) still drops its database.
        signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
        if KEEP and STATE.exists():
            state = json.loads(STATE.read_text())
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = Path(state["folder"])
            self.env["EFACTURA_DATA_DIR"] = state["folder"]
            self.keys, self.cookies = state["keys"], state["cookies"]
            self.load_seconds = float(state["load_seconds"])
            return self._serve()
        self._admin(f'CREATE DATABASE "{DATABASE}"')
        self.created_database = True
        self._run("manage", "migrate", "--verbosity", "0")
        ids: dict[str, int] = {}
        for tax_id, name in (BUYER, SELLER):
            self.keys[tax_id] = add_company_with_key(self._run, tax_id, name, "Valencia")
            email = f"bench-{tax_id.lower()}@example.com"
            self._run("user", "add", "--email", email, "--company", tax_id, "--role", "admin")
            done = subprocess.run(
                [sys.executable, "-c", _SESSION, email],
                env=self.env,
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            cookie, value = done.stdout.split()[-2:]
            self.cookies[tax_id] = {cookie: value}
        self._populate(ids)
        if KEEP:
            state = {"folder": str(self.folder), "keys": self.keys, "cookies": self.cookies}
            STATE.write_text(json.dumps({**state, "load_seconds": self.load_seconds}))
        return self._serve()

    def _serve(self) -> ListServer:
        log = (self.folder / "serve.log").open("wb")
        self.process = subprocess.Popen(
            [*EFACTURA, "serve", "--port", str(self.port), "--workers", str(WORKERS)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=log,
            process_group=0,
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/openapi.json", timeout=30).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.3)
        tail = (self.folder / "serve.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"efactura serve did not answer within 300 s:\n{tail}")

    def _populate(self, ids: dict[str, int]) -> None:
        import psycopg

        t0 = time.perf_counter()
        with psycopg.connect(f"{SERVER_URL}/{DATABASE}", autocommit=True) as conn:
            for tax_id, name in (BUYER, SELLER):
                row = conn.execute(
                    "SELECT id FROM companies_company WHERE legal_name = %s", (name,)
                ).fetchone()
                assert row is not None
                ids[tax_id] = row[0]
            # A bulk load: drop the table's secondary indexes, write the rows, build the
            # indexes again (maintaining a dozen indexes, two of them trigram GIN, row by row
            # takes many times longer than building them once).
            indexes = conn.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.tablename = 'invoices_invoice' AND NOT EXISTS ("
                "SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
            ).fetchall()
            for name, _definition in indexes:
                conn.execute(f'DROP INDEX "{name}"')  # type: ignore[arg-type]
            conn.execute(
                _POPULATE,  # type: ignore[arg-type]
                {
                    "buyer": ids[BUYER[0]],
                    "seller": ids[SELLER[0]],
                    "buyer_tax": BUYER[0],
                    "buyer_name": BUYER[1],
                    "seller_tax": SELLER[0],
                    "seller_name": SELLER[1],
                    "suppliers": SUPPLIERS,
                    "canonical": json.dumps(_CANONICAL),
                    "rows": ROWS,
                },
            )
            conn.execute("SET maintenance_work_mem = '512MB'")
            for _name, definition in indexes:
                conn.execute(definition)  # type: ignore[arg-type]
            conn.execute("VACUUM ANALYZE invoices_invoice")
        self.load_seconds = time.perf_counter() - t0

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None
        if KEEP:
            return
        if self.created_database:
            self._admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            self.created_database = False
        shutil.rmtree(self.folder, ignore_errors=True)


def _getter(client: httpx.Client, path: str, params: dict[str, str]) -> Any:
    def get() -> int:
        response = client.get(path, params=params)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} {params}: {response.status_code} {response.text[:300]}")
        return len(response.content)

    return get


def _label(name: str, latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"{name} (req p50 {p50:.1f} / p99 {p99:.1f} ms)"


def _concurrent_case(server: ListServer) -> Case:
    """CLIENTS clients each send PER_CLIENT requests at once; the name carries the
    per-request p50/p99 over every burst measured so far."""
    key = server.keys[BUYER[0]]
    latencies: list[float] = []
    lock = threading.Lock()
    case = Case("lists-pg api x8", "", lambda: None, units=CLIENTS * PER_CLIENT, unit="req")

    address = urlsplit(server.url)
    headers = {"Authorization": f"Bearer {key}"}

    def client_loop(errors: list[str]) -> None:
        # The standard library's client, not httpx: the clients share this one process and
        # its interpreter lock, and eight httpx clients kept a whole core busy by themselves
        # (the two web processes had CPU to spare), so the row measured the benchmark's
        # client.  An ERP runs on its own machine.
        connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=60)
        try:
            for _ in range(PER_CLIENT):
                t = time.perf_counter()
                connection.request("GET", "/api/v1/invoices/received", headers=headers)
                response = connection.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - t
                with lock:
                    latencies.append(elapsed)
                    if response.status != 200:
                        errors.append(f"{response.status} {body[:200]!r}")
        finally:
            connection.close()

    def burst() -> None:
        errors: list[str] = []
        threads = [threading.Thread(target=client_loop, args=(errors,)) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise RuntimeError(f"{len(errors)} failed requests, first: {errors[0]}")
        case.name = _label(f"GET /api/v1/invoices/received x{CLIENTS}", latencies)

    case.fn = burst
    case.name = f"GET /api/v1/invoices/received x{CLIENTS}"
    return case


def _operations() -> list[tuple[str, dict[str, str]]]:
    """(label, query) of every list operation, the same for the page and the API."""
    supplier_tax = "B00001234"
    return [
        ("first page (newest first)", {}),
        ("filter status=accepted", {"status": "accepted"}),
        ("filter dates (one month)", {"date_from": "2024-03-01", "date_to": "2024-03-31"}),
        ("filter total 1000-1010", {"amount_min": "1000", "amount_max": "1010"}),
        ("filter party = supplier tax ID", {"party": supplier_tax}),
        ("filter party = supplier name", {"party": "Proveedor 1234 de"}),
        (
            "filter status+dates+amount",
            {
                "status": "paid",
                "date_from": "2024-01-01",
                "amount_min": "500",
                "amount_max": "2000",
            },
        ),
        ("sort issue date, oldest first", {"sort": "issue_date"}),
        ("sort total, highest first", {"sort": "-total"}),
        ("sort total, lowest first", {"sort": "total"}),
        ("sort due date, latest first", {"sort": "-due_date"}),
        ("sort due date, earliest first", {"sort": "due_date"}),
        ("search number (q=F2024-0512345)", {"q": "F2024-0512345"}),
        ("search number part (q=0512345)", {"q": "0512345"}),
        ("search supplier name (q=Proveedor 1234 )", {"q": "Proveedor 1234 "}),
        ("search supplier tax ID (q=B00001234)", {"q": supplier_tax}),
        ("search no match (q=ZZZ999)", {"q": "ZZZ999"}),
    ]


def cases() -> list[Case]:
    if not _wanted():
        return []
    server = ListServer().start()
    note = f"{ROWS:,} received invoices (loaded in {server.load_seconds:.0f} s)"
    buyer_key = server.keys[BUYER[0]]
    web = httpx.Client(base_url=server.url, cookies=server.cookies[BUYER[0]], timeout=60)
    seller_web = httpx.Client(base_url=server.url, cookies=server.cookies[SELLER[0]], timeout=60)
    api = httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {buyer_key}"}, timeout=60
    )
    seller_api = httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {server.keys[SELLER[0]]}"},
        timeout=60,
    )
    page = web.get("/payable/")
    if page.status_code != 200 or "F202" not in page.text:
        raise RuntimeError(f"the payable page does not list the data: {page.status_code}")
    out: list[Case] = []
    for label, params in _operations():
        out.append(Case("lists-pg web", f"payable: {label}", _getter(web, "/payable/", params)))
    second = api.get("/api/v1/invoices/received").json()["next_cursor"]
    html_next = page.text.split('rel="next"')[0].rsplit('href="', 1)[-1].split('"')[0]
    after = html_next.split("after=", 1)[-1].split("&", 1)[0]
    out.append(
        Case("lists-pg web", "payable: second page", _getter(web, "/payable/", {"after": after}))
    )
    out.append(
        Case("lists-pg web", "issued (200,000): first page", _getter(seller_web, "/issued/", {}))
    )
    out.append(
        Case(
            "lists-pg web",
            "issued (200,000): search number",
            _getter(seller_web, "/issued/", {"q": "F2024-0512345"}),
        )
    )
    for label, params in _operations():
        out.append(
            Case(
                "lists-pg api",
                f"received: {label}",
                _getter(api, "/api/v1/invoices/received", params),
            )
        )
    out.append(
        Case(
            "lists-pg api",
            "received: second page",
            _getter(api, "/api/v1/invoices/received", {"cursor": second}),
        )
    )
    out.append(
        Case(
            "lists-pg api",
            "received: unacknowledged",
            _getter(api, "/api/v1/invoices/received", {"unacknowledged": "true"}),
        )
    )
    out.append(
        Case(
            "lists-pg api",
            "received: change feed from the start",
            _getter(api, "/api/v1/invoices/received", {"changes": "true"}),
        )
    )
    middle = api.get(
        "/api/v1/invoices/received", params={"changes": "true", "date_from": "2024-07-01"}
    ).json()["next_cursor"]
    out.append(
        Case(
            "lists-pg api",
            "received: change feed from a cursor half-way",
            _getter(api, "/api/v1/invoices/received", {"changes": "true", "cursor": middle}),
        )
    )
    out.append(
        Case(
            "lists-pg api",
            "issued (200,000): change feed from the start",
            _getter(seller_api, "/api/v1/invoices/issued", {"changes": "true"}),
        )
    )
    out.append(_concurrent_case(server))
    out[0].setup_note = note
    print(f"  lists-pg: {note}", file=sys.stderr)
    return out
