"""Rendering notification emails: subject, text and HTML in the recipient's language.

Templates live in ``templates/notifications/email/<kind>.subject.txt|.txt|.html``; their
context is JSON-safe (stored on the :class:`~efactura.notifications.models.Notification`) so
an email can be rendered again when it is sent — an invitation is rendered twice: masked for
the log, with the clear code A for the message itself.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from efactura.invoices.models import Invoice
from efactura.notifications.choices import CODE_MASK

LANGUAGES = ("es", "en")


def language_of(value: str) -> str:
    """``es`` or ``en`` from a language tag (``en-GB`` → ``en``); Spanish otherwise."""
    base = (value or "").split("-")[0].lower()
    return base if base in LANGUAGES else "es"


def absolute(path: str) -> str:
    return f"{settings.EFACTURA_BASE_URL}{path}"


def invoice_link(invoice: Invoice, *, side: str) -> str:
    """Absolute link to the invoice page for ``side`` (issued/received), or to the list."""
    for name in ("web:invoice", "web:invoice_detail"):
        try:
            return absolute(reverse(name, args=[invoice.pk]))
        except NoReverseMatch:
            continue
    return absolute(reverse("web:issued" if side == "issued" else "web:payable"))


def invoice_summary(invoice: Invoice) -> dict[str, Any]:
    """The invoice facts every email shows, JSON-safe."""
    return {
        "id": str(invoice.pk),
        "number": invoice.full_number,
        "seller": invoice.seller_name,
        "seller_tax_id": invoice.seller_tax_id,
        "buyer": invoice.buyer_name,
        "buyer_tax_id": invoice.buyer_tax_id,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat() if invoice.due_date else "",
        "total": str(invoice.payable),
        "currency": invoice.currency,
    }


_SYMBOLS = {"EUR": "€", "GBP": "£"}


def format_money(amount: str | Decimal, currency: str, language: str) -> str:
    """``1.234,56 €`` in Spanish, ``€1,234.56`` in British English (``USD 1,234.56`` for a
    currency without a symbol of its own)."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"))
    text = f"{abs(value):,.2f}"
    sign = "-" if value < 0 else ""
    symbol = _SYMBOLS.get(currency)
    if language == "es":
        text = text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
        return f"{sign}{text}\u00a0{symbol or currency}"
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{currency}\u00a0{text}"


def format_date(value: str, language: str) -> str:
    if not value:
        return ""
    day = dt.date.fromisoformat(value)
    return day.strftime("%d/%m/%Y") if language == "es" else day.strftime("%d %b %Y")


RULE_ID = re.compile(
    r"[\[(]?\b(?:BR(?:-[A-Z]{1,3})?-\d{1,3}|PEPPOL-[A-Z0-9]+-[A-Z]?\d{2,4}|ES-[A-Z]+-\d{1,3}"
    r"|B[TG]-\d{1,3}|(?:UBL|CII)-[A-Z]{2}-\d{1,3}|EBMS:\d{4})\b[\])]?:?"
)
"""Business-rule and message ids (BR-CO-10, ES-TAXID-02, BT-48, EBMS:0004…) inside a sentence."""


def split_rule_ids(text: str) -> tuple[str, list[str]]:
    """``text`` without its rule ids, and the ids: emails keep the sentence a bookkeeper reads
    and give the ids on a separate "technical details" line at most."""
    ids = [m.strip("[]():") for m in RULE_ID.findall(text or "")]
    sentence = " ".join(RULE_ID.sub(" ", text or "").split()).strip(" :;,-")
    return sentence, list(dict.fromkeys(ids))


def _prepared(context: dict[str, Any], language: str) -> dict[str, Any]:
    ctx = dict(context)
    technical: list[str] = []
    for key in ("error", "reason"):
        if isinstance(ctx.get(key), str) and ctx[key]:
            ctx[key], ids = split_rule_ids(ctx[key])
            technical += ids
    ctx["technical"] = ", ".join(dict.fromkeys(technical))
    invoice = ctx.get("invoice")
    if isinstance(invoice, dict):
        shown = dict(invoice)
        shown["total_display"] = format_money(invoice["total"], invoice["currency"], language)
        shown["issue_date_display"] = format_date(invoice["issue_date"], language)
        shown["due_date_display"] = format_date(invoice.get("due_date", ""), language)
        ctx["invoice"] = shown
    if "not_after" in ctx:
        ctx["not_after_display"] = format_date(ctx["not_after"], language)
    if ctx.get("respond_by"):
        ctx["respond_by_display"] = format_date(ctx["respond_by"], language)
    if isinstance(ctx.get("rows"), list):
        ctx["rows"] = [
            {**row, "respond_by_display": format_date(row.get("respond_by", ""), language)}
            for row in ctx["rows"]
        ]
    ctx["base_url"] = settings.EFACTURA_BASE_URL
    return ctx


def render_email(
    *, kind: str, language: str, context: dict[str, Any], code: str = ""
) -> tuple[str, str, str]:
    """``(subject, text, html)`` of ``kind`` in ``language``; ``code`` fills an invitation's
    code A (masked when empty)."""
    language = language_of(language)
    ctx = _prepared(context, language)
    ctx["code"] = code or CODE_MASK
    ctx["language"] = language
    with translation.override(language):
        subject = render_to_string(f"notifications/email/{kind}.subject.txt", ctx)
        text = render_to_string(f"notifications/email/{kind}.txt", ctx)
        html = render_to_string(f"notifications/email/{kind}.html", ctx)
    return " ".join(subject.split())[:250], text.strip() + "\n", html
