"""Tools › Set-up › Webhooks: create (secret shown once), delivery log, delete, isolation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_admin_creates_webhook_and_sees_secret_once(supplier_client, supplier) -> None:
    from efactura.api.models import Webhook

    page = supplier_client.get("/setup/webhooks/")
    assert page.status_code == 200
    response = supplier_client.post(
        "/setup/webhooks/",
        {"url": "https://erp.example.com/efactura", "events": ["invoice.received"]},
    )
    assert response.status_code == 200
    html = response.content.decode()
    webhook = Webhook.objects.get(company=supplier)
    assert "whsec_" in html and response["Cache-Control"] == "no-store"
    from efactura.api.services import webhook_secret

    assert webhook_secret(webhook) in html
    assert webhook_secret(webhook) not in supplier_client.get("/setup/webhooks/").content.decode()


def test_bad_url_is_explained(supplier_client) -> None:
    response = supplier_client.post(
        "/setup/webhooks/", {"url": "ftp://x.example.com/", "events": ["invoice.received"]}
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()


def test_delivery_log_and_delete(supplier_client, supplier, make_company) -> None:
    from efactura.api.models import Webhook, WebhookDelivery
    from efactura.api.services import do_create_webhook

    hook, _secret = do_create_webhook(
        company=supplier, url="https://erp.example.com/in", events=["invoice.received"]
    )
    WebhookDelivery.objects.create(
        webhook=hook,
        event="invoice.received",
        status="failed",
        attempts=8,
        last_status_code=500,
        last_error="HTTP 500: boom",
    )
    html = supplier_client.get("/setup/webhooks/").content.decode()
    assert "HTTP 500: boom" in html and "https://erp.example.com/in" in html
    other, _ = do_create_webhook(
        company=make_company("Otra, S.L."),
        url="https://other.example.com/",
        events=["invoice.received"],
    )
    assert supplier_client.post(f"/setup/webhooks/{other.pk}/delete/").status_code == 404
    supplier_client.post(f"/setup/webhooks/{hook.pk}/delete/")
    assert not Webhook.objects.filter(pk=hook.pk).exists()
    assert Webhook.objects.filter(pk=other.pk).exists()


def test_viewer_cannot_manage_webhooks(client, supplier, make_user) -> None:
    viewer = make_user("lector@example.com", supplier, role="viewer")
    client.force_login(viewer)
    assert client.get("/setup/webhooks/").status_code == 403
