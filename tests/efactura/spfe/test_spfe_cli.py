"""``efactura spfe simulator`` says it is a simulator, serves the SPFE stand-in, and stops on
SIGTERM; the embedded endpoint and ``off`` work through the same adapter."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

import httpx
import pytest

from efactura.spfe import adapter
from efactura.spfe.simulator import LABEL, Simulator


def test_simulator_command_labels_itself() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "efactura", "spfe", "simulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith(LABEL + ": http://127.0.0.1:")
        base = first.split(": ", 1)[1].strip()
        assert httpx.get(base + "/log").json() == []
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0


@pytest.mark.django_db
def test_embedded_simulator_and_off(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.EFACTURA_SPFE_ENDPOINT = "simulator"
    simulator = Simulator()
    monkeypatch.setattr(adapter, "embedded_simulator", lambda: simulator)
    receipt = adapter.send_status(
        key="k1",
        message={
            "message": "DEFAULT",
            "invoice": {"issuer": "B98765431", "number": "A1", "issue_date": "2026-12-01"},
        },
    )
    assert receipt.accepted and receipt.verification_code.startswith("SIM-")
    refused = adapter.send_copy(key="k2", ubl=b"<Invoice/>")
    assert not refused.accepted and refused.errors
    simulator.down = True
    with pytest.raises(adapter.TransportError):
        adapter.send_status(key="k3", message={})
    assert adapter.enabled()
    settings.EFACTURA_SPFE_ENDPOINT = "off"
    assert not adapter.enabled()


def test_unreachable_endpoint_is_a_transport_error(settings: Any) -> None:
    from tests.efactura.notifications.smtp_support import free_port

    settings.EFACTURA_SPFE_ENDPOINT = f"http://127.0.0.1:{free_port()}/spfe/v1"
    with pytest.raises(adapter.TransportError):
        adapter.send_copy(key="k", ubl=b"<x/>")
