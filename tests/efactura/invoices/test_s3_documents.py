"""The document store on S3-compatible object storage (``EFACTURA_STORAGE_URL=s3://…``).

A real S3 server runs locally (moto's server mode, a separate process on a free port); the
platform stores issued invoices in a bucket through django-storages, reads them back, and
still notices a tampered or missing object, as it does on the local file system.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from django.test import Client
from tests.efactura.notifications.smtp_support import (  # noqa: F401  (fixtures)
    draft,
    free_port,
    issuer_fixture,
    issuer_user_fixture,
)

from efactura import cli, environment
from efactura.invoices import storage
from efactura.invoices.models import Document
from efactura.invoices.services import do_issue_invoice

pytestmark = pytest.mark.slow  # a separate S3 server process per module

BUCKET = "efactura-documents"
PREFIX = "node-a/documents"
CUSTOMER = "A39123450"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "efactura-test",
    "AWS_SECRET_ACCESS_KEY": "efactura-test-secret",
}


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3 server in its own process; yields its address, stops it afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **CREDENTIALS},
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text(errors="replace")) from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint: str, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh bucket configured as the document store, the way settings.py reads it."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if BUCKET in existing:
        for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    else:
        client.create_bucket(Bucket=BUCKET)
    url = f"s3://{BUCKET}/{PREFIX}?endpoint_url={s3_endpoint}&region_name=us-east-1"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": environment.storage({"EFACTURA_STORAGE_URL": url}, Path("unused")),
    }
    return client


@pytest.fixture
def invoice(issuer: Any, issuer_user: Any, bucket: Any) -> Any:
    return do_issue_invoice(
        company=issuer,
        actor=issuer_user,
        draft=draft(buyer_tax_id=CUSTOMER, buyer_name="Hostelería Cantábrica, S.A."),
    )


def _original(invoice: Any) -> Document:
    document = Document.objects.filter(invoice=invoice).order_by("id").first()
    assert document is not None
    return document


@pytest.mark.django_db
def test_issued_invoice_is_archived_in_the_bucket_and_read_back(invoice: Any, bucket: Any) -> None:
    document = _original(invoice)
    key = f"{PREFIX}/{document.storage_name}"
    stored = bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert storage.read(document) == stored
    assert b"Facturae" in stored
    # Content-addressed: storing the same bytes again writes nothing new.
    before = bucket.list_objects_v2(Bucket=BUCKET)["KeyCount"]
    assert storage.store_bytes(stored) == (document.storage_name, document.sha256)
    assert bucket.list_objects_v2(Bucket=BUCKET)["KeyCount"] == before
    assert cli.main(["archive", "verify"]) == 0


@pytest.mark.django_db
def test_tampered_object_is_refused_and_reported(
    invoice: Any,
    bucket: Any,
    issuer_user: Any,
    client: Client,
    capsys: pytest.CaptureFixture[str],
    django_capture_on_commit_callbacks: Any,
) -> None:
    document = _original(invoice)
    key = f"{PREFIX}/{document.storage_name}"
    data = bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    bucket.put_object(Bucket=BUCKET, Key=key, Body=data.replace(b"Servicio", b"Servicia", 1))
    with pytest.raises(storage.ArchiveTampered, match="no longer matches"):
        storage.read(document)
    client.force_login(issuer_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            f"/invoices/{invoice.pk}/download/original/", HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 409
    assert cli.main(["archive", "verify"]) == 1
    assert f"document {document.pk}" in capsys.readouterr().out


@pytest.mark.django_db
def test_missing_object_is_refused_and_reported(
    invoice: Any, bucket: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    document = _original(invoice)
    bucket.delete_object(Bucket=BUCKET, Key=f"{PREFIX}/{document.storage_name}")
    with pytest.raises(storage.ArchiveTampered, match="missing"):
        storage.read(document)
    assert cli.main(["archive", "verify"]) == 1
    assert "is missing" in capsys.readouterr().out
