"""Factur-X / ZUGFeRD hybrid PDFs: the embedded CII read from every sample, and written back."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from tests.corpus import CORPUS

from einvoice import formats
from einvoice.commands import convert as command
from einvoice.formats import facturx
from einvoice.validation import validate

SAMPLES = sorted((CORPUS / "facturx" / "samples" / "mustangproject").glob("*.pdf"))
EDIFACT_SAMPLE = Path(__file__).resolve().parent / "edifact_samples" / "aecoc_d96a_recargo.edi"


def _embedded(pdf: Path) -> bytes:
    [twin] = pdf.parent.glob(f"{pdf.stem}.embedded-*")
    return twin.read_bytes()


def test_the_samples_are_there() -> None:
    assert len(SAMPLES) >= 5


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_embedded_invoice_is_extracted_exactly(path: Path) -> None:
    name, xml = facturx.extract(path.read_bytes())
    assert name in facturx.ATTACHMENT_NAMES
    assert xml == _embedded(path)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_hybrid_pdf_goes_through_the_cii_pipeline(path: Path) -> None:
    report = validate(path.read_bytes(), filename=path.name, official=False)
    assert report.container == "facturx"
    assert report.as_dict()["container"] == "facturx"
    assert "XML-MALFORMED" not in {v.rule for v in report.all_violations()}
    if path.name == "zugferd_invoice.pdf":
        # ZUGFeRD 1.0 carries the older CrossIndustryDocument, not CII D16B.
        assert [v.rule for v in report.violations] == ["PDF-ZUGFERD1"]
        assert "ZUGFeRD 2" in report.violations[0].message_es
        return
    assert report.format == "cii"
    assert report.document is not None
    xml_report = validate(_embedded(path), filename=path.name, official=False)
    assert report.document == xml_report.document


def _plain_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (_plain_pdf(), "PDF-NO-INVOICE"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "PDF-UNREADABLE"),
        (b"%PDF-", "PDF-UNREADABLE"),
    ],
    ids=["plain-pdf", "damaged", "truncated"],
)
def test_pdf_without_invoice_gets_a_clear_bilingual_error(data: bytes, rule: str) -> None:
    report = validate(data, filename="scan.pdf")
    assert not report.ok
    [violation] = report.violations
    assert violation.rule == rule
    assert violation.message and violation.message_es
    assert "scan.pdf" in violation.message


def test_written_facturx_is_pdf_a3_with_the_cii_of_the_invoice() -> None:
    (invoice,) = formats.parse(EDIFACT_SAMPLE.read_bytes()).invoices
    pdf = facturx.render(invoice)
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.xmp_metadata
    assert xmp is not None
    metadata = xmp.stream.get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in metadata
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in metadata
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in metadata
    name, cii = facturx.extract(pdf)
    assert name == "factur-x.xml"
    assert cii == formats.render("cii", [invoice])
    text = "".join(page.extract_text() for page in reader.pages)
    assert invoice.full_number in text


def _convert(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="efactura")
    command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["convert", *argv])
    status: int = args.func(args)
    return status


def test_convert_writes_facturx_and_edifact(tmp_path: Path) -> None:
    source = CORPUS / "facturae/samples/omeuid/Facturae-3.2.2-valid.xml"
    # The source's own IVA base breaks BR-S-08 (SOURCE_FAULTS in test_conversions.py), so
    # convert refuses it unless forced; forced, it writes the file with a warning.
    assert _convert("--to", "facturx", "--out-dir", str(tmp_path), str(source)) == 1
    assert _convert("--to", "facturx", "--out-dir", str(tmp_path), str(source), "--force") == 0
    assert _convert("--to", "edifact", "--out-dir", str(tmp_path), str(source), "--force") == 0
    assert (
        _convert(
            "--force",
            "--to",
            "edifact",
            "--edifact-directory",
            "D96A",
            "--out-dir",
            str(tmp_path / "d96a"),
            str(source),
        )
        == 0
    )
    (original,) = formats.parse(source.read_bytes()).invoices
    pdf = (tmp_path / "Facturae-3.2.2-valid.facturx.pdf").read_bytes()
    pdf_report = validate(pdf, official=False)
    assert pdf_report.container == "facturx" and pdf_report.document is not None
    assert pdf_report.document.invoices[0].totals.payable == original.totals.payable
    for path, version in (
        (tmp_path / "Facturae-3.2.2-valid.edifact.edi", "D14B"),
        (tmp_path / "d96a" / "Facturae-3.2.2-valid.edifact.edi", "D96A"),
    ):
        report = validate(path.read_bytes(), official=False)
        assert (report.format, report.version) == ("edifact", version)
        assert report.document is not None
        assert report.document.invoices[0].totals.payable == original.totals.payable
    # And back: an EDIFACT file converts to every XML syntax.
    for target in ("ubl", "cii", "facturae"):
        assert _convert("--to", target, "--out-dir", str(tmp_path), str(EDIFACT_SAMPLE)) == 0
