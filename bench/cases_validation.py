"""Benchmark cases for the validation pipeline (``einvoice.validation``) and its steps.

Rows ``validate / full (official rules) <format>`` and ``validate / structure only <format>``
run the whole pipeline on one real sample per format; the ``validate step`` rows split the
cost of the full run of the UBL sample into its parts, to show where the time goes.
"""

from __future__ import annotations

from collections.abc import Callable

from bench import Case
from lxml import etree
from tests.corpus import CORPUS

from einvoice import formats
from einvoice.rules import official, spain
from einvoice.validation import validate
from einvoice.xml import parse_bytes

SAMPLES = {
    "facturae": CORPUS / "facturae/samples/omeuid/Facturae-3.2.2-valid.xml",
    "ubl": CORPUS / "peppol/samples/base-example.xml",
    "cii": CORPUS / "cii/samples/en16931/CII_example1.xml",
}
BATCH = CORPUS / "facturae/samples/omeuid/Facturae-3.2.2-lote-valid.xml"


def cases() -> list[Case]:
    out: list[Case] = []
    for name, path in SAMPLES.items():
        data = path.read_bytes()
        out.append(Case("validate", f"full (official rules) {name}", lambda d=data: validate(d)))
    for name, path in SAMPLES.items():
        data = path.read_bytes()
        out.append(
            Case(
                "validate",
                f"structure only {name}",
                lambda d=data: validate(d, official=False),
            )
        )
    batch = BATCH.read_bytes()
    out.append(
        Case(
            "validate",
            "full (official rules) facturae batch of 2",
            lambda: validate(batch),
            units=2,
            unit="invoices",
        )
    )

    # Where the time of "full ubl" goes (Peppol sample: CEN + Peppol artefacts).
    data = SAMPLES["ubl"].read_bytes()
    tree = parse_bytes(data)
    detected = formats.detect_tree(tree)
    module = formats.get(detected.format)
    document = module.parse(tree, version=detected.version)
    text = etree.tostring(tree, encoding="unicode")
    runtime = official._runtime()
    executable = runtime.executable(official.ARTEFACTS["cen-ubl"])
    sdoc = runtime.processor.parse_xml(xml_text=text)
    steps: list[tuple[str, Callable[[], object]]] = [
        ("hardened parse + detect (ubl)", lambda: formats.detect_tree(parse_bytes(data))),
        ("XSD (ubl)", lambda: module.validate_schema(tree, detected.version)),
        ("parse to model (ubl)", lambda: module.parse(tree, version=detected.version)),
        ("lxml tree -> text for Saxon", lambda: etree.tostring(tree, encoding="unicode")),
        ("Saxon parse_xml(text)", lambda: runtime.processor.parse_xml(xml_text=text)),
        ("cen-ubl transform to value", lambda: executable.transform_to_value(xdm_node=sdoc)),
        ("cen-ubl transform to string", lambda: executable.transform_to_string(xdm_node=sdoc)),
        ("official.check cen-ubl (tree)", lambda: official.check(tree, "cen-ubl")),
        ("official.check cen-ubl (bytes)", lambda: official.check(data, "cen-ubl")),
        ("official.check peppol-ubl (tree)", lambda: official.check(tree, "peppol-ubl")),
        ("spanish rules (ubl)", lambda: spain.check_document(document)),
    ]
    out.extend(Case("validate step", name, fn) for name, fn in steps)
    return out
