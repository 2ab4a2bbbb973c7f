"""POST /api/v1/invoices with what used to give HTTP 500: credit notes without Facturae's
correction data, numbers out of range, malformed zips.  Each answer is a 201 or a 4xx
problem document, never a 5xx or an HTML page."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from typing import Any

import pytest
from apitools import invoice_json

pytestmark = pytest.mark.django_db


def _document(company: Any, *, number: str, fmt: str = "ubl", **changes: Any) -> bytes:
    from efactura.invoices.services import seller_party
    from einvoice import formats, totals
    from einvoice.model import PrecedingInvoice
    from einvoice.serialize import invoice_from_data

    data = invoice_json("A39123450")
    data.update(number=number, series="", seller={"name": company.legal_name})
    data["totals"] = dict.fromkeys(
        ("line_net_total", "tax_exclusive", "vat_total", "tax_inclusive", "payable"), "0"
    )
    draft = dataclasses.replace(invoice_from_data(data), seller=seller_party(company))
    if changes.pop("credit", False):
        changes.setdefault("preceding", (PrecedingInvoice(number="F-2026-0001"),))
    return formats.render(fmt, [totals.compute(dataclasses.replace(draft, **changes))])


def _problem(response: Any) -> dict[str, Any]:
    assert response.status_code < 500, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json"), response.content
    body: dict[str, Any] = response.json()
    return body


def test_ubl_credit_note_without_facturae_correction_is_accepted_in_its_syntax(
    supplier_api: Any, supplier: Any, customer: Any
) -> None:
    from efactura.invoices.models import Document, Invoice
    from einvoice.model import DocumentKind

    xml = _document(
        supplier, number="AB-1", kind=DocumentKind.CREDIT_NOTE, type_code="381", credit=True
    )
    assert b"<CreditNote" in xml
    response = supplier_api.post_xml(xml, filename="abono.xml")
    assert response.status_code == 201, response.content[:2000]
    body = response.json()
    assert any(w["rule"] == "BG-3" for w in body["warnings"]), body["warnings"]
    row = Invoice.objects.get(pk=body["id"])
    original = row.documents.get(role=Document.Role.ORIGINAL)
    assert original.format == "ubl"


def test_cii_credit_note_384_without_correction_is_accepted(
    supplier_api: Any, supplier: Any, customer: Any
) -> None:
    xml = _document(supplier, number="AB-2", fmt="cii", type_code="384", credit=True)
    response = supplier_api.post_xml(xml, filename="abono-cii.xml")
    assert response.status_code == 201, response.content[:2000]


def test_amount_out_of_range_is_a_422_naming_the_element(
    supplier_api: Any, supplier: Any, customer: Any
) -> None:
    xml = _document(supplier, number="F-9")
    start = xml.index(b"<cbc:PayableAmount")
    end = xml.index(b"</cbc:PayableAmount>")
    head = xml[:start] + b'<cbc:PayableAmount currencyID="EUR">' + b"1" * 50
    problem = _problem(supplier_api.post_xml(head + xml[end:], filename="huge.xml"))
    assert problem["status"] == 422
    found = [v for v in problem["violations"] if v["rule"] == "AMOUNT-RANGE"]
    assert found and "PayableAmount" in found[0]["message"]
    assert "fuera de rango" in found[0]["message_es"]


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_with_a_bad_crc_gives_a_per_file_error(
    supplier_api: Any, supplier: Any, customer: Any
) -> None:
    good = _document(supplier, number="Z-1")
    bad = _document(supplier, number="Z-2")
    data = bytearray(_zip({"a.xml": good, "b.xml": bad}))
    # Corrupt the CRC-32 recorded for b.xml in the central directory and the local header.
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("b.xml")
    crc = info.CRC.to_bytes(4, "little")
    wrong = ((info.CRC ^ 0xFFFFFFFF) & 0xFFFFFFFF).to_bytes(4, "little")
    data = bytearray(bytes(data).replace(crc, wrong))
    response = supplier_api.post_xml(bytes(data), filename="lote.zip")
    assert response.status_code == 201, response.content[:2000]
    body = response.json()
    assert [i["number"] for i in body["invoices"]] == ["Z-1"]


def test_refused_signing_is_reported_for_the_invoice(
    supplier_api: Any, supplier: Any, customer: Any
) -> None:
    from efactura.signing.models import SigningSettings
    from efactura.signing.services import Policy

    # The company demands its own certificate but has none (set up directly: the service
    # refuses to choose this policy without a certificate, but a certificate can be removed).
    SigningSettings.objects.update_or_create(company=supplier, defaults={"policy": Policy.OWN})
    problem = _problem(supplier_api.post_xml(_document(supplier, number="F-10"), filename="f.xml"))
    assert problem["status"] == 422
    assert [v["rule"] for v in problem["violations"]] == ["SIGNING"]
