"""Emails write amounts and dates the reader's way: 1.234,50 € and 20/11/2026 in Spanish,
€1,234.50 and 20 Nov 2026 in (British) English; never ISO dates nor the US month-first order."""

from __future__ import annotations

import re

import pytest
from tests.efactura.notifications.test_notification_kinds import SAMPLE

from efactura.notifications.choices import Kind
from efactura.notifications.emails import format_money, render_email

DIGEST = {
    **SAMPLE,
    "count": 2,
    "rows": [
        {
            "number": "F-000007",
            "seller": "Suministros Levante",
            "respond_by": "2026-11-24",
            "days_left": 2,
            "link": "https://efactura.example/invoices/x/",
        },
        {
            "number": "F-000008",
            "seller": "Suministros Levante",
            "respond_by": "2026-11-03",
            "days_left": -1,
            "link": "https://efactura.example/invoices/y/",
        },
    ],
}

ISO = re.compile(r"\b20\d\d-\d\d-\d\d\b")
US = re.compile(r"\b(11/20|12/20|11/24|11/03|12/01)/2026\b")


@pytest.mark.parametrize("kind", Kind.values)
def test_spanish_emails_write_spanish_amounts_and_dates(kind: str) -> None:
    subject, text, html = render_email(kind=kind, language="es", context=DIGEST)
    for part in (subject, text, html):
        assert not ISO.search(part) and not US.search(part), (kind, part)
    if kind == Kind.CERTIFICATE_EXPIRING:
        assert "01/12/2026" in text and "01/12/2026" in subject
        return
    assert "20/11/2026" in text and "20/11/2026" in html
    assert "1.234,50\u00a0€" in text and "1.234,50\u00a0€" in html
    if kind == Kind.DEADLINE_DIGEST:
        assert "24/11/2026" in text and "03/11/2026" in html


@pytest.mark.parametrize("kind", Kind.values)
def test_english_emails_write_british_amounts_and_dates(kind: str) -> None:
    subject, text, html = render_email(kind=kind, language="en-GB", context=DIGEST)
    for part in (subject, text, html):
        assert not ISO.search(part) and not US.search(part), (kind, part)
    if kind == Kind.CERTIFICATE_EXPIRING:
        assert "01 Dec 2026" in text and "01 Dec 2026" in subject
        return
    assert "20 Nov 2026" in text and "20 Nov 2026" in html
    assert "€1,234.50" in text and "€1,234.50" in html
    if kind == Kind.DEADLINE_DIGEST:
        assert "24 Nov 2026" in text and "03 Nov 2026" in html


@pytest.mark.parametrize(
    ("amount", "currency", "spanish", "english"),
    [
        ("1234.5", "EUR", "1.234,50\u00a0€", "€1,234.50"),
        ("-80", "GBP", "-80,00\u00a0£", "-£80.00"),
        ("1000000", "USD", "1.000.000,00\u00a0USD", "USD\u00a01,000,000.00"),
    ],
)
def test_money_by_language(amount: str, currency: str, spanish: str, english: str) -> None:
    assert format_money(amount, currency, "es") == spanish
    assert format_money(amount, currency, "en") == english
