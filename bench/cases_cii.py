"""Benchmark cases for the CII D16B format package.

The document is the CEN example ``CII_example1.xml`` (20 lines, typical of a wholesale
invoice): "parse+XSD" is what an inbound CII costs before business rules (hardened parse,
detect, XSD validation, mapping to the canonical model); "render" writes it back.
"""

from __future__ import annotations

from bench import Case
from tests.corpus import samples

from einvoice.formats import cii
from einvoice.xml import parse_bytes


def cases() -> list[Case]:
    [path] = [p for p in samples("cii", "samples") if p.name == "CII_example1.xml"]
    data = path.read_bytes()
    invoice = cii.parse(parse_bytes(data), version="D16B").invoices[0]

    def parse_and_validate() -> object:
        tree = parse_bytes(data)
        found = cii.detect(tree.getroot())
        assert found is not None
        violations = cii.validate_schema(tree, found.version)
        assert not violations
        return cii.parse(tree, version=found.version)

    def render() -> object:
        return cii.render([invoice])

    note = f"{path.name}, {len(invoice.lines)} lines"
    return [
        Case("cii", "parse+XSD", parse_and_validate, setup_note=note),
        Case("cii", "render", render, setup_note=note),
    ]
