"""Canonical invoices for the PDF tests and benchmark, with hand-checked totals.

* :func:`rich_spanish_invoice` — a corrective invoice to a town council (DIR3 centres) with
  IVA 21 % and 10 %, equivalence surcharge, an exempt line, a line discount, IRPF withheld and
  an advance payment.  Totals (worked out by hand in the comments) are what the tests expect.
* :func:`english_invoice` — a Spanish seller invoicing an Irish company in English: reverse
  charge services and an exempt intra-Community supply of goods.
* :func:`long_invoice` — ``n`` lines of ordinary IVA 21 % sales, to exercise page breaks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from einvoice.model import (
    Address,
    AdministrativeCentre,
    AllowanceCharge,
    Contact,
    Correction,
    CreditTransfer,
    Instalment,
    Invoice,
    Line,
    Note,
    Party,
    Payment,
    Period,
    PersonType,
    PrecedingInvoice,
    Residence,
    Totals,
    VatBreakdown,
    VatCategory,
    Withholding,
)

D = Decimal

SELLER = Party(
    name="Suministros y Servicios Técnicos del Cantábrico, S.L.",
    trading_name="SUTECAN",
    tax_id="ESB39123450",
    address=Address(
        line1="Calle de Castelar, 27, 3º B",
        city="Santander",
        postal_code="39004",
        subdivision="Cantabria",
        country="ES",
    ),
    contact=Contact(name="Administración", email="facturas@sutecan.example", phone="942 000 111"),
    legal_form="Inscrita en el Registro Mercantil de Cantabria, tomo 1021, folio 44, hoja S-19876",
)

COUNCIL = Party(
    name="Ayuntamiento de Santander",
    tax_id="ESP39075007",
    address=Address(
        line1="Plaza del Ayuntamiento, s/n",
        city="Santander",
        postal_code="39002",
        subdivision="Cantabria",
        country="ES",
    ),
    contact=Contact(email="intervencion@ayto-santander.example"),
    centres=(
        AdministrativeCentre(code="L01390759", role="01", name="Intervención General"),
        AdministrativeCentre(code="L01390759", role="02", name="Alcaldía"),
        AdministrativeCentre(code="LA0003456", role="03", name="Servicio de Compras"),
    ),
)


def rich_spanish_invoice() -> Invoice:
    """Corrective invoice R2026-0007 to the council.

    Lines (net): 85.00 at 21 % + RE 5.2 %; 1,200.00 at 21 % with IRPF 15 %; 81.00 at 10 %
    + RE 1.4 % after a 10 % discount on 90.00; 300.00 exempt (art. 20.Uno.9º LIVA).
    VAT 17.85 + 252.00 + 8.10 = 277.95; surcharge 4.42 + 1.13 = 5.55 (BT-110 = 283.50, the
    Facturae TotalTaxOutputs, surcharge included); base 1,666.00; with taxes 1,949.50;
    IRPF −180.00 → invoice total 1,769.50; advance 100.00 → amount due 1,669.50.
    """
    irpf = Withholding(rate=D("15"), base=D("1200.00"), amount=D("180.00"))
    lines = (
        Line(
            id="1",
            name="Tornillo hexagonal DIN 933 M8x40 zincado",
            seller_item_id="TH-933-0840",
            quantity=D("1000"),
            unit_code="C62",
            net_price=D("0.085"),
            net_amount=D("85.00"),
            vat_rate=D("21"),
            surcharge_rate=D("5.2"),
        ),
        Line(
            id="2",
            name="Consultoría técnica: auditoría de instalaciones de climatización",
            description="Revisión de 14 equipos en dependencias municipales.",
            quantity=D("20"),
            unit_code="HUR",
            net_price=D("60.00"),
            net_amount=D("1200.00"),
            vat_rate=D("21"),
            withholdings=(irpf,),
            period=Period(start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31)),
        ),
        Line(
            id="3",
            name="Menú de trabajo para la jornada técnica",
            quantity=D("2"),
            unit_code="C62",
            net_price=D("45.00"),
            gross_price=D("45.00"),
            net_amount=D("81.00"),
            allowances_charges=(
                AllowanceCharge(
                    is_charge=False,
                    amount=D("9.00"),
                    base_amount=D("90.00"),
                    percent=D("10"),
                    reason="Descuento por pronto pago",
                ),
            ),
            vat_rate=D("10"),
            surcharge_rate=D("1.4"),
        ),
        Line(
            id="4",
            name="Curso de formación en prevención de riesgos laborales",
            quantity=D("1"),
            unit_code="C62",
            net_price=D("300.00"),
            net_amount=D("300.00"),
            vat_category=VatCategory.EXEMPT,
            vat_rate=D("0"),
            exemption_reason="Exenta por el artículo 20.Uno.9º de la Ley 37/1992 del IVA",
        ),
    )
    breakdown = (
        VatBreakdown(
            category=VatCategory.STANDARD,
            rate=D("21"),
            taxable_amount=D("85.00"),
            tax_amount=D("17.85"),
            surcharge_rate=D("5.2"),
            surcharge_amount=D("4.42"),
        ),
        VatBreakdown(
            category=VatCategory.STANDARD,
            rate=D("21"),
            taxable_amount=D("1200.00"),
            tax_amount=D("252.00"),
        ),
        VatBreakdown(
            category=VatCategory.STANDARD,
            rate=D("10"),
            taxable_amount=D("81.00"),
            tax_amount=D("8.10"),
            surcharge_rate=D("1.4"),
            surcharge_amount=D("1.13"),
        ),
        VatBreakdown(
            category=VatCategory.EXEMPT,
            rate=D("0"),
            taxable_amount=D("300.00"),
            tax_amount=D("0.00"),
            exemption_reason="Exenta por el artículo 20.Uno.9º de la Ley 37/1992 del IVA",
            exemption_code="VATEX-EU-132-1I",
        ),
    )
    totals = Totals(
        line_net_total=D("1666.00"),
        tax_exclusive=D("1666.00"),
        vat_total=D("283.50"),
        surcharge_total=D("5.55"),
        tax_inclusive=D("1949.50"),
        withheld_total=D("180.00"),
        prepaid=D("100.00"),
        payable=D("1669.50"),
    )
    return Invoice(
        number="0007",
        series="R2026-",
        issue_date=dt.date(2026, 11, 25),
        tax_point_date=dt.date(2026, 10, 31),
        due_date=dt.date(2026, 12, 26),
        type_code="384",
        invoice_class="OR",
        buyer_reference="EXP-2026/0412",
        order_ref="PED-77812",
        contract_ref="CTR-2025-031",
        seller=SELLER,
        buyer=COUNCIL,
        correction=Correction(
            number="0312",
            series="F2026-",
            issue_date=dt.date(2026, 10, 31),
            reason_code="83",
            reason="Base imponible modificada por descuentos y bonificaciones",
            method="02",
            method_description="Rectificación por diferencias",
            period=Period(start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31)),
        ),
        preceding=(PrecedingInvoice(number="F2026-0312", issue_date=dt.date(2026, 10, 31)),),
        payment=Payment(
            means_code="58",
            credit_transfers=(
                CreditTransfer(
                    account="ES9121000418450200051332",
                    bic="CAIXESBBXXX",
                    account_name="Suministros y Servicios Técnicos del Cantábrico, S.L.",
                ),
            ),
            remittance_info="R2026-0007",
        ),
        instalments=(
            Instalment(due_date=dt.date(2026, 12, 26), amount=D("1000.00"), means_code="04"),
            Instalment(due_date=dt.date(2027, 1, 26), amount=D("669.50"), means_code="04"),
        ),
        vat_breakdown=breakdown,
        withholdings=(irpf,),
        lines=lines,
        totals=totals,
        notes=(Note(text="Material entregado en el almacén municipal de La Albericia."),),
        legal_literals=("Factura sujeta a la Ley 25/2013, de impulso de la factura electrónica.",),
    )


def english_invoice() -> Invoice:
    """Invoice EXP-118 in English to an Irish company.

    Services 10,000.00 (reverse charge, AE) + goods 2,345.60 (intra-Community supply, K):
    no Spanish VAT; total and amount due 12,345.60.
    """
    buyer = Party(
        name="Liffey Analytics Limited",
        tax_id="IE6388047V",
        address=Address(
            line1="Unit 4, Grand Canal Quay", city="Dublin", postal_code="D02 XY12", country="IE"
        ),
        contact=Contact(name="Accounts Payable", email="ap@liffey.example"),
        residence=Residence.EU,
    )
    lines = (
        Line(
            id="1",
            name="Data pipeline engineering, November 2026",
            quantity=D("80"),
            unit_code="HUR",
            net_price=D("125.00"),
            net_amount=D("10000.00"),
            vat_category=VatCategory.REVERSE_CHARGE,
            vat_rate=D("0"),
        ),
        Line(
            id="2",
            name="Rack server, refurbished",
            quantity=D("2"),
            unit_code="H87",
            net_price=D("1172.80"),
            net_amount=D("2345.60"),
            vat_category=VatCategory.INTRA_COMMUNITY,
            vat_rate=D("0"),
        ),
    )
    return Invoice(
        number="EXP-118",
        issue_date=dt.date(2026, 11, 25),
        due_date=dt.date(2026, 12, 25),
        order_ref="PO 2026-5521",
        seller=SELLER,
        buyer=buyer,
        lines=lines,
        vat_breakdown=(
            VatBreakdown(
                category=VatCategory.REVERSE_CHARGE,
                rate=D("0"),
                taxable_amount=D("10000.00"),
                tax_amount=D("0.00"),
                exemption_reason="Reverse charge",
                exemption_code="VATEX-EU-AE",
            ),
            VatBreakdown(
                category=VatCategory.INTRA_COMMUNITY,
                rate=D("0"),
                taxable_amount=D("2345.60"),
                tax_amount=D("0.00"),
                exemption_code="VATEX-EU-IC",
            ),
        ),
        totals=Totals(
            line_net_total=D("12345.60"),
            tax_exclusive=D("12345.60"),
            vat_total=D("0.00"),
            tax_inclusive=D("12345.60"),
            payable=D("12345.60"),
        ),
        payment=Payment(
            means_code="30",
            credit_transfers=(
                CreditTransfer(account="ES7620770024003102575766", bic="CVALESVVXXX"),
            ),
        ),
        payment_terms="30 days net. Late payments accrue interest under Directive 2011/7/EU.",
    )


def long_invoice(n: int, *, seller_name: str = "", buyer_name: str = "") -> Invoice:
    """``n`` lines at IVA 21 %: line i sells i units at 1.50 (net 1.50·i)."""
    lines = tuple(
        Line(
            id=str(i),
            name=f"Artículo de catálogo número {i:04d} — cartucho de tinta compatible",
            seller_item_id=f"ART-{i:05d}",
            quantity=D(i),
            net_price=D("1.50"),
            net_amount=D("1.50") * i,
            vat_rate=D("21"),
        )
        for i in range(1, n + 1)
    )
    base = sum((line.net_amount for line in lines), D("0.00"))
    vat = (base * D("0.21")).quantize(D("0.01"))
    seller = replace(SELLER, name=seller_name or SELLER.name)
    buyer = Party(
        name=buyer_name or "Papelería La Pluma Sociedad Cooperativa",
        tax_id="ESA28012342",
        address=Address(line1="Gran Vía, 1", city="Madrid", postal_code="28013", country="ES"),
        person_type=PersonType.LEGAL,
    )
    return Invoice(
        number=f"{n:04d}",
        series="L-",
        issue_date=dt.date(2026, 11, 25),
        seller=seller,
        buyer=buyer,
        lines=lines,
        vat_breakdown=(
            VatBreakdown(
                category=VatCategory.STANDARD, rate=D("21"), taxable_amount=base, tax_amount=vat
            ),
        ),
        totals=Totals(
            line_net_total=base,
            tax_exclusive=base,
            vat_total=vat,
            tax_inclusive=base + vat,
            payable=base + vat,
        ),
    )
