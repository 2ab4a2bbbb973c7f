"""The dashboard: figures against known invoices, the SVG chart, the landing redirect."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from efactura.invoices.choices import Status
from efactura.invoices.dashboard import dashboard_for
from efactura.invoices.models import Invoice
from efactura.web.charts import monthly_chart, nice_ceiling

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 18)


def make_invoice(
    *,
    issuer: Any = None,
    recipient: Any = None,
    total: str,
    status: str = Status.RECEIVED,
    issue_date: dt.date = TODAY,
    due_date: dt.date | None = None,
    response_due: dt.date | None = None,
    paid: str = "0",
    currency: str = "EUR",
) -> Invoice:
    """An invoice row with only what the dashboard reads (tests may write models directly)."""
    number = uuid.uuid4().hex[:8]
    return Invoice.objects.create(
        issuer=issuer,
        recipient=recipient,
        origin="issued",
        seller_tax_id=issuer.tax_id if issuer else "B28015865",
        seller_name=issuer.legal_name if issuer else "Distribuciones Externas, S.L.",
        buyer_tax_id=recipient.tax_id if recipient else "A39123450",
        buyer_name=recipient.legal_name if recipient else "Cliente Externo, S.A.",
        number=number,
        full_number=f"T-{number}",
        issue_date=issue_date,
        due_date=due_date,
        currency=currency,
        net_total=Decimal(total),
        tax_total=Decimal(0),
        total=Decimal(total),
        payable=Decimal(total),
        paid_amount=Decimal(paid),
        status=status,
        response_due=response_due,
        canonical={},
        content_hash=number,
    )


def known_data(me: Any, other: Any, *, today: dt.date = TODAY) -> None:
    """Receivables: 1,000 open (300 of it overdue, 200 due in 3 days); payables: 550 open."""
    day = dt.timedelta(days=1)
    last_month = (today.replace(day=1) - day).replace(day=3)
    two_months_ago = (last_month.replace(day=1) - day).replace(day=10)

    def add(**fields: Any) -> None:
        make_invoice(**{"issue_date": today, **fields})

    # Receivables (issued by me).
    add(issuer=me, total="300.00", status=Status.ACCEPTED, due_date=today - 5 * day)
    add(issuer=me, total="200.00", status=Status.READ, due_date=today + 3 * day)
    add(issuer=me, total="600.00", status=Status.PARTIALLY_PAID, paid="100.00")
    add(issuer=me, total="999.00", status=Status.PAID, due_date=today - 9 * day)
    add(issuer=me, total="50.00", status=Status.REJECTED, due_date=today - 9 * day)
    add(issuer=me, total="70.00", issue_date=two_months_ago, status=Status.CANCELLED)
    # Payables (received by me): two waiting for an answer, one of them late.
    add(
        issuer=other,
        recipient=me,
        total="400.00",
        response_due=today - day,
        due_date=today + 10 * day,
    )
    add(
        issuer=other,
        recipient=me,
        total="150.00",
        status=Status.READ,
        response_due=today + 2 * day,
        due_date=today,
        issue_date=last_month,
    )
    add(issuer=other, recipient=me, total="80.00", status=Status.PAID)
    # Another company's invoice never counts.
    add(issuer=other, total="5000.00", due_date=today - day)


@pytest.fixture
def companies(make_company: Any) -> tuple[Any, Any]:
    return (
        make_company("Suministros Levante, S.L.", tax_id="B98765431"),
        make_company("Hostelería Cantábrica, S.A.", tax_id="A39123450"),
    )


def test_figures_against_known_invoices(companies: tuple[Any, Any]) -> None:
    me, other = companies
    known_data(me, other)
    data = dashboard_for(company=me, today=TODAY)
    assert data.receivables.outstanding.count == 3
    assert data.receivables.outstanding.by_currency == {"EUR": Decimal("1000.00")}
    assert data.receivables.overdue.count == 1
    assert data.receivables.overdue.by_currency == {"EUR": Decimal("300.00")}
    assert data.receivables.due_soon.count == 1
    assert data.receivables.due_soon.by_currency == {"EUR": Decimal("200.00")}
    assert data.payables.outstanding.count == 2
    assert data.payables.outstanding.by_currency == {"EUR": Decimal("550.00")}
    assert data.payables.overdue.count == 0
    assert data.payables.due_soon.count == 1
    assert data.to_answer.count == 2 and data.answers_overdue == 1
    assert [i.total for i in data.answer_list] == [Decimal("400.00"), Decimal("150.00")]
    assert {i.total for i in data.due_soon_list} == {Decimal("200.00"), Decimal("150.00")}
    by_month = {m.month: m for m in data.months}
    assert len(data.months) == 12 and data.months[-1].month == dt.date(2026, 3, 1)
    assert by_month[dt.date(2026, 3, 1)].issued == Decimal("2149.00")
    assert by_month[dt.date(2026, 1, 1)].issued == 0  # cancelled invoices are left out
    assert by_month[dt.date(2026, 3, 1)].received == Decimal("480.00")
    assert by_month[dt.date(2026, 2, 1)].received == Decimal("150.00")


def test_amounts_in_other_currencies_are_kept_apart(companies: tuple[Any, Any]) -> None:
    me, _other = companies
    make_invoice(issuer=me, total="10.00")
    make_invoice(issuer=me, total="7.00", currency="USD")
    data = dashboard_for(company=me, today=TODAY)
    assert data.receivables.outstanding.totals == [
        (Decimal("10.00"), "EUR"),
        (Decimal("7.00"), "USD"),
    ]
    assert data.months[-1].issued == Decimal("10.00")


def test_empty_company_shows_zero(companies: tuple[Any, Any]) -> None:
    data = dashboard_for(company=companies[0], today=TODAY)
    assert data.receivables.outstanding.totals == [(Decimal(0), "EUR")]
    chart = monthly_chart(data.months, issued_label="I", received_label="R")
    assert chart.empty and len(chart.bars) == 24 and all(b.height == 0 for b in chart.bars)


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [
        ("0", "1000"),
        ("1", "1"),
        ("130", "200"),
        ("2100", "2500"),
        ("4999", "5000"),
        ("7000", "10000"),
    ],
)
def test_chart_scale_is_a_round_number(value: str, ceiling: str) -> None:
    assert nice_ceiling(Decimal(value)) == Decimal(ceiling)


def test_dashboard_is_the_landing_page(
    client: Any, companies: tuple[Any, Any], make_user: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    me, other = companies
    today = timezone.localdate()
    make_invoice(
        issuer=me,
        total="1234.50",
        status=Status.ACCEPTED,
        issue_date=today,
        due_date=today - dt.timedelta(days=2),
    )
    make_invoice(
        issuer=other,
        recipient=me,
        total="99.00",
        issue_date=today,
        response_due=today + dt.timedelta(days=1),
    )
    client.force_login(make_user("jefa@example.com", me))
    html = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<h1>Resumen</h1>" in html
    assert re.search(r"1[.\xa0 ]234,50 EUR", html)  # Django's Spanish thousands separator
    assert 'class="bar-issued"' in html and "<svg" in html and "style=" not in html
    english = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1,234.50 EUR" in english and "1 overdue" in english
    # English pages write dates the British way (en-GB).
    assert f"{today.day} {today:%b} {today.year}" in english


def test_anonymous_visitors_go_to_login(client: Any) -> None:
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response.url == reverse("login")


def test_users_without_company_are_told_why(client: Any, make_user: Any) -> None:
    client.force_login(make_user("nadie@example.com"))
    assert client.get(reverse("web:home")).status_code == 403


def test_empty_login_says_what_is_missing(client: Any) -> None:
    html = client.post(reverse("login"), {}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Escriba el correo electrónico con el que entra." in html
    assert "Escriba su contraseña." in html
    assert html.count('aria-invalid="true"') == 2
