"""Production refuses to start with a TEST seal; the seal settings fail fast and clearly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from tests.efactura.signing.conftest import make_operator_seal

from efactura.signing import checks, config

EFACTURA = Path(sys.executable).with_name("efactura")
PRODUCTION = {
    "EFACTURA_PRODUCTION": "1",
    "EFACTURA_SECRET_KEY": "Zq8" + "".join(chr(65 + i % 26) + str(i) for i in range(30)),
    "ALLOWED_HOSTS": "efactura.example",
    "EMAIL_URL": "smtp+tls://user:pass@mail.example:587",
    "EFACTURA_BASE_URL": "https://efactura.example",
    "EFACTURA_VERIFACTU_PRODUCER_NIF": "B58378431",
    "EFACTURA_VERIFACTU_PRODUCER_NAME": "Banco Ejemplo SA",
}


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("EFACTURA_", "DJANGO_"))
        and k not in {"DATABASE_URL", "EMAIL_URL", "ALLOWED_HOSTS"}
    }
    base |= {"EFACTURA_DATA_DIR": str(tmp_path / "data"), "LANG": "C.UTF-8"}
    return subprocess.run(
        [str(EFACTURA), *args], env=base | env, capture_output=True, text=True, timeout=120
    )


def test_production_without_a_seal_refuses_the_deploy_check(tmp_path: Path) -> None:
    result = run(tmp_path, "manage", "check", "--deploy", **PRODUCTION)
    assert result.returncode != 0
    assert "signing.E001" in result.stderr
    assert "EFACTURA_SEAL_P12" in result.stderr
    assert "TEST seal" in result.stderr


def test_production_serve_refuses_to_start_with_the_test_seal(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", "--port", "0", **PRODUCTION)
    assert result.returncode == 2
    assert "EFACTURA_SEAL_P12" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_with_an_operator_seal_passes(tmp_path: Path) -> None:
    seal = tmp_path / "sello.p12"
    seal.write_bytes(make_operator_seal())
    result = run(
        tmp_path,
        "manage",
        "check",
        "--deploy",
        EFACTURA_SEAL_P12=str(seal),
        EFACTURA_SEAL_PASSWORD="sello-operador",
        EFACTURA_ENCRYPTION_KEY="e" * 48,
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert "signing." not in result.stdout + result.stderr


def test_production_refuses_a_test_certificate_configured_as_seal(
    tmp_path: Path, make_p12: Any
) -> None:
    seal = tmp_path / "sello.p12"
    seal.write_bytes(make_p12("SELLO DE PRUEBAS", "A39123450", password="x-password"))
    result = run(
        tmp_path,
        "manage",
        "check",
        EFACTURA_SEAL_P12=str(seal),
        EFACTURA_SEAL_PASSWORD="x-password",
        **PRODUCTION,
    )
    assert result.returncode != 0
    assert "signing.E003" in result.stderr and "TEST certificate" in result.stderr


def test_a_seal_with_a_wrong_password_is_reported(settings: Any, tmp_path: Path) -> None:
    seal = tmp_path / "sello.p12"
    seal.write_bytes(make_operator_seal())
    settings.EFACTURA_SEAL_P12 = str(seal)
    settings.EFACTURA_SEAL_PASSWORD = "wrong"
    [error] = checks.check_platform_seal()
    assert error.id == "signing.E002"
    assert "password is wrong" in error.msg


def test_a_seal_close_to_expiry_is_a_warning(settings: Any, tmp_path: Path) -> None:
    seal = tmp_path / "sello.p12"
    seal.write_bytes(make_operator_seal(days=10))
    settings.EFACTURA_SEAL_P12 = str(seal)
    settings.EFACTURA_SEAL_PASSWORD = "sello-operador"
    [warning] = checks.check_platform_seal()
    assert warning.id == "signing.W001"


def test_development_accepts_the_generated_test_seal(settings: Any) -> None:
    settings.PRODUCTION = False
    assert checks.check_platform_seal() == []


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({"EFACTURA_SEAL_PASSWORD": "x"}, "EFACTURA_SEAL_PASSWORD is set but EFACTURA_SEAL_P12"),
        ({"EFACTURA_SEAL_P12": "/nonexistent/seal.p12"}, "EFACTURA_SEAL_P12 points to"),
        ({"EFACTURA_ENCRYPTION_KEY": "short"}, "EFACTURA_ENCRYPTION_KEY key number 1 is too"),
    ],
)
def test_bad_signing_settings_stop_with_a_sentence(
    tmp_path: Path, env: dict[str, str], sentence: str
) -> None:
    result = run(tmp_path, "manage", "check", **env)
    assert result.returncode == 2
    assert sentence in result.stderr
    assert "Traceback" not in result.stderr


def test_seal_file_needs_its_password(tmp_path: Path) -> None:
    seal = tmp_path / "sello.p12"
    seal.write_bytes(b"x")
    with pytest.raises(ImproperlyConfigured, match="EFACTURA_SEAL_PASSWORD is empty"):
        config.seal_file({"EFACTURA_SEAL_P12": str(seal)})
    assert config.seal_file({"EFACTURA_SEAL_P12": str(seal), "EFACTURA_SEAL_PASSWORD": "p"}) == (
        str(seal.resolve()),
        "p",
    )
    assert config.encryption_keys({"EFACTURA_ENCRYPTION_KEY": f"{'a' * 32}, {'b' * 40}"}) == (
        "a" * 32,
        "b" * 40,
    )
