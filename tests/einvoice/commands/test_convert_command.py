"""``efactura convert``: one file per invoice, nothing written for what cannot convert."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest
from tests.corpus import CORPUS

from einvoice import formats
from einvoice.commands import convert as command
from einvoice.validation import validate

BATCH = CORPUS / "facturae/samples/omeuid/Facturae-3.2.2-lote-valid.xml"
SINGLE = CORPUS / "facturae/samples/txerpa/xml_v3_2_2.xml"
SOURCE_FAULT = CORPUS / "facturae/samples/omeuid/Facturae-3.2.2-valid.xml"
"""Its IVA 16 % base leaves out a line discount and charge: the converted UBL/CII fails
BR-S-08, a fault of the source that no converter can repair."""
NO_BUYER_TAX_ID = CORPUS / "cii/samples/en16931/CII_example1.xml"
ROOT = Path(__file__).resolve().parents[3]


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="efactura")
    command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["convert", *argv])
    status: int = args.func(args)
    return status


def test_output_names() -> None:
    assert command.output_name(Path("a/f.xml"), "ubl", 0, 1) == "f.ubl.xml"
    assert command.output_name(Path("lote.xsig"), "cii", 1, 3) == "lote-2.cii.xml"


def test_batch_becomes_one_file_per_invoice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--to", "ubl", "--out-dir", str(tmp_path), str(BATCH), "--lang", "en") == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["Facturae-3.2.2-lote-valid-1.ubl.xml", "Facturae-3.2.2-lote-valid-2.ubl.xml"]
    source = formats.parse(BATCH.read_bytes())
    for index, name in enumerate(names):
        report = validate((tmp_path / name).read_bytes(), official=False)
        assert report.format == "ubl"
        assert not [v for v in report.violations if v.layer.value == "schema"]
        assert report.document is not None
        converted = report.document.invoices[0]
        original = source.invoices[index]
        assert converted.full_number == original.full_number
        assert converted.totals.payable == original.totals.payable
    assert "2 invoice(s) converted, 0 failed." in capsys.readouterr().out


def test_missing_terms_are_named_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run("--to", "facturae", "--out-dir", str(tmp_path), str(NO_BUYER_TAX_ID), "--lang", "en")
        == 1
    )
    out = capsys.readouterr().out
    assert "NOT converted to facturae" in out and "BT-48" in out
    assert list(tmp_path.iterdir()) == []


def test_mixed_success_exits_one_but_writes_the_good_ones(tmp_path: Path) -> None:
    out_dir = tmp_path / "new" / "dir"
    assert run("--to", "ubl", "--out-dir", str(out_dir), str(SINGLE), str(SOURCE_FAULT)) == 1
    assert [p.name for p in out_dir.iterdir()] == ["xml_v3_2_2.ubl.xml"]


def test_unusable_source_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = CORPUS / "facturae/samples/invalid/omeuid/Facturae-3.2.2-esquema-invalido.xml"
    assert run("--to", "ubl", "--out-dir", str(tmp_path / "o"), str(bad), "--lang", "es") == 1
    out = capsys.readouterr().out
    assert "no es una factura válida" in out and "XSD" in out
    assert list((tmp_path / "o").iterdir()) == []


def test_runs_as_a_module(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "einvoice.commands.convert", "--to", "cii",
         "--out-dir", str(tmp_path), str(SINGLE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    written = tmp_path / "xml_v3_2_2.cii.xml"
    assert validate(written.read_bytes(), official=False).format == "cii"


@pytest.mark.parametrize("target", ["ubl", "cii"])
def test_output_failing_the_official_rules_is_refused_with_their_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    status = run("--to", target, "--out-dir", str(tmp_path), str(SOURCE_FAULT), "--lang", "en")
    assert status == 1
    out = capsys.readouterr().out
    assert "NOT written" in out and "BR-S-08" in out and "--force" in out
    assert list(tmp_path.iterdir()) == []


def test_force_writes_with_a_warning_naming_the_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ("--to", "ubl", "--out-dir", str(tmp_path), str(SOURCE_FAULT), "--force")
    assert run(*argv, "--lang", "es") == 0
    out = capsys.readouterr().out
    assert "AVISO" in out and "BR-S-08" in out
    written = tmp_path / "Facturae-3.2.2-valid.ubl.xml"
    # What was written is exactly what validate rejects, and says so.
    report = validate(written.read_bytes())
    assert not report.ok and "BR-S-08" in {v.rule for v in report.all_violations()}


def test_every_written_file_passes_validate(tmp_path: Path) -> None:
    for target in ("ubl", "cii", "facturae"):
        assert run("--to", target, "--out-dir", str(tmp_path / target), str(SINGLE)) == 0
        [written] = (tmp_path / target).iterdir()
        report = validate(written.read_bytes())
        assert report.ok, [v.rule for v in report.all_violations() if v.is_fatal]
        assert report.official is True
