"""Demo invoices: one in every state, on both sides, all made through the services.

The demo supplier issues invoices to the demo customer that the customer then reads, accepts,
rejects, pays (in part and in full) or is asked to cancel; one invoice waits for a customer
without an account; one corrects a rejected invoice; and the customer imports a few invoices
of a supplier that is not on the platform.  Loading twice changes nothing: the set is created
only when the supplier has issued nothing yet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from efactura.accounts.models import User
from efactura.audit.choices import Source
from efactura.companies.models import Company
from efactura.invoices import services
from efactura.invoices.models import Invoice
from einvoice import formats, totals
from einvoice import model as em

SERIES = "FV26-"
CORRECTIVE_SERIES = "R26-"
EXTERNAL_SUPPLIER = em.Party(
    name="Cafés del Norte, S.L.",
    tax_id="ESB33123456",
    address=em.Address(
        line1="Calle Uría, 41",
        postal_code="33003",
        city="Oviedo",
        subdivision="Asturias",
        country="ES",
    ),
    contact=em.Contact(email="facturacion@cafesdelnorte.demo.efactura.test"),
)
DEMO_IBAN = "ES9121000418450200051332"

Line = tuple[str, str, str, str]
"""(description, quantity, unit price, VAT rate)."""

CATALOGUE: dict[str, tuple[Line, ...]] = {
    "coffee": (("Café en grano natural, saco 1 kg", "12", "18.40", "10"),),
    "oil": (
        ("Aceite de oliva virgen extra, garrafa 5 l", "6", "41.90", "4"),
        ("Vinagre de Jerez, botella 750 ml", "12", "3.85", "10"),
    ),
    "linen": (
        ("Servilletas de tela 45x45, paquete 50 uds.", "10", "27.00", "21"),
        ("Manteles blancos 140x180", "20", "12.60", "21"),
    ),
    "cleaning": (("Detergente industrial lavavajillas, 20 l", "4", "38.75", "21"),),
    "glass": (
        ("Copas de vino 35 cl, caja 24 uds.", "5", "52.80", "21"),
        ("Transporte y entrega", "1", "35.00", "21"),
    ),
    "service": (("Mantenimiento cafetera industrial (noviembre)", "1", "120.00", "21"),),
}


def _party(company_like: object) -> em.Party:
    return em.Party(
        name=str(company_like.legal_name),  # type: ignore[attr-defined]
        tax_id=str(company_like.tax_id),  # type: ignore[attr-defined]
        address=em.Address(
            line1=str(company_like.address),  # type: ignore[attr-defined]
            postal_code=str(company_like.postal_code),  # type: ignore[attr-defined]
            city=str(company_like.city),  # type: ignore[attr-defined]
            subdivision=str(company_like.province),  # type: ignore[attr-defined]
            country="ES",
        ),
        contact=em.Contact(email=str(company_like.contact_email)),  # type: ignore[attr-defined]
    )


def _draft(
    buyer: em.Party, lines: tuple[Line, ...], *, days_ago: int, due_in: int = 30, discount: str = ""
) -> em.Invoice:
    zero = Decimal(0)
    issue = timezone.localdate() - dt.timedelta(days=days_ago)
    adjustments: tuple[em.AllowanceCharge, ...] = ()
    if discount:
        adjustments = (
            em.AllowanceCharge(
                is_charge=False,
                amount=zero,
                percent=Decimal(discount),
                reason="Descuento por volumen",
                vat_category=em.VatCategory.STANDARD,
                vat_rate=Decimal(21),
            ),
        )
    return em.Invoice(
        number="DRAFT",
        issue_date=issue,
        due_date=issue + dt.timedelta(days=due_in),
        seller=em.Party(name=""),
        buyer=buyer,
        payment=em.Payment(
            means_code="58", credit_transfers=(em.CreditTransfer(account=DEMO_IBAN),)
        ),
        allowances_charges=adjustments,
        totals=em.Totals(
            line_net_total=zero,
            tax_exclusive=zero,
            vat_total=zero,
            tax_inclusive=zero,
            payable=zero,
        ),
        lines=tuple(
            em.Line(
                id=str(i),
                name=name,
                quantity=Decimal(qty),
                net_price=Decimal(price),
                net_amount=zero,
                vat_rate=Decimal(rate),
            )
            for i, (name, qty, price, rate) in enumerate(lines, start=1)
        ),
    )


def load_demo_invoices(
    *,
    supplier: Company,
    customer: Company,
    supplier_user: User,
    customer_user: User,
    unregistered: object,
) -> int:
    """Create the demo invoices if the supplier has none; returns how many were created."""
    if Invoice.objects.filter(issuer=supplier).exists():
        return 0
    buyer = _party(customer)

    def issue(
        kind: str, days_ago: int, *, due_in: int = 30, discount: str = "", to: em.Party = buyer
    ) -> Invoice:
        return services.do_issue_invoice(
            company=supplier,
            actor=supplier_user,
            draft=_draft(to, CATALOGUE[kind], days_ago=days_ago, due_in=due_in, discount=discount),
            series_code=SERIES,
            customer_email=customer.contact_email if to is buyer else "",
            source=Source.CLI,
        )

    as_customer: dict[str, Any] = {
        "company": customer,
        "actor": customer_user,
        "source": Source.WEB,
    }
    as_supplier: dict[str, Any] = {
        "company": supplier,
        "actor": supplier_user,
        "source": Source.WEB,
    }
    today = timezone.localdate()
    created = 0

    # Numbers follow the issue dates (correlative numbering in date order).
    read = issue("oil", 45, due_in=30)  # read, never answered, payment overdue
    services.do_mark_read(invoice=read, company=customer, actor=customer_user)

    paid = issue("coffee", 40)
    services.do_accept_invoice(invoice=paid, **as_customer)
    services.do_record_payment(
        invoice=paid, amount=paid.payable, date=today - dt.timedelta(days=8), **as_customer
    )

    partial = issue("oil", 35, due_in=20)  # due date passed: payment overdue
    services.do_accept_invoice(invoice=partial, **as_customer)
    half = (partial.payable / 2).quantize(Decimal("0.01"))
    services.do_record_payment(
        invoice=partial, amount=half, date=today - dt.timedelta(days=5), **as_customer
    )

    rejected = issue("linen", 21)
    services.do_reject_invoice(
        invoice=rejected,
        reason="El precio de los manteles no coincide con el pedido PO-2291 (11,90 € la unidad).",
        **as_customer,
    )

    cancelled = issue("cleaning", 18)
    services.do_request_cancellation(
        invoice=cancelled, reason="Factura emitida por duplicado.", **as_supplier
    )
    services.do_answer_cancellation(invoice=cancelled, accept=True, **as_customer)

    accepted = issue("glass", 12, discount="5")
    services.do_accept_invoice(invoice=accepted, **as_customer)

    asked = issue("coffee", 9)
    services.do_mark_read(invoice=asked, company=customer, actor=customer_user)
    services.do_request_cancellation(
        invoice=asked, reason="Pedido anulado por el cliente antes de la entrega.", **as_supplier
    )

    issue("service", 2, to=_party(unregistered))  # awaiting the customer's registration
    issue("linen", 1)  # received, not opened yet
    created += 9

    # A corrective invoice replacing the rejected one with the agreed price.
    original = services.canonical(rejected)
    fixed_lines = tuple(
        dataclasses.replace(line, net_price=Decimal("11.90")) if "Manteles" in line.name else line
        for line in original.lines
    )
    corrective = dataclasses.replace(
        _draft(buyer, (), days_ago=0),
        lines=fixed_lines,
        correction=em.Correction(
            number=rejected.number,
            series=rejected.series,
            issue_date=rejected.issue_date,
            reason_code="10",
            reason="Detalle Operación",
            method="01",
            method_description="Rectificación íntegra",
            additional_reasons="Precio de los manteles corregido según el pedido PO-2291.",
            period=services.month_of(rejected.issue_date),
        ),
    )
    services.do_issue_invoice(
        company=supplier,
        actor=supplier_user,
        draft=corrective,
        series_code=CORRECTIVE_SERIES,
        corrects=rejected,
        source=Source.CLI,
    )
    created += 1

    # Invoices of a supplier outside the platform, imported by the customer as received.
    external = []
    for number, days_ago, price in (("CN-2026-0412", 25, "18.60"), ("CN-2026-0455", 6, "17.95")):
        draft = dataclasses.replace(
            _draft(
                buyer,
                (("Café molido mezcla hostelería, 1 kg", "12", price, "10"),),
                days_ago=days_ago,
            ),
            number=number,
            seller=EXTERNAL_SUPPLIER,
        )
        external.append(totals.compute(draft))
    files = [
        ("cafes-del-norte-lote.xml", formats.render("facturae", external)),
        (
            "cafes-del-norte-CN-2026-0470.xml",
            formats.render(
                "ubl",
                [
                    totals.compute(
                        dataclasses.replace(
                            _draft(buyer, CATALOGUE["coffee"], days_ago=2),
                            number="CN-2026-0470",
                            seller=EXTERNAL_SUPPLIER,
                            buyer_reference="PO-2305",
                        )
                    )
                ],
            ),
        ),
    ]
    report = services.do_import_files(
        company=customer, actor=customer_user, files=files, direction="received", source=Source.CLI
    )
    return created + len(report.imported)
