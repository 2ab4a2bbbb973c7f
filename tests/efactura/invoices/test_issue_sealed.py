"""Invoices sealed by the platform name the platform as the Facturae third party."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from efactura.companies.services import do_create_company
from efactura.invoices import selectors, services, storage
from einvoice import formats
from einvoice import model as em
from einvoice.signing.verify import verify


def _draft() -> em.Invoice:
    zero = Decimal(0)
    return em.Invoice(
        number="draft",
        issue_date=dt.date.today(),
        seller=em.Party(name="ignored"),
        buyer=em.Party(
            name="Hostelería Cantábrica, S.A.",
            tax_id="A39123450",
            address=em.Address(
                line1="Calle Uno 1",
                postal_code="39001",
                city="Santander",
                subdivision="Cantabria",
                country="ES",
            ),
        ),
        totals=em.Totals(
            line_net_total=zero,
            tax_exclusive=zero,
            vat_total=zero,
            tax_inclusive=zero,
            payable=zero,
        ),
        lines=(
            em.Line(
                id="1",
                name="Café",
                quantity=Decimal(2),
                net_price=Decimal("50"),
                net_amount=zero,
                vat_rate=Decimal(21),
            ),
        ),
    )


@pytest.mark.django_db
def test_seal_signed_invoice_names_the_platform_as_third_party(tmp_path, settings) -> None:
    settings.DATA_DIR = tmp_path
    company = do_create_company(
        tax_id="B98765431",
        legal_name="Suministros Levante, S.L.",
        contact_email="a@b.es",
        address="Avenida del Puerto 112",
        postal_code="46023",
        city="Valencia",
        province="Valencia",
    )
    invoice = services.do_issue_invoice(company=company, actor=None, draft=_draft())
    original = storage.read(selectors.original_document(invoice=invoice))
    parsed = formats.parse(original).invoices[0]
    assert parsed.issuer_type is em.IssuerType.THIRD_PARTY
    assert parsed.third_party is not None
    assert parsed.seller.tax_id == "ESB98765431"
    report = verify(original)
    assert report.is_valid
    assert report.signer_matches_invoice is True
    assert "SIG-SIGNER-ID" not in {f.rule for f in report.findings}
