"""Ingest end to end on PostgreSQL, and whether the background worker keeps up.

``efactura serve`` (gunicorn + the background worker) runs against a temporary PostgreSQL
database (``BENCH_DATABASE_URL``, default ``postgres://postgres@localhost/efactura_bench``,
created and dropped by the bench) and a temporary data folder.  A supplier and a registered
customer get API keys; every request is ``POST /api/v1/invoices`` with an *unsigned* Facturae
3.2.2 (a new number each time), which the platform validates, seals, archives and delivers
to the customer's inbox (the customer's emails and webhooks go to the worker).

Rows, for 1 and 2 web processes (``serve --workers``, ``BENCH_INGEST_PROCESSES``) × 1, 4
and 8 concurrent clients (``BENCH_INGEST_CLIENTS``):
``BENCH_INGEST_INVOICES`` invoices (default 300) per row; the operation names the CPU spent
per invoice by process (web = gunicorn, worker, db = PostgreSQL backends of the bench
database), measured from ``/proc``; ``BENCH_INGEST_BACKGROUND_WORKERS`` (default 1) sets
how many background worker processes ``serve`` starts, ``BENCH_INGEST_WORKER_THREADS``
(default 1) how many task loops each runs.  Then, per server, the worker row: the
backlog of tasks left when the last invoice was answered, how long the worker took to drain
it, its rate in invoices finished per second (the customer's email, each invoice's last
effect, sent) and in tasks per second, and the peak RSS (``VmHWM``) of the web and worker
processes.  Each row runs its scenario once: the ``rate`` column is invoices per second
over the whole scenario, p50/p99 are per request, ``first ms`` is the scenario's wall time.

Runs when the bench runs everything or ``--only`` names ``ingest``; PostgreSQL must be
reachable (else the rows are left out with a note on standard error).
"""

from __future__ import annotations

import atexit
import itertools
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
from bench import Case, Row, add_company_with_key

from einvoice import formats, totals
from einvoice.serialize import invoice_from_data

ROOT = Path(__file__).resolve().parents[1]
EFACTURA = [sys.executable, "-m", "efactura"]
INVOICES = int(os.environ.get("BENCH_INGEST_INVOICES", "300"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@localhost/efactura_bench")
GROUPS = ("ingest / POST Facturae", "worker / drain backlog")
"""What ``--only`` may name to run these rows (see ``bench.load_cases``)."""
CLIENTS = tuple(int(n) for n in os.environ.get("BENCH_INGEST_CLIENTS", "1,4,8").split(","))
PROCESSES = tuple(int(n) for n in os.environ.get("BENCH_INGEST_PROCESSES", "1,2").split(","))
BACKGROUND_WORKERS = int(os.environ.get("BENCH_INGEST_BACKGROUND_WORKERS", "1"))
"""``serve --background-workers``: the worker processes beside the web server (default 1)."""
WORKER_THREADS = int(os.environ.get("BENCH_INGEST_WORKER_THREADS", "1"))
"""``serve --worker-threads``: task loops per background worker process (default 1)."""
SELLER = "B98765431"
BUYER = "A39123450"
TASKS_TABLE = "django_tasks_database_dbtaskresult"
_SENT = "SELECT count(*) FROM notifications_notification WHERE status = 'sent'"
_numbers = itertools.count(1)
_ZERO_TOTALS = dict.fromkeys(
    ("line_net_total", "tax_exclusive", "vat_total", "tax_inclusive", "payable"), "0"
)


def _wanted() -> bool:
    if "--only" in sys.argv:
        index = sys.argv.index("--only")
        only = sys.argv[index + 1] if index + 1 < len(sys.argv) else ""
        return bool(only) and any(only in group for group in GROUPS)
    return True


def _facturae(number: str) -> bytes:
    data = {
        "series": "BI",
        "number": number,
        "issue_date": time.strftime("%Y-%m-%d"),
        "seller": {
            "name": "Suministros Levante, S.L.",
            "tax_id": SELLER,
            "address": {
                "line1": "Avenida del Puerto 12",
                "city": "Valencia",
                "postal_code": "46021",
                "subdivision": "Valencia",
                "country": "ES",
            },
        },
        "buyer": {
            "name": "Hostelería Cantábrica, S.A.",
            "tax_id": BUYER,
            "address": {
                "line1": "Calle Castelar 5",
                "city": "Santander",
                "postal_code": "39004",
                "subdivision": "Cantabria",
                "country": "ES",
            },
            "contact": {"email": "facturas@hosteleria.example"},
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
        "totals": _ZERO_TOTALS,
    }
    return formats.render("facturae", [totals.compute(invoice_from_data(data))])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _psql(sql: str, database: str = "postgres") -> str:
    base = DATABASE_URL.rsplit("/", 1)[0]
    done = subprocess.run(
        ["psql", f"{base}/{database}", "-tA", "-c", sql], capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(done.stderr.strip())
    return done.stdout.strip()


def _db_name() -> str:
    return DATABASE_URL.rsplit("/", 1)[1]


# -- /proc ------------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat[1]) == pid:
            found.append(int(entry.name))
    return found + [d for child in found for d in _children(child)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Server:
    """``efactura serve --workers N`` on the bench database, with two companies and keys."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.folder = Path(tempfile.mkdtemp(prefix="efactura-bench-ingest-"))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": DATABASE_URL,
            "EFACTURA_DATA_DIR": str(self.folder),
            "EFACTURA_API_RATE_LIMIT": "100000000",
            "LANG": "C",
        }
        self.keys: dict[str, str] = {}
        self.process: subprocess.Popen[bytes] | None = None

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [*EFACTURA, *args], env=self.env, capture_output=True, text=True, cwd=ROOT
        )
        if done.returncode:
            raise RuntimeError(f"efactura {' '.join(args)}: {done.stderr.strip()[-500:]}")
        return done.stdout

    def start(self) -> Server:
        _psql(f'DROP DATABASE IF EXISTS "{_db_name()}" WITH (FORCE)')
        _psql(f'CREATE DATABASE "{_db_name()}"')
        atexit.register(self.stop)
        self._run("manage", "migrate", "--verbosity", "0")
        for tax_id, name in (
            (SELLER, "Suministros Levante, S.L."),
            (BUYER, "Hostelería Cantábrica, S.A."),
        ):
            self.keys[tax_id] = add_company_with_key(self._run, tax_id, name, "Valencia")
        command = [
            *EFACTURA,
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(self.processes),
            "--background-workers",
            str(BACKGROUND_WORKERS),
            "--worker-threads",
            str(WORKER_THREADS),
        ]
        self.process = subprocess.Popen(
            command,
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            process_group=0,
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/openapi.json", timeout=5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.5)
        raise RuntimeError("efactura serve did not answer within 600 s")

    def pids(self) -> dict[str, list[int]]:
        """The web (gunicorn) and worker processes, and the PostgreSQL backends of the bench."""
        assert self.process is not None
        out: dict[str, list[int]] = {"web": [], "worker": [], "db": []}
        for pid in _children(self.process.pid):
            line = _cmdline(pid)
            if "gunicorn" in line:
                out["web"].append(pid)
            elif " worker" in line:
                out["worker"].append(pid)
        rows = _psql(
            f"SELECT pid FROM pg_stat_activity WHERE datname = '{_db_name()}' "
            "AND pid <> pg_backend_pid()"
        )
        out["db"] = [int(p) for p in rows.split() if p]
        return out

    def cpu(self) -> dict[str, dict[int, float]]:
        return {kind: {p: _cpu_seconds(p) for p in pids} for kind, pids in self.pids().items()}

    def backlog(self) -> int:
        return int(
            _psql(
                f"SELECT count(*) FROM {TASKS_TABLE} WHERE status IN ('READY', 'RUNNING')",
                _db_name(),
            )
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)
        try:
            _psql(f'DROP DATABASE IF EXISTS "{_db_name()}" WITH (FORCE)')
        except RuntimeError as exc:
            print(f"  could not drop the bench database: {exc}", file=sys.stderr)


def _cpu_delta(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict:
    return {
        kind: sum(seconds - before.get(kind, {}).get(pid, 0.0) for pid, seconds in pids.items())
        for kind, pids in after.items()
    }


def _ingest(server: Server, clients: int, count: int) -> tuple[float, list[float]]:
    documents = [_facturae(f"{next(_numbers):07d}") for _ in range(count)]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = iter(documents)

    def client() -> None:
        with httpx.Client(
            base_url=server.url,
            headers={
                "Authorization": f"Bearer {server.keys[SELLER]}",
                "Content-Type": "application/xml",
            },
            timeout=120,
        ) as http:
            while True:
                with lock:
                    body = next(queue, None)
                if body is None:
                    return
                t = time.perf_counter()
                response = http.post("/api/v1/invoices", content=body)
                elapsed = time.perf_counter() - t
                with lock:
                    latencies.append(elapsed)
                    if response.status_code != 201:
                        errors.append(f"{response.status_code} {response.text[:300]}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} of {count} invoices refused, first: {errors[0]}")
    return wall, latencies


def _row(case: Case, *, units: int, wall: float, latencies: list[float], note: str) -> Row:
    latencies = sorted(latencies) or [0.0]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    case.units = units
    return Row(
        case,
        calls=1,
        seconds=wall,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=p99 * 1000,
        first_ms=wall * 1000,
        note=note,
    )


def _scenario(processes: int) -> list[Row]:
    server = Server(processes).start()
    rows: list[Row] = []
    try:
        _ingest(server, 2, 10)  # warm-up: imports, compiled schemas, connections
        backlog_at_end = 0
        for clients in CLIENTS:
            before = server.cpu()
            wall, latencies = _ingest(server, clients, INVOICES)
            spent = _cpu_delta(before, server.cpu())
            backlog_at_end = server.backlog()
            note = "CPU ms/invoice " + ", ".join(
                f"{kind} {spent[kind] * 1000 / INVOICES:.1f}" for kind in ("web", "worker", "db")
            )
            case = Case("ingest", f"POST Facturae, {processes} proc x {clients} clients", _noop)
            case.unit = "inv"
            rows.append(_row(case, units=INVOICES, wall=wall, latencies=latencies, note=note))
            print(f"  measured ingest {processes} proc x {clients} clients", file=sys.stderr)
        # The worker: drain what ingest left behind.  Its rate is counted in invoices whose
        # effects are all done (the customer's email sent is each invoice's last step), so
        # it compares across versions that split an invoice's work into more or fewer tasks.
        done_before = int(
            _psql(
                f"SELECT count(*) FROM {TASKS_TABLE} WHERE status = 'SUCCESSFUL'",
                _db_name(),
            )
        )
        sent_before = int(_psql(_SENT, _db_name()))
        start = time.perf_counter()
        while server.backlog() and time.perf_counter() - start < 900:
            time.sleep(0.5)
        drain = time.perf_counter() - start
        done = (
            int(
                _psql(
                    f"SELECT count(*) FROM {TASKS_TABLE} WHERE status = 'SUCCESSFUL'",
                    _db_name(),
                )
            )
            - done_before
        )
        finished = int(_psql(_SENT, _db_name())) - sent_before
        pids = server.pids()
        peak_web = max((_hwm_kb(p) for p in pids["web"]), default=0) / 1024
        peak_worker = max((_hwm_kb(p) for p in pids["worker"]), default=0) / 1024
        emails = _psql("SELECT count(*) FROM notifications_notification", _db_name())
        case = Case("worker", f"drain backlog ({processes} web proc)", _noop)
        case.unit = "inv"
        rows.append(
            _row(
                case,
                units=finished,
                wall=drain,
                latencies=[],
                note=(
                    f"backlog after ingest {backlog_at_end} tasks, {done} tasks run "
                    f"({done / drain if drain else 0:.1f}/s), {emails} emails in all; "
                    f"peak RSS web {peak_web:.0f} MB, worker {peak_worker:.0f} MB"
                ),
            )
        )
    finally:
        server.stop()
    return rows


def _noop() -> None:
    return None


def cases() -> list[Case]:
    if not _wanted():
        return []
    try:
        _psql("SELECT 1")
    except (RuntimeError, OSError) as exc:
        print(f"  ingest rows left out: PostgreSQL not reachable ({exc})", file=sys.stderr)
        return []
    # A SIGTERM (e.g. a time limit) still stops the servers and drops the bench database.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    rows: list[Row] = []

    def measured_all() -> list[Row]:
        if not rows:
            for processes in PROCESSES:
                try:
                    rows.extend(_scenario(processes))
                except RuntimeError as exc:  # keep the rows of the other scenarios
                    print(f"  ingest with {processes} web processes failed: {exc}", file=sys.stderr)
        return rows

    return [Case("ingest", "scenarios", _noop, scenario=measured_all)]
