"""Bank accounts, and paying invoices payable with SEPA credit-transfer orders (pain.001).

Flow: the company selects invoices payable (due dates drive the default selection,
:func:`efactura.payments.selectors.list_payable_candidates`); :func:`do_create_payment_order`
writes one pain.001.001.03 file with ``sepaxml`` from one of its bank accounts, checked against
the vendored ISO 20022 schema; the file is downloaded or handed to the bank's
payment-initiation hook (:func:`do_send_payment_order`, a POST through the SSRF-safe egress,
outside any transaction); when the bank confirms it (a button, or the API callback),
:func:`do_confirm_payment_order` records each invoice's payment through the invoices lifecycle.

While an order is open its invoices show "payment ordered"; that marker lives here, not in
``Invoice.status``, so the lifecycle's statuses stay the lifecycle's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.acting import Actor
from efactura.companies.models import Company
from efactura.invoices.models import Invoice
from efactura.invoices.services import _require_writer, canonical, list_allowed_actions
from efactura.payments.models import BankAccount, PaymentOrder, PaymentOrderItem

User = get_user_model()
SCHEMA = Path(__file__).parent / "schemas" / "pain.001.001.03.xsd"
HOOK_TIMEOUT = 20.0


# ---------------------------------------------------------------------------------------------
# Bank accounts
# ---------------------------------------------------------------------------------------------


def check_iban(value: str) -> str:
    """The IBAN in its compact form, or one clear ``ValidationError`` (schwifty's checks:
    country, length, check digits and the national bank-code format)."""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    compact = "".join(value.split()).upper()
    if not compact:
        raise ValidationError(_("Write the IBAN."), code="required")
    try:
        return str(IBAN(compact).compact)
    except SchwiftyException:
        raise ValidationError(
            _(
                "%(iban)s is not a valid IBAN: check the two country letters, the two check "
                "digits and the number of characters."
            )
            % {"iban": compact[:40]},
            code="iban",
        ) from None


def bic_of(iban: str) -> str:
    """The BIC schwifty knows for ``iban``'s bank, or ``""``."""
    from schwifty import IBAN

    try:
        bic = IBAN(iban).bic
    except Exception:
        return ""
    return str(bic) if bic else ""


def do_add_bank_account(
    *, company: Company, actor: Actor, iban: str, label: str = "", make_default: bool = False
) -> BankAccount:
    """Add an account of ``company`` (the first one becomes the default)."""
    _require_writer(actor=actor, company=company)
    compact = check_iban(iban)
    with transaction.atomic():
        if BankAccount.objects.filter(company=company, iban=compact).exists():
            raise ValidationError(
                _("The account %(iban)s is already in the list.") % {"iban": compact},
                code="duplicate",
            )
        first = not BankAccount.objects.filter(company=company).exists()
        if make_default:
            BankAccount.objects.filter(company=company).update(is_default=False)
        account = BankAccount.objects.create(
            company=company,
            iban=compact,
            bic=bic_of(compact),
            label=label.strip()[:100],
            is_default=make_default or first,
        )
        record(
            action="payments.bankaccount.added",
            actor=actor,
            company=company,
            obj=account,
            data={"iban": compact},
        )
    return account


def do_make_default_bank_account(*, company: Company, actor: Actor, account_id: int) -> None:
    _require_writer(actor=actor, company=company)
    with transaction.atomic():
        account = BankAccount.objects.get(company=company, pk=account_id)
        BankAccount.objects.filter(company=company).update(is_default=False)
        account.is_default = True
        account.save(update_fields=["is_default"])
        record(
            action="payments.bankaccount.default",
            actor=actor,
            company=company,
            obj=account,
            data={"iban": account.iban},
        )


def do_remove_bank_account(*, company: Company, actor: Actor, account_id: int) -> None:
    _require_writer(actor=actor, company=company)
    with transaction.atomic():
        account = BankAccount.objects.get(company=company, pk=account_id)
        if account.orders.exists():
            raise ValidationError(
                _("%(iban)s has payment orders; it stays in the list.") % {"iban": account.iban},
                code="in_use",
            )
        account.delete()
        record(
            action="payments.bankaccount.removed",
            actor=actor,
            company=company,
            data={"iban": account.iban},
        )


# ---------------------------------------------------------------------------------------------
# Payment orders
# ---------------------------------------------------------------------------------------------


def creditor_account(invoice: Invoice) -> str:
    """The IBAN the supplier asks to be paid into (BT-84), or ``""``."""
    payment = canonical(invoice).payment
    if payment is None or not payment.credit_transfers:
        return ""
    return "".join(payment.credit_transfers[0].account.split()).upper()


def _open_items(company: Company) -> Any:
    return PaymentOrderItem.objects.filter(order__company=company).exclude(
        order__state=PaymentOrder.State.CONFIRMED
    )


def _check_payable(
    *, invoice: Invoice, company: Company, actor: Actor, ordered: set[Any]
) -> tuple[str, Decimal]:
    """The creditor IBAN and amount to pay for ``invoice``; ``ValidationError`` naming it."""
    number = invoice.full_number
    if invoice.pk in ordered:
        raise ValidationError(
            _("Invoice %(number)s already has a payment order.") % {"number": number}
        )
    if not list_allowed_actions(invoice=invoice, company=company, actor=actor)["pay"]:
        raise ValidationError(
            _("Invoice %(number)s is %(status)s: it cannot be paid.")
            % {"number": number, "status": invoice.get_status_display().lower()}
        )
    outstanding = invoice.payable - invoice.paid_amount
    if outstanding <= 0:
        raise ValidationError(_("Invoice %(number)s has nothing left to pay.") % {"number": number})
    iban = creditor_account(invoice)
    try:
        iban = check_iban(iban)
    except ValidationError:
        raise ValidationError(
            _(
                "Invoice %(number)s gives no valid IBAN of %(supplier)s to pay into; pay it "
                "another way."
            )
            % {"number": number, "supplier": invoice.seller_name}
        ) from None
    return iban, outstanding


def _cents(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1)))


@cache
def _schema() -> Any:
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def schema_errors(xml: bytes) -> list[str]:
    """Where ``xml`` breaks the ISO 20022 pain.001.001.03 schema (empty when it is valid)."""
    from einvoice.xml import parse_bytes

    schema = _schema()
    document = parse_bytes(xml)
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def render_pain001(
    *,
    company: Company,
    account: BankAccount,
    execution_date: dt.date,
    transfers: list[dict[str, Any]],
) -> bytes:
    """A pain.001.001.03 file with one payment block from ``account`` (sepaxml)."""
    from sepaxml import SepaTransfer

    config = {
        "name": company.legal_name[:70],
        "IBAN": account.iban,
        "BIC": account.bic or None,
        "batch": True,
        "currency": "EUR",
    }
    if not account.bic:
        config.pop("BIC")
    sepa = SepaTransfer(config, clean=True)
    for transfer in transfers:
        payment = {
            "name": transfer["name"],
            "IBAN": transfer["iban"],
            "amount": _cents(transfer["amount"]),
            "execution_date": execution_date,
            "description": transfer["description"],
            "endtoend_id": transfer["end_to_end_id"],
        }
        sepa.add_payment(payment)
    xml: bytes = sepa.export(validate=False)
    return xml


def do_create_payment_order(
    *,
    company: Company,
    actor: Actor,
    invoice_ids: list[Any],
    account: BankAccount | None = None,
    execution_date: dt.date | None = None,
    source: str = Source.WEB,
) -> PaymentOrder:
    """One pain.001 order paying the outstanding amount of each selected invoice payable.

    Refuses the whole order (``ValidationError`` listing each invoice and why) when any invoice
    cannot be paid now, is already in an open order, or names no valid IBAN to pay into.
    """
    _require_writer(actor=actor, company=company)
    if not invoice_ids:
        raise ValidationError(_("Select the invoices to pay."), code="empty")
    account = account or BankAccount.objects.filter(company=company, is_default=True).first()
    if account is None or account.company_id != company.pk:
        raise ValidationError(
            _("Add your company's bank account in Tools › Set-up › Bank accounts first."),
            code="no_account",
        )
    execution_date = max(execution_date or timezone.localdate(), timezone.localdate())
    invoices = list(
        Invoice.objects.filter(recipient=company, pk__in=invoice_ids).order_by(
            "due_date", "full_number"
        )
    )
    if len(invoices) != len(set(map(str, invoice_ids))):
        raise Invoice.DoesNotExist
    ordered = set(_open_items(company).values_list("invoice_id", flat=True))
    problems: list[str] = []
    transfers: list[dict[str, Any]] = []
    for index, invoice in enumerate(invoices, start=1):
        try:
            iban, amount = _check_payable(
                invoice=invoice, company=company, actor=actor, ordered=ordered
            )
        except ValidationError as exc:
            problems.extend(exc.messages)
            continue
        transfers.append(
            {
                "invoice": invoice,
                "name": invoice.seller_name,
                "iban": iban,
                "amount": amount,
                "description": _("Invoice %(number)s") % {"number": invoice.full_number},
                "end_to_end_id": f"{invoice.full_number[:28]}-{index}"[:35],
            }
        )
    if problems:
        raise ValidationError(problems, code="not_payable")
    xml = render_pain001(
        company=company, account=account, execution_date=execution_date, transfers=transfers
    )
    errors = schema_errors(xml)
    if errors:  # pragma: no cover - sepaxml writes valid files; never hand the bank a bad one
        raise ValidationError(
            _("The payment order could not be written: %(errors)s") % {"errors": errors[0]}
        )
    from einvoice.xml import parse_bytes

    found = parse_bytes(xml).findtext(
        ".//{urn:iso:std:iso:20022:tech:xsd:pain.001.001.03}MsgId", default=""
    )
    message_id = (found or "").strip()
    with transaction.atomic():
        order = PaymentOrder.objects.create(
            company=company,
            bank_account=account,
            message_id=message_id[:35],
            execution_date=execution_date,
            total=sum((t["amount"] for t in transfers), Decimal(0)),
            xml=xml,
            created_by=actor if isinstance(actor, User) else None,
        )
        PaymentOrderItem.objects.bulk_create(
            PaymentOrderItem(
                order=order,
                invoice=t["invoice"],
                amount=t["amount"],
                creditor_name=t["name"][:200],
                creditor_iban=t["iban"],
                end_to_end_id=t["end_to_end_id"],
            )
            for t in transfers
        )
        record(
            action="payments.order.created",
            actor=actor,
            company=company,
            obj=order,
            source=Source(source),
            data={
                "message_id": order.message_id,
                "invoices": [t["invoice"].full_number for t in transfers],
                "total": str(order.total),
            },
        )
    return order


def hook_configured() -> bool:
    return bool(settings.EFACTURA_PAYMENT_INITIATION_URL)


def do_send_payment_order(*, order: PaymentOrder, company: Company, actor: Actor) -> PaymentOrder:
    """Hand the pain.001 file to the bank's payment-initiation hook (HTTP POST).

    The POST runs outside any transaction, through :mod:`efactura.api.egress` (no private
    addresses unless the operator allowed them, no redirects); its outcome is stored after.
    """
    from efactura.api import egress

    _require_writer(actor=actor, company=company)
    if order.company_id != company.pk:
        raise PaymentOrder.DoesNotExist
    url = settings.EFACTURA_PAYMENT_INITIATION_URL
    if not url:
        raise ValidationError(_("No payment-initiation hook is configured: download the file."))
    if order.state == PaymentOrder.State.CONFIRMED:
        raise ValidationError(_("This payment order is already paid."))
    try:
        response = egress.post(
            url,
            content=bytes(order.xml),
            headers={
                "Content-Type": "application/xml",
                "X-Efactura-Payment-Order": str(order.pk),
                "X-Efactura-Company": company.tax_id,
            },
            timeout=HOOK_TIMEOUT,
        )
    except ValidationError as exc:
        state, detail = PaymentOrder.State.SEND_FAILED, " ".join(exc.messages)
    except Exception as exc:
        state, detail = PaymentOrder.State.SEND_FAILED, f"{type(exc).__name__}: {exc}"
    else:
        if 200 <= response.status_code < 300:
            state, detail = PaymentOrder.State.SENT, f"HTTP {response.status_code}"
        else:
            state = PaymentOrder.State.SEND_FAILED
            detail = f"HTTP {response.status_code}: {response.text[:300]}"
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
        if order.state != PaymentOrder.State.CONFIRMED:
            order.state = state
            order.state_detail = detail[:500]
            if state == PaymentOrder.State.SENT:
                order.sent_at = timezone.now()
            order.save(update_fields=["state", "state_detail", "sent_at"])
        record(
            action="payments.order.sent",
            actor=actor,
            company=company,
            obj=order,
            data={"state": state, "detail": detail[:500]},
        )
    return order


def _record_paid(
    *, item: PaymentOrderItem, company: Company, actor: Actor, date: dt.date, source: str
) -> None:
    """The one place where a confirmed transfer becomes an invoice payment (lifecycle)."""
    from efactura.invoices.services import do_record_payment

    invoice = Invoice.objects.get(pk=item.invoice_id)
    outstanding = invoice.payable - invoice.paid_amount
    amount = min(item.amount, outstanding)
    if amount > 0:
        do_record_payment(
            invoice=invoice,
            company=company,
            actor=actor,
            amount=amount,
            date=date,
            source=source,
        )


def do_confirm_payment_order(
    *,
    order: PaymentOrder,
    company: Company,
    actor: Actor,
    date: dt.date | None = None,
    source: str = Source.WEB,
) -> PaymentOrder:
    """The bank confirmed the transfers: every invoice of the order is recorded as paid."""
    _require_writer(actor=actor, company=company)
    if order.company_id != company.pk:
        raise PaymentOrder.DoesNotExist
    date = date or timezone.localdate()
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
        if order.state == PaymentOrder.State.CONFIRMED:
            return order
        for item in order.items.all():
            try:
                _record_paid(item=item, company=company, actor=actor, date=date, source=source)
            except ValidationError as exc:
                raise ValidationError(
                    _("Invoice %(number)s: %(problem)s")
                    % {"number": item.invoice.full_number, "problem": " ".join(exc.messages)}
                ) from exc
        order.state = PaymentOrder.State.CONFIRMED
        order.confirmed_at = timezone.now()
        order.save(update_fields=["state", "confirmed_at"])
        record(
            action="payments.order.confirmed",
            actor=actor,
            company=company,
            obj=order,
            source=Source(source),
            data={"message_id": order.message_id, "date": date.isoformat()},
        )
    return order
