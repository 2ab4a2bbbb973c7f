"""The one module that speaks to the SPFE.  Its specification is a draft (the AEAT's
guidance names REST, AS4 and web services), so everything about the wire lives here: when
the final text is published, only this module changes.

Today it speaks the REST binding of :mod:`efactura.spfe.simulator`: ``POST {base}/invoices``
with the UBL copy, ``POST {base}/statuses`` with one JSON status message, both carrying an
``Idempotency-Key`` header so a repeated send is registered once.

``EFACTURA_SPFE_ENDPOINT``: ``simulator`` (the embedded local simulator, the default), a base
URL such as ``http://127.0.0.1:8700/spfe/v1``, or ``off`` (nothing queued).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.db import connection

TIMEOUT_SECONDS = 60


class TransportError(Exception):
    """The SPFE could not be reached or is unavailable: try again later."""


@dataclass(frozen=True)
class Receipt:
    """The SPFE's answer to one item."""

    accepted: bool
    verification_code: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)


def enabled() -> bool:
    return str(settings.EFACTURA_SPFE_ENDPOINT) != "off"


_embedded: object | None = None


def embedded_simulator() -> object:
    """The local SPFE simulator behind ``EFACTURA_SPFE_ENDPOINT=simulator``: its register
    lives in the data folder (shared by web and worker processes), or in memory for an
    in-memory SQLite database (tests)."""
    global _embedded
    from efactura.spfe.simulator import Simulator

    name = str(connection.settings_dict.get("NAME") or "")
    memory = "memory" in name or name in {"", ":memory:"}
    state_file = (
        None
        if memory
        else Path(settings.DATA_DIR) / f"spfe-simulator-{Path(name).name.replace('.', '_')}.sqlite3"
    )
    if not isinstance(_embedded, Simulator) or _embedded.state_file != state_file:
        _embedded = Simulator(state_file=state_file)
    return _embedded


def _receipt(status: int, body: Any) -> Receipt:
    if status >= 500 or status in {408, 429}:
        raise TransportError(f"HTTP {status}")
    if not isinstance(body, dict):
        raise TransportError(f"HTTP {status}: the answer is not a JSON object")
    if status in {200, 201} and body.get("status") == "ACCEPTED":
        return Receipt(accepted=True, verification_code=str(body.get("verification_code", "")))
    errors = body.get("errors") or [{"rule": f"HTTP {status}", "message": str(body)[:500]}]
    return Receipt(accepted=False, errors=list(errors))


def _post(path: str, *, key: str, content: bytes, content_type: str) -> Receipt:
    endpoint = str(settings.EFACTURA_SPFE_ENDPOINT)
    if endpoint == "simulator":
        from efactura.spfe.simulator import Simulator

        simulator = embedded_simulator()
        assert isinstance(simulator, Simulator)
        if path == "/invoices":
            answer = simulator.receive_invoice(key=key, data=content)
        else:
            answer = simulator.receive_status(key=key, message=json.loads(content))
        return _receipt(answer.status, answer.body)
    try:
        response = httpx.post(
            endpoint.rstrip("/") + path,
            content=content,
            headers={"Content-Type": content_type, "Idempotency-Key": key},
            timeout=TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}") from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    return _receipt(response.status_code, body)


def send_copy(*, key: str, ubl: bytes) -> Receipt:
    """Send the faithful UBL copy of one invoice."""
    return _post("/invoices", key=key, content=ubl, content_type="application/xml")


def send_status(*, key: str, message: dict[str, Any]) -> Receipt:
    """Send one status message (see :func:`efactura.spfe.services.status_message`)."""
    return _post(
        "/statuses",
        key=key,
        content=json.dumps(message).encode(),
        content_type="application/json",
    )
