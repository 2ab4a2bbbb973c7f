"""Benchmark cases for the UN/EDIFACT INVOIC format package and Factur-X PDFs.

EDIFACT: CEN's EN 16931 example ``EDIFACT_EXAMPLE1.TXT`` (20 lines, D14B): "parse+syntax" is
what an inbound interchange costs before business rules (tokenising, interchange checks,
mapping to the canonical model); "render" writes it as the EN 16931 profile (D16B) and as
EANCOM D96A.  The "big" rows do the same on a 5,000-line interchange (about 0.6 MB, built
from the example), with the tokenizer cache cleared on every call so each parse really cuts
the segments again (:mod:`einvoice.formats.edifact._tokens`).  Factur-X: taking the CII out
of a hybrid PDF ("extract"), and writing one
(PDF/A-3 layout plus the embedded CII).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from bench import Case
from tests.corpus import CORPUS

from einvoice.formats import edifact, facturx
from einvoice.formats.edifact import reader
from einvoice.model import Invoice
from einvoice.totals import compute

BIG_LINES = 5000


def _big(invoice: Invoice) -> Invoice:
    lines = tuple(
        dataclasses.replace(
            invoice.lines[i % len(invoice.lines)],
            id=str(i + 1),
            name=f"Artículo {i}",
            quantity=Decimal(1),
            net_amount=invoice.lines[i % len(invoice.lines)].net_price,
        )
        for i in range(BIG_LINES)
    )
    return compute(dataclasses.replace(invoice, lines=lines, allowances_charges=()))


def cases() -> list[Case]:
    path = CORPUS / "edifact" / "en16931" / "examples" / "EDIFACT_EXAMPLE1.TXT"
    data = path.read_bytes()
    invoice = edifact.parse_bytes(data).invoices[0]

    def parse_and_check() -> object:
        found = edifact.detect_bytes(data)
        assert found is not None
        assert not [v for v in edifact.validate_syntax(data) if v.is_fatal]
        return edifact.parse_bytes(data)

    def render_en() -> object:
        return edifact.render([invoice], version="D16B")

    def render_eancom() -> object:
        return edifact.render([invoice], version="D96A")

    big = _big(invoice)
    big_data = edifact.render([big], version="D16B")

    def parse_big() -> object:
        reader._tokenise.cache_clear()
        assert not [v for v in edifact.validate_syntax(big_data) if v.is_fatal]
        return edifact.parse_bytes(big_data)

    def render_big() -> object:
        return edifact.render([big], version="D16B")

    pdf_path = CORPUS / "facturx" / "samples" / "mustangproject" / "EN16931_1_Teilrechnung.pdf"
    pdf = pdf_path.read_bytes()

    def extract() -> object:
        return facturx.extract(pdf)

    def write_facturx() -> object:
        return facturx.render(invoice)

    note = f"{path.name}, {len(invoice.lines)} lines"
    big_note = f"{BIG_LINES} lines, {len(big_data) / 1e6:.1f} MB"
    return [
        Case("edifact", "parse+syntax", parse_and_check, setup_note=note),
        Case("edifact", "render D16B", render_en, setup_note=note),
        Case("edifact", "render D96A", render_eancom, setup_note=note),
        Case("edifact", "parse+syntax big", parse_big, setup_note=big_note),
        Case("edifact", "render D16B big", render_big, setup_note=big_note),
        Case("facturx", "extract CII", extract, setup_note=pdf_path.name),
        Case("facturx", "render PDF/A-3", write_facturx, setup_note=note),
    ]
