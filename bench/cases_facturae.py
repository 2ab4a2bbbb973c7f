"""Benchmark cases for the Facturae package: read (hardened parse + XSD + mapping) and write.

Each case handles one document per call, taken from the shared corpus: a plain invoice, a
signed one (XAdES adds XSD work for the signature block) and a two-invoice batch.
"""

from __future__ import annotations

from pathlib import Path

from bench import Case
from tests.corpus import CORPUS

from einvoice.formats import facturae
from einvoice.xml import parse_bytes

SAMPLES = CORPUS / "facturae" / "samples"

READ = (
    "omeuid/Facturae-3.2.2-valid.xml",
    "gobl-facturae/invoice-face.xml",
    "omeuid/Facturae-3.2.2-lote-valid.xml",
)


def _read_case(relative: str) -> Case:
    data = (SAMPLES / relative).read_bytes()

    def run() -> object:
        tree = parse_bytes(data)
        found = facturae.detect(tree.getroot())
        assert found is not None
        if facturae.validate_schema(tree, found.version):
            raise AssertionError(f"{relative} is not schema-valid")
        return facturae.parse(tree, version=found.version)

    return Case("facturae", f"parse+XSD ({Path(relative).name})", run)


def _render_case() -> Case:
    tree = parse_bytes((SAMPLES / READ[0]).read_bytes())
    invoices = facturae.parse(tree, version="3.2.2").invoices

    def run() -> object:
        return facturae.render(invoices)

    return Case("facturae", "render 3.2.2 (includes XSD self-check)", run)


def cases() -> list[Case]:
    if not SAMPLES.is_dir():
        return []
    return [*(_read_case(r) for r in READ), _render_case()]
