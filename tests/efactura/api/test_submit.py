"""POST /api/v1/invoices: JSON issued by the platform, XML imported as issuer, problems."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pytest
from apitools import invoice_json

pytestmark = pytest.mark.django_db


def _ubl_of(company: Any, number: str = "F-2026-0001", buyer: str = "A39123450") -> bytes:
    """A UBL invoice issued by ``company`` (rendered by the standards library)."""
    from efactura.invoices.services import seller_party
    from einvoice import formats, totals
    from einvoice.serialize import invoice_from_data

    data = invoice_json(buyer)
    data["number"] = number
    data["series"] = ""
    data["seller"] = {"name": company.legal_name}
    data["totals"] = {
        "line_net_total": "0",
        "tax_exclusive": "0",
        "vat_total": "0",
        "tax_inclusive": "0",
        "payable": "0",
    }
    draft = invoice_from_data(data)
    draft = dataclasses.replace(draft, seller=seller_party(company))
    return formats.render("ubl", [totals.compute(draft)])


def test_json_invoice_is_issued_numbered_and_routed(supplier_api, customer) -> None:
    response = supplier_api.post_json("/invoices", invoice_json(customer.tax_id))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "API000001"
    assert body["route"] == "local"
    assert body["status"] == "received"
    assert body["total"] == "151.25"
    assert body["buyer_tax_id"] == customer.tax_id
    assert response["Location"] == f"/api/v1/invoices/{body['id']}"
    second = supplier_api.post_json("/invoices", invoice_json(customer.tax_id)).json()
    assert second["number"] == "API000002"


def test_json_with_own_number_is_refused_with_rule(supplier_api, customer) -> None:
    data = invoice_json(customer.tax_id)
    data["number"] = "77"
    response = supplier_api.post_json("/invoices", data)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "urn:efactura:problem:invoice-rejected"
    assert problem["status"] == 422
    assert [v["rule"] for v in problem["violations"]] == ["API-NUMBER"]
    assert problem["violations"][0]["message_es"].startswith("Omita")


def test_json_with_bad_field_names_the_path(supplier_api, customer) -> None:
    data = invoice_json(customer.tax_id)
    data["lines"][0]["quantity"] = 3.5  # floats are refused: money and quantities are text
    problem = supplier_api.post_json("/invoices", data).json()
    assert problem["status"] == 422
    violation = problem["violations"][0]
    assert violation["rule"] == "JSON-FIELD"
    assert "lines[0].quantity" in violation["message"]


def test_json_with_invalid_customer_tax_id(supplier_api) -> None:
    problem = supplier_api.post_json("/invoices", invoice_json("X1234")).json()
    assert problem["status"] == 422
    assert problem["violations"][0]["rule"] == "ES-TAXID-02"


def test_xml_body_is_imported_as_issuer_keeping_its_number(supplier_api, supplier, customer):
    response = supplier_api.post_xml(_ubl_of(supplier), filename="F-2026-0001.xml")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "F-2026-0001"
    assert body["route"] == "local"
    assert len(body["invoices"]) == 1
    # the same file again is a duplicate, named as such
    again = supplier_api.post_xml(_ubl_of(supplier), filename="F-2026-0001.xml")
    assert again.status_code == 422
    assert again.json()["violations"][0]["rule"] == "IMPORT-DUPLICATE"
    assert again.json()["duplicate_of"] == body["id"]


def test_multipart_file_upload(supplier_api, supplier, customer) -> None:
    upload = io.BytesIO(_ubl_of(supplier, number="F-2026-0002"))
    upload.name = "F-2026-0002.xml"
    response = supplier_api.client.post(
        "/api/v1/invoices",
        {"file": upload},
        headers={"Authorization": f"Bearer {supplier_api.key}"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["number"] == "F-2026-0002"


def test_xml_of_another_seller_is_refused(supplier_api, customer) -> None:
    problem = supplier_api.post_xml(_ubl_of(customer, buyer="B98765431")).json()
    assert problem["status"] == 422
    assert "IMPORT-NOT-SELLER" in [v["rule"] for v in problem["violations"]]


def test_garbage_xml_names_the_file(supplier_api) -> None:
    response = supplier_api.post_xml(b"<not-closed>", filename="broken.xml")
    assert response.status_code == 422
    problem = response.json()
    assert "broken.xml" in problem["detail"]
    assert problem["violations"][0]["severity"] == "fatal"


def test_unsupported_content_type_is_415(supplier_api) -> None:
    response = supplier_api.client.post(
        "/api/v1/invoices",
        data="hello",
        content_type="text/plain",
        headers={"Authorization": f"Bearer {supplier_api.key}"},
    )
    assert response.status_code == 415
    assert response.json()["type"] == "urn:efactura:problem:unsupported-media-type"


def test_too_large_request_is_413_before_reading(supplier_api, settings) -> None:
    settings.EFACTURA_API_MAX_REQUEST_BYTES = 1000
    response = supplier_api.post_xml(b"<a>" + b"x" * 2000 + b"</a>")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/problem+json")
    assert "1,000" in response.json()["detail"]


def test_key_without_send_scope_gets_403(client, supplier, customer, make_key) -> None:
    from apitools import Api

    api = Api(client, make_key(supplier, scopes=("receive",)))
    response = api.post_json("/invoices", invoice_json(customer.tax_id))
    assert response.status_code == 403
    assert response.json()["type"] == "urn:efactura:problem:scope-missing"
