"""Browser flow: a supplier issues an invoice in the form, the customer opens and accepts it,
the supplier sees "accepted", and the PDF downloads with the number and total in its text.

Real components: Debian's chromium through Playwright, Django's live server, the real signing,
rendering and PDF code.  Screenshots of each step are kept in the test's temporary folder.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from tests.efactura.invoices import helpers as h

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Secret-123"


@pytest.fixture
def people(
    transactional_db: Any, make_company: Any, make_user: Any, settings: Any
) -> dict[str, Any]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seller = h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)
    buyer = h.company(make_company, "Hostelería Cantábrica, S.A.", h.BUYER_TAX_ID)
    from efactura.invoices.models import Series

    Series.objects.create(company=seller, code="FV")
    return {
        "seller": make_user("proveedor@example.com", seller, language="en"),
        "buyer": make_user("cliente@example.com", buyer, role="accountant", language="en"),
    }


def _page(browser: Any, errors: list[str]) -> Any:
    context = browser.new_context(
        locale="en-GB", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text) if msg.type == "error" and "422" not in msg.text else None
        ),
    )
    return page


def _log_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def test_issue_receive_read_accept_and_download_the_pdf(
    browser: Any, live_server: Any, people: dict[str, Any], tmp_path: Path
) -> None:
    from pypdf import PdfReader

    from efactura.invoices.models import Invoice

    base = live_server.url
    errors: list[str] = []

    # 1. The supplier fills in the form; the totals follow as lines are typed.
    supplier = _page(browser, errors)
    _log_in(supplier, base, "proveedor@example.com")
    supplier.get_by_role("link", name="Invoices issued").click()
    supplier.get_by_role("link", name="New invoice").click()
    supplier.fill("#id_customer_tax_id", "A39123450")
    supplier.fill("#id_customer_name", "Hostelería Cantábrica, S.A.")
    supplier.fill("#id_customer_address", "Paseo de Pereda, 20")
    supplier.fill("#id_customer_postal_code", "39004")
    supplier.fill("#id_customer_city", "Santander")
    supplier.fill("#id_customer_province", "Cantabria")
    supplier.select_option("#id_series", "FV")
    supplier.fill("#id_lines-0-name", "Café en grano, 1 kg")
    supplier.fill("#id_lines-0-quantity", "3")
    supplier.fill("#id_lines-0-price", "18.50")
    supplier.get_by_role("button", name="Add a line").click()
    supplier.fill("#id_lines-1-name", "Mantenimiento cafetera")
    supplier.fill("#id_lines-1-quantity", "1")
    supplier.fill("#id_lines-1-price", "40")
    supplier.select_option("#id_lines-1-tax", "IVA-10")
    supplier.fill("#id_iban", "ES9121000418450200051332")
    total = supplier.locator('[data-total="total"]')
    # 55.50 + 11.66 (21 %) + 40.00 + 4.00 (10 %) = 111.16, computed by the server's totals.
    total.filter(has_text=re.compile(r"111[.,]16")).wait_for(timeout=10_000)
    supplier.screenshot(path=str(tmp_path / "1-form.png"), full_page=True)
    supplier.get_by_role("button", name="Issue and sign invoice").click()
    supplier.wait_for_url(re.compile(r".*/invoices/[0-9a-f-]+/$"))
    number = "FV000001"
    assert number in supplier.locator("h1").inner_text()
    assert supplier.locator(".status-received").count() >= 1
    invoice = Invoice.objects.get(full_number=number)
    assert str(invoice.total) == "111.16"

    # 2. The customer finds it in Invoices payable, opens it (read) and accepts it.
    customer = _page(browser, errors)
    _log_in(customer, base, "cliente@example.com")
    customer.goto(f"{base}/payable/")
    row = customer.locator("tr", has=customer.get_by_role("link", name=number))
    assert row.count() == 1 and "Received" in row.inner_text()
    customer.get_by_role("link", name=number).click()
    customer.wait_for_url(f"{base}/invoices/{invoice.pk}/")
    assert customer.locator(".status-read").count() >= 1
    invoice.refresh_from_db()
    assert invoice.status == "read"
    customer.screenshot(path=str(tmp_path / "2-customer.png"), full_page=True)
    customer.get_by_role("button", name="Accept", exact=True).click()
    customer.locator(".message-success").wait_for()
    assert customer.locator(".status-accepted").count() >= 1

    # 3. The supplier sees the acceptance on its side, in the list and on the page.
    supplier.goto(f"{base}/issued/")
    assert (
        "Accepted"
        in supplier.locator("tr", has=supplier.get_by_role("link", name=number)).inner_text()
    )
    supplier.get_by_role("link", name=number).click()
    timeline = supplier.locator(".timeline").inner_text()
    assert "Read by the customer" in timeline and "Accepted" in timeline
    supplier.screenshot(path=str(tmp_path / "3-supplier-accepted.png"), full_page=True)

    # 4. The PDF downloads; its text carries the number and the total.
    with supplier.expect_download() as download_info:
        supplier.get_by_role("link", name="PDF", exact=True).click()
    pdf_path = tmp_path / "invoice.pdf"
    download_info.value.save_as(pdf_path)
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages
    )
    assert number in text
    assert re.search(r"111[.,]16", text)
    assert not errors, errors
