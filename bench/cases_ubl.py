"""Benchmark cases for the UBL 2.1 / Peppol BIS Billing 3.0 format package.

The document is the CEN example ``ubl-tc434-example2.xml`` (a 5-line Norwegian invoice with
allowances, charges, attachments and several VAT rates): "parse+XSD" is what an inbound UBL
costs before business rules (hardened parse, detect, XSD validation, mapping to the canonical
model); "render Peppol BIS 3" writes it as Peppol BIS Billing 3.0.
"""

from __future__ import annotations

from bench import Case
from tests.corpus import samples

from einvoice.formats import ubl
from einvoice.xml import parse_bytes


def cases() -> list[Case]:
    [path] = [p for p in samples("ubl", "samples") if p.name == "ubl-tc434-example2.xml"]
    data = path.read_bytes()
    invoice = ubl.parse(parse_bytes(data), version="2.1").invoices[0]

    def parse_and_validate() -> object:
        tree = parse_bytes(data)
        found = ubl.detect(tree.getroot())
        assert found is not None
        violations = ubl.validate_schema(tree, found.version)
        assert not violations
        return ubl.parse(tree, version=found.version)

    def render() -> object:
        return ubl.render([invoice])

    note = f"{path.name}, {len(invoice.lines)} lines"
    return [
        Case("ubl", "parse+XSD", parse_and_validate, setup_note=note),
        Case("ubl", "render Peppol BIS 3", render, setup_note=note),
    ]
