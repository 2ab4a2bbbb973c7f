"""The ``efactura`` command, run as a real subprocess against a temporary data folder."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

EFACTURA = Path(sys.executable).with_name("efactura")
KEY_LINE = re.compile(r"^efk_[0-9a-f]{12}_[A-Za-z0-9_-]{40,}$")


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("EFACTURA_", "DJANGO_"))
        and k not in {"DATABASE_URL", "EMAIL_URL", "ALLOWED_HOSTS"}
    }
    return env | {"EFACTURA_DATA_DIR": str(data_dir), "LANG": "C.UTF-8"} | extra


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("efactura-cli")


def efactura(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EFACTURA), *args],
        env=clean_env(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def shell(data_dir: Path, code: str) -> str:
    result = efactura(data_dir, "manage", "shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_company_add_then_duplicate_and_invalid(data_dir: Path) -> None:
    ok = efactura(
        data_dir,
        "company",
        "add",
        "--tax-id",
        "b-1234567-4",
        "--name",
        "Ferretería Turia, S.L.",
        "--email",
        "admin@turia.example",
    )
    assert ok.returncode == 0, ok.stderr
    assert "ESB12345674" in ok.stdout

    duplicate = efactura(
        data_dir,
        "company",
        "add",
        "--tax-id",
        "ESB12345674",
        "--name",
        "Copy",
        "--email",
        "x@turia.example",
    )
    assert duplicate.returncode == 2
    assert "already registered" in duplicate.stderr
    assert "Traceback" not in duplicate.stderr

    invalid = efactura(
        data_dir,
        "company",
        "add",
        "--tax-id",
        "B12345675",
        "--name",
        "Bad",
        "--email",
        "x@bad.example",
    )
    assert invalid.returncode == 2
    assert "check digit" in invalid.stderr
    assert "Traceback" not in invalid.stderr

    spanish = efactura(
        data_dir,
        "company",
        "add",
        "--tax-id",
        "B12345675",
        "--name",
        "Bad",
        "--email",
        "x@bad.example",
        LANG="es_ES.UTF-8",
    )
    assert "no es válido" in spanish.stderr


def test_user_add_generates_a_password_that_works(data_dir: Path) -> None:
    efactura(
        data_dir,
        "company",
        "add",
        "--tax-id",
        "A39123450",
        "--name",
        "Cliente, S.A.",
        "--email",
        "c@cliente.example",
    )
    result = efactura(
        data_dir,
        "user",
        "add",
        "--email",
        "Marta@Turia.example",
        "--company",
        "ESB12345674",
        "--role",
        "accountant",
    )
    assert result.returncode == 0, result.stderr
    password = re.search(r"Password \(shown once\): (\S+)", result.stdout)
    assert password is not None
    ok = shell(
        data_dir,
        "from django.contrib.auth import authenticate; "
        f"print(authenticate(username='marta@turia.example', password='{password.group(1)}'))",
    )
    assert ok == "marta@turia.example"

    again = efactura(
        data_dir,
        "user",
        "add",
        "--email",
        "marta@turia.example",
        "--company",
        "A39123450",
        "--role",
        "viewer",
    )
    assert again.returncode == 0, again.stderr
    assert "already exists" in again.stdout and "Password" not in again.stdout
    roles = shell(
        data_dir,
        "from efactura.companies.models import Membership; "
        "print(sorted(Membership.objects.filter(user__email='marta@turia.example')"
        ".values_list('role', flat=True)))",
    )
    assert roles == "['accountant', 'viewer']"

    duplicate = efactura(
        data_dir,
        "user",
        "add",
        "--email",
        "marta@turia.example",
        "--company",
        "A39123450",
        "--role",
        "admin",
    )
    assert duplicate.returncode == 2 and "already a member" in duplicate.stderr


def test_user_add_reads_the_password_from_the_environment(data_dir: Path) -> None:
    result = efactura(
        data_dir,
        "user",
        "add",
        "--email",
        "pepe@turia.example",
        "--company",
        "ESB12345674",
        "--role",
        "admin",
        "--password-env",
        "PEPE_PW",
        PEPE_PW="correct-horse-battery-7",
    )
    assert result.returncode == 0, result.stderr
    assert "Password" not in result.stdout
    ok = shell(
        data_dir,
        "from django.contrib.auth import authenticate; "
        "print(authenticate(username='pepe@turia.example', password='correct-horse-battery-7'))",
    )
    assert ok == "pepe@turia.example"

    unset = efactura(
        data_dir,
        "user",
        "add",
        "--email",
        "luis@turia.example",
        "--company",
        "ESB12345674",
        "--role",
        "admin",
        "--password-env",
        "NOT_SET_ANYWHERE",
    )
    assert unset.returncode == 2 and "NOT_SET_ANYWHERE" in unset.stderr
    weak = efactura(
        data_dir,
        "user",
        "add",
        "--email",
        "luis@turia.example",
        "--company",
        "ESB12345674",
        "--role",
        "admin",
        "--password-env",
        "PW",
        PW="123",
    )
    assert weak.returncode == 2 and "too weak" in weak.stderr


def test_user_add_for_unknown_company_or_role(data_dir: Path) -> None:
    unknown = efactura(
        data_dir,
        "user",
        "add",
        "--email",
        "x@y.example",
        "--company",
        "B98765431",
        "--role",
        "admin",
    )
    assert unknown.returncode == 2
    assert "No company with tax ID B98765431" in unknown.stderr
    bad_role = efactura(
        data_dir,
        "user",
        "add",
        "--email",
        "x@y.example",
        "--company",
        "B12345674",
        "--role",
        "owner",
    )
    assert bad_role.returncode == 2
    assert "invalid choice" in bad_role.stderr


def test_apikey_create_prints_the_key_alone_on_the_last_line(data_dir: Path) -> None:
    result = efactura(
        data_dir,
        "apikey",
        "create",
        "--company",
        "B12345674",
        "--name",
        "ERP",
        "--scopes",
        "send,status",
    )
    assert result.returncode == 0, result.stderr
    key = result.stdout.rstrip("\n").splitlines()[-1]
    assert KEY_LINE.match(key), key
    company = shell(
        data_dir,
        "from efactura.companies.selectors import access_company_by_api_key; "
        f"print(access_company_by_api_key(key='{key}', scope='status').tax_id)",
    )
    assert company == "ESB12345674"

    bad = efactura(data_dir, "apikey", "create", "--company", "B12345674", "--scopes", "pay")
    assert bad.returncode == 2 and "Unknown API key scope pay" in bad.stderr


def test_demo_is_idempotent(tmp_path: Path) -> None:
    first = efactura(tmp_path, "demo")
    second = efactura(tmp_path, "demo")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == second.stdout
    for login in (
        "proveedor@demo.efactura.test",
        "cliente@demo.efactura.test",
        "admin@demo.efactura.test",
    ):
        assert login in first.stdout
    counts = shell(
        tmp_path,
        "from efactura.companies.models import Company, Membership; "
        "from efactura.accounts.models import User; "
        "print(Company.objects.count(), User.objects.count(), Membership.objects.count())",
    )
    assert counts == "2 3 2"
    accounts = shell(
        tmp_path,
        "from efactura.payments.models import BankAccount; "
        "print(sorted(BankAccount.objects.filter(is_default=True).values_list('iban', flat=True)))",
    )
    assert accounts == "['ES7921000813610123456789', 'ES9121000418450200051332']"
    password = re.search(r"proveedor@demo\.efactura\.test\s+(\S+)", first.stdout)
    assert password is not None
    ok = shell(
        tmp_path,
        "from django.contrib.auth import authenticate; "
        "print(authenticate(username='proveedor@demo.efactura.test', "
        f"password='{password.group(1)}'))",
    )
    assert ok == "proveedor@demo.efactura.test"


def test_manage_passes_arguments_to_django(tmp_path: Path) -> None:
    result = efactura(tmp_path, "manage", "check", "--tag", "models")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_library_subcommands_are_registered() -> None:
    from einvoice.commands import COMMANDS

    result = subprocess.run([str(EFACTURA), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for dotted in COMMANDS:
        name = dotted.rsplit(".", 1)[1]
        try:
            __import__(dotted)
        except ModuleNotFoundError:
            continue
        assert name in result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = _free_port()
    process = subprocess.Popen(
        [str(EFACTURA), "serve", "--port", str(port), "--demo"],
        env=clean_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # A readiness wait, not a timing check: a fresh data folder is migrated and seeded with the
    # demo first, which takes long on a busy machine.
    deadline = time.monotonic() + 240
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as r:
                assert r.status == 200
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError("efactura serve did not come up: " + process.stderr.read())
            time.sleep(0.3)
    yield process, port
    if process.poll() is None:
        process.kill()
        process.wait()


def test_serve_runs_web_and_worker_and_stops_on_ctrl_c(
    served: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = served
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/web/efactura.css") as response:
        assert b"--brand" in response.read()
    process.send_signal(signal.SIGINT)
    stdout, _stderr = process.communicate(timeout=60)
    assert process.returncode == 0
    assert "proveedor@demo.efactura.test" in stdout
    assert "stopped" in stdout
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)


def test_serve_stops_the_web_server_when_the_worker_dies(
    served: tuple[subprocess.Popen[str], int],
) -> None:
    process, _port = served
    assert process.stdout is not None
    worker_pid = None
    while worker_pid is None:
        line = process.stdout.readline()
        match = re.search(r"worker pid (\d+)", line)
        worker_pid = int(match.group(1)) if match else None
    os.kill(worker_pid, signal.SIGKILL)
    _stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 4
    assert "background worker stopped" in stderr
