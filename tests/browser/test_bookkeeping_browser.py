"""Browser checks of issue 18 (bookkeeping and bank): a negative quantity is refused on an
ordinary invoice, the series is chosen from a list showing the next number, paying from the
inbox produces a pain.001 that validates against the ISO 20022 XSD, and bulk accept.

Real components: Debian's chromium through Playwright, Django's live server, the real issuing,
signing and pain.001 code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.efactura.invoices import helpers as h
from tests.efactura.payments.conftest import CUSTOMER_IBAN, issue_payable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Secret-123"


@pytest.fixture
def world(
    transactional_db: Any, make_company: Any, make_user: Any, settings: Any
) -> dict[str, Any]:
    from efactura.invoices.models import Series
    from efactura.payments.services import do_add_bank_account

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    supplier = h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)
    customer = h.company(make_company, "Hostelería Cantábrica, S.A.", h.BUYER_TAX_ID)
    Series.objects.create(company=supplier, code="A")
    Series.objects.create(company=supplier, code="FV26", description="2026")
    people = {
        "supplier": supplier,
        "customer": customer,
        "supplier_user": make_user("proveedor@example.com", supplier, language="en"),
        "customer_user": make_user(
            "cliente@example.com", customer, role="accountant", language="en"
        ),
    }
    do_add_bank_account(company=customer, actor=people["customer_user"], iban=CUSTOMER_IBAN)
    return people


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
    page.wait_for_url(f"{base}/")  # the dashboard is the landing page


def _fill_customer(page: Any) -> None:
    page.fill("#id_customer_name", "Hostelería Cantábrica, S.A.")
    page.fill("#id_customer_address", "Paseo de Pereda, 20")
    page.fill("#id_customer_postal_code", "39004")
    page.fill("#id_customer_city", "Santander")
    page.fill("#id_customer_province", "Cantabria")
    page.fill("#id_iban", "ES9121000418450200051332")


def test_negative_quantity_refused_tax_id_marked_and_series_chosen(
    browser: Any, live_server: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    from efactura.invoices.models import Invoice

    base = live_server.url
    errors: list[str] = []
    page = _page(browser, errors)
    _log_in(page, base, "proveedor@example.com")
    page.goto(f"{base}/issued/new/")

    # The tax ID is checked as it is typed, on the field itself.
    page.fill("#id_customer_tax_id", "B12345678")
    check = page.locator("#id_customer_tax_id-check")
    check.filter(has_text=re.compile("check digit")).wait_for(timeout=10_000)
    assert page.get_attribute("#id_customer_tax_id", "aria-invalid") == "true"
    page.fill("#id_customer_tax_id", "A39123450")
    page.locator("#id_customer_tax_id:not([aria-invalid])").wait_for(timeout=10_000)

    # The series is a choice among the company's series, each with its next number.
    options = page.locator("#id_series option").all_inner_texts()
    assert any("A000001" in o for o in options) and any("FV26000001" in o for o in options)

    # Quantity −2 on an ordinary invoice: refused, on the line, with the corrective path.
    _fill_customer(page)
    page.fill("#id_lines-0-name", "Devolución de envases")
    page.fill("#id_lines-0-quantity", "-2")
    page.fill("#id_lines-0-price", "10")
    page.get_by_role("button", name="Issue and sign invoice").click()
    page.locator(".corrective-path").first.wait_for()
    assert "cannot have a negative total" in page.content()
    page.screenshot(path=str(tmp_path / "negative.png"), full_page=True)
    assert not Invoice.objects.exists()

    # The same invoice with a positive quantity, in the chosen series.
    page.fill("#id_lines-0-quantity", "2")
    page.select_option("#id_series", "FV26")
    page.get_by_role("button", name="Issue and sign invoice").click()
    page.wait_for_url(re.compile(r".*/invoices/[0-9a-f-]+/$"))
    assert "FV26000001" in page.locator("h1").inner_text()
    assert Invoice.objects.get().full_number == "FV26000001"
    assert not errors, errors


def test_pay_from_the_inbox_produces_a_valid_pain001(
    browser: Any, live_server: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    from lxml import etree

    from efactura.invoices.choices import Status
    from efactura.payments.services import SCHEMA

    soon = issue_payable(world, due_in=2, price="100")
    overdue = issue_payable(world, due_in=-3, price="40")
    later = issue_payable(world, due_in=45, price="70")
    base = live_server.url
    errors: list[str] = []
    page = _page(browser, errors)
    _log_in(page, base, "cliente@example.com")
    page.goto(f"{base}/payable/")
    page.get_by_role("link", name="Pay by transfer").first.click()
    page.wait_for_url(f"{base}/payable/pay/")
    # Due dates drive the default selection: due within 7 days or overdue.
    assert page.is_checked(f"input[value='{soon.pk}']")
    assert page.is_checked(f"input[value='{overdue.pk}']")
    assert not page.is_checked(f"input[value='{later.pk}']")
    page.get_by_role("button", name="Make the transfer order").click()
    page.wait_for_url(re.compile(r".*/payable/payment-orders/[0-9a-f-]+/$"))
    page.screenshot(path=str(tmp_path / "order.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the pain.001 file").click()
    path = tmp_path / "pain001.xml"
    download_info.value.save_as(path)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    assert document.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=ns) == "2"
    assert document.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == "169.40"

    # The invoices show "payment ordered" until the bank's payment is confirmed.
    page.goto(f"{base}/payable/")
    row = page.locator("tr", has=page.get_by_role("link", name=soon.full_number))
    assert "payment ordered" in row.inner_text()
    page.go_back()
    page.get_by_role("button", name="The bank has paid: mark the invoices paid").click()
    page.locator(".message-success").wait_for()
    for invoice in (soon, overdue):
        invoice.refresh_from_db()
        assert invoice.status == Status.PAID
    later.refresh_from_db()
    assert later.status != Status.PAID
    assert not errors, errors


def test_bulk_accept(browser: Any, live_server: Any, world: dict[str, Any]) -> None:
    from efactura.invoices.choices import Status

    first, second, third = (issue_payable(world) for _ in range(3))
    base = live_server.url
    errors: list[str] = []
    page = _page(browser, errors)
    _log_in(page, base, "cliente@example.com")
    page.goto(f"{base}/payable/")
    page.get_by_role("checkbox", name=f"Select invoice {first.full_number}").check()
    page.get_by_role("checkbox", name=f"Select invoice {second.full_number}").check()
    page.locator(".bulk-bar").get_by_role("button", name="Accept", exact=True).click()
    page.locator(".message-success").filter(has_text="2 invoices accepted").wait_for()
    for invoice, status in ((first, Status.ACCEPTED), (second, Status.ACCEPTED)):
        invoice.refresh_from_db()
        assert invoice.status == status
    third.refresh_from_db()
    assert third.status == Status.RECEIVED
    # "Select all" ticks every invoice of the page (JavaScript only).
    page.get_by_role("checkbox", name="Select all invoices on this page").check()
    assert page.locator("input[name=invoice]:checked").count() == 3
    assert not errors, errors
