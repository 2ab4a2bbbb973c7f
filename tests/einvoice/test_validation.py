"""The inbound pipeline on the whole corpus, plus its contract (report shape, layers, options).

Every sample outside ``invalid/`` is a test case; its fatal findings must be exactly the
known defects listed here, each explained, so a regression (or a fixed bug) shows up.  Every
sample in ``invalid/`` must be rejected for the reason it was made invalid.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from tests.corpus import CORPUS, samples

from einvoice.errors import Layer, Severity
from einvoice.validation import official_artefacts, validate

VALID_SAMPLES = [
    p
    for p in samples("facturae", "samples")
    + samples("ubl", "samples")
    + samples("cii", "samples")
    + samples("peppol", "samples")
    if "invalid" not in p.relative_to(CORPUS).parts
]
INVALID_FACTURAE = samples("facturae", "samples", "invalid")

KNOWN_DEFECTS: dict[str, set[str]] = {
    # gobl writes InvoiceTotal *before* subtracting IRPF (5,080.92 instead of 4,480.62),
    # contrary to the Facturae XSD definition InvoiceTotal = TotalGrossAmountBeforeTaxes +
    # TotalTaxOutputs - TotalTaxesWithheld; its batch TotalOutstandingAmount (4,480.62)
    # then disagrees with that InvoiceTotal.
    "facturae/samples/gobl-facturae/invoice-vat-irpf.xml": {
        "ES-TOT-09", "ES-TOT-11", "ES-BATCH-03",
    },
    # Test NIF "K103179802" has ten characters; a Spanish NIF has nine.
    "facturae/samples/haltr/invoice_amounts_withheld.xml": {"ES-TAXID-01"},
    # The invoice-level TaxesOutputs says base 21.00 and tax 0.00 (base and tax swapped and
    # lost), while the line says base 100.00, tax 21.00 and TotalTaxOutputs 21.00.
    "facturae/samples/oca-l10n-spain/facturae_01.xsig": {"ES-TOT-05", "ES-TOT-07", "ES-TOT-12"},
    "facturae/samples/oca-l10n-spain/facturae_02.xsig": {"ES-TOT-05", "ES-TOT-07", "ES-TOT-12"},
    "facturae/samples/oca-l10n-spain/facturae_04.xsig": {"ES-TOT-05", "ES-TOT-07", "ES-TOT-12"},
    # Line 1 costs 25.00, less a 1.25 discount plus a 10.00 charge: GrossAmount 33.75; but
    # its IVA (and the invoice's) is computed on 25.00, so 8.75 of the 59.75 goes untaxed.
    # The official BR-S-08 finds the same (as a warning, Facturae being advisory there).
    "facturae/samples/omeuid/Facturae-3.2.1-valid.xml": {"ES-TOT-12"},
    "facturae/samples/omeuid/Facturae-3.2.2-valid.xml": {"ES-TOT-12"},
    "facturae/samples/haltr/invoice_gob_es.xml": {"ES-TOT-12"},
    # Placeholder tax IDs b99999999 and Q-2222222-I fail their check characters.
    "facturae/samples/omeuid/Facturae-3.1-firmada-real.xsig.xml": {"ES-TAXID-01", "ES-TAXID-02"},
    # Fictitious Swedish organisation number, refused by Peppol's format rule.
    "ubl/samples/en16931/issue116.xml": {"PEPPOL-COMMON-R049"},
    # OASIS UBL examples predate EN 16931: VAT category "AA", no BT-24, no totals.
    "ubl/samples/oasis-ubl21/UBL-CreditNote-2.1-Example.xml": {"UBL-VAT-CATEGORY"},
    "ubl/samples/oasis-ubl21/UBL-Invoice-2.1-Example.xml": {"UBL-VAT-CATEGORY"},
    "ubl/samples/oasis-ubl21/UBL-Invoice-2.1-Example-Trivial.xml": {
        "BR-01", "BR-04", "BR-05", "BR-06", "BR-07", "BR-08", "BR-10", "BR-12", "BR-13",
        "BR-14", "BR-22", "BR-23", "BR-25", "BR-26", "BR-27", "BR-CO-04", "BR-CO-10",
        "BR-CO-13", "BR-CO-16", "BR-CO-18", "BR-CO-26", "UBL-SR-48", "ES-TOT-02", "ES-TOT-11",
    },
    # The Greek national examples put AdditionalDocumentReference after the parties,
    # where the UBL 2.1 schema does not allow it.
    "peppol/samples/national/GR-base-example-TaxRepresentative.xml": {"XSD"},
    "peppol/samples/national/GR-base-example-correct.xml": {"XSD"},
}  # fmt: skip

INVALID_REASONS: dict[str, set[str]] = {
    "invalid/haltr/invoice_facturae32_issued2.xml": {"XSD", "FACTURAE-MISSING"},
    "invalid/haltr/invoice_facturae32_issued4.xml": {"XSD"},
    "invalid/omeuid/Facturae-3.2.2-esquema-invalido.xml": {"XSD", "FACTURAE-MISSING"},
    "invalid/omeuid/Facturae-3.2.2-nif-invalido.xml": {"ES-TAXID-01"},
    "invalid/omeuid/Facturae-3.2.2-totales-incorrectos.xml": {"ES-TOT-09"},
    "invalid/txerpa/KO_invoice_total.xml": {"ES-TOT-09", "ES-TOT-11", "ES-BATCH-02", "ES-BATCH-03"},
}  # fmt: skip
"""Why each invalid sample was made invalid (the rules that must reject it)."""

INHERITED: dict[str, set[str]] = {
    # Both are copies of omeuid/Facturae-3.2.2-valid.xml with one change, so they keep its
    # own defect (see KNOWN_DEFECTS) besides the one they were made for.
    "invalid/omeuid/Facturae-3.2.2-nif-invalido.xml": {"ES-TOT-12"},
    "invalid/omeuid/Facturae-3.2.2-totales-incorrectos.xml": {"ES-TOT-12"},
}


def _key(path: Path) -> str:
    return path.relative_to(CORPUS).as_posix()


def _fatal(path: Path) -> set[str]:
    report = validate(path.read_bytes(), filename=path.name)
    return {v.rule for v in report.all_violations() if v.is_fatal}


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=_key)
def test_corpus_sample_has_exactly_its_known_defects(path: Path) -> None:
    report = validate(path.read_bytes(), filename=path.name)
    assert report.format in {"facturae", "ubl", "cii"}
    fatal = {v.rule for v in report.all_violations() if v.is_fatal}
    assert fatal == KNOWN_DEFECTS.get(_key(path), set())
    assert report.ok == (not fatal)
    json.dumps(report.as_dict())  # always serialisable


def test_known_defects_list_only_existing_samples() -> None:
    assert set(KNOWN_DEFECTS) <= {_key(p) for p in VALID_SAMPLES}


@pytest.mark.parametrize("path", INVALID_FACTURAE, ids=_key)
def test_invalid_facturae_is_rejected_for_the_right_reason(path: Path) -> None:
    relative = path.relative_to(CORPUS / "facturae" / "samples").as_posix()
    assert relative in INVALID_REASONS, "classify the new invalid sample in INVALID_REASONS"
    assert _fatal(path) == INVALID_REASONS[relative] | INHERITED.get(relative, set())


def test_invalid_nif_sample_names_the_tax_id() -> None:
    path = CORPUS / "facturae/samples/invalid/omeuid/Facturae-3.2.2-nif-invalido.xml"
    report = validate(path.read_bytes())
    (violation,) = [v for v in report.all_violations() if v.rule == "ES-TAXID-01"]
    assert "B28015866" in violation.message and "B28015866" in violation.message_es
    assert violation.layer is Layer.SPAIN


def test_schema_invalid_document_gets_no_business_rules() -> None:
    path = CORPUS / "facturae/samples/invalid/omeuid/Facturae-3.2.2-esquema-invalido.xml"
    report = validate(path.read_bytes())
    layers = {v.layer for v in report.all_violations()}
    assert layers <= {Layer.SCHEMA, Layer.XML}
    assert report.format == "facturae" and report.version == "3.2.2"


def test_batch_reports_each_invoice() -> None:
    path = CORPUS / "facturae/samples/omeuid/Facturae-3.2.2-lote-valid.xml"
    report = validate(path.read_bytes(), filename=path.name)
    assert report.ok and report.document is not None
    assert [r.index for r in report.invoices] == [0, 1]
    assert all(r.number for r in report.invoices)
    assert len({r.number for r in report.invoices}) == 2
    data = report.as_dict()
    assert data["ok"] is True and len(data["invoices"]) == 2  # type: ignore[arg-type]


def test_signed_flag() -> None:
    signed = CORPUS / "facturae/samples/oca-l10n-spain/facturae_01.xsig"
    unsigned = CORPUS / "facturae/samples/omeuid/Facturae-3.2.2-valid.xml"
    assert validate(signed.read_bytes(), official=False).signed
    assert not validate(unsigned.read_bytes(), official=False).signed


def test_facturae_official_findings_are_warnings_located_by_business_terms() -> None:
    path = CORPUS / "facturae/samples/omeuid/Facturae-3.2.2-valid.xml"
    report = validate(path.read_bytes())
    official = [v for v in report.all_violations() if v.layer is Layer.EN16931]
    assert official, "the EN 16931 rules ran on the Facturae content"
    for v in official:
        assert v.severity is Severity.WARNING
        assert v.line is None
        assert re.fullmatch(r"(B[TG]-\d+)(, B[TG]-\d+)*", v.location), v.location


def test_facturae_terms_ubl_cannot_carry_are_conversion_warnings() -> None:
    # Its general surcharge has no reason, which EN 16931 requires (BR-38): the UBL the
    # rules would run on cannot be written, so they do not run and the report says so.
    path = CORPUS / "facturae/samples/gobl-facturae/invoice-vat-irpf.xml"
    report = validate(path.read_bytes())
    conversion = [v for v in report.all_violations() if v.layer is Layer.CONVERSION]
    assert conversion and all(v.severity is Severity.WARNING for v in conversion)
    assert all(v.invoice is None for v in conversion)  # a single invoice, not a batch
    assert report.as_dict()["official_rules"] is False


def test_official_rules_flag_is_true_only_when_they_ran() -> None:
    ran = validate((CORPUS / "facturae/samples/txerpa/xml_v3_2_2.xml").read_bytes())
    assert ran.as_dict()["official_rules"] is True
    assert validate(_broken_ubl()).as_dict()["official_rules"] is True
    # Schema-invalid: the pipeline stops before the rules.
    invalid = CORPUS / "facturae/samples/invalid/omeuid/Facturae-3.2.2-esquema-invalido.xml"
    assert validate(invalid.read_bytes()).as_dict()["official_rules"] is False
    # Not XML at all.
    assert validate(b"not xml").as_dict()["official_rules"] is False


def _broken_ubl() -> bytes:
    data = (CORPUS / "ubl/samples/en16931/ubl-tc434-example1.xml").read_bytes()
    return re.sub(rb"(<cbc:PayableAmount[^>]*>)[^<]*<", rb"\g<1>99999.99<", data, count=1)


def test_official_rules_are_optional() -> None:
    full = validate(_broken_ubl())
    quick = validate(_broken_ubl(), official=False)
    assert "BR-CO-16" in {v.rule for v in full.all_violations()}
    assert not any(v.layer in {Layer.EN16931, Layer.PEPPOL} for v in quick.all_violations())
    assert "ES-TOT-11" in {v.rule for v in quick.all_violations()}
    assert not full.ok and not quick.ok
    assert quick.as_dict()["official_rules"] is False


def test_official_violations_have_source_lines_for_ubl() -> None:
    report = validate(_broken_ubl())
    co16 = next(v for v in report.all_violations() if v.rule == "BR-CO-16")
    assert co16.line is not None and co16.invoice is None


def test_peppol_rules_run_only_for_peppol_documents() -> None:
    from einvoice import formats
    from einvoice.xml import parse_bytes

    def artefacts(path: Path) -> tuple[str, ...]:
        tree = parse_bytes(path.read_bytes())
        return official_artefacts(formats.detect_tree(tree), tree)

    assert artefacts(CORPUS / "peppol/samples/base-example.xml") == ("cen-ubl", "peppol-ubl")
    assert artefacts(CORPUS / "ubl/samples/en16931/ubl-tc434-example1.xml") == ("cen-ubl",)
    assert artefacts(CORPUS / "cii/samples/en16931/CII_example1.xml") == ("cen-cii",)
    assert artefacts(CORPUS / "facturae/samples/omeuid/Facturae-3.2.2-valid.xml") == ()


def test_issue_date_in_the_future_uses_today() -> None:
    path = CORPUS / "facturae/samples/omeuid/Facturae-3.2.2-valid.xml"
    long_ago = dt.date(2000, 1, 1)
    report = validate(path.read_bytes(), official=False, today=long_ago)
    assert "ES-DATE-04" in {v.rule for v in report.all_violations()}
