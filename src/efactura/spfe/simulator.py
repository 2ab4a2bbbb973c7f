"""A local SIMULATOR of the AEAT's public e-invoicing solution (SPFE) — not the AEAT.

The SPFE's specification is a draft and the AEAT cannot be reached from development
machines, test runs or demos, so efactura ships this stand-in for the REST binding its
adapter (:mod:`efactura.spfe.adapter`) speaks:

* ``POST /spfe/v1/invoices`` (``application/xml``, header ``Idempotency-Key``): the faithful
  UBL copy.  It is validated like the SPFE says it will be — the UBL 2.1 XSD and the official
  CEN EN 16931 rules — and answered ``201`` with a verification code, or ``422`` with the
  rules it breaks;
* ``POST /spfe/v1/statuses`` (JSON, header ``Idempotency-Key``): one status message
  (PAYMENT, CANCELPAYMENT, REJECTION, …), answered ``201`` with a verification code or
  ``422`` (unknown message, missing fields);
* an item sent again with the same key gets the same answer and is registered once;
* ``GET /spfe/v1/log`` lists everything registered, in arrival order (tests, demos);
* ``down = True`` makes it answer ``503`` (an SPFE outage, for tests).

Every answer says it comes from the simulator (header ``X-Simulator`` and ``"simulator":
true``).  It never imports Django: it runs inside the worker (the embedded default), as
``efactura spfe simulator --port P``, or in a test.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from efactura.simulator_register import Register

LABEL = "efactura SPFE SIMULATOR (not the AEAT)"
BASE_PATH = "/spfe/v1"
STATUS_CODES = frozenset(
    {
        "PAYMENT",
        "CANCELPAYMENT",
        "REJECTION",
        "CANCELREJECTION",
        "SETTLEMENT",
        "CANCELSETTLEMENT",
        "DEFAULT",
        "CANCELDEFAULT",
    }
)
CHECKED_LAYERS = frozenset({"xml", "schema", "en16931"})
"""What the simulated SPFE checks: well-formed XML, the UBL XSD and the CEN EN 16931 rules."""


@dataclass
class Answer:
    """One HTTP answer of the simulated SPFE."""

    status: int
    body: dict[str, Any]


def check_ubl(data: bytes) -> tuple[list[dict[str, str]], Any]:
    """The fatal findings of the UBL XSD and the official EN 16931 rules on ``data``, and the
    parsed document (``None`` when it could not be parsed)."""
    from einvoice.validation import validate

    report = validate(data, filename="copy.xml")
    problems = [
        {"rule": v.rule, "message": v.message, "location": v.location}
        for v in report.all_violations()
        if v.is_fatal and str(v.layer) in CHECKED_LAYERS
    ]
    if not problems and report.format != "ubl":
        problems.append({"rule": "SPFE-FORMAT", "message": "The copy must be UBL 2.1."})
    if not problems and not report.official:
        problems.append({"rule": "SPFE-RULES", "message": "The EN 16931 rules did not run."})
    return problems, report.document


@dataclass
class Simulator:
    """The simulated SPFE: what it registered, in arrival order."""

    state_file: Path | None = None
    """The register's SQLite file (shared by the processes of one installation), or
    ``None`` to keep it in memory."""
    down: bool = False
    received: int = 0
    """Requests received (also refused ones)."""
    _register_store: Register = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._register_store = Register(self.state_file)

    def log(self) -> list[dict[str, Any]]:
        """Everything registered, in arrival order."""
        with self._register_store.transaction() as register:
            return list(register.entries("log"))

    def _answer(self, http_status: int, **body: Any) -> Answer:
        return Answer(http_status, {"simulator": True, "label": LABEL, **body})

    def _register(self, key: str, entry: dict[str, Any]) -> Answer:
        with self._register_store.transaction() as register:
            known = register.get("answers", key)
            if known is not None:  # the same item again: same answer, registered once
                return self._answer(201, duplicate=True, **known)
            code = "SIM-" + secrets.token_hex(8).upper()
            answer = {"status": "ACCEPTED", "verification_code": code}
            register.put("answers", key, answer)
            register.append("log", {**entry, "key": key, "verification_code": code})
        return self._answer(201, **answer)

    def receive_invoice(self, *, key: str, data: bytes) -> Answer:
        """Register the UBL copy of an invoice, or say which rules it breaks."""
        self.received += 1
        if self.down:
            return self._answer(503, status="UNAVAILABLE")
        if not key:
            return self._answer(400, status="REJECTED", errors=[{"rule": "SPFE-KEY"}])
        problems, document = check_ubl(data)
        if problems or document is None:
            return self._answer(422, status="REJECTED", errors=problems)
        invoice = document.invoices[0]
        return self._register(
            key,
            {
                "type": "INVOICE",
                "issuer": invoice.seller.tax_id,
                "number": invoice.full_number,
                "issue_date": invoice.issue_date.isoformat(),
                "ubl": data.decode("utf-8"),
            },
        )

    def receive_status(self, *, key: str, message: dict[str, Any]) -> Answer:
        """Register one status message."""
        self.received += 1
        if self.down:
            return self._answer(503, status="UNAVAILABLE")
        code = str(message.get("message", ""))
        invoice = message.get("invoice") or {}
        errors = []
        if code not in STATUS_CODES:
            errors.append({"rule": "SPFE-MESSAGE", "message": f"Unknown message {code!r}."})
        for name in ("issuer", "number", "issue_date"):
            if not invoice.get(name):
                errors.append({"rule": "SPFE-INVOICE", "message": f"invoice.{name} is missing."})
        payment = code in {"PAYMENT", "CANCELPAYMENT"}
        if payment and not (message.get("amount") and message.get("date")):
            errors.append({"rule": "SPFE-PAYMENT", "message": "A payment needs amount and date."})
        if code == "REJECTION" and not message.get("reason_code"):
            errors.append({"rule": "SPFE-REASON", "message": "A rejection needs a reason code."})
        if not key:
            errors.append({"rule": "SPFE-KEY", "message": "Idempotency-Key is missing."})
        if errors:
            return self._answer(422, status="REJECTED", errors=errors)
        return self._register(key, {"type": code, **message})


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Simulator", LABEL)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, answer: Answer) -> None:
        self._send(answer.status, json.dumps(answer.body).encode(), "application/json")

    def do_GET(self) -> None:
        if self.path.rstrip("/") == f"{BASE_PATH}/log":
            self._send(200, json.dumps(self.server.simulator.log()).encode(), "application/json")
            return
        page = (
            f"<!doctype html><title>{LABEL}</title><h1>{LABEL}</h1>"
            "<p>Local stand-in for the AEAT's public e-invoicing solution (SPFE), for "
            "development and tests. Nothing sent here reaches the Agencia Tributaria.</p>"
            f"<p>Endpoints: <code>POST {BASE_PATH}/invoices</code>, "
            f"<code>POST {BASE_PATH}/statuses</code>, <code>GET {BASE_PATH}/log</code></p>"
        )
        self._send(200, page.encode(), "text/html; charset=utf-8")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length)
        key = self.headers.get("Idempotency-Key", "")
        simulator = self.server.simulator
        path = self.path.rstrip("/")
        if path == f"{BASE_PATH}/invoices":
            self._json(simulator.receive_invoice(key=key, data=data))
        elif path == f"{BASE_PATH}/statuses":
            try:
                message = json.loads(data or b"{}")
            except ValueError:
                message = {}
            if not isinstance(message, dict):
                message = {}
            self._json(simulator.receive_status(key=key, message=message))
        else:
            self._send(404, b"not found", "text/plain")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    simulator: Simulator


def start(
    simulator: Simulator, *, host: str = "127.0.0.1", port: int = 0
) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``simulator`` in a daemon thread; returns the server and its base URL."""
    server = _Server((host, port), _Handler)
    server.simulator = simulator
    thread = threading.Thread(target=server.serve_forever, name="spfe-simulator", daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return server, f"http://{bound_host!s}:{bound_port}{BASE_PATH}"
