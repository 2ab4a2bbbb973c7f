"""A local SIMULATOR of the AEAT's VERI*FACTU web service — not the AEAT.

The AEAT cannot be reached from development machines, test runs or demos, so efactura ships a
stand-in that behaves the way the AEAT's ``VerifactuSOAP`` service is documented to behave
(*Sistemas Informáticos de Facturación – remisión voluntaria*, v1.0.1; *Validaciones*, v1.0.9):

* the SOAP body must validate against the official ``SuministroLR.xsd`` — otherwise a SOAP
  Fault ``soapenv:Client``;
* every record's ``Huella`` is recomputed; a wrong one, or a chain that does not continue from
  the issuer's previous record, is ``AceptadoConErrores`` with error 2000 (the AEAT never
  rejects a record for its fingerprint);
* an alta whose invoice key is already registered (without ``Subsanacion=S``), or any record
  already received with the same fingerprint, is ``Incorrecto`` 3000 with ``RegistroDuplicado``;
  a cancellation of an unknown invoice (without ``SinRegistroPrevio=S``) is 3002, of a
  cancelled one 3001;
* every answer carries ``TiempoEsperaEnvio`` (configurable; the AEAT starts at 60 s).

For tests it can also reject chosen invoice numbers once (error 1100) and hold its answer for a
while (to interrupt a worker mid-submission).  It never imports Django: it runs inside the
worker (the embedded default), as ``efactura verifactu simulator --port P``, or in a test.
"""

from __future__ import annotations

import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lxml import etree

from efactura.simulator_register import Register, Transaction
from einvoice.errors import EInvoiceError
from einvoice.verifactu import soap
from einvoice.verifactu.records import NS_SUM, NS_SUM1, fingerprint, hash_pairs_of, record_key

LABEL = "efactura AEAT SIMULATOR (not the AEAT)"
SOAP_PATH = "/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP"


@dataclass
class Simulator:
    """The simulated AEAT: what it has registered, per issuer NIF."""

    wait_seconds: int = 60
    answer_delay: float = 0.0
    state_file: Path | None = None
    """The register's SQLite file (shared by the processes of one installation), or
    ``None`` to keep it in memory."""
    reject_once: set[str] = field(default_factory=set)
    """Invoice numbers whose next plain alta is rejected (error 1100), for tests."""
    received: int = 0
    """Submissions received (also those answered with a fault)."""
    client_subjects: list[str] = field(default_factory=list)
    """Subjects of the TLS client certificates presented (when served over HTTPS)."""

    # -- state ---------------------------------------------------------------------------

    _register_store: Register = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._register_store = Register(self.state_file)

    def records(self, nif: str) -> list[dict[str, Any]]:
        """Everything registered for ``nif``, in arrival order (for tests and the status page)."""
        with self._register_store.transaction() as register:
            return list(register.entries(f"log:{nif}"))

    # -- the service -----------------------------------------------------------------------

    def handle(self, data: bytes) -> bytes:
        """Answer one SOAP request the way the AEAT would."""
        self.received += 1
        try:
            message = soap.body_of(data)
        except EInvoiceError as exc:
            return soap.fault("soapenv:Client", str(exc))
        if message.tag != f"{{{NS_SUM}}}RegFactuSistemaFacturacion":
            return soap.fault("soapenv:Client", "Se esperaba RegFactuSistemaFacturacion.")
        errors = soap.schema_errors(message)
        if errors:
            return soap.fault("soapenv:Client", "Error de esquema: " + errors[0])
        header = message.find(f"{{{NS_SUM}}}Cabecera")
        assert header is not None  # the schema requires it
        nif = (header.findtext(f"{{{NS_SUM1}}}ObligadoEmision/{{{NS_SUM1}}}NIF") or "").strip()
        lines: list[soap.Line] = []
        with self._register_store.transaction() as register:
            rejects = set(register.get("settings", "reject_once") or []) | self.reject_once
            for holder in message.findall(f"{{{NS_SUM}}}RegistroFactura"):
                lines.append(self._one(register, holder[0], nif, rejects))
            register.put("settings", "reject_once", sorted(rejects))
            self.reject_once = rejects
        if self.answer_delay:
            time.sleep(self.answer_delay)
        answer = soap.build_answer(
            header=header,
            lines=lines,
            wait_seconds=self.wait_seconds,
            csv="SIM" + secrets.token_hex(8).upper(),
        )
        return soap.envelope(answer)

    def _one(
        self, register: Transaction, record: etree._Element, nif: str, rejects: set[str]
    ) -> soap.Line:
        alta = etree.QName(record).localname == "RegistroAlta"
        emisor, number, date = record_key(record)

        def flag(name: str) -> str:
            return (record.findtext(f"{{{NS_SUM1}}}{name}") or "").strip()

        correction = flag("Subsanacion") == "S"
        line = soap.Line(
            issuer_nif=emisor,
            number=number,
            issue_date=date,
            operation="Alta" if alta else "Anulacion",
            correction=correction,
            state="",
        )
        huella = flag("Huella")
        key = f"{number}|{date}"
        known = register.get(f"keys:{nif}", key)
        if emisor != nif:
            return replace(
                line,
                state=soap.INCORRECT,
                error_code="1100",
                error_text="El NIF del emisor no coincide con el obligado de la cabecera.",
            )
        registered_state = register.get(f"fingerprints:{nif}", huella)
        if registered_state is not None:
            return replace(
                line,
                state=soap.INCORRECT,
                error_code="3000",
                error_text="Registro de facturación duplicado.",
                duplicate_state=registered_state,
            )
        if alta and number in rejects and not correction:
            rejects.discard(number)
            self._log(register, nif, record, huella, soap.INCORRECT, correction)
            return replace(
                line,
                state=soap.INCORRECT,
                error_code="1100",
                error_text="Valor o tipo incorrecto del campo (rechazo simulado).",
            )
        if alta and known is not None and known["alive"] and not correction:
            return replace(
                line,
                state=soap.INCORRECT,
                error_code="3000",
                error_text="Registro de facturación duplicado.",
                duplicate_state=known["state"],
            )
        if not alta:
            if known is None and flag("SinRegistroPrevio") != "S":
                self._log(register, nif, record, huella, soap.INCORRECT, correction)
                return replace(
                    line,
                    state=soap.INCORRECT,
                    error_code="3002",
                    error_text="No existe el registro de facturación.",
                )
            if known is not None and not known["alive"]:
                return replace(
                    line,
                    state=soap.INCORRECT,
                    error_code="3001",
                    error_text="El registro de facturación ya ha sido dado de baja.",
                )
        state, code, text = soap.CORRECT, "", ""
        previous = (
            record.findtext(
                f"{{{NS_SUM1}}}Encadenamiento/{{{NS_SUM1}}}RegistroAnterior/{{{NS_SUM1}}}Huella"
            )
            or ""
        ).strip()
        if fingerprint(hash_pairs_of(record)) != huella:
            state, code, text = (
                soap.ACCEPTED_WITH_ERRORS,
                "2000",
                "El cálculo de la huella suministrada es incorrecta.",
            )
        elif previous != (register.get("last", nif) or ""):
            state, code, text = (
                soap.ACCEPTED_WITH_ERRORS,
                "2000",
                "El encadenamiento no continúa el último registro del sistema informático.",
            )
        register.put(f"keys:{nif}", key, {"alive": alta, "state": state})
        self._log(register, nif, record, huella, state, correction)
        return replace(line, state=state, error_code=code, error_text=text)

    def _log(
        self,
        register: Transaction,
        nif: str,
        record: etree._Element,
        huella: str,
        state: str,
        correction: bool,
    ) -> None:
        _emisor, number, date = record_key(record)
        previous = (
            record.findtext(
                f"{{{NS_SUM1}}}Encadenamiento/{{{NS_SUM1}}}RegistroAnterior/{{{NS_SUM1}}}Huella"
            )
            or ""
        ).strip()
        register.put(f"fingerprints:{nif}", huella, state)
        register.put("last", nif, huella)
        register.append(
            f"log:{nif}",
            {
                "kind": etree.QName(record).localname,
                "number": number,
                "date": date,
                "huella": huella,
                "previous": previous,
                "state": state,
                "correction": correction,
            },
        )


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

    def do_GET(self) -> None:
        if self.path.startswith("/records/"):
            nif = self.path.rsplit("/", 1)[-1]
            body = json.dumps(self.server.simulator.records(nif)).encode()
            self._send(200, body, "application/json")
            return
        page = (
            f"<!doctype html><title>{LABEL}</title><h1>{LABEL}</h1>"
            "<p>Local stand-in for the AEAT's VERI*FACTU service, for development and tests. "
            "Nothing sent here reaches the Agencia Tributaria.</p>"
            f"<p>SOAP endpoint: <code>{SOAP_PATH}</code></p>"
        )
        self._send(200, page.encode(), "text/html; charset=utf-8")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length)
        if self.path.rstrip("/") != SOAP_PATH:
            self._send(404, b"not found", "text/plain")
            return
        getpeercert = getattr(self.connection, "getpeercert", None)
        peer = getpeercert() if getpeercert is not None else None
        if peer:
            subject = ", ".join(f"{k}={v}" for rdn in peer.get("subject", ()) for k, v in rdn)
            self.server.simulator.client_subjects.append(subject)
        answer = self.server.simulator.handle(data)
        status = 500 if b"Fault>" in answer[:400] or b":Fault" in answer else 200
        self._send(status, answer, "text/xml; charset=utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    simulator: Simulator


def start(
    simulator: Simulator,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: ssl.SSLContext | None = None,
) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``simulator`` in a daemon thread; returns the server and its SOAP endpoint URL.
    With ``tls`` (a server context, e.g. requiring client certificates, as the AEAT does) it
    speaks HTTPS."""
    server = _Server((host, port), _Handler)
    server.simulator = simulator
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="aeat-simulator", daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    scheme = "https" if tls is not None else "http"
    return server, f"{scheme}://{bound_host!s}:{bound_port}{SOAP_PATH}"
