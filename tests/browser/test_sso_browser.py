"""Entering from online banking in a real browser, against a real OpenID provider.

Debian's chromium (Playwright) clicks "Enter from online banking" on the login page, signs in
on the provider's own login page (node's oidc-provider, started locally) and lands in Invoices
payable of the enrolled company.  An unenrolled person sees the explanation page.  Logging out
ends the platform session and, through RP-initiated logout, the bank's; ending the bank session
at the bank ends the platform session too (back-channel logout).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.efactura.sso.bank_support import ANA, LUIS, PASSWORD, Bank, configure_platform, run_bank

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_bank(live_server: Any, settings: Any) -> Iterator[Bank]:
    """The provider, registered with efactura's live-server address as its client."""
    for bank in run_bank(base_url=live_server.url):
        configure_platform(settings, issuer=bank.issuer, base_url=live_server.url)
        yield bank


@pytest.fixture
def enrolled_company(transactional_db: Any) -> Any:
    from efactura.companies.services import do_create_company
    from efactura.sso.services import do_enrol

    company = do_create_company(
        tax_id="A39123450",
        legal_name="Hostelería Cantábrica, S.A.",
        contact_email="administracion@cantabrica.example",
    )
    do_enrol(company=company, national_id=ANA.claims["national_id"], role="admin")
    return company


def _enter_from_online_banking(page: Any, base: str, login: str) -> None:
    page.goto(f"{base}/accounts/login/?next=/payable/")
    page.get_by_role("link", name="Entrar desde la banca online").click()
    page.get_by_label("Usuario / User").fill(login)
    page.get_by_label("Clave / Password").fill(PASSWORD)
    page.get_by_role("button", name="Entrar / Sign in").click()


def test_bank_customer_enters_lands_in_payable_and_logs_out(
    browser: Any, live_server: Any, live_bank: Bank, enrolled_company: Any, tmp_path: Path
) -> None:
    base = live_server.url
    context = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 800})
    page = context.new_page()

    _enter_from_online_banking(page, base, ANA.login)

    page.wait_for_url(f"{base}/payable/")
    nav = page.get_by_role("navigation", name="Navegación principal")
    assert nav.get_by_text("Facturas recibidas", exact=True).is_visible()
    assert (
        page.locator("#company-select option:checked").inner_text() == enrolled_company.legal_name
    )
    assert ANA.claims["name"] in page.content()
    page.screenshot(path=str(tmp_path / "1-payable.png"), full_page=True)

    # Logout: the platform session ends, then the bank asks to confirm its own logout.
    page.locator("form.logout button").click()
    page.get_by_role("button", name="Cerrar sesión / Sign out").click()
    page.wait_for_url(f"{base}/accounts/login/**")
    assert "Ha salido de efactura y de su sesión de banca online." in page.content()
    page.goto(f"{base}/payable/")
    assert page.url.startswith(f"{base}/accounts/login/")
    # The bank session is over too: entering again shows the bank's login page.
    page.goto(f"{base}/sso/login?next=/payable/")
    assert page.get_by_label("Usuario / User").is_visible()
    context.close()


def test_unenrolled_person_is_refused(
    browser: Any, live_server: Any, live_bank: Bank, enrolled_company: Any, tmp_path: Path
) -> None:
    base = live_server.url
    context = browser.new_context(locale="es-ES")
    page = context.new_page()

    _enter_from_online_banking(page, base, LUIS.login)

    heading = page.get_by_role("heading", name="No está dado de alta en la facturación electrónica")
    heading.wait_for()
    assert "Acuda a su oficina" in page.content()
    page.screenshot(path=str(tmp_path / "not-enrolled.png"), full_page=True)
    page.goto(f"{base}/payable/")
    assert page.url.startswith(f"{base}/accounts/login/")
    context.close()


def test_signing_out_at_the_bank_ends_the_platform_session(
    browser: Any, live_server: Any, live_bank: Bank, enrolled_company: Any
) -> None:
    from efactura.sso.models import BankSession

    base = live_server.url
    context = browser.new_context(locale="es-ES")
    page = context.new_page()
    _enter_from_online_banking(page, base, ANA.login)
    page.wait_for_url(f"{base}/payable/")
    assert BankSession.objects.exclude(sid="").count() == 1

    # The customer leaves online banking (not efactura): the provider tells efactura.
    page.goto(f"{live_bank.issuer}/session/end")
    page.get_by_role("button", name="Cerrar sesión / Sign out").click()
    page.get_by_role("heading", name="Ha cerrado la sesión").wait_for()

    page.goto(f"{base}/payable/")
    assert page.url.startswith(f"{base}/accounts/login/")
    assert not BankSession.objects.exists()
    context.close()
