"""Bank accounts, SEPA transfer orders (pain.001 valid against the ISO 20022 XSD), the bank's
payment-initiation hook and the confirmation that records the invoices as paid."""

from __future__ import annotations

import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from lxml import etree
from tests.efactura.payments.conftest import CUSTOMER_IBAN, SUPPLIER_IBAN, issue_payable

from efactura.invoices.choices import Status
from efactura.payments import selectors
from efactura.payments import services as payments
from efactura.payments.models import BankAccount, PaymentOrder

pytestmark = pytest.mark.django_db

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


# -- Bank accounts ----------------------------------------------------------------------------


def test_iban_is_validated_with_one_clear_message() -> None:
    assert payments.check_iban("es91 2100 0418 4502 0005 1332") == SUPPLIER_IBAN
    with pytest.raises(ValidationError) as bad:
        payments.check_iban("ES9121000418450200051333")
    assert len(bad.value.messages) == 1
    assert "not a valid IBAN" in bad.value.messages[0]
    with pytest.raises(ValidationError):
        payments.check_iban("  ")


def test_accounts_first_is_default_duplicates_refused_default_moves(
    world: dict[str, Any], account: BankAccount
) -> None:
    assert account.is_default and account.bic  # schwifty knows CaixaBank's BIC
    assert account.formatted.startswith("ES79 2100")
    with pytest.raises(ValidationError, match="already in the list"):
        payments.do_add_bank_account(
            company=world["customer"], actor=world["customer_user"], iban=CUSTOMER_IBAN
        )
    second = payments.do_add_bank_account(
        company=world["customer"],
        actor=world["customer_user"],
        iban="DE89370400440532013000",
        label="Berlin",
    )
    assert not second.is_default
    payments.do_make_default_bank_account(
        company=world["customer"], actor=world["customer_user"], account_id=second.pk
    )
    assert selectors.default_bank_account(company=world["customer"]) == second
    payments.do_remove_bank_account(
        company=world["customer"], actor=world["customer_user"], account_id=account.pk
    )
    assert list(selectors.list_bank_accounts(company=world["customer"])) == [second]


def test_viewers_cannot_add_accounts(world: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        payments.do_add_bank_account(
            company=world["customer"], actor=world["viewer"], iban=CUSTOMER_IBAN
        )


# -- Payment orders ---------------------------------------------------------------------------


def test_order_is_a_schema_valid_pain001_and_marks_invoices_ordered(
    world: dict[str, Any], account: BankAccount
) -> None:
    first = issue_payable(world, price="100")
    second = issue_payable(world, price="50.50")
    order = payments.do_create_payment_order(
        company=world["customer"],
        actor=world["customer_user"],
        invoice_ids=[first.pk, second.pk],
        account=account,
    )
    xml = bytes(order.xml)
    assert payments.schema_errors(xml) == []
    # Independently of the service: the vendored XSD accepts the file.
    schema = etree.XMLSchema(etree.parse(str(payments.SCHEMA)))
    assert schema.validate(etree.fromstring(xml))
    root = etree.fromstring(xml)
    assert root.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "2"
    assert root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == "182.11"  # 121.00 + 61.11
    assert root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == CUSTOMER_IBAN
    creditors = root.findall(".//p:CdtTrfTxInf/p:CdtrAcct/p:Id/p:IBAN", namespaces=NS)
    assert {c.text for c in creditors} == {SUPPLIER_IBAN}
    assert order.total == first.payable + second.payable
    assert selectors.ordered_invoice_ids(company=world["customer"]) == {
        str(first.pk),
        str(second.pk),
    }
    # A second order for the same invoice is refused, naming it.
    with pytest.raises(ValidationError, match=first.full_number):
        payments.do_create_payment_order(
            company=world["customer"], actor=world["customer_user"], invoice_ids=[first.pk]
        )


def test_order_refuses_invoices_without_iban_or_not_payable(
    world: dict[str, Any], account: BankAccount
) -> None:
    from efactura.invoices import services

    no_iban = issue_payable(world, iban="")
    rejected = issue_payable(world)
    services.do_reject_invoice(
        invoice=rejected, company=world["customer"], actor=world["customer_user"], reason="No"
    )
    with pytest.raises(ValidationError) as refused:
        payments.do_create_payment_order(
            company=world["customer"],
            actor=world["customer_user"],
            invoice_ids=[no_iban.pk, rejected.pk],
        )
    text = " ".join(refused.value.messages)
    assert no_iban.full_number in text and "no valid IBAN" in text
    assert rejected.full_number in text
    assert not PaymentOrder.objects.exists()
    with pytest.raises(ValidationError, match="Select the invoices"):
        payments.do_create_payment_order(
            company=world["customer"], actor=world["customer_user"], invoice_ids=[]
        )


def test_order_needs_a_bank_account(world: dict[str, Any]) -> None:
    invoice = issue_payable(world)
    with pytest.raises(ValidationError, match="Bank accounts"):
        payments.do_create_payment_order(
            company=world["customer"], actor=world["customer_user"], invoice_ids=[invoice.pk]
        )


def test_confirmation_records_payment_through_the_lifecycle(
    world: dict[str, Any], account: BankAccount
) -> None:
    invoice = issue_payable(world)
    order = payments.do_create_payment_order(
        company=world["customer"], actor=world["customer_user"], invoice_ids=[invoice.pk]
    )
    payments.do_confirm_payment_order(
        order=order, company=world["customer"], actor=world["customer_user"]
    )
    invoice.refresh_from_db()
    order.refresh_from_db()
    assert invoice.status == Status.PAID and invoice.paid_amount == invoice.payable
    assert order.state == PaymentOrder.State.CONFIRMED
    assert selectors.ordered_invoice_ids(company=world["customer"]) == set()
    assert invoice.events.filter(kind="payment").count() == 1
    # Confirming twice changes nothing.
    payments.do_confirm_payment_order(
        order=order, company=world["customer"], actor=world["customer_user"]
    )
    assert invoice.events.filter(kind="payment").count() == 1


def test_due_dates_drive_the_default_selection(world: dict[str, Any]) -> None:
    soon = issue_payable(world, due_in=2)
    overdue = issue_payable(world, due_in=-5)
    later = issue_payable(world, due_in=40)
    candidates = list(selectors.list_payable_candidates(company=world["customer"]))
    assert [c.pk for c in candidates] == [overdue.pk, soon.pk, later.pk]
    assert selectors.default_selection(candidates, days=7) == {str(soon.pk), str(overdue.pk)}
    assert selectors.default_selection(candidates, days=60) == {
        str(soon.pk),
        str(overdue.pk),
        str(later.pk),
    }


# -- The bank's payment-initiation hook ------------------------------------------------------


class _Bank:
    """A local HTTP receiver standing in for the bank's payment-initiation endpoint."""

    def __init__(self, status: int = 202) -> None:
        received: list[tuple[dict[str, str], bytes]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received.append((dict(self.headers), self.rfile.read(length)))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"queued")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pain001"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def bank(settings: Any) -> Any:
    receiver = _Bank()
    settings.EFACTURA_PAYMENT_INITIATION_URL = receiver.url
    settings.EFACTURA_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    yield receiver
    receiver.close()


def test_hook_receives_the_file_and_the_order_is_sent(
    world: dict[str, Any], account: BankAccount, bank: _Bank
) -> None:
    invoice = issue_payable(world)
    order = payments.do_create_payment_order(
        company=world["customer"], actor=world["customer_user"], invoice_ids=[invoice.pk]
    )
    order = payments.do_send_payment_order(
        order=order, company=world["customer"], actor=world["customer_user"]
    )
    assert order.state == PaymentOrder.State.SENT and order.sent_at is not None
    headers, body = bank.received[0]
    assert body == bytes(order.xml)
    assert headers["Content-Type"] == "application/xml"
    assert headers["X-Efactura-Payment-Order"] == str(order.pk)


def test_hook_refusals_are_reported_not_raised(
    world: dict[str, Any], account: BankAccount, settings: Any
) -> None:
    invoice = issue_payable(world)
    order = payments.do_create_payment_order(
        company=world["customer"], actor=world["customer_user"], invoice_ids=[invoice.pk]
    )
    with pytest.raises(ValidationError, match="No payment-initiation hook"):
        payments.do_send_payment_order(
            order=order, company=world["customer"], actor=world["customer_user"]
        )
    # A private address is refused by the SSRF-safe egress (not on the operator's allow-list).
    settings.EFACTURA_PAYMENT_INITIATION_URL = "http://127.0.0.1:9/pain001"
    settings.EFACTURA_WEBHOOK_ALLOWED_HOSTS = []
    order = payments.do_send_payment_order(
        order=order, company=world["customer"], actor=world["customer_user"]
    )
    assert order.state == PaymentOrder.State.SEND_FAILED and "127.0.0.1" in order.state_detail


def test_hook_answering_an_error_leaves_the_order_downloadable(
    world: dict[str, Any], account: BankAccount, settings: Any
) -> None:
    receiver = _Bank(status=500)
    settings.EFACTURA_PAYMENT_INITIATION_URL = receiver.url
    settings.EFACTURA_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    try:
        invoice = issue_payable(world)
        order = payments.do_create_payment_order(
            company=world["customer"], actor=world["customer_user"], invoice_ids=[invoice.pk]
        )
        order = payments.do_send_payment_order(
            order=order, company=world["customer"], actor=world["customer_user"]
        )
    finally:
        receiver.close()
    assert order.state == PaymentOrder.State.SEND_FAILED and "HTTP 500" in order.state_detail


# -- The API callback ----------------------------------------------------------------------


def test_api_callback_confirms_the_order(
    world: dict[str, Any], account: BankAccount, client: Any
) -> None:
    from efactura.companies.services import do_create_api_key

    invoice = issue_payable(world)
    order = payments.do_create_payment_order(
        company=world["customer"], actor=world["customer_user"], invoice_ids=[invoice.pk]
    )
    _row, key = do_create_api_key(company=world["customer"], name="Bank", scopes=("status",))
    headers = {"Authorization": f"Bearer {key}"}
    missing = client.post(
        "/api/v1/payment-orders/00000000-0000-0000-0000-000000000000/confirm",
        data="{}",
        content_type="application/json",
        headers=headers,
    )
    assert missing.status_code == 404
    answer = client.post(
        f"/api/v1/payment-orders/{order.pk}/confirm",
        data='{"date": null}',
        content_type="application/json",
        headers=headers,
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "confirmed"
    assert answer.json()["invoices"] == [invoice.full_number]
    invoice.refresh_from_db()
    assert invoice.status == Status.PAID
    assert invoice.paid_amount == Decimal("121.00")
