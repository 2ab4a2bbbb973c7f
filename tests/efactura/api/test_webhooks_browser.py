"""The webhooks page in a real browser (Spanish, desktop and phone width), with screenshots."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_webhook_and_read_delivery_log(
    browser: Any, live_server: Any, supplier: Any, supplier_user: Any, tmp_path: Path
) -> None:
    from efactura.api.models import WebhookDelivery
    from efactura.api.services import do_create_webhook

    hook, _ = do_create_webhook(
        company=supplier,
        url="https://erp.levante.example/efactura/hooks",
        events=["invoice.status_changed"],
    )
    WebhookDelivery.objects.create(
        webhook=hook,
        event="invoice.status_changed",
        status="succeeded",
        attempts=1,
        last_status_code=200,
    )
    WebhookDelivery.objects.create(
        webhook=hook,
        event="invoice.status_changed",
        status="retrying",
        attempts=2,
        last_status_code=503,
        last_error="HTTP 503: Service Unavailable",
    )
    shots = Path(os.environ.get("EFACTURA_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    for width, name in ((1280, "desktop"), (375, "phone")):
        context = browser.new_context(locale="es-ES", viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Correo electrónico").fill("proveedor@example.com")
        page.get_by_label("Contraseña").fill("pw-Secret-123")
        page.get_by_role("button", name="Entrar").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/setup/webhooks/")
        assert page.get_by_role("heading", name="Webhooks", exact=True).is_visible()
        assert page.get_by_text("HTTP 503: Service Unavailable").is_visible()
        if name == "desktop":
            page.get_by_label("Dirección (URL)").fill("https://erp.levante.example/entrantes")
            page.get_by_role("button", name="Añadir webhook").click()
            assert page.locator("#new-secret").input_value().startswith("whsec_")
        page.screenshot(path=str(shots / f"webhooks-{name}.png"), full_page=True)
        context.close()
    # The rows above were written through a connection opened while Playwright's synchronous
    # API was running, which pytest-django's teardown does not see: close it here, or
    # PostgreSQL cannot drop the test database at the end of the session.
    from django.db import connection

    connection.close()
