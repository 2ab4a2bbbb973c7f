"""Builders shared by the invoice service and web tests: companies with addresses, drafts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from efactura.companies.models import Company
from einvoice import model as em

SELLER_TAX_ID = "B98765431"
BUYER_TAX_ID = "A39123450"
OUTSIDER_TAX_ID = "B48123459"
EXTERNAL_SUPPLIER_TAX_ID = "B28015865"

ADDRESS: dict[str, str] = {
    "address": "Avenida del Puerto, 112",
    "postal_code": "46023",
    "city": "Valencia",
    "province": "Valencia",
}


def company(make_company: Any, name: str, tax_id: str) -> Company:
    """A company with the postal address Facturae requires of a seller."""
    return make_company(name, tax_id=tax_id, **ADDRESS)


def party(tax_id: str, name: str = "Hostelería Cantábrica, S.A.") -> em.Party:
    return em.Party(
        name=name,
        tax_id=tax_id,
        address=em.Address(
            line1="Paseo de Pereda, 20",
            postal_code="39004",
            city="Santander",
            subdivision="Cantabria",
            country="ES",
        ),
    )


def _zero_totals() -> em.Totals:
    zero = Decimal(0)
    return em.Totals(
        line_net_total=zero, tax_exclusive=zero, vat_total=zero, tax_inclusive=zero, payable=zero
    )


def draft(
    buyer_tax_id: str = BUYER_TAX_ID,
    *,
    lines: tuple[tuple[str, str, str, str], ...] = (("Café en grano, 1 kg", "3", "18.50", "21"),),
    issue_date: dt.date | None = None,
    due_date: dt.date | None = None,
    number: str = "DRAFT",
    seller: em.Party | None = None,
) -> em.Invoice:
    """A draft invoice: ``lines`` are (name, quantity, price, VAT rate)."""
    return em.Invoice(
        number=number,
        issue_date=issue_date or dt.date.today(),
        due_date=due_date,
        seller=seller or em.Party(name=""),
        buyer=party(buyer_tax_id),
        totals=_zero_totals(),
        lines=tuple(
            em.Line(
                id=str(i),
                name=name,
                quantity=Decimal(qty),
                net_price=Decimal(price),
                net_amount=Decimal(0),
                vat_rate=Decimal(rate),
            )
            for i, (name, qty, price, rate) in enumerate(lines, start=1)
        ),
    )


def external_invoice(
    number: str,
    *,
    seller_tax_id: str = "ES" + EXTERNAL_SUPPLIER_TAX_ID,
    buyer_tax_id: str = "ES" + BUYER_TAX_ID,
    amount: str = "100.00",
    issue_date: dt.date | None = None,
) -> em.Invoice:
    """A complete invoice of a supplier that is not on the platform (totals computed)."""
    from einvoice import totals

    seller = em.Party(
        name="Distribuciones Externas, S.L.",
        tax_id=seller_tax_id,
        address=em.Address(
            line1="Calle Mayor, 1",
            postal_code="28013",
            city="Madrid",
            subdivision="Madrid",
            country="ES",
        ),
    )
    base = draft(
        buyer_tax_id,
        lines=(("Servicio de mantenimiento", "1", amount, "21"),),
        issue_date=issue_date or dt.date.today() - dt.timedelta(days=3),
        number=number,
        seller=seller,
    )
    return totals.compute(dataclasses.replace(base, buyer_reference="PO-2026-17"))
