"""PDFs are rendered once, when first needed, and kept in the document store; invoice emails
link to the invoice unless the company (or the platform) asks for the PDF attached."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from tests.efactura.notifications.smtp_support import (  # noqa: F401  (fixtures)
    SmtpServer,
    draft,
    issuer_fixture,
    issuer_user_fixture,
    parts,
)

from efactura.invoices import pdfs
from efactura.invoices.services import do_issue_invoice
from efactura.notifications.services import settings_for

pytestmark = pytest.mark.django_db

UNREGISTERED = "B12345674"


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    settings.MAILERS = server.mailers()
    settings.EFACTURA_BASE_URL = "https://efactura.example"
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def documents(settings: Any, tmp_path: Path) -> Path:
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
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts WeasyPrint renderings (each one still really renders)."""
    import einvoice.pdf

    calls: list[str] = []
    real = einvoice.pdf.render_pdf

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(kwargs.get("language", ""))
        return real(*args, **kwargs)

    monkeypatch.setattr(einvoice.pdf, "render_pdf", counting)
    return calls


def _issue(issuer: Any, user: Any, capture: Any) -> Any:
    with capture(execute=True):
        return do_issue_invoice(
            company=issuer,
            actor=user,
            draft=draft(buyer_tax_id=UNREGISTERED, buyer_name="Talleres Norte, S.L."),
            customer_email="admin@talleres-norte.example",
        )


def test_by_default_the_email_links_and_nothing_renders_a_pdf(
    smtp: SmtpServer,
    issuer: Any,
    issuer_user: Any,
    documents: Path,
    renders: list[str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert settings_for(issuer).attach_pdf is False
    _issue(issuer, issuer_user, django_capture_on_commit_callbacks)
    [message] = smtp.wait_for(1)
    body = parts(message)
    assert body["attachments"] == {}
    assert f"https://efactura.example/register/?tax_id=ES{UNREGISTERED}" in body["text"]
    assert renders == []
    assert not (documents / "pdf").exists()


def test_the_pdf_is_rendered_once_and_then_read_from_the_store(
    smtp: SmtpServer,
    issuer: Any,
    issuer_user: Any,
    documents: Path,
    renders: list[str],
    settings: Any,
    client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from efactura.companies.services import do_create_api_key

    settings.EFACTURA_EMAIL_ATTACH_PDF = True
    invoice = _issue(issuer, issuer_user, django_capture_on_commit_callbacks)
    [message] = smtp.wait_for(1)
    [(name, attached)] = parts(message)["attachments"].items()
    assert name.endswith(".pdf") and attached.startswith(b"%PDF")
    assert renders == ["es"]
    [stored] = (documents / "pdf").rglob("*.pdf")
    assert stored.read_bytes() == attached

    # The same PDF again (API download in Spanish): read from the store, not rendered.
    _key, secret = do_create_api_key(company=issuer, name="ERP", scopes=["send"])
    url = f"/api/v1/invoices/{invoice.pk}/document?format=pdf"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    response = client.get(url, **auth)
    assert response.status_code == 200 and response.content == attached
    assert renders == ["es"]
    # Another language is another PDF, rendered once too.
    english = client.get(url + "&language=en", **auth)
    assert english.status_code == 200 and english.content.startswith(b"%PDF")
    assert len(list((documents / "pdf").rglob("*.pdf"))) == len(renders)
    client.get(url + "&language=en", **auth)
    assert len(renders) == len(list((documents / "pdf").rglob("*.pdf")))


def test_a_damaged_cached_pdf_is_rendered_again(
    issuer: Any,
    issuer_user: Any,
    documents: Path,
    renders: list[str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    invoice = _issue(issuer, issuer_user, django_capture_on_commit_callbacks)
    first = pdfs.invoice_pdf(invoice=invoice, language="es")
    [stored] = (documents / "pdf").rglob("*.pdf")
    stored.write_bytes(b"not a pdf")
    again = pdfs.invoice_pdf(invoice=invoice, language="es")
    assert again.startswith(b"%PDF") and len(renders) == 2 and len(first) > 0
