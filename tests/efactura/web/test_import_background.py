"""Large web imports run in the background worker: the request returns at once with a job
page that shows progress, then the same report as an interactive import."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests.efactura.invoices import helpers as h

from efactura.imports.models import ImportJob, ImportUpload
from efactura.invoices.models import Invoice
from einvoice import formats

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def buyer_client(client: Any, make_company: Any, make_user: Any, settings: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EFACTURA_BACKGROUND_IMPORT_FILES = 2
    buyer = h.company(make_company, "Hostelería Cantábrica, S.A.", h.BUYER_TAX_ID)
    make_company("Talleres Nervión, S.L.", tax_id=h.OUTSIDER_TAX_ID)
    client.force_login(make_user("b@example.com", buyer, role="accountant", language="en"))
    return client


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_large_zip_is_imported_by_the_worker_and_reported(buyer_client: Any) -> None:
    entries = {
        f"EXT-{n}.xml": formats.render("facturae", [h.external_invoice(f"EXT-{n}")])
        for n in range(1, 4)
    }
    entries["nota.xml"] = b"<nota/>"
    upload = SimpleUploadedFile("lote.zip", _zip(entries), content_type="application/zip")
    response = buyer_client.post(reverse("web:import"), {"direction": "received", "files": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:import_job", args=[job.pk])
    # The tests' task backend runs the job as soon as the upload commits.
    assert job.status == ImportJob.Status.DONE
    assert (job.total_files, job.done_files) == (4, 4)
    assert not ImportUpload.objects.exists()  # the stored upload is gone once imported
    html = buyer_client.get(response["Location"]).content.decode()
    assert "3 invoices imported" in html
    assert "DOC-UNKNOWN" in html and "lote.zip/nota.xml" in html
    for n in range(1, 4):
        invoice = Invoice.objects.get(full_number=f"EXT-{n}")
        assert reverse("web:invoice", args=[invoice.pk]) in html
    assert 'http-equiv="refresh"' not in html


def test_the_job_page_shows_progress_while_queued(buyer_client: Any, settings: Any) -> None:
    # A backend that only records the task: the worker has not picked the job up yet.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    files = [
        SimpleUploadedFile(f"{n}.xml", formats.render("facturae", [h.external_invoice(f"Q-{n}")]))
        for n in range(3)
    ]
    response = buyer_client.post(reverse("web:import"), {"direction": "received", "files": files})
    assert response.status_code == 302
    html = buyer_client.get(response["Location"]).content.decode()
    assert "0 of 3 files checked" in html
    assert 'http-equiv="refresh"' in html
    assert not Invoice.objects.exists()


def test_another_companys_job_is_not_found(
    buyer_client: Any, make_company: Any, make_user: Any, client: Any
) -> None:
    entries = {f"{n}.xml": b"<nota/>" for n in range(3)}
    upload = SimpleUploadedFile("lote.zip", _zip(entries))
    location = buyer_client.post(reverse("web:import"), {"direction": "received", "files": upload})[
        "Location"
    ]
    other = h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)
    client.force_login(make_user("s@example.com", other, language="en"))
    assert client.get(location).status_code == 404


def test_small_uploads_still_answer_at_once(buyer_client: Any) -> None:
    good = formats.render("facturae", [h.external_invoice("EXT-9")])
    response = buyer_client.post(
        reverse("web:import"),
        {"direction": "received", "files": [SimpleUploadedFile("EXT-9.xml", good)]},
    )
    assert response.status_code == 200
    assert "1 invoice imported" in response.content.decode()
    assert not ImportJob.objects.exists()
