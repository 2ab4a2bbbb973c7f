"""Benchmark cases for AS4 interconnection between two local platforms.

Node B is a real ``efactura serve`` process (gunicorn + worker, embedded SQLite, its own data
folder and AS4 certificate from a throwaway test CA) serving one customer; node A is this
process, configured as a second efactura (its own temporary data folder and certificate) and
sending with efactura's own AS4 code (``efactura.interconnection.transport``).  One message
end to end is: A wraps the document in an SBDH, compresses, signs and encrypts it; POSTs it
to B; B verifies the signature and trust, decrypts, decompresses, eliminates duplicates and,
for an invoice, runs the whole inbound pipeline (parse, XSD, business rules, duplicate check,
store) and answers with a signed receipt; A verifies the receipt (signature and
non-repudiation).  Discovery is not in the loop (its answer is cached in production).

Rows: a Peppol ping (transport only) and a Peppol BIS invoice, each sent by THREADS
concurrent senders; ``rate`` is messages per second under that concurrency, and the
per-message p50/p99 from a separate measuring pass are written into the operation name.
A message's latency ends when A has verified B's receipt, which B signs only after the
invoice is stored: submission to stored-on-B, minus A's queue (the worker polls every 0.2 s).
One unmeasured burst first warms B (rules compiled by its import threads, keep-alive
connections).
Skipped unless the bench runs everything or ``--only`` names ``as4``.
"""

from __future__ import annotations

import atexit
import itertools
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

import httpx
from bench import Case

# One log line per request would be part of node A's CPU per message.
logging.getLogger("httpx").setLevel(logging.WARNING)

THREADS = 4
PER_THREAD = 10
ROOT = Path(__file__).resolve().parents[1]
EFACTURA = [sys.executable, "-m", "efactura"]
CUSTOMER = "A39123450"


def _wanted() -> bool:
    if "--only" in sys.argv:
        index = sys.argv.index("--only")
        only = sys.argv[index + 1] if index + 1 < len(sys.argv) else ""
        return only in "as4 / ping A→B invoice A→B"
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class NodeB:
    def __init__(self, trust: Path, certificate: Path, key: Path) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="efactura-bench-as4-b-"))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("EFACTURA_")},
            "EFACTURA_DATA_DIR": str(self.folder),
            "EFACTURA_BASE_URL": self.url,
            "EFACTURA_AS4_TRUST_ANCHORS": str(trust),
            "LANG": "C",
        }
        self.env.pop("DATABASE_URL", None)
        self.process: subprocess.Popen[bytes] | None = None
        self.info = json.loads(
            self._run(
                "node", "--certificate-file", str(certificate), "--key-file", str(key), "--json"
            )
        )

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [*EFACTURA, *args], env=self.env, capture_output=True, text=True, check=True, cwd=ROOT
        )
        return done.stdout

    def start(self, partner_certificate: Path) -> NodeB:
        self._run(
            "company", "add", "--tax-id", CUSTOMER, "--name", "Hostelería Cantábrica, S.A.",
            "--email", "facturas@example.com", "--address", "Calle Mayor 1",
            "--postal-code", "39004", "--city", "Santander", "--province", "Cantabria",
        )  # fmt: skip
        self._run(
            "partner", "add", "--name", "node-a", "--smp-url", "http://127.0.0.1:9/smp",
            "--certificate-file", str(partner_certificate),
        )  # fmt: skip
        self.process = subprocess.Popen(
            [*EFACTURA, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            process_group=0,
        )
        atexit.register(self.stop)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/smp/ready", timeout=2)
                return self
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError("efactura serve (node B) did not answer within 300 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # The whole process group: web server and worker stop with ``efactura serve``.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        shutil.rmtree(self.folder, ignore_errors=True)


def _setup_node_a(folder: str) -> None:
    os.environ.setdefault("EFACTURA_DATA_DIR", folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efactura.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


class Sender:
    """Node A's side: build, POST, verify the receipt (efactura's own AS4 code)."""

    def __init__(self, b: NodeB) -> None:
        from cryptography import x509

        self.url = b.info["as4_url"]
        self.certificate = x509.load_pem_x509_certificate(b.info["certificate"].encode())
        self.numbers = itertools.count(1)
        self.lock = threading.Lock()

    def _payload(self, kind: str) -> tuple[bytes, str, str]:
        from tests.efactura.invoices.helpers import external_invoice

        from efactura.interconnection import choices
        from einvoice import formats

        if kind == "ping":
            return b"<Ping xmlns='urn:efactura:ping'/>", choices.PING_DOCUMENT, choices.PING_PROCESS
        with self.lock:
            number = f"BENCH-{os.getpid()}-{next(self.numbers):06d}"
        invoice = external_invoice(number, buyer_tax_id="ES" + CUSTOMER)
        return formats.render("ubl", [invoice]), choices.INVOICE_UBL, choices.BILLING_PROCESS

    def send(self, client: httpx.Client, kind: str) -> None:
        import uuid

        from efactura.interconnection import transport

        payload, document_type, process = self._payload(kind)
        outgoing = transport.build(
            payload=payload,
            message_id=f"{uuid.uuid4()}@bench",
            sender="9920:ESB28015865",
            recipient=f"9920:ES{CUSTOMER}",
            document_type=document_type,
            process=process,
            instance_id=str(uuid.uuid4()),
            receiver_certificate=self.certificate,
        )
        answer = client.post(self.url, content=outgoing.body, headers=outgoing.headers)
        signal = transport.check_receipt(outgoing, answer.content)
        if not signal.successful:
            raise RuntimeError(transport.error_description(signal))


def _burst(sender: Sender, kind: str) -> list[float]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(timeout=60) as client:
            for _ in range(PER_THREAD):
                t = time.perf_counter()
                try:
                    sender.send(client, kind)
                except Exception as exc:
                    with lock:
                        errors.append(repr(exc))
                elapsed = time.perf_counter() - t
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed messages, first: {errors[0]}")
    return latencies


def _tree_cpu_seconds(root: int) -> float:
    """CPU time (user + system) of process ``root`` and its descendants (Linux /proc; 0
    elsewhere): node B's web server processes and its worker."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.parent.name)
        parents[pid] = int(fields[1])
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime
    tree, added = {root}, True
    while added:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        added = bool(more)
    return sum(ticks.get(pid, 0) for pid in tree) / tick


def _label(name: str, latencies: list[float], cpu: tuple[float, float]) -> str:
    latencies = sorted(latencies)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    a, b = (1000 * seconds / len(latencies) for seconds in cpu)
    return (
        f"{name} x{THREADS} (msg p50 {p50:.0f} / p99 {p99:.0f} ms; "
        f"CPU/msg A {a:.1f} ms, B {b:.1f} ms)"
    )


def cases() -> list[Case]:
    if not _wanted():
        return []
    from tests.efactura.interconnection.testpki import TestCA

    work = Path(tempfile.mkdtemp(prefix="efactura-bench-as4-"))
    atexit.register(shutil.rmtree, work, True)
    _setup_node_a(str(work / "node-a"))
    from efactura.interconnection import pki

    ca = TestCA()
    trust = work / "trust.pem"
    trust.write_bytes(ca.pem)
    a_cert, a_key = ca.issue("POP-BENCH-A").write(work)
    b_cert, b_key = ca.issue("POP-BENCH-B").write(work)
    pki.do_install_credential(certificate_pem=a_cert.read_bytes(), key_pem=a_key.read_bytes())
    b = NodeB(trust, b_cert, b_key).start(a_cert)
    sender = Sender(b)
    rows: list[Any] = []
    for kind, name in (("ping", "ping A→B"), ("invoice", "invoice A→B")):
        # Not measured: B's first invoices wait while its import threads compile the
        # official rules (once per process, seconds); A's sender threads open connections.
        _burst(sender, kind)
        group = b.process.pid if b.process is not None else -1
        a_cpu, b_cpu = time.process_time(), _tree_cpu_seconds(group)
        measured = [x for _ in range(3) for x in _burst(sender, kind)]
        cpu = (time.process_time() - a_cpu, _tree_cpu_seconds(group) - b_cpu)
        rows.append(
            Case(
                "as4",
                _label(name, measured, cpu),
                lambda kind=kind: _burst(sender, kind),
                units=THREADS * PER_THREAD,
                unit="msgs",
            )
        )
    return rows
