"""Factur-X PDFs and EDIFACT on the web: downloaded from the invoice page, imported as files."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader
from tests.efactura.invoices import helpers as h

from efactura.invoices import services, storage
from efactura.invoices.models import Invoice
from einvoice import formats
from einvoice.formats import facturx


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(make_company: Any, make_user: Any) -> dict[str, Any]:
    seller = h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)
    buyer = h.company(make_company, "Hostelería Cantábrica, S.A.", h.BUYER_TAX_ID)
    return {
        "seller": seller,
        "buyer": buyer,
        "seller_user": make_user("s@example.com", seller, language="en"),
        "buyer_user": make_user("b@example.com", buyer, role="accountant", language="en"),
    }


def test_invoice_page_offers_facturx_and_edifact(client: Any, world: dict[str, Any]) -> None:
    invoice = services.do_issue_invoice(
        company=world["seller"],
        actor=world["seller_user"],
        draft=h.draft(h.BUYER_TAX_ID),
        series_code="A",
    )
    client.force_login(world["buyer_user"])
    page = client.get(reverse("web:invoice", args=[invoice.pk])).content.decode()
    for kind in ("facturx", "edifact"):
        assert reverse("web:invoice_download", args=[invoice.pk, kind]) in page

    hybrid = client.get(reverse("web:invoice_download", args=[invoice.pk, "facturx"]))
    assert hybrid.status_code == 200 and hybrid["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(hybrid.content))
    xmp = reader.xmp_metadata
    assert xmp is not None
    metadata = xmp.stream.get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in metadata  # PDF/A-3
    assert "factur-x.xml" in metadata
    name, cii = facturx.extract(hybrid.content)
    assert name == "factur-x.xml"
    (embedded,) = formats.parse(cii).invoices
    assert embedded.full_number == invoice.full_number
    assert str(embedded.totals.payable) == str(services.canonical(invoice).totals.payable)

    edi = client.get(reverse("web:invoice_download", args=[invoice.pk, "edifact"]))
    assert edi.status_code == 200 and edi["Content-Type"] == "application/EDIFACT"
    assert edi["Content-Disposition"].endswith('-edifact.edi"')
    (read_back,) = formats.parse(edi.content).invoices
    assert read_back.full_number == invoice.full_number


def test_facturx_and_edifact_files_are_imported(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["buyer_user"])
    first = h.external_invoice("FX-1")
    second = h.external_invoice("EDI-1")
    upload = [
        SimpleUploadedFile("FX-1.pdf", facturx.render(first), content_type="application/pdf"),
        SimpleUploadedFile("EDI-1.edi", formats.render("edifact", [second])),
        SimpleUploadedFile("scan.pdf", _plain_pdf(), content_type="application/pdf"),
    ]
    response = client.post(reverse("web:import"), {"direction": "received", "files": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 invoices imported" in html
    assert "PDF-NO-INVOICE" in html and "scan.pdf" in html
    assert "not well-formed" not in html
    hybrid = Invoice.objects.get(full_number="FX-1")
    original = hybrid.documents.get()
    assert original.format == "cii" and original.content_type == "application/pdf"
    assert storage.read(original)[:5] == b"%PDF-"  # the PDF is archived as received
    edi = Invoice.objects.get(full_number="EDI-1").documents.get()
    assert edi.format == "edifact" and edi.content_type == "application/EDIFACT"


def _plain_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
