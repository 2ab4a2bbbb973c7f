"""Issue 18, bookkeeping and bank: negative totals, series, IBAN, the tax-ID check, Set-up
pages for series and bank accounts, bulk actions, exports and paying from the inbox."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from lxml import etree
from tests.efactura.payments.conftest import (  # noqa: F401 - fixtures
    CUSTOMER_IBAN,
    SUPPLIER_IBAN,
    account,
    issue_payable,
    world,
)
from tests.efactura.web.test_invoices_pages import form_data

from efactura.invoices import services
from efactura.invoices.choices import Status
from efactura.invoices.models import Invoice, Series
from efactura.payments import services as payments
from efactura.payments.models import BankAccount, PaymentOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(client: Any, world: dict[str, Any]) -> Any:  # noqa: F811
    Series.objects.create(company=world["supplier"], code="A")
    Series.objects.create(company=world["supplier"], code="R", is_corrective=True)
    client.force_login(world["supplier_user"])
    return client


@pytest.fixture
def buyer(client: Any, world: dict[str, Any]) -> Any:  # noqa: F811
    client.force_login(world["customer_user"])
    return client


# -- The invoice form ------------------------------------------------------------------------


def test_negative_quantity_is_refused_on_an_ordinary_invoice(seller: Any) -> None:
    lines = [{"name": "Devolución", "quantity": "-2", "price": "10", "tax": "IVA-21"}]
    response = seller.post(reverse("web:invoice_new"), form_data(lines))
    assert response.status_code == 422
    html = response.content.decode()
    assert "cannot have a negative total" in html
    assert "Find the invoice to correct" in html
    assert not Invoice.objects.exists()


def test_the_service_refuses_a_negative_ordinary_invoice_but_a_corrective_may(
    seller: Any,
    world: dict[str, Any],  # noqa: F811
) -> None:
    from tests.efactura.invoices import helpers as h

    with pytest.raises(services.InvoiceRejected) as refused:
        services.do_issue_invoice(
            company=world["supplier"],
            actor=world["supplier_user"],
            draft=h.draft(lines=(("Abono", "-1", "10", "21"),)),
            series_code="A",
        )
    assert refused.value.violations[0].rule == "EF-NEGATIVE-TOTAL"
    original = issue_payable(world)
    lines = [{"name": "Abono", "quantity": "-1", "price": "10", "tax": "IVA-21"}]
    response = seller.post(
        reverse("web:invoice_new"),
        form_data(
            lines,
            series="R",
            corrects=str(original.pk),
            correction_reason="01",
            correction_method="02",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    corrective = Invoice.objects.get(series="R")
    assert corrective.total < 0 and corrective.corrects == original


def test_series_are_chosen_with_the_next_number_shown(seller: Any) -> None:
    html = seller.get(reverse("web:invoice_new")).content.decode()
    assert '<select name="series"' in html and "next number A000001" in html
    assert "R000001" not in html  # the corrective series is offered on corrective invoices only
    response = seller.post(reverse("web:invoice_new"), form_data(series="FV26"))
    assert response.status_code == 422
    assert not Invoice.objects.exists()
    assert seller.post(reverse("web:invoice_new"), form_data()).status_code == 302
    assert "next number A000002" in seller.get(reverse("web:invoice_new")).content.decode()


def test_without_series_the_form_points_to_set_up(client: Any, world: dict[str, Any]) -> None:  # noqa: F811
    client.force_login(world["supplier_user"])
    html = client.get(reverse("web:invoice_new")).content.decode()
    assert "has no invoice series yet" in html and reverse("web:series") in html


def test_iban_is_prefilled_and_an_invalid_one_gets_one_message(
    seller: Any,
    world: dict[str, Any],  # noqa: F811
) -> None:
    payments.do_add_bank_account(
        company=world["supplier"], actor=world["supplier_user"], iban=SUPPLIER_IBAN
    )
    assert f'value="{SUPPLIER_IBAN}"' in seller.get(reverse("web:invoice_new")).content.decode()
    response = seller.post(reverse("web:invoice_new"), form_data(iban="ES0000000000000000000000"))
    html = response.content.decode()
    assert "is not a valid IBAN" in html
    assert "Give the IBAN for a bank transfer" not in html


def test_tax_id_check_as_you_type(seller: Any) -> None:
    url = reverse("web:check_tax_id")
    assert seller.get(url, {"tax_id": "A39123450"}).json()["valid"] is True
    bad = seller.get(url, {"tax_id": "B12345678", "country": "ES"}).json()
    assert bad["valid"] is False and "check digit" in bad["message"]
    assert seller.get(url, {"tax_id": ""}).json()["valid"] is None


# -- Set-up pages -----------------------------------------------------------------------------


def test_series_set_up_page(seller: Any, world: dict[str, Any]) -> None:  # noqa: F811
    url = reverse("web:series")
    response = seller.post(
        url, {"code": "fv26", "description": "2026", "first_number": "7", "digits": "4"}
    )
    assert response.status_code == 302
    html = seller.get(url).content.decode()
    assert "FV260007" in html
    duplicate = seller.post(url, {"code": "FV26", "first_number": "1", "digits": "6"})
    assert duplicate.status_code == 422 and "already exists" in duplicate.content.decode()
    bad = seller.post(url, {"code": "FV 26!", "first_number": "1", "digits": "6"})
    assert bad.status_code == 422


def test_bank_accounts_set_up_page(seller: Any, world: dict[str, Any]) -> None:  # noqa: F811
    url = reverse("web:bank_accounts")
    assert seller.post(url, {"iban": "ES91 2100 0418 4502 0005 1332"}).status_code == 302
    bad = seller.post(url, {"iban": "ES91 2100 0418 4502 0005 1333"})
    assert bad.status_code == 422 and "not a valid IBAN" in bad.content.decode()
    assert seller.post(url, {"iban": "DE89370400440532013000", "label": "DE"}).status_code == 302
    second = BankAccount.objects.get(iban="DE89370400440532013000")
    seller.post(reverse("web:bank_account_action", args=[second.pk, "default"]))
    second.refresh_from_db()
    assert second.is_default
    seller.post(reverse("web:bank_account_action", args=[second.pk, "remove"]))
    assert not BankAccount.objects.filter(pk=second.pk).exists()
    assert "ES91 2100" in seller.get(url).content.decode()


def test_viewers_cannot_change_set_up(client: Any, world: dict[str, Any]) -> None:  # noqa: F811
    client.force_login(world["viewer"])
    assert client.post(reverse("web:bank_accounts"), {"iban": CUSTOMER_IBAN}).status_code == 403
    assert client.get(reverse("web:bank_accounts")).status_code == 200


# -- Bulk actions and exports ------------------------------------------------------------------


def _bulk(c: Any, section: str, invoices: list[Invoice], **data: str) -> Any:
    return c.post(
        reverse(f"web:{section}_bulk"), {"invoice": [str(i.pk) for i in invoices], **data}
    )


def test_bulk_accept_reject_and_record_payment(buyer: Any, world: dict[str, Any]) -> None:  # noqa: F811
    Series.objects.create(company=world["supplier"], code="A")
    first, second, third = (issue_payable(world) for _ in range(3))
    response = _bulk(buyer, "payable", [first, second], action="accept")
    assert response.status_code == 302
    for invoice in (first, second):
        invoice.refresh_from_db()
        assert invoice.status == Status.ACCEPTED
    # Rejection needs one reason for all; accepted invoices cannot be rejected any more.
    _bulk(buyer, "payable", [third], action="reject")
    third.refresh_from_db()
    assert third.status == Status.RECEIVED
    response = _bulk(buyer, "payable", [first, third], action="reject", reason="Precio erróneo")
    third.refresh_from_db()
    assert third.status == Status.REJECTED and third.rejection_reason == "Precio erróneo"
    page = buyer.get(response.url).content.decode()
    assert "1 invoice rejected." in page and first.full_number in page
    _bulk(buyer, "payable", [first, second], action="pay")
    for invoice in (first, second):
        invoice.refresh_from_db()
        assert invoice.status == Status.PAID
    assert _bulk(buyer, "payable", [], action="accept").status_code == 302


def test_bulk_zip_holds_pdfs_and_originals(seller: Any, world: dict[str, Any]) -> None:  # noqa: F811
    invoices = [issue_payable(world), issue_payable(world)]
    response = _bulk(seller, "issued", invoices, action="zip")
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == ["A000001.pdf", "A000001.xsig", "A000002.pdf", "A000002.xsig"]


def test_bulk_export_csv_in_spanish_opens_in_spanish_excel(
    seller: Any,
    world: dict[str, Any],  # noqa: F811
) -> None:
    world["supplier_user"].language = "es"
    world["supplier_user"].save()
    invoice = issue_payable(world, price="1234.5")
    response = _bulk(seller, "issued", [invoice], action="csv")
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Número de factura"
    assert rows[1][0] == invoice.full_number
    assert rows[1][8] == "1493,75"  # 1234.50 + 21 %, decimal comma
    assert rows[1][1].count("/") == 2  # dd/mm/yyyy


def test_xlsx_export_has_numbers_and_dates(seller: Any, world: dict[str, Any]) -> None:  # noqa: F811
    from openpyxl import load_workbook

    issue_payable(world, price="10")
    issue_payable(world, price="20")
    response = seller.get(reverse("web:issued_xlsx"), {"amount_min": "20"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Invoice number"
    assert len(rows) == 2 and rows[1][0] == "A000002"
    assert rows[1][8] == pytest.approx(24.20)
    assert rows[1][1] is not None and hasattr(rows[1][1], "year")
    selected = _bulk(seller, "issued", list(Invoice.objects.all()), action="xlsx")
    assert len(list(load_workbook(io.BytesIO(selected.content)).active.iter_rows())) == 3


# -- Pay from the inbox --------------------------------------------------------------------------


def test_pay_page_orders_downloads_and_confirms(
    buyer: Any,
    world: dict[str, Any],  # noqa: F811
    account: BankAccount,  # noqa: F811
) -> None:
    Series.objects.create(company=world["supplier"], code="A")
    soon = issue_payable(world, due_in=2)
    later = issue_payable(world, due_in=40)
    html = buyer.get(reverse("web:pay")).content.decode()
    assert f'value="{soon.pk}" checked' in html
    assert f'value="{later.pk}" checked' not in html and f'value="{later.pk}"' in html
    response = buyer.post(
        reverse("web:pay"),
        {"invoice": [str(soon.pk)], "account": str(account.pk), "execution_date": "2099-01-02"},
    )
    assert response.status_code == 302
    order = PaymentOrder.objects.get()
    page = buyer.get(response.url).content.decode()
    assert "Download the pain.001 file" in page and soon.full_number in page
    assert "payment ordered" in buyer.get(reverse("web:payable")).content.decode()
    assert "payment ordered" in buyer.get(reverse("web:invoice", args=[soon.pk])).content.decode()
    xml = buyer.get(reverse("web:payment_order_file", args=[order.pk])).content
    schema = etree.XMLSchema(etree.parse(str(payments.SCHEMA)))
    assert schema.validate(etree.fromstring(xml))
    buyer.post(reverse("web:payment_order_action", args=[order.pk, "confirm"]))
    soon.refresh_from_db()
    assert soon.status == Status.PAID and soon.paid_amount == Decimal("121.00")
    # A bulk "pay by transfer" lands on the same page with those invoices ticked.
    redirect = _bulk(buyer, "payable", [later], action="order")
    assert redirect.url.startswith(reverse("web:pay"))
    assert f'value="{later.pk}" checked' in buyer.get(redirect.url).content.decode()


def test_pay_page_reports_refusals_and_sends_to_the_hook(
    buyer: Any,
    world: dict[str, Any],  # noqa: F811
    account: BankAccount,  # noqa: F811
    settings: Any,
) -> None:
    Series.objects.create(company=world["supplier"], code="A")
    invoice = issue_payable(world)
    refused = buyer.post(
        reverse("web:pay"), {"account": str(account.pk), "execution_date": "2099-01-02"}
    )
    assert refused.status_code == 422 and "Select the invoices" in refused.content.decode()
    buyer.post(
        reverse("web:pay"),
        {"invoice": [str(invoice.pk)], "account": str(account.pk), "execution_date": "2099-01-02"},
    )
    order = PaymentOrder.objects.get()
    settings.EFACTURA_PAYMENT_INITIATION_URL = "http://127.0.0.1:9/pain001"
    settings.EFACTURA_WEBHOOK_ALLOWED_HOSTS = []
    response = buyer.post(reverse("web:payment_order_action", args=[order.pk, "send"]))
    page = buyer.get(response.url).content.decode()
    assert "did not take the payment order" in page
    assert (
        buyer.get(
            reverse("web:payment_order", args=["00000000-0000-0000-0000-000000000000"])
        ).status_code
        == 404
    )
