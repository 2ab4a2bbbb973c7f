"""The API takes and gives Factur-X PDFs and EDIFACT interchanges like any other file."""

from __future__ import annotations

from typing import Any

from tests.efactura.api.test_submit import _ubl_of

from einvoice import formats
from einvoice.formats import facturx


def _as(fmt: str, ubl: bytes) -> bytes:
    (invoice,) = formats.parse(ubl).invoices
    if fmt == "facturx":
        return facturx.render(invoice)
    return formats.render("edifact", [invoice])


def test_facturx_and_edifact_bodies_are_imported(supplier_api: Any, supplier: Any, customer: Any):
    for number, fmt, media in (
        ("F-2026-0101", "facturx", "application/pdf"),
        ("F-2026-0102", "edifact", "application/EDIFACT"),
    ):
        body = _as(fmt, _ubl_of(supplier, number=number))
        response = supplier_api.client.post(
            f"/api/v1/invoices?filename={number}",
            data=body,
            content_type=media,
            headers=supplier_api._headers(None),
        )
        assert response.status_code == 201, response.content
        created = response.json()
        assert created["number"] == number

        # Every invoice can be fetched as EDIFACT and as Factur-X.
        edi = supplier_api.get(f"/invoices/{created['id']}/document", format="edifact")
        assert edi.status_code == 200 and edi["Content-Type"] == "application/EDIFACT"
        assert formats.parse(edi.content).invoices[0].full_number == number
        pdf = supplier_api.get(f"/invoices/{created['id']}/document", format="facturx")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        _, cii = facturx.extract(pdf.content)
        assert formats.parse(cii).invoices[0].full_number == number


def test_a_plain_pdf_is_refused_with_a_reason(supplier_api: Any) -> None:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    response = supplier_api.client.post(
        "/api/v1/invoices?filename=scan.pdf",
        data=out.getvalue(),
        content_type="application/pdf",
        headers=supplier_api._headers(None),
    )
    assert response.status_code == 422
    assert response.json()["violations"][0]["rule"] == "PDF-NO-INVOICE"
