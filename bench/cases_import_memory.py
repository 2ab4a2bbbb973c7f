"""Peak memory of the web and worker processes while importing large uploads (issue: resource
bounds).  Measured on a real ``efactura serve`` (gunicorn web process + background worker).

``cases()`` starts the server (as ``cases_api`` does), logs in through the login page like a
person, and uploads through the Import page, as received invoices:

- a 10 MB document: one UBL invoice with enough lines to reach ~9.5 MB (close to the
  10 MB document limit and the 250,000-element parser cap);
- a zip of 1,000 small UBL invoices.

Both are over the background threshold, so the web process only stores the upload and
answers at once; the worker imports it, entry by entry.  Each row's *operation* names the
peak RSS (``VmHWM``) of the web process and of the worker right after that import, and
their RSS when idle before any import.  Each row imports once (a 1,000-invoice import runs
the full pipeline, official rules included, on every invoice: minutes on a busy machine):
its ``first ms`` column is that whole upload-and-wait (upload, import by the worker, report
ready); the rate and p50/p99 columns of these rows mean nothing.  The issue's "before" figures
(a 9 MB UBL took a web worker from 142 MB to 715 MB; zip imports held every entry in memory)
were measured on the code before the bounds and streaming.  The rows run only when asked
for: ``bench/bench.py --only memory``.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
from bench import Case

from einvoice import formats, totals
from einvoice.serialize import invoice_from_data

SELLER = {
    "name": "Suministros Levante, S.L.",
    "tax_id": "B98765431",
    "address": {
        "line1": "Avenida del Puerto 12",
        "city": "Valencia",
        "postal_code": "46021",
        "subdivision": "Valencia",
        "country": "ES",
    },
}
BUYER_TAX_ID = "A39123450"
PASSWORD = "bench-Import-2026!"
_ZERO_TOTALS = dict.fromkeys(
    ("line_net_total", "tax_exclusive", "vat_total", "tax_inclusive", "payable"), "0"
)
_numbers = itertools.count(1)
ENTRIES = int(os.environ.get("BENCH_MEMORY_ENTRIES", "1000"))
"""Entries of the zip (a smaller number makes a quick trial run)."""
DOCUMENT_BYTES = int(os.environ.get("BENCH_MEMORY_DOCUMENT_BYTES", "9500000"))
"""Approximate size of the large document."""


def _wanted() -> bool:
    if "--only" in sys.argv:
        index = sys.argv.index("--only")
        only = sys.argv[index + 1] if index + 1 < len(sys.argv) else ""
        return bool(only) and only in "memory / import"
    return False


def _ubl(number: str, lines: int) -> bytes:
    data = {
        "series": "",
        "number": number,
        "buyer_reference": "PO-1",
        "issue_date": time.strftime("%Y-%m-%d"),
        "seller": SELLER,
        "buyer": {
            "name": "Hostelería Cantábrica, S.A.",
            "tax_id": BUYER_TAX_ID,
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
                "id": str(n + 1),
                "name": f"Café en grano, saco de 1 kg, lote {n + 1}",
                "quantity": "10",
                "net_price": "12.50",
                "net_amount": "125.00",
                "vat_category": "S",
                "vat_rate": "21",
            }
            for n in range(lines)
        ],
        "totals": _ZERO_TOTALS,
    }
    return formats.render("ubl", [totals.compute(invoice_from_data(data))])


def _big_document(target: int = 0) -> bytes:
    target = target or DOCUMENT_BYTES
    one = len(_ubl("SIZE-1", 11)) - len(_ubl("SIZE-1", 1))
    lines = max(1, (target - len(_ubl("SIZE-1", 1))) // (one // 10))
    return _ubl(f"BIG-{next(_numbers)}", lines)


def _zip_of(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        batch = next(_numbers)
        for n in range(count):
            archive.writestr(f"F-{batch}-{n:04d}.xml", _ubl(f"Z{batch}-{n:04d}", 1))
    return buffer.getvalue()


def _status(pid: int) -> dict[str, str]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


def _descendants(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int(_status(int(entry.name)).get("PPid", "0"))
            except OSError:
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found + [d for child in found for d in _descendants(child)]


def _peaks(root: int) -> dict[str, int]:
    """Largest peak RSS (kB) of the gunicorn workers ("web") and of the worker process."""
    peaks = {"web": 0, "worker": 0}
    for pid in _descendants(root):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            hwm = int(_status(pid).get("VmHWM", "0 kB").split()[0])
        except (OSError, ValueError):
            continue
        kind = "worker" if " worker" in cmdline else "web" if "gunicorn" in cmdline else ""
        if kind:
            peaks[kind] = max(peaks[kind], hwm)
    return peaks


class _Session:
    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=600, follow_redirects=False)

    def token(self, path: str) -> str:
        html = self.http.get(path).text
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if match is None:
            raise RuntimeError(f"no CSRF token on {path}")
        return match.group(1)

    def login(self, email: str) -> None:
        token = self.token("/accounts/login/")
        response = self.http.post(
            "/accounts/login/",
            data={"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        if response.status_code != 302:
            raise RuntimeError(f"login failed: {response.status_code}")

    def import_and_wait(self, name: str, data: bytes) -> None:
        token = self.token("/import/")
        response = self.http.post(
            "/import/",
            data={"direction": "received", "csrfmiddlewaretoken": token},
            files=[("files", (name, data, "application/octet-stream"))],
        )
        if response.status_code != 302:
            raise RuntimeError(f"upload not sent to the background: {response.status_code}")
        job = response.headers["location"]
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            html = self.http.get(job).text
            if 'http-equiv="refresh"' not in html:
                if "invoices imported" not in html and "invoice imported" not in html:
                    raise RuntimeError(f"import job ended without a report: {html[-2000:]}")
                return
            time.sleep(0.5)
        raise RuntimeError("import job did not finish within an hour")


def _wait_for(url: str, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/openapi.json", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"efactura serve did not answer within {seconds:.0f} s")


def _mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


class _Upload:
    """One row's operation: upload a fresh copy, wait for the report, then write the memory
    figures into the row's name (the name is updated after every import)."""

    def __init__(
        self,
        case: Case,
        session: _Session,
        root: int,
        idle: dict[str, int],
        label: str,
        name: str,
        make: Callable[[], bytes],
    ) -> None:
        self.case, self.session, self.root, self.idle = case, session, root, idle
        self.label, self.name, self.make = label, name, make
        self.done = False

    def __call__(self) -> object:
        if self.done:  # one import per row: see the module docstring
            return None
        self.done = True
        sample = self.make()
        self.session.import_and_wait(self.name, sample)
        peaks, idle = _peaks(self.root), self.idle
        self.case.name = (
            f"{self.label} ({len(sample) / 1e6:.1f} MB): peak RSS web {_mb(peaks['web'])}, "
            f"worker {_mb(peaks['worker'])} (idle {_mb(idle['web'])}/{_mb(idle['worker'])})"
        )
        return None


def cases() -> list[Case]:
    if not _wanted():
        return []
    from cases_api import Server

    server = Server()
    try:
        server.start()
    except RuntimeError:  # a busy machine: the first start (migrations) may take longer
        _wait_for(server.url, seconds=300)
    email = "bench-import@example.com"
    server.env["BENCH_PASSWORD"] = PASSWORD
    server._run(
        "user",
        "add",
        "--email",
        email,
        "--company",
        BUYER_TAX_ID,
        "--role",
        "accountant",
        "--password-env",
        "BENCH_PASSWORD",
        "--language",
        "en",
    )
    session = _Session(server.url)
    session.login(email)
    assert server.process is not None
    root = server.process.pid
    idle = _peaks(root)

    rows: list[Case] = []
    for label, name, make in (
        (f"zip of {ENTRIES:,} invoices", "lote.zip", lambda: _zip_of(ENTRIES)),
        (f"{DOCUMENT_BYTES / 1e6:.1f} MB UBL document", "big.xml", _big_document),
    ):
        case = Case("memory", label, lambda: None, unit="uploads")
        case.fn = _Upload(case, session, root, idle, label, name, make)
        rows.append(case)
    return rows
