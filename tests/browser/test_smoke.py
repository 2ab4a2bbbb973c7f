"""Browser smoke test: Debian's chromium through Playwright against a live server.

Logs in as the demo supplier in Spanish, switches to English, and keeps screenshots of each
step (desktop and 375 px phone width) in the test's temporary folder for a human to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_logins(transactional_db: Any) -> dict[str, str]:
    from efactura.demo import do_load_demo

    return {user.email: user.password for user in do_load_demo()}


def _log_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(f"{base}/")


def test_spanish_then_english_navigation(
    browser: Any, live_server: Any, demo_logins: dict[str, str], tmp_path: Path
) -> None:
    base = live_server.url
    context = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    _log_in(page, base, "proveedor@demo.efactura.test", demo_logins["proveedor@demo.efactura.test"])

    nav = page.get_by_role("navigation", name="Navegación principal")
    for label in ("Facturas recibidas", "Facturas emitidas", "Importar", "Herramientas", "Ayuda"):
        assert nav.get_by_text(label, exact=True).is_visible(), label
    assert page.locator("html").get_attribute("lang") == "es"
    assert "Suministros Levante, S.L." in page.content()
    page.screenshot(path=str(tmp_path / "1-es-payable.png"), full_page=True)

    nav.get_by_text("Herramientas").click()
    page.get_by_role("link", name="Claves de API").click()
    page.wait_for_url(f"{base}/setup/api-keys/")
    page.get_by_label("Nombre").fill("ERP contable")
    page.get_by_role("button", name="Crear clave").click()
    assert page.locator("#new-key").input_value().startswith("efk_")
    page.screenshot(path=str(tmp_path / "2-es-api-keys.png"), full_page=True)

    page.get_by_role("button", name="EN").click()
    nav = page.get_by_role("navigation", name="Main navigation")
    for label in ("Invoices payable", "Invoices issued", "Import", "Tools", "Help"):
        assert nav.get_by_text(label, exact=True).is_visible(), label
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Help").first.click()
    page.wait_for_url(f"{base}/help/")
    page.screenshot(path=str(tmp_path / "3-en-help.png"), full_page=True)

    phone = browser.new_context(
        locale="en-GB", viewport={"width": 375, "height": 740}, device_scale_factor=2
    )
    small = phone.new_page()
    _log_in_english(small, base, demo_logins)
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    small.screenshot(path=str(tmp_path / "4-en-phone.png"), full_page=True)
    print(f"screenshots in {tmp_path}")


def _log_in_english(page: Any, base: str, logins: dict[str, str]) -> None:
    email = "proveedor@demo.efactura.test"
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(logins[email])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/")
