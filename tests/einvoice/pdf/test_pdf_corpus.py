"""Every readable corpus invoice prints: real Facturae files (and EN 16931 / Peppol examples)
are parsed into the canonical model, rendered to PDF and read back.

A new sample file in the corpus becomes a new test case automatically.  Invalid samples are
left out: they are the parsers' business, not the printer's.
"""

from __future__ import annotations

import importlib
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.corpus import CORPUS, samples

from einvoice.formats import parse
from einvoice.model import Invoice, VatCategory
from einvoice.pdf import formatting as fmt
from einvoice.pdf import render_pdf
from einvoice.pdf.html import legal_mentions


def _valid(paths: list[Path]) -> list[Path]:
    return [p for p in paths if "invalid" not in p.relative_to(CORPUS).parts]


FACTURAE = _valid(samples("facturae", "samples"))
EN16931 = _valid(
    samples("ubl", "samples", "en16931")
    + samples("cii", "samples", "en16931")
    + samples("peppol", "samples")
)


def _parse_or_skip(path: Path, fmt_name: str) -> list[Invoice]:
    """Parse a sample; skip only while the format package has no parser yet."""
    try:
        module = importlib.import_module(f"einvoice.formats.{fmt_name}")
    except ImportError:
        pytest.skip(f"einvoice.formats.{fmt_name} is not written yet")
    if not hasattr(module, "parse"):
        pytest.skip(f"einvoice.formats.{fmt_name} has no parse() yet")
    return list(parse(path.read_bytes(), filename=path.name).invoices)


def _squeeze(text: str) -> str:
    """Text without any whitespace: values may wrap anywhere on paper."""
    return re.sub(r"\s+", "", text.replace("\u00a0", " "))


def _check_printed(invoice: Invoice, pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    pages = [page.extract_text() for page in reader.pages]
    text = _squeeze(" ".join(pages))
    assert _squeeze(invoice.full_number) in text
    for party in (invoice.seller, invoice.buyer):
        if party.tax_id:
            tax_id = _squeeze(party.tax_id)
            assert tax_id in text or tax_id.removeprefix("ES") in text, party.tax_id
        assert _squeeze(party.full_name) in text
    currency = invoice.currency or "EUR"
    assert _squeeze(fmt.money(invoice.totals.payable, currency, "es")) in text
    for row in invoice.vat_breakdown:
        assert _squeeze(fmt.amount(row.taxable_amount, "es")) in text
        assert _squeeze(fmt.amount(row.tax_amount, "es")) in text
    if any(r.category is VatCategory.REVERSE_CHARGE for r in invoice.vat_breakdown):
        assert _squeeze("Inversión del sujeto pasivo") in text
    for es_text, _en in legal_mentions(invoice):
        assert _squeeze(es_text) in text
    for literal in invoice.legal_literals:
        assert _squeeze(literal) in text
    for line in invoice.lines:
        assert _squeeze(line.name) in text
    for number, page in enumerate(pages, start=1):
        assert f"Página {number} de {len(pages)}" in page.replace("\u00a0", " ")


@pytest.mark.parametrize("path", FACTURAE, ids=lambda p: str(p.relative_to(CORPUS)))
def test_facturae_sample_prints(path: Path) -> None:
    for invoice in _parse_or_skip(path, "facturae"):
        _check_printed(invoice, render_pdf(invoice))


@pytest.mark.slow
@pytest.mark.parametrize("path", EN16931, ids=lambda p: str(p.relative_to(CORPUS)))
def test_en16931_sample_prints(path: Path) -> None:
    name = "cii" if "/cii/" in path.as_posix() or path.name.startswith("CII") else "ubl"
    for invoice in _parse_or_skip(path, name):
        _check_printed(invoice, render_pdf(invoice))


def test_corpus_is_there() -> None:
    """The corpus folders exist: an empty parametrisation would silently test nothing."""
    assert FACTURAE, f"no Facturae samples under {CORPUS}"
    assert EN16931
