"""Benchmark cases for the invoice PDF (WeasyPrint) and its HTML preview."""

from __future__ import annotations

from bench import Case
from tests.einvoice.pdf.builders import long_invoice, rich_spanish_invoice

from einvoice.pdf import render_html, render_pdf


def cases() -> list[Case]:
    ten = long_invoice(10)
    rich = rich_spanish_invoice()
    long = long_invoice(150)
    return [
        Case("pdf", "render (10 lines)", lambda: render_pdf(ten)),
        Case("pdf", "render rich corrective (4 lines, 2 pages)", lambda: render_pdf(rich)),
        Case("pdf", "render (150 lines, 10 pages)", lambda: render_pdf(long)),
        Case("pdf", "html preview (10 lines)", lambda: render_html(ten)),
    ]
