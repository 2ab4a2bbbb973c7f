"""Tests for the ``efactura sign`` and ``efactura verify`` sub-commands."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.einvoice.signing.signing_samples import (
    FACTURAE_SAMPLES,
    UNSIGNED_322,
    Identity,
    read_index,
)

from einvoice.commands import sign as sign_command
from einvoice.commands import verify as verify_command
from einvoice.signing import SignatureStatus, to_pkcs12, verify

PASSWORD = "correct horse"


@pytest.fixture
def p12(tmp_path: Path, seller: Identity) -> Path:
    path = tmp_path / "seal.p12"
    path.write_bytes(to_pkcs12(seller.key, seller.cert, PASSWORD))
    return path


def _sign_args(p12: Path, out: Path, *extra: str, source: Path = UNSIGNED_322) -> list[str]:
    return [
        str(source),
        "--p12",
        str(p12),
        "--password-env",
        "EFACTURA_P12",
        "-o",
        str(out),
        *extra,
    ]


def test_register_adds_both_subcommands() -> None:
    parser = argparse.ArgumentParser(prog="efactura")
    subparsers = parser.add_subparsers()
    sign_command.register(subparsers)
    verify_command.register(subparsers)
    args = parser.parse_args(["verify", "a.xml", "b.xml", "--json"])
    assert args.func is verify_command.run and args.json and len(args.files) == 2
    args = parser.parse_args(["sign", "in.xml", "--p12", "k.p12", "--password-env", "V", "-o", "o"])
    assert args.func is sign_command.run
    assert (args.digest, args.role) == ("sha256", "emisor")


@pytest.mark.parametrize("digest", ["sha256", "sha512"])
def test_sign_writes_a_valid_signed_file(
    digest: str, p12: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EFACTURA_P12", PASSWORD)
    out = tmp_path / "signed.xsig"
    status = sign_command.main(_sign_args(p12, out, "--digest", digest, "--role", "supplier"))
    assert status == 0
    report = verify(out.read_bytes())
    assert report.status is SignatureStatus.VALID
    assert report.signature_method.endswith(digest)
    assert report.signer_role == "supplier"


def test_sign_refuses_an_already_signed_file(
    p12: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EFACTURA_P12", PASSWORD)
    source = FACTURAE_SAMPLES / "oca-l10n-spain" / "facturae_01.xsig"
    out = tmp_path / "again.xsig"
    assert sign_command.main(_sign_args(p12, out, source=source)) == 1
    err = capsys.readouterr().err
    assert "already signed" in err and "ya está firmada" in err
    assert not out.exists()


def test_sign_reports_a_wrong_password(
    p12: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EFACTURA_P12", "not it")
    assert sign_command.main(_sign_args(p12, tmp_path / "x.xsig")) == 1
    err = capsys.readouterr().err
    assert "password is wrong" in err and "contraseña" in err


def test_sign_needs_the_password_variable(
    p12: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("EFACTURA_P12", raising=False)
    assert sign_command.main(_sign_args(p12, tmp_path / "x.xsig")) == 2
    assert "EFACTURA_P12" in capsys.readouterr().err


def test_verify_exit_status_zero_only_when_every_file_is_valid(
    p12: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EFACTURA_P12", PASSWORD)
    signed = tmp_path / "signed.xsig"
    assert sign_command.main(_sign_args(p12, signed)) == 0
    valid = FACTURAE_SAMPLES / "fawno" / "factura-prueba-v1-2-0.xsig"
    assert verify_command.main([str(signed), str(valid)]) == 0
    out = capsys.readouterr().out
    assert out.count(": VALID") == 2

    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<not-xml")
    missing = tmp_path / "missing.xml"
    args = [str(signed), str(UNSIGNED_322), str(broken), str(missing)]
    assert verify_command.main(args) == 1
    out = capsys.readouterr().out
    assert f"{UNSIGNED_322}: UNSIGNED" in out
    assert f"{broken}: INVALID" in out and "not well-formed" in out
    assert f"{missing}: INVALID" in out and "Cannot read" in out


def test_verify_json_lists_every_file(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [r for r in read_index() if r["signed"] == "yes"]
    files = [str(FACTURAE_SAMPLES / r["file"]) for r in rows]
    status = verify_command.main([*files, "--json"])
    assert status == (0 if all(r["signature_crypto"] == "VALID" for r in rows) else 1)
    entries = json.loads(capsys.readouterr().out)
    assert [e["file"] for e in entries] == files
    for row, entry in zip(rows, entries, strict=True):
        assert entry["status"] == row["signature_crypto"].lower()
        assert entry["reason"] and entry["reason_es"]


def test_verify_runs_as_a_module(tmp_path: Path) -> None:
    src = Path(verify_command.__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-m", "einvoice.commands.verify", str(UNSIGNED_322)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(src)},
        check=False,
    )
    assert result.returncode == 1
    assert "UNSIGNED" in result.stdout
