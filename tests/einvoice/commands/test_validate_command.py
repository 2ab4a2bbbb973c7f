"""``efactura validate``: through argparse as ``efactura`` calls it, and as ``python -m``."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.corpus import CORPUS

from einvoice.commands import validate as command

GOOD = CORPUS / "facturae/samples/omeuid/Facturae-3.2.2-lote-valid.xml"
BAD_TOTALS = CORPUS / "facturae/samples/invalid/txerpa/KO_invoice_total.xml"
BAD_NIF = CORPUS / "facturae/samples/invalid/omeuid/Facturae-3.2.2-nif-invalido.xml"
UBL = CORPUS / "ubl/samples/en16931/ubl-tc434-example1.xml"
ROOT = Path(__file__).resolve().parents[3]


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="efactura")
    command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["validate", *argv])
    status: int = args.func(args)
    return status


def test_valid_batch_exits_zero_and_lists_each_invoice(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(GOOD), "--lang", "en") == 0
    out = capsys.readouterr().out
    assert "facturae 3.2.2" in out
    assert "Invoice A1: OK" in out and "Invoice A2: OK" in out
    assert "1 file(s): 1 valid, 0 with errors" in out


def test_any_fatal_makes_the_exit_status_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(GOOD), str(BAD_NIF), "--lang", "en") == 1
    out = capsys.readouterr().out
    assert "Invoice A1: REJECTED" in out
    assert "ERROR    ES-TAXID-01 [BT-31]" in out
    assert "B28015866" in out
    assert "2 file(s): 1 valid, 1 with errors" in out


def test_spanish_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(BAD_TOTALS), "--lang", "es") == 1
    out = capsys.readouterr().out
    assert "ERROR    ES-TOT-09" in out and "el total con impuestos" in out
    assert "ES-BATCH-02" in out
    assert "con errores" in out


def test_official_violations_show_the_source_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = UBL.read_bytes().replace(b">250.33</cbc:PayableAmount>", b">1.00</cbc:PayableAmount>")
    assert broken != UBL.read_bytes()
    path = tmp_path / "broken.xml"
    path.write_bytes(broken)
    assert run(str(path), "--lang", "en") == 1
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "BR-CO-16" in x)
    assert ", line " in line and "/Invoice" in line


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(GOOD), str(BAD_TOTALS), "--json") == 1
    data = json.loads(capsys.readouterr().out)
    assert [d["ok"] for d in data] == [True, False]
    assert data[0]["format"] == "facturae" and len(data[0]["invoices"]) == 2
    rules = {v["rule"] for v in data[1]["invoices"][0]["violations"]}
    assert {"ES-TOT-09", "ES-TOT-11"} <= rules
    assert {v["rule"] for v in data[1]["violations"]} == {"ES-BATCH-02", "ES-BATCH-03"}


def test_no_official_skips_the_official_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(BAD_TOTALS), "--json", "--no-official") == 1
    data = json.loads(capsys.readouterr().out)
    layers = {v["layer"] for inv in data[0]["invoices"] for v in inv["violations"]}
    assert layers == {"es"}
    assert data[0]["official_rules"] is False


def test_missing_file_and_hostile_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    hostile = tmp_path / "xxe.xml"
    hostile.write_bytes(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    assert run(str(tmp_path / "nope.xml"), str(hostile), "--lang", "en") == 1
    out = capsys.readouterr().out
    assert "FILE-READ" in out and "XML-DTD" in out
    assert "not recognised" in out


def test_size_cap_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(str(GOOD), "--max-bytes", "500", "--lang", "en") == 1
    assert "XML-SIZE" in capsys.readouterr().out


def test_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "einvoice.commands.validate", str(GOOD), str(BAD_NIF), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert [d["ok"] for d in data] == [True, False]
