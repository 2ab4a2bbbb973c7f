"""The invoice page previews its PDF in a frame; a two-line invoice's PDF is one A4 page."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from tests.efactura.web.test_invoices_pages import _client, form_data, world  # noqa: F401

from efactura.invoices import services
from efactura.invoices.models import Invoice

pytestmark = pytest.mark.django_db

TWO_LINES = [
    {
        "name": "Café en grano natural, saco 1 kg",
        "quantity": "12",
        "price": "18.40",
        "tax": "IVA-10",
    },
    {"name": "Transporte y entrega", "quantity": "1", "price": "35.00", "tax": "IVA-21"},
]


def _two_line_invoice(client: Any, world: dict[str, Any]) -> Invoice:  # noqa: F811
    c = _client(client, world["seller_user"])
    response = c.post(reverse("web:invoice_new"), form_data(TWO_LINES))
    assert response.status_code == 302, response.content.decode()[:2000]
    invoice = Invoice.objects.get()
    services.do_accept_invoice(invoice=invoice, actor=world["buyer_user"], company=world["buyer"])
    return invoice


def test_invoice_page_frames_its_pdf(client: Any, world: dict[str, Any]) -> None:  # noqa: F811
    invoice = _two_line_invoice(client, world)
    page = client.get(reverse("web:invoice", args=[invoice.pk])).content.decode()
    preview = reverse("web:invoice_download", args=[invoice.pk, "pdf"]) + "?inline=1"
    assert f'<iframe class="pdf-preview" src="{preview}"' in page
    inline = client.get(preview)
    assert inline["Content-Type"] == "application/pdf"
    assert inline["Content-Disposition"].startswith("inline;")
    assert inline["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in inline["Content-Security-Policy"]
    # The download stays a download that no other site may frame.
    download = client.get(reverse("web:invoice_download", args=[invoice.pk, "pdf"]))
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Frame-Options"] == "DENY"


@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils missing")
def test_two_line_invoice_fits_one_page(
    client: Any,
    world: dict[str, Any],  # noqa: F811
    tmp_path: Path,
) -> None:
    invoice = _two_line_invoice(client, world)
    for language in ("es", "en"):
        pdf = client.get(
            reverse("web:invoice_download", args=[invoice.pk, "pdf"]),
            HTTP_ACCEPT_LANGUAGE=language,
        ).content
        path = tmp_path / f"two-lines-{language}.pdf"
        path.write_bytes(pdf)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        pages = [line.split()[-1] for line in info.stdout.splitlines() if line.startswith("Pages:")]
        assert pages == ["1"], (language, info.stdout)
        # And the page is drawn (pdftoppm renders it as an image a person can look at).
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / language)], check=True
        )
        assert (tmp_path / f"{language}-1.png").stat().st_size > 1000
