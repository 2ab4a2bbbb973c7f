"""Benchmark cases for the UN/EDIFACT INVOIC format package and Factur-X PDFs.

EDIFACT: CEN's EN 16931 example ``EDIFACT_EXAMPLE1.TXT`` (20 lines, D14B): "parse+syntax" is
what an inbound interchange costs before business rules (tokenising, interchange checks,
mapping to the canonical model); "render" writes it as the EN 16931 profile (D16B) and as
EANCOM D96A.  Factur-X: taking the CII out of a hybrid PDF ("extract"), and writing one
(PDF/A-3 layout plus the embedded CII).
"""

from __future__ import annotations

from bench import Case
from tests.corpus import CORPUS

from einvoice.formats import edifact, facturx


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

    pdf_path = CORPUS / "facturx" / "samples" / "mustangproject" / "EN16931_1_Teilrechnung.pdf"
    pdf = pdf_path.read_bytes()

    def extract() -> object:
        return facturx.extract(pdf)

    def write_facturx() -> object:
        return facturx.render(invoice)

    note = f"{path.name}, {len(invoice.lines)} lines"
    return [
        Case("edifact", "parse+syntax", parse_and_check, setup_note=note),
        Case("edifact", "render D16B", render_en, setup_note=note),
        Case("edifact", "render D96A", render_eancom, setup_note=note),
        Case("facturx", "extract CII", extract, setup_note=pdf_path.name),
        Case("facturx", "render PDF/A-3", write_facturx, setup_note=note),
    ]
