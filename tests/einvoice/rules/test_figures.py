"""Official arithmetic findings carry the figures, and findings about efactura's conversion
say so instead of blaming the user's file."""

from __future__ import annotations

from tests.corpus import CORPUS

from einvoice.validation import validate

CII = (CORPUS / "cii/samples/en16931/CII_example1.xml").read_bytes()


def test_broken_total_names_the_stated_and_expected_amounts() -> None:
    # The last LineTotalAmount is the document's BT-106 (the others are line amounts).
    head, _, tail = CII.rpartition(b"<ram:LineTotalAmount>")
    broken = head + b"<ram:LineTotalAmount>999.99" + tail[tail.index(b"</ram:") :]
    report = validate(broken, filename="broken.xml")
    [finding] = [v for v in report.all_violations() if v.rule == "BR-CO-10"]
    assert "BT-106 = 999.99" in finding.message
    assert "the rule expects" in finding.message and "difference" in finding.message
    assert "BT-106 = 999.99" in finding.message_es and "diferencia" in finding.message_es
    assert "suman" in finding.message_es


def test_findings_on_a_facturae_invoice_are_about_its_conversion() -> None:
    path = CORPUS / "facturae/extensions/samples/derived-faceb2b-v1_1.xml"
    report = validate(path.read_bytes(), filename=path.name)
    official = [v for v in report.all_violations() if v.layer.value == "en16931"]
    assert official, "this sample has EN 16931 findings in its UBL form"
    for finding in official:
        assert not finding.is_fatal
        assert finding.message.startswith("In the EN 16931 form of this invoice")
        assert finding.message_es.startswith("En la forma EN 16931 de esta factura")
    [vat_base] = [v for v in official if v.rule == "BR-S-08"]
    assert "Figures in EUR: S " in vat_base.message and "Cifras en EUR: S " in vat_base.message_es
