"""The ten main pages in a real browser: axe-core finds no serious or critical violation, at
desktop and at phone width nothing overflows sideways, and the dashboard shows known figures.

Debian's chromium through Playwright over the demo data (``efactura demo``).  axe-core comes
from the npm registry (``tools/axe``, installed by ``scripts/test``).  Each page is also
photographed at 1280 and 390 px: into the test's temporary folder, or into
``docs/screenshots/`` when ``scripts/screenshots`` runs this module with
``EFACTURA_SCREENSHOTS`` set.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from tests.efactura.web.test_dashboard import known_data

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

AXE = (
    Path(__file__).resolve().parents[2]
    / "tools"
    / "axe"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)
WIDTHS = (1280, 390)
SUPPLIER_EMAIL = "proveedor@demo.efactura.test"
CUSTOMER_EMAIL = "cliente@demo.efactura.test"


@pytest.fixture
def demo(transactional_db: Any, settings: Any) -> dict[str, str]:
    from efactura.demo import do_load_demo

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return {user.email: user.password for user in do_load_demo()}


def _log_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(f"{base}/")


def main_pages() -> list[tuple[str, str]]:
    """(name, path) of the ten main pages, as the demo supplier sees them (the payables list
    as the demo customer, who has invoices waiting: see :data:`AS_CUSTOMER`)."""
    from efactura.demo import SUPPLIER
    from efactura.invoices.models import Invoice

    invoice = (
        Invoice.objects.filter(seller_tax_id=SUPPLIER.tax_id, route="local")
        .order_by("-issue_date", "full_number")
        .first()
    )
    assert invoice is not None
    return [
        ("01-dashboard", "/"),
        ("02-payable", "/payable/"),
        ("03-issued", "/issued/"),
        ("04-invoice", f"/invoices/{invoice.pk}/"),
        ("05-new-invoice", "/issued/new/"),
        ("06-import", "/import/"),
        ("07-notifications", "/setup/notifications/"),
        ("08-certificates", "/setup/certificates/"),
        ("09-help", "/help/"),
        ("10-login", "/accounts/login/"),
    ]


AS_CUSTOMER = {"/payable/"}
"""Pages shown as the demo customer: the supplier's own inbox is empty in the demo data."""


AXE_RUN = """async () => {
  const result = await axe.run(document, {
    rules: {"label-content-name-mismatch": {enabled: true}},
  });
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target.join(" ")).join(", ")}`);
}"""


def _horizontal_overflow(page: Any) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def test_ten_main_pages_pass_axe_and_fit_a_phone(
    browser: Any, live_server: Any, demo: dict[str, str], tmp_path: Path
) -> None:
    assert AXE.exists(), "axe-core is missing: scripts/test installs it (npm ci in tools/axe)"
    out = Path(os.environ.get("EFACTURA_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    pages = main_pages()
    problems: list[str] = []
    for width in WIDTHS:
        # bypass_csp: the test injects axe-core, which the page's CSP would rightly refuse.
        context = browser.new_context(
            locale="es-ES", viewport={"width": width, "height": 900}, bypass_csp=True
        )
        page = context.new_page()
        _log_in(page, base, SUPPLIER_EMAIL, demo[SUPPLIER_EMAIL])
        customer_context = browser.new_context(
            locale="es-ES", viewport={"width": width, "height": 900}, bypass_csp=True
        )
        customer_page = customer_context.new_page()
        _log_in(customer_page, base, CUSTOMER_EMAIL, demo[CUSTOMER_EMAIL])
        for name, path in pages:
            if path == "/accounts/login/":
                context.clear_cookies()
            page = customer_page if path in AS_CUSTOMER else context.pages[0]
            page.goto(base + path)
            page.add_script_tag(path=str(AXE))
            problems += [f"{path} at {width} px: {v}" for v in page.evaluate(AXE_RUN)]
            if (overflow := _horizontal_overflow(page)) > 0:
                problems.append(f"{path} at {width} px overflows sideways by {overflow} px")
            page.screenshot(path=str(out / f"{name}-{width}.png"), full_page=True)
        customer_context.close()
        context.close()
    assert problems == []


def test_dashboard_figures_and_phone_cards(
    browser: Any, live_server: Any, make_company: Any, make_user: Any, settings: Any
) -> None:
    from django.utils import timezone

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    me = make_company("Suministros Levante, S.L.", tax_id="B98765431")
    other = make_company("Hostelería Cantábrica, S.A.", tax_id="A39123450")
    known_data(me, other, today=timezone.localdate())
    make_user("jefa@example.com", me)
    base = live_server.url

    context = browser.new_context(locale="es-ES", viewport={"width": 390, "height": 800})
    page = context.new_page()
    # An empty login says what is missing and puts the cursor in the first field to fill.
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Contraseña").fill("pw-Secret-123")
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_load_state()
    assert page.get_by_text("Escriba el correo electrónico con el que entra.").is_visible()
    assert page.evaluate("document.activeElement.id") == "id_username"
    _log_in(page, base, "jefa@example.com", "pw-Secret-123")
    assert page.get_by_role("heading", name="Resumen", level=1).is_visible()
    receivables = page.locator("#kpi-receivables").inner_text()
    assert "1\u00a0000,00 EUR" in receivables or "1000,00 EUR" in receivables
    assert "3 facturas sin pagar" in receivables
    assert "1 vencida: 300,00 EUR" in page.locator("#kpi-receivables-overdue").inner_text()
    assert "550,00 EUR" in page.locator("#kpi-payables").inner_text()
    assert "1 fuera del plazo legal" in page.locator("#kpi-answers-overdue").inner_text()
    week = page.locator("#kpi-week").inner_text()
    assert "200,00 EUR" in week and "150,00 EUR" in week
    assert page.locator("svg.chart rect.bar-issued").count() == 12
    assert _horizontal_overflow(page) <= 0

    # A list page on a phone: one card per invoice, nothing to scroll sideways.
    page.goto(f"{base}/issued/")
    first = page.locator("table.card-table tbody tr").first
    assert first.evaluate("row => getComputedStyle(row).display") == "block"
    labels = first.locator("[data-label]").evaluate_all("cells => cells.map(c => c.dataset.label)")
    assert {"Número", "Cliente", "Total", "Estado", "Vencimiento"} <= set(labels), labels
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    context.close()


def test_known_data_today_defaults() -> None:
    """known_data is shared with the unit tests; its default day is the unit tests' one."""
    assert known_data.__kwdefaults__ == {"today": dt.date(2026, 3, 18)}
