"""Settings come from the environment and fail fast, naming the bad variable."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from efactura import environment

EFACTURA = Path(sys.executable).with_name("efactura")


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the ``efactura`` command with a clean configuration plus ``env``."""
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


@pytest.mark.parametrize(
    ("variable", "value", "sentence"),
    [
        ("DATABASE_URL", "mysql://db/efactura", "DATABASE_URL must start with postgres://"),
        ("DATABASE_URL", "postgres://localhost", "DATABASE_URL names no database"),
        ("EMAIL_URL", "ftp://mail.example", "EMAIL_URL must start with smtp://"),
        ("EMAIL_URL", "smtp://mail.example:abc", "EMAIL_URL has a port that is not a number"),
        ("EMAIL_URL", "smtp+tls://", "EMAIL_URL names no mail server host"),
        ("EFACTURA_DEBUG", "maybe", "EFACTURA_DEBUG must be 1 or 0"),
        ("EFACTURA_BASE_URL", "efactura.example", "EFACTURA_BASE_URL must be an absolute address"),
        ("EFACTURA_PRODUCTION", "1", "EFACTURA_PRODUCTION=1 needs EFACTURA_SECRET_KEY"),
    ],
)
def test_bad_configuration_stops_with_a_sentence(
    tmp_path: Path, variable: str, value: str, sentence: str
) -> None:
    result = run(tmp_path, "manage", "check", **{variable: value})
    assert result.returncode == 2
    assert sentence in result.stderr
    assert "Traceback" not in result.stderr


def test_production_needs_hosts_and_a_mail_server(tmp_path: Path) -> None:
    secret = "k" * 20 + "x" * 20 + "0123456789abcdef"
    no_hosts = run(tmp_path, "manage", "check", EFACTURA_PRODUCTION="1", EFACTURA_SECRET_KEY=secret)
    assert no_hosts.returncode == 2 and "needs ALLOWED_HOSTS" in no_hosts.stderr
    no_mail = run(
        tmp_path,
        "manage",
        "check",
        EFACTURA_PRODUCTION="1",
        EFACTURA_SECRET_KEY=secret,
        ALLOWED_HOSTS="efactura.example",
    )
    assert no_mail.returncode == 2 and "needs EMAIL_URL" in no_mail.stderr


def test_production_mode_passes_the_deployment_check(tmp_path: Path) -> None:
    # Production also needs a real platform seal (signing.E001) and its own encryption key.
    from tests.efactura.signing.conftest import make_operator_seal

    seal = tmp_path / "seal.p12"
    seal.write_bytes(make_operator_seal())
    result = run(
        tmp_path,
        "manage",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        EFACTURA_PRODUCTION="1",
        EFACTURA_SECRET_KEY="Zq8" + "".join(chr(65 + i % 26) + str(i) for i in range(30)),
        ALLOWED_HOSTS="efactura.example,www.efactura.example",
        EMAIL_URL="smtp+tls://user:p%40ss@mail.example:587",
        EFACTURA_BASE_URL="https://efactura.example",
        EFACTURA_SEAL_P12=str(seal),
        EFACTURA_SEAL_PASSWORD="sello-operador",
        EFACTURA_ENCRYPTION_KEY="e" * 48,
        EFACTURA_NODE_ID="bank-a",  # stable federation identity (federation.W002)
        EFACTURA_VERIFACTU_PRODUCER_NIF="B58378431",  # verifactu.E001/E003
        EFACTURA_VERIFACTU_PRODUCER_NAME="Banco Ejemplo SA",
        EFACTURA_VERIFACTU_ENDPOINT="test",  # verifactu.W001: not the local simulator
        EFACTURA_SPFE_ENDPOINT="https://spfe.example/v1",  # spfe.W001: not the simulator
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_development_mode_is_not_deployable(tmp_path: Path) -> None:
    result = run(tmp_path, "manage", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W" in result.stderr


def test_secret_key_file_is_created_once_and_private(tmp_path: Path) -> None:
    first = environment.secret_key({}, tmp_path)
    second = environment.secret_key({}, tmp_path)
    assert first == second and len(first) >= 50
    mode = stat.S_IMODE((tmp_path / environment.SECRET_KEY_FILE).stat().st_mode)
    assert mode == 0o600
    assert environment.secret_key({"EFACTURA_SECRET_KEY": "given"}, tmp_path) == "given"


def test_truncated_secret_key_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / environment.SECRET_KEY_FILE).write_text("short")
    with pytest.raises(ImproperlyConfigured, match="too short"):
        environment.secret_key({}, tmp_path)


def test_data_dir_must_be_a_folder(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("")
    with pytest.raises(ImproperlyConfigured, match="EFACTURA_DATA_DIR"):
        environment.data_dir({"EFACTURA_DATA_DIR": str(file)})
    assert environment.data_dir({"EFACTURA_DATA_DIR": str(tmp_path / "new")}).is_dir()


def test_database_defaults_to_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    config = environment.database({}, tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "efactura.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


def test_database_url_for_postgresql(tmp_path: Path) -> None:
    config = environment.database({"DATABASE_URL": "postgres://u:p@db:5433/efactura"}, tmp_path)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db", 5433, "efactura")
    assert config["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize(
    ("url", "options"),
    [
        ("smtp://mail.example", {"host": "mail.example", "port": 25, "use_tls": False}),
        (
            "smtp+tls://ana%40x.es:s%3Acret@mail.example:2525",
            {"port": 2525, "use_tls": True, "username": "ana@x.es", "password": "s:cret"},
        ),
        ("smtp+ssl://mail.example", {"port": 465, "use_ssl": True, "use_tls": False}),
        ("smtps://mail.example?timeout=5", {"port": 465, "use_ssl": True, "timeout": 5.0}),
    ],
)
def test_email_url_becomes_an_smtp_mailer(url: str, options: dict[str, object]) -> None:
    mailer = environment.mailers({"EMAIL_URL": url})["default"]
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert options.items() <= mailer["OPTIONS"].items()


def test_no_email_url_means_the_embedded_outbox() -> None:
    assert environment.mailers({})["default"]["BACKEND"] == environment.OUTBOX_BACKEND
    console = environment.mailers({"EMAIL_URL": "console://"})["default"]["BACKEND"]
    assert console.endswith("console.EmailBackend")


def test_allowed_hosts_list() -> None:
    assert environment.host_list({"ALLOWED_HOSTS": " a.example, ,b.example "}, "ALLOWED_HOSTS") == [
        "a.example",
        "b.example",
    ]


def test_storage_defaults_to_the_data_folder(tmp_path: Path) -> None:
    config = environment.storage({}, tmp_path)
    assert config["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert config["OPTIONS"] == {"location": str(tmp_path / "documents")}


def test_storage_in_a_shared_folder(tmp_path: Path) -> None:
    config = environment.storage({"EFACTURA_STORAGE_URL": "file:///srv/efactura%20docs"}, tmp_path)
    assert config["OPTIONS"] == {"location": "/srv/efactura docs"}


def test_storage_on_s3() -> None:
    url = (
        "s3://efactura-documents/prod/node-a/?endpoint_url=https://s3.example.com"
        "&region_name=eu-south-2&addressing_style=path&verify=false"
    )
    config = environment.storage({"EFACTURA_STORAGE_URL": url}, Path("unused"))
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    assert config["OPTIONS"] == {
        "bucket_name": "efactura-documents",
        "location": "prod/node-a",
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": False,
        "endpoint_url": "https://s3.example.com",
        "region_name": "eu-south-2",
        "addressing_style": "path",
        "verify": False,
    }


@pytest.mark.parametrize(
    ("url", "sentence"),
    [
        ("ftp://host/docs", "must start with s3:// or file:///"),
        ("file://relative/docs", "needs an absolute folder"),
        ("s3:///prefix", "must name the bucket"),
        ("s3://key:secret@bucket/prefix", "carry no credentials"),
        ("s3://bucket/prefix?acl=public-read", "unknown parameter 'acl'"),
    ],
)
def test_bad_storage_urls_name_the_variable(url: str, sentence: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="EFACTURA_STORAGE_URL") as caught:
        environment.storage({"EFACTURA_STORAGE_URL": url}, Path("unused"))
    assert sentence in str(caught.value)
