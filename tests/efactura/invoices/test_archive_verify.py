"""The archive check is reachable: ``efactura archive verify``, a housekeeping job, a line on the
operators' dashboard; a tampered original is refused with a clear answer and alerts operators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from tests.efactura.notifications.smtp_support import (  # noqa: F401  (fixtures)
    draft,
    issuer_fixture,
    issuer_user_fixture,
)

from efactura import cli
from efactura.audit.models import AuditEntry
from efactura.housekeeping import run_housekeeping
from efactura.invoices.models import Document
from efactura.invoices.services import do_issue_invoice

pytestmark = pytest.mark.django_db

CUSTOMER = "A39123450"


@pytest.fixture
def archive_dir(settings: Any, tmp_path: Path) -> Path:
    """A private documents folder, so tampering never touches another test's files."""
    folder = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    return folder


@pytest.fixture
def invoice(issuer: Any, issuer_user: Any, customer: Any, archive_dir: Path) -> Any:
    return do_issue_invoice(
        company=issuer,
        actor=issuer_user,
        draft=draft(buyer_tax_id=CUSTOMER, buyer_name="Hostelería Cantábrica, S.A."),
    )


@pytest.fixture
def operator(db: Any) -> Any:
    from efactura.accounts.services import do_create_user

    return do_create_user(
        email="operador@banco.example", password=None, is_staff=True, is_superuser=True
    )


def _tamper(archive_dir: Path, invoice: Any) -> Document:
    document = Document.objects.filter(invoice=invoice).order_by("id").first()
    assert document is not None
    path = archive_dir / document.storage_name
    path.write_bytes(path.read_bytes().replace(b"Servicio", b"Servicia", 1))
    return document


def test_cli_archive_verify_names_the_first_break(
    invoice: Any, archive_dir: Path, capsys: Any
) -> None:
    assert cli.main(["archive", "verify"]) == 0
    assert "archive intact" in capsys.readouterr().out
    document = _tamper(archive_dir, invoice)
    assert cli.main(["archive", "verify"]) == 1
    out = capsys.readouterr().out
    assert "archive BROKEN" in out
    assert f"first break: document {document.pk}:" in out
    entry = AuditEntry.objects.filter(action="invoices.archive.verified").latest("pk")
    assert entry.data["ok"] is False and entry.data["first_break"].startswith(
        f"document {document.pk}"
    )


def test_housekeeping_verifies_and_the_dashboard_shows_it(
    invoice: Any,
    archive_dir: Path,
    operator: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from efactura.invoices import storage

    admin = Client()
    admin.force_login(operator)
    page = admin.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Not verified yet" in page
    assert run_housekeeping()["archive_verify"] == "intact"
    page = admin.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Intact: " in page
    # Daily, not hourly: the next run within the day skips the walk.
    assert run_housekeeping()["archive_verify"].startswith("skipped")
    monkeypatch.setattr(storage, "last_verification", lambda: None)  # a day later
    _tamper(archive_dir, invoice)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_housekeeping()["archive_verify"].startswith("BROKEN")
    monkeypatch.undo()
    page = admin.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "BROKEN" in page and "First break: document" in page
    assert any("archive is broken" in m.subject for m in mail.outbox)


def test_tampered_original_download_is_a_clear_page_not_a_500(
    invoice: Any,
    archive_dir: Path,
    issuer_user: Any,
    operator: Any,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Regression: downloading a tampered original answered 500."""
    _tamper(archive_dir, invoice)
    client.force_login(issuer_user)
    url = f"/invoices/{invoice.pk}/download/original/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "The archived file cannot be served" in response.content.decode()
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    assert "El archivo archivado no se puede servir" in spanish.content.decode()
    # The operators were alerted once (audit entry and email), however often it is tried.
    assert AuditEntry.objects.filter(action="invoices.archive.tampered").count() == 1
    [alert] = [m for m in mail.outbox if "operador@banco.example" in m.to]
    assert "damaged" in alert.subject


def test_tampered_original_over_the_api_is_problem_json(
    invoice: Any, archive_dir: Path, issuer: Any, client: Client
) -> None:
    from efactura.companies.services import do_create_api_key

    _key, secret = do_create_api_key(company=issuer, name="ERP", scopes=["send"])
    _tamper(archive_dir, invoice)
    response = client.get(
        f"/api/v1/invoices/{invoice.pk}/document?format=original",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("archive-damaged")
