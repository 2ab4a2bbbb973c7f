"""Where the VERI*FACTU state shows: the API, the invoice page and the PDF (QR read back with
Debian's zbar), plus the simulator's own answers."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from lxml import etree
from tests.corpus import CORPUS
from tests.efactura.api.apitools import Api, invoice_json

from efactura.verifactu import services
from efactura.verifactu.choices import State
from efactura.verifactu.models import BillingRecord
from efactura.verifactu.simulator import Simulator
from einvoice.verifactu import soap
from einvoice.verifactu.records import NS_SUM1

pytestmark = pytest.mark.django_db


def _api(company: Any) -> Api:
    from efactura.companies.services import do_create_api_key

    _row, clear = do_create_api_key(
        company=company, name="ERP", scopes=("send", "receive", "status")
    )
    return Api(Client(), clear)


def test_the_api_carries_the_verifactu_object(parties: dict[str, Any]) -> None:
    api = _api(parties["seller"])
    created = api.post_json("/invoices", invoice_json(parties["buyer"].tax_id))
    assert created.status_code == 201, created.content
    invoice_id = created.json()["id"]
    body = api.get(f"/invoices/{invoice_id}").json()
    record = BillingRecord.objects.get(invoice_id=invoice_id)
    assert body["verifactu"]["state"] == "pending"
    assert body["verifactu"]["fingerprint"] == record.fingerprint
    assert body["verifactu"]["qr_url"] == (
        "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=B98765431"
        f"&numserie={body['number']}&fecha={record.issue_date:%d-%m-%Y}&importe=151.25"
    )
    services.do_submit_pending(company_id=parties["seller"].pk)
    assert api.get(f"/invoices/{invoice_id}").json()["verifactu"]["state"] == "correct"
    # The customer sees the state and QR, not the issuer's record list.
    seen = _api(parties["buyer"]).get(f"/invoices/{invoice_id}").json()["verifactu"]
    assert seen["qr_url"] == body["verifactu"]["qr_url"] and seen["records"] == []


def zbar(image: Path) -> list[str]:
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in result.stdout.splitlines() if line]


@pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
    reason="needs zbar-tools and poppler-utils",
)
def test_the_pdf_carries_the_qr_code_and_legend(
    parties: dict[str, Any], issue: Any, tmp_path: Path
) -> None:
    invoice = issue()
    record = BillingRecord.objects.get(invoice=invoice)
    client = Client()
    client.force_login(parties["seller_user"])
    response = client.get(f"/invoices/{invoice.pk}/download/pdf/")
    assert response.status_code == 200
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    (page,) = tmp_path.glob("p*.png")
    assert zbar(page) == [record.qr_url]
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    assert "QR tributario:" in text and "VERI*FACTU" in text
    assert "Factura verificable en la sede electrónica de la AEAT" in " ".join(text.split())


def test_the_invoice_page_shows_state_qr_and_fingerprint(
    parties: dict[str, Any], issue: Any
) -> None:
    invoice = issue()
    record = BillingRecord.objects.get(invoice=invoice)
    client = Client()
    client.force_login(parties["seller_user"])
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert 'data-verifactu-state="pending"' in page
    assert record.fingerprint in page and "QR tributario:" in page
    assert 'href="' + record.qr_url.replace("&", "&amp;") + '"' in page


def _request(records: list[etree._Element], nif: str = "89890001K") -> bytes:
    from einvoice.verifactu.records import Taxpayer, message

    return soap.envelope(message(Taxpayer(nif=nif, name="EMPRESA DE PRUEBAS SL"), records))


def _handbuilt(name: str) -> list[etree._Element]:
    root = etree.parse(str(CORPUS / "verifactu" / "examples" / "handbuilt" / name)).getroot()
    return [holder[0] for holder in root if etree.QName(holder).localname == "RegistroFactura"]


def test_the_simulator_answers_like_the_aeat() -> None:
    simulator = Simulator(wait_seconds=30)
    good = _handbuilt("regfactu-aeat-vectors.xml")
    answer = soap.parse_answer(simulator.handle(_request(good)))
    assert answer.state == "Correcto" and answer.wait_seconds == 30 and answer.csv
    assert [line.state for line in answer.lines] == ["Correcto"] * 3
    assert soap.schema_errors(soap.body_of(answer.raw), response=True) == []
    # Sending the same records again: duplicates, with the state the AEAT holds.
    again = soap.parse_answer(simulator.handle(_request(good)))
    assert again.state == "Incorrecto"
    assert {(line.error_code, line.duplicate_state) for line in again.lines} == {
        ("3000", "Correcto")
    }
    # A wrong fingerprint is accepted with errors (2000), never rejected.
    fresh = Simulator()
    tampered = _handbuilt("bad-huella-mismatch.xml")
    states = [line.state for line in soap.parse_answer(fresh.handle(_request(tampered))).lines]
    assert "AceptadoConErrores" in states and "Incorrecto" not in states
    # Not schema-valid: a SOAP Fault for the client.
    broken = _handbuilt("regfactu-aeat-vectors.xml")[0]
    broken.remove(broken.find(f"{{{NS_SUM1}}}TipoFactura"))
    fault = soap.parse_answer(Simulator().handle(_request([broken])))
    assert fault.fault_code == "soapenv:Client" and "TipoFactura" in fault.fault_text
    # Cancelling an invoice the AEAT does not know: 3002.
    unknown = _handbuilt("regfactu-aeat-vectors.xml")[2]
    line = soap.parse_answer(Simulator().handle(_request([unknown]))).lines[0]
    assert (line.state, line.error_code) == ("Incorrecto", "3002")


def test_states_are_translated(parties: dict[str, Any], issue: Any) -> None:
    from django.utils import translation

    with translation.override("es"):
        assert str(State.CORRECT.label) == "Aceptado por la AEAT"


def test_the_help_page_carries_the_responsible_declaration(
    parties: dict[str, Any], settings: Any
) -> None:
    settings.EFACTURA_VERIFACTU_PRODUCER_NAME = "Banco de Pruebas, S.A."
    settings.EFACTURA_VERIFACTU_PRODUCER_NIF = "A39123450"
    client = Client()
    client.force_login(parties["seller_user"])
    page = client.get("/help/").content.decode()
    assert 'id="declaracion-responsable"' in page
    assert "Banco de Pruebas, S.A." in page and "A39123450" in page
    assert "Orden HAC/1177/2024" in page
    assert "<strong>simulador</strong> local de la AEAT" in page  # the user reads Spanish
