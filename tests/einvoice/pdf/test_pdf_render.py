"""The invoice PDF: render canonical invoices, read the PDF's text back, check what a Spanish
bookkeeper needs is on paper (RD 1619/2012 art. 6 and 15), in the right language format."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from lxml import etree
from pypdf import PdfReader
from tests.einvoice.pdf.builders import english_invoice, long_invoice, rich_spanish_invoice

from einvoice.model import DocumentKind, Invoice, IssuerType
from einvoice.pdf import _offline_fetcher, render_html, render_pdf


def pdf_pages(pdf: bytes) -> list[str]:
    """Text of each page, whitespace (including no-break spaces) collapsed to one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return [
        re.sub(r"\s+", " ", page.extract_text().replace("\u00a0", " ")) for page in reader.pages
    ]


def pdf_text(pdf: bytes) -> str:
    return " ".join(pdf_pages(pdf))


@pytest.fixture(scope="module")
def rich_pdf() -> bytes:
    return render_pdf(
        rich_spanish_invoice(),
        status_lines=["Aceptada el 20/11/2026", "Pagada el 26/12/2026"],
        signature_summary="Firmada digitalmente (XAdES-EPES) por SUTECAN",
    )


@pytest.fixture(scope="module")
def rich_text(rich_pdf: bytes) -> str:
    return pdf_text(rich_pdf)


@pytest.fixture(scope="module")
def english_text() -> str:
    return pdf_text(render_pdf(english_invoice(), language="en"))


def test_pdf_is_a4(rich_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(rich_pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


@pytest.mark.parametrize(
    "expected",
    [
        # Title, series and number, dates (art. 6.1 a, b, i)
        "Factura rectificativa / Corrective invoice",
        "R2026-0007",
        "25/11/2026",
        "Fecha de operación",
        "31/10/2026",
        # Parties: names and NIFs of both (art. 6.1 c, d, e)
        "Suministros y Servicios Técnicos del Cantábrico, S.L.",
        "B39123450",
        "Ayuntamiento de Santander",
        "P39075007",
        "39004 Santander (Cantabria)",
        "facturas@sutecan.example",
        # References and DIR3 centres with their roles
        "PED-77812",
        "CTR-2025-031",
        "EXP-2026/0412",
        "L01390759",
        "LA0003456",
        "Oficina contable",
        "Órgano gestor",
        "Unidad tramitadora",
        # Lines: quantity with unit, unit price, discount, net amount
        "Tornillo hexagonal DIN 933 M8x40 zincado",
        "1.000 uds.",
        "0,085",
        "20 h",
        "-10 %",
        "1.200,00",
        # Tax base per rate, rates, amounts, surcharge per rate (art. 6.1 g, h)
        "21 %",
        "10 %",
        "17,85",
        "252,00",
        "8,10",
        "5,2 %",
        "4,42",
        "1,4 %",
        "1,13",
        "277,95 €",
        "5,55 €",
        # Totals: IRPF as a separate subtraction, total, advance, amount due
        "1.666,00 €",
        "1.949,50 €",
        "Retención IRPF 15 %",
        "-180,00 €",
        "1.769,50 €",
        "-100,00 €",
        "Importe a pagar",
        "1.669,50 €",
        # Corrective data (art. 15)
        "F2026-0312",
        "83 – Base imponible modificada por descuentos y bonificaciones",
        "Rectificación por diferencias",
        # Exemption with its legal ground (art. 6.1 j), literals, notes
        "Exenta por el artículo 20.Uno.9º de la Ley 37/1992 del IVA",
        "Factura sujeta a la Ley 25/2013, de impulso de la factura electrónica.",
        "almacén municipal de La Albericia",
        # Payment
        "Transferencia SEPA",
        "ES91 2100 0418 4502 0005 1332",
        "CAIXESBBXXX",
        "26/12/2026",
        "669,50 €",
        # Closing box and page numbers
        "Aceptada el 20/11/2026",
        "Pagada el 26/12/2026",
        "Firmada digitalmente (XAdES-EPES) por SUTECAN",
        "Página 1 de",
    ],
)
def test_rich_spanish_invoice_prints(rich_text: str, expected: str) -> None:
    assert expected in rich_text


def test_rich_invoice_has_no_english_amount_format(rich_text: str) -> None:
    assert "1,669.50" not in rich_text
    assert "€1" not in rich_text


def test_page_numbers_count_all_pages(rich_pdf: bytes) -> None:
    pages = pdf_pages(rich_pdf)
    for number, text in enumerate(pages, start=1):
        assert f"Página {number} de {len(pages)}" in text


@pytest.mark.parametrize(
    "expected",
    [
        "Invoice / Factura",
        "EXP-118",
        "25 Nov 2026",
        "25 Dec 2026",
        "€12,345.60",
        "10,000.00",
        "2,345.60",
        "80 h",
        "2 pieces",
        "VAT ID",
        "ESB39123450",  # cross-border: the seller's full VAT number (NIF-IVA)
        "IE6388047V",
        "Ireland",
        "Reverse charge / Inversión del sujeto pasivo",
        "Exempt intra-Community supply",
        "Entrega intracomunitaria exenta (art. 25 Ley 37/1992)",
        "Credit transfer",
        "ES76 2077 0024 0031 0257 5766",
        "30 days net.",
        "Page 1 of",
    ],
)
def test_english_invoice_prints(english_text: str, expected: str) -> None:
    assert expected in english_text


def test_english_invoice_has_no_spanish_amount_format(english_text: str) -> None:
    assert "12.345,60" not in english_text
    assert "25/11/2026" not in english_text


def test_long_invoice_breaks_pages_and_repeats_the_header() -> None:
    invoice = long_invoice(150)
    pages = pdf_pages(render_pdf(invoice))
    assert len(pages) > 1
    text = " ".join(pages)
    for line in (invoice.lines[0], invoice.lines[74], invoice.lines[-1]):
        assert line.name in text
        assert line.seller_item_id in text
    # 150 lines × 1.50 × i: sum 16,987.50; VAT 21 % 3,567.38; total 20,554.88
    assert "20.554,88 €" in text
    assert "3.567,38 €" in text
    with_lines = [p for p in pages if "ART-" in p]
    assert len(with_lines) > 1
    for page in with_lines:
        assert "Importe neto" in page, "the lines table header repeats on every page"
    for number, page in enumerate(pages, start=1):
        assert f"Página {number} de {len(pages)}" in page


def _word_boxes(pdf: bytes) -> list[tuple[float, float, str]]:
    """(xMax, page width, word) for every word, from poppler's pdftotext -bbox."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout
    root = etree.fromstring(out, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    boxes = []
    for page in root.iter("{*}page"):
        width = float(page.get("width", "0"))
        for word in page.iter("{*}word"):
            boxes.append((float(word.get("xMax", "0")), width, word.text or ""))
    return boxes


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_very_long_names_wrap_inside_the_page() -> None:
    long_word = "Supercalifragilistic" * 12  # 240 characters without a break opportunity
    invoice = long_invoice(
        200, seller_name=f"Compañía {long_word} S.A.", buyer_name="Cliente " + "X" * 180
    )
    invoice = dataclasses.replace(
        invoice,
        lines=(dataclasses.replace(invoice.lines[0], name=long_word), *invoice.lines[1:]),
    )
    pdf = render_pdf(invoice)
    boxes = _word_boxes(pdf)
    right_margin_pt = 14 / 25.4 * 72
    overflowing = [w for x, width, w in boxes if x > width - right_margin_pt + 1]
    assert not overflowing
    squeezed = re.sub(r"\s+", "", pdf_text(pdf))
    assert long_word in squeezed


def test_hostile_values_are_printed_as_text() -> None:
    hostile = "<script>alert('x')</script> & <b>Co</b>"
    invoice = long_invoice(3, seller_name=hostile, buyer_name='"><img src=x onerror=alert(1)>')
    html = render_html(invoice)
    assert "<script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    text = pdf_text(render_pdf(invoice))
    assert "<script>alert('x')</script> & <b>Co</b>" in text
    assert '"><img src=x onerror=alert(1)>' in text


def test_control_characters_do_not_break_rendering() -> None:
    invoice = long_invoice(1, buyer_name="Cliente\x00\x07 con\x1b control")
    assert "Cliente con control" in pdf_text(render_pdf(invoice))


def test_test_seal_only_when_asked() -> None:
    invoice = long_invoice(60)
    sealed = pdf_pages(render_pdf(invoice, test_seal=True))
    assert len(sealed) > 1
    for page in sealed:
        assert "TEST — sin validez legal / not legally valid" in page
    assert "sin validez legal" not in pdf_text(render_pdf(invoice))


def test_closing_box_absent_without_status_or_signature() -> None:
    html = render_html(long_invoice(1))
    assert 'class="closing"' not in html
    html = render_html(long_invoice(1), signature_summary="Firmada por X")
    assert 'class="closing"' in html and "Firmada por X" in html


@pytest.mark.parametrize(
    ("changes", "title"),
    [
        ({}, "Factura / Invoice"),
        ({"document_type": "FA"}, "Factura simplificada / Simplified invoice"),
        ({"document_type": "AF"}, "Autofactura / Self-billed invoice"),
        ({"kind": DocumentKind.CREDIT_NOTE, "type_code": "381"}, "Factura rectificativa"),
        ({"document_type": "FA", "type_code": "384"}, "Factura simplificada rectificativa"),
        ({"invoice_class": "OC"}, "Factura recapitulativa / Summary invoice"),
    ],
)
def test_title_names_the_kind_of_document(changes: dict[str, object], title: str) -> None:
    invoice = dataclasses.replace(long_invoice(1), **changes)  # type: ignore[arg-type]
    assert title in pdf_text(render_pdf(invoice))


def test_self_billing_and_third_party_mentions() -> None:
    base = long_invoice(1)
    buyer_issued = render_html(dataclasses.replace(base, issuer_type=IssuerType.BUYER))
    assert "Facturación por el destinatario" in buyer_issued
    assert "Facturación por el destinatario" in render_html(
        dataclasses.replace(base, type_code="389")
    )
    third = render_html(dataclasses.replace(base, issuer_type=IssuerType.THIRD_PARTY))
    assert "Factura expedida por un tercero" in third
    assert "Facturación por el destinatario" not in render_html(base)


def test_operation_date_only_when_different() -> None:
    invoice = long_invoice(1)
    assert "Fecha de operación" not in render_html(invoice)
    same = dataclasses.replace(invoice, tax_point_date=invoice.issue_date)
    assert "Fecha de operación" not in render_html(same)


def test_payable_row_only_when_it_differs_from_the_total() -> None:
    html = render_html(long_invoice(2))
    assert "Importe a pagar" not in html
    assert "Importe a pagar" in render_html(rich_spanish_invoice())


def test_foreign_currency_is_printed_with_its_code() -> None:
    invoice = dataclasses.replace(english_invoice(), currency="CHF")
    text = pdf_text(render_pdf(invoice, language="en"))
    assert "CHF 12,345.60" in text
    assert "€" not in text


@pytest.mark.parametrize("language", ["fr", "", "spanish"])
def test_unsupported_language_is_refused(language: str) -> None:
    with pytest.raises(ValueError, match="Unsupported invoice language"):
        render_html(long_invoice(1), language=language)


def test_language_tags_are_accepted() -> None:
    assert '<html lang="en">' in render_html(long_invoice(1), language="en-GB")
    assert '<html lang="es">' in render_html(long_invoice(1), language="es_ES")


def test_html_preview_is_self_contained() -> None:
    html = render_html(rich_spanish_invoice())
    assert "<style>" in html and "@page" in html
    assert not re.search(r"(src|href)\s*=", html), "the preview must not reference resources"
    assert "url(" not in html


def test_fetcher_refuses_network_and_foreign_files() -> None:
    fetcher = _offline_fetcher()
    for url in ("http://example.com/logo.png", "https://example.com/x.css", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="Refused"):
            fetcher.fetch(url)
    response = fetcher.fetch("data:text/plain;base64,aG9sYQ==")
    assert response.read() == b"hola"


def test_amounts_are_printed_exactly_not_rounded() -> None:
    invoice = long_invoice(1)
    line = dataclasses.replace(invoice.lines[0], net_price=Decimal("0.123456"))
    text = pdf_text(render_pdf(dataclasses.replace(invoice, lines=(line,))))
    assert "0,123456" in text


def test_rendering_is_deterministic() -> None:
    first: Invoice = rich_spanish_invoice()
    assert render_html(first) == render_html(rich_spanish_invoice())
