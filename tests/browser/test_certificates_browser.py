"""Browser test of Tools › Set-up › Certificates: Debian's chromium through Playwright.

The demo supplier's administrator sees the TEST seal warning, uploads a certificate file
through the real file input (wrong password first), chooses the policy, and the page is
checked at desktop and 375 px phone width.  Screenshots stay in the test's temporary folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from einvoice.signing import make_test_certificate, to_pkcs12

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "proveedor@demo.efactura.test"


@pytest.fixture
def logins(transactional_db: Any, settings: Any, tmp_path: Path) -> dict[str, str]:
    from efactura.demo import do_load_demo
    from efactura.signing import services

    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.EFACTURA_SEAL_P12 = ""
    services._seal_cache.clear()
    return {user.email: user.password for user in do_load_demo()}


def _log_in(page: Any, base: str, password: str, *, english: bool) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address" if english else "Correo electrónico").fill(EMAIL)
    page.get_by_label("Password" if english else "Contraseña").fill(password)
    page.get_by_role("button", name="Log in" if english else "Entrar").click()
    page.wait_for_url(f"{base}/")


def test_certificates_page(
    browser: Any, live_server: Any, logins: dict[str, str], tmp_path: Path
) -> None:
    from efactura.demo import SUPPLIER

    key, cert = make_test_certificate(SUPPLIER.legal_name.upper(), SUPPLIER.tax_id, days=20)
    p12 = tmp_path / "empresa.p12"
    p12.write_bytes(to_pkcs12(key, cert, "clave-buena"))
    base = live_server.url

    context = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, base, logins[EMAIL], english=False)
    page.goto(f"{base}/setup/certificates/")
    assert page.get_by_role(
        "heading", name="Esta plataforma firma con un sello de PRUEBAS"
    ).is_visible()
    assert page.get_by_label("Con el sello de la plataforma", exact=True).is_checked()
    page.screenshot(path=str(tmp_path / "1-es-seal.png"), full_page=True)

    page.get_by_role("button", name="EN").click()
    page.wait_for_url(f"{base}/setup/certificates/")
    assert page.get_by_role("heading", name="This platform signs with a TEST seal").is_visible()

    page.get_by_label("Certificate file (.p12 or .pfx)").set_input_files(str(p12))
    page.get_by_label("Password of the file").fill("clave-mala")
    page.get_by_role("button", name="Upload certificate").click()
    error = page.locator("#file-errors")
    assert "empresa.p12: The certificate file could not be opened: the password is wrong." in (
        error.inner_text()
    )
    assert page.get_by_label("Password of the file").input_value() == ""
    page.screenshot(path=str(tmp_path / "2-en-wrong-password.png"), full_page=True)

    page.get_by_label("Certificate file (.p12 or .pfx)").set_input_files(str(p12))
    page.get_by_label("Password of the file").fill("clave-buena")
    page.get_by_role("button", name="Upload certificate").click()
    page.wait_for_url(f"{base}/setup/certificates/")
    assert page.get_by_text("is uploaded and now signs your invoices").is_visible()
    assert (
        page.get_by_role("heading", name="Your certificate expires in 19 days").count()
        + (page.get_by_role("heading", name="Your certificate expires in 20 days").count())
        == 1
    )
    assert page.get_by_label("With our own certificate", exact=True).is_checked()
    page.screenshot(path=str(tmp_path / "3-en-own.png"), full_page=True)

    phone = browser.new_context(
        locale="en-GB", viewport={"width": 375, "height": 740}, device_scale_factor=2
    )
    small = phone.new_page()
    _log_in(small, base, logins[EMAIL], english=True)
    small.goto(f"{base}/setup/certificates/")
    assert small.get_by_role("heading", name="Your certificate", exact=True).is_visible()
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    small.screenshot(path=str(tmp_path / "4-en-phone.png"), full_page=True)
    print(f"screenshots in {tmp_path}")
