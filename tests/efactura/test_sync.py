"""The reference sync client end to end against a live server (real HTTP, real folders)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_settle(monkeypatch: Any) -> None:
    monkeypatch.setattr("efactura.api.selectors.SYNC_SETTLE_SECONDS", 0)
    monkeypatch.setattr("efactura.sync.SETTLE_SECONDS", 0)


@pytest.fixture
def parties(make_company: Any) -> tuple[Any, Any]:
    extra = {"address": "Avenida del Puerto 12", "postal_code": "46021", "city": "Valencia"}
    supplier = make_company(
        "Suministros Levante, S.L.", tax_id="B98765431", province="Valencia", **extra
    )
    customer = make_company(
        "Hostelería Cantábrica, S.A.", tax_id="A39123450", province="Cantabria", **extra
    )
    return supplier, customer


def _invoice_data(buyer: str, **extra: Any) -> dict[str, Any]:
    return {
        "series": "S",
        "buyer_reference": "PO-1",
        "issue_date": "2026-11-20",
        "buyer": {
            "name": "Hostelería Cantábrica, S.A.",
            "tax_id": buyer,
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
                "name": "Aceite de oliva, 5 l",
                "quantity": "4",
                "net_price": "30.00",
                "net_amount": "120.00",
                "vat_category": "S",
                "vat_rate": "10",
            }
        ],
        **extra,
    }


def _ubl(supplier: Any, buyer: str, number: str) -> bytes:
    from efactura.invoices.services import seller_party
    from einvoice import formats, totals
    from einvoice.serialize import invoice_from_data

    zero = {
        "line_net_total": "0",
        "tax_exclusive": "0",
        "vat_total": "0",
        "tax_inclusive": "0",
        "payable": "0",
    }
    draft = invoice_from_data(
        _invoice_data(buyer, number=number, series="", seller={"name": "x"}, totals=zero)
    )
    return formats.render(
        "ubl", [totals.compute(dataclasses.replace(draft, seller=seller_party(supplier)))]
    )


def _client(live_server: Any, key: str, root: Path, **kw: Any) -> Any:
    from efactura.sync import SyncClient

    return SyncClient(
        url=live_server.url, api_key=key, outbox=root / "out", inbox=root / "in", **kw
    )


def test_sync_uploads_downloads_acknowledges_and_resumes(
    live_server: Any, parties: Any, tmp_path: Path
) -> None:
    from efactura.companies.services import do_create_api_key
    from efactura.invoices.models import Invoice

    supplier, customer = parties
    _r, supplier_key = do_create_api_key(
        company=supplier, name="ERP", scopes=["send", "receive", "status"]
    )
    _r, customer_key = do_create_api_key(
        company=customer, name="ERP", scopes=["send", "receive", "status"]
    )
    seller_root, buyer_root = tmp_path / "seller", tmp_path / "buyer"
    out = seller_root / "out"
    out.mkdir(parents=True)
    (out / "F-0001.xml").write_bytes(_ubl(supplier, customer.tax_id, "F-0001"))
    (out / "order-18.json").write_text(json.dumps(_invoice_data(customer.tax_id)))
    (out / "broken.xml").write_bytes(b"<Invoice>")
    (out / "writing.xml.part").write_bytes(b"<half")

    seller = _client(live_server, supplier_key, seller_root)
    summary = seller.run_once()
    assert (summary.sent, summary.failed) == (2, 1)
    assert sorted(p.name for p in (out / "sent").iterdir()) == [
        "F-0001.xml",
        "F-0001.xml.result.json",
        "order-18.json",
        "order-18.json.result.json",
    ]
    error = json.loads((out / "failed" / "broken.xml.error.json").read_text())
    assert error["status"] == 422 and error["violations"]
    assert (out / "writing.xml.part").exists()  # still being written: left alone
    assert Invoice.objects.filter(issuer=supplier).count() == 2

    buyer = _client(live_server, customer_key, buyer_root)
    summary = buyer.run_once()
    assert summary.downloaded == 2
    inbox = buyer_root / "in"
    files = sorted(p.name for p in inbox.iterdir() if p.suffix in {".xml", ".xsig"})
    assert len(files) == 2 and any("F-0001" in f for f in files)
    ubl_file = next(p for p in inbox.iterdir() if "F-0001" in p.name)
    # the legal original: the issuer's import was signed as Facturae, served unchanged
    original = Invoice.objects.get(full_number="F-0001").documents.get(role="original")
    from efactura.invoices.storage import read

    assert ubl_file.read_bytes() == read(original)
    assert b"Facturae" in ubl_file.read_bytes() and b"F-0001" in ubl_file.read_bytes()
    events = [json.loads(line) for line in (inbox / "events.jsonl").read_text().splitlines()]
    assert {"issued", "delivered"} <= {e["kind"] for e in events}
    state = json.loads((inbox / ".efactura-sync.json").read_text())
    assert int(state["events_cursor"]) == max(e["id"] for e in events)

    again = _client(live_server, customer_key, buyer_root).run_once()
    assert (again.downloaded, again.events) == (0, 0)


def test_interrupted_upload_is_retried_without_a_second_invoice(
    live_server: Any, parties: Any, tmp_path: Path
) -> None:
    from efactura.companies.services import do_create_api_key
    from efactura.invoices.models import Invoice

    supplier, customer = parties
    _r, key = do_create_api_key(company=supplier, name="ERP", scopes=["send", "receive", "status"])
    out = tmp_path / "out"
    out.mkdir()
    (out / "F-0009.xml").write_bytes(_ubl(supplier, customer.tax_id, "F-0009"))

    class LoseFirstAnswer(httpx.HTTPTransport):
        """The upload reaches the server, but its answer is lost on the way back."""

        lost = False

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            if request.method == "POST" and not self.lost:
                self.lost = True
                response.close()
                raise httpx.ReadError("connection reset", request=request)
            return response

    first = _client(live_server, key, tmp_path, transport=LoseFirstAnswer()).run_once()
    assert first.postponed == 1 and (out / "F-0009.xml").exists()
    assert Invoice.objects.filter(issuer=supplier).count() == 1  # the server did store it
    second = _client(live_server, key, tmp_path).run_once()
    assert second.sent == 1 and (out / "sent" / "F-0009.xml").exists()
    assert Invoice.objects.filter(issuer=supplier).count() == 1
    result = json.loads((out / "sent" / "F-0009.xml.result.json").read_text())
    assert result["number"] == "F-0009"


def test_command_line_once(live_server: Any, parties: Any, tmp_path: Path) -> None:
    from efactura.companies.services import do_create_api_key

    supplier, customer = parties
    _r, key = do_create_api_key(company=supplier, name="ERP", scopes=["send", "receive", "status"])
    out = tmp_path / "out"
    out.mkdir()
    (out / "F-0100.xml").write_bytes(_ubl(supplier, customer.tax_id, "F-0100"))
    os.utime(out / "F-0100.xml", (0, 0))  # old enough to be complete
    command = [
        sys.executable,
        "-m",
        "efactura",
        "sync",
        "--url",
        live_server.url,
        "--api-key-env",
        "ERP_KEY",
        "--outbox",
        str(out),
        "--inbox",
        str(tmp_path / "in"),
        "--once",
    ]
    done = subprocess.run(
        command, env={**os.environ, "ERP_KEY": key}, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "sent 1" in done.stdout
    assert (out / "sent" / "F-0100.xml").exists()
    bad = subprocess.run(
        command,
        env={**os.environ, "ERP_KEY": "efk_nothing_here"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "refused" in bad.stderr
