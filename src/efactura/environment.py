"""Reading efactura's configuration from environment variables.

Every function here is pure (no Django settings access) so ``settings.py`` stays a flat list of
assignments and the parsing can be tested on its own.  A bad value raises
:class:`~django.core.exceptions.ImproperlyConfigured` with one sentence that names the variable,
so the process stops at start-up instead of failing later on the first request or email.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
"""Name of the generated secret-key file inside ``EFACTURA_DATA_DIR``."""


def flag(env: Mapping[str, str], name: str, *, default: bool = False) -> bool:
    """Boolean variable: ``1/true/yes/on`` or ``0/false/no/off``; anything else is an error."""
    raw = env.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name} must be 1 or 0 (also accepted: true/false, yes/no, on/off), not {raw!r}."
    )


def positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number greater than zero; unset or empty gives ``default``."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be a whole number greater than 0, not {raw!r}.")
    return value


def host_list(env: Mapping[str, str], name: str) -> list[str]:
    """Comma-separated list with blanks removed (``ALLOWED_HOSTS=a.example, b.example``)."""
    return [item.strip() for item in env.get(name, "").split(",") if item.strip()]


def data_dir(env: Mapping[str, str]) -> Path:
    """The folder holding the SQLite database, documents, the secret-key file and emails.

    It is created when missing; a path that exists but is not a folder is an error.
    """
    path = Path(env.get("EFACTURA_DATA_DIR") or "var").expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ImproperlyConfigured(f"EFACTURA_DATA_DIR points to {path}, which is not a folder.")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"EFACTURA_DATA_DIR folder {path} cannot be created: {exc.strerror}."
        ) from exc
    return path


def secret_key(env: Mapping[str, str], folder: Path) -> str:
    """``EFACTURA_SECRET_KEY`` if set, else a key generated once into ``folder/secret_key``.

    The file is created with mode 0600 (owner read/write only) atomically, so two processes
    starting together (web server and worker) cannot end up with different keys.
    """
    given = env.get("EFACTURA_SECRET_KEY", "").strip()
    if given:
        return given
    path = folder / SECRET_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 50:
            raise ImproperlyConfigured(
                f"The secret key file {path} is empty or too short; delete it to generate a new "
                "one or set EFACTURA_SECRET_KEY."
            ) from None
        return key
    key = secrets.token_urlsafe(64)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def sqlite_options() -> dict[str, Any]:
    """SQLite tuned for a web server and a worker sharing one file.

    WAL lets readers proceed during a write; ``IMMEDIATE`` transactions take the write lock at
    ``BEGIN`` so two writers queue (for ``busy_timeout``) instead of failing with "database is
    locked" half-way through a transaction.
    """
    return {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }


def database(env: Mapping[str, str], folder: Path) -> dict[str, Any]:
    """Django ``DATABASES["default"]`` from ``DATABASE_URL`` (PostgreSQL or SQLite).

    Unset means the embedded SQLite file ``efactura.sqlite3`` in the data folder.
    """
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(folder / "efactura.sqlite3"),
            "OPTIONS": sqlite_options(),
        }
    scheme = url.split(":", 1)[0].lower()
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must start with postgres:// or sqlite:///, not {scheme!r} "
            "(example: postgres://user:password@host:5432/efactura)."
        )
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {exc}.") from exc
    if config["ENGINE"].endswith("sqlite3"):
        config["OPTIONS"] = {**sqlite_options(), **config.get("OPTIONS", {})}
        config["CONN_MAX_AGE"] = 0
    elif not config.get("NAME"):
        raise ImproperlyConfigured(
            "DATABASE_URL names no database: add it after the host, as in "
            "postgres://host:5432/efactura."
        )
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


OUTBOX_BACKEND = "efactura.notifications.backends.OutboxBackend"


def mailers(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Django ``MAILERS`` from ``EMAIL_URL``.

    - unset: the embedded outbox (every message stored in the database, readable at /outbox/);
    - ``smtp://host:port`` plain SMTP (port 25 by default);
    - ``smtp+tls://user:password@host:587`` SMTP with STARTTLS;
    - ``smtp+ssl://user:password@host:465`` (or ``smtps://``) SMTP over implicit TLS;
    - ``console://`` prints messages on standard output (development).

    User and password are URL-decoded (write ``@`` as ``%40``).  ``?timeout=SECONDS`` is honoured.
    """
    url = env.get("EMAIL_URL", "").strip()
    if not url:
        return {"default": {"BACKEND": OUTBOX_BACKEND}}
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    if scheme not in {"smtp", "smtp+tls", "smtp+ssl", "smtps"}:
        raise ImproperlyConfigured(
            f"EMAIL_URL must start with smtp://, smtp+tls://, smtp+ssl:// or console://, "
            f"not {scheme + '://' if scheme else repr(url)}."
        )
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL has a port that is not a number.") from None
    if not parts.hostname:
        raise ImproperlyConfigured(
            "EMAIL_URL names no mail server host (example: smtp+tls://user:pass@mail.example:587)."
        )
    use_ssl = scheme in {"smtp+ssl", "smtps"}
    use_tls = scheme == "smtp+tls"
    options: dict[str, Any] = {
        "host": parts.hostname,
        "port": port or (465 if use_ssl else 587 if use_tls else 25),
        "use_tls": use_tls,
        "use_ssl": use_ssl,
        "timeout": 30.0,
    }
    if parts.username:
        options["username"] = unquote(parts.username)
        options["password"] = unquote(parts.password or "")
    query = parse_qs(parts.query)
    if "timeout" in query:
        try:
            options["timeout"] = float(query["timeout"][0])
        except ValueError:
            raise ImproperlyConfigured("EMAIL_URL ?timeout= must be a number of seconds.") from None
    return {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}
    }


def base_url(env: Mapping[str, str]) -> str:
    """``EFACTURA_BASE_URL`` without a trailing slash, checked to be an absolute http(s) URL."""
    raw = env.get("EFACTURA_BASE_URL", "").strip() or "http://127.0.0.1:8000"
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured(
            f"EFACTURA_BASE_URL must be an absolute address such as https://efactura.example, "
            f"not {raw!r}."
        )
    return raw.rstrip("/")


S3_STORAGE_BACKEND = "storages.backends.s3.S3Storage"
_S3_OPTIONS = frozenset(
    {"endpoint_url", "region_name", "addressing_style", "signature_version", "verify"}
)
"""Query parameters ``EFACTURA_STORAGE_URL`` may carry for an ``s3://`` address."""


def storage(env: Mapping[str, str], folder: Path) -> dict[str, Any]:
    """Django ``STORAGES["default"]`` (where invoice documents go) from ``EFACTURA_STORAGE_URL``.

    Unset: the folder ``documents`` inside the data folder.  ``file:///absolute/path``: that
    folder (a shared file system, for instance).  ``s3://bucket/prefix?endpoint_url=…``: an
    S3-compatible object store through django-storages; other parameters are ``region_name``,
    ``addressing_style`` (``path`` for most self-hosted stores), ``signature_version`` and
    ``verify`` (``false``, or the path of a CA bundle).  Credentials come from boto3's usual
    sources (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, an instance role …), never
    from the address.
    """
    url = env.get("EFACTURA_STORAGE_URL", "").strip()
    if not url:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder / "documents")},
        }
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc or not parts.path.startswith("/"):
            raise ImproperlyConfigured(
                "EFACTURA_STORAGE_URL=file://… needs an absolute folder, as in "
                "file:///srv/efactura/documents."
            )
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": unquote(parts.path)},
        }
    if scheme != "s3":
        raise ImproperlyConfigured(
            f"EFACTURA_STORAGE_URL must start with s3:// or file:///, not {scheme!r} "
            "(example: s3://efactura-documents/production?endpoint_url=https://s3.example.com)."
        )
    if not parts.hostname or parts.username or parts.password:
        raise ImproperlyConfigured(
            "EFACTURA_STORAGE_URL=s3://… must name the bucket after s3:// and carry no "
            "credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead)."
        )
    options: dict[str, Any] = {
        "bucket_name": parts.netloc,
        "location": unquote(parts.path).strip("/"),
        # Content-addressed names: a name that exists already holds the same bytes.
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": False,
    }
    for name, values in parse_qs(parts.query, keep_blank_values=True).items():
        if name not in _S3_OPTIONS:
            allowed = ", ".join(sorted(_S3_OPTIONS))
            raise ImproperlyConfigured(
                f"EFACTURA_STORAGE_URL has an unknown parameter {name!r}; known: {allowed}."
            )
        value: Any = values[-1]
        if name == "verify" and value.lower() in TRUE_WORDS | FALSE_WORDS:
            value = value.lower() in TRUE_WORDS
        options[name] = value
    return {"BACKEND": S3_STORAGE_BACKEND, "OPTIONS": options}
