"""The invoice as one self-contained HTML document (printed by WeasyPrint, shown as preview).

The document follows what the Reglamento de facturación (RD 1619/2012, art. 6 and 15) asks of
a complete Spanish invoice, in reading order: who issues it and what it is (title, series and
number, dates), between whom (names, tax IDs, addresses), the references the buyer needs to
book it (orders, contracts, DIR3 centres), what was sold (lines), the tax per rate with base,
rate and amount shown separately, the totals down to the amount due (IRPF withheld as a
separate subtraction), how to pay, and the legally required mentions (exemption grounds,
reverse charge, self-billing, corrective data, legal literals).

Every value from the invoice goes through :func:`esc`: names such as ``<script>`` print as
text.  Only constant markup and CSS written here reach the renderer unescaped.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from einvoice.model import (
    ZERO,
    Address,
    AdministrativeCentre,
    AllowanceCharge,
    DocumentKind,
    Invoice,
    IssuerType,
    Line,
    Party,
    Period,
    TaxType,
    VatBreakdown,
    VatCategory,
    Withholding,
)
from einvoice.pdf import formatting as fmt
from einvoice.pdf import labels as lb
from einvoice.pdf.labels import Pair

_CONTROL_CHARS: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Characters XML/HTML cannot carry; removed rather than letting the renderer choke."""


_DASH: Final = "\u2013"
"""En dash between a code and its meaning, and between two dates of a period."""


def esc(value: object) -> str:
    """Text from the invoice, safe to place in HTML content or attribute values."""
    return html.escape(_CONTROL_CHARS.sub("", str(value)), quote=True)


@dataclass(frozen=True, slots=True)
class _Ctx:
    """The language and currency every formatting call of one document uses."""

    lang: str
    currency: str

    def pick(self, pair: Pair) -> str:
        """The wording in the document language."""
        return pair[0] if self.lang == "es" else pair[1]

    def other(self, pair: Pair) -> str:
        """The wording in the second language."""
        return pair[1] if self.lang == "es" else pair[0]

    def both(self, pair: Pair, *, stacked: bool = False) -> str:
        """Bilingual label: document language, then the other one in small print (after a
        slash, or on its own line when ``stacked``, as in column headers)."""
        first, second = self.pick(pair), self.other(pair)
        if not second or second == first:
            return f'<span class="l1">{esc(first)}</span>'
        if stacked:
            return (
                f'<span class="l1">{esc(first)}</span><span class="l2 stack">{esc(second)}</span>'
            )
        return f'<span class="l1">{esc(first)}</span> <span class="l2">/ {esc(second)}</span>'

    def label(self, key: str) -> str:
        return self.both(lb.LABELS[key])

    def stacked(self, key: str) -> str:
        return self.both(lb.LABELS[key], stacked=True)

    def money(self, value: Decimal) -> str:
        return esc(fmt.money(value, self.currency, self.lang))

    def amount(self, value: Decimal) -> str:
        return esc(fmt.amount(value, self.lang))

    def number(self, value: Decimal) -> str:
        return esc(fmt.number(value, self.lang))

    def percent(self, value: Decimal) -> str:
        return esc(fmt.percent(value, self.lang))

    def date(self, value: dt.date | None) -> str:
        return esc(fmt.date(value, self.lang)) if isinstance(value, dt.date) else ""

    def period(self, period: Period | None) -> str:
        if period is None or (period.start is None and period.end is None):
            return ""
        return f"{self.date(period.start)} {_DASH} {self.date(period.end)}".strip(f" {_DASH}")


# ---------------------------------------------------------------------------------------------
# Document
# ---------------------------------------------------------------------------------------------


def build_html(
    invoice: Invoice,
    *,
    language: str,
    status_lines: Sequence[str],
    signature_summary: str,
    test_seal: bool,
    css: str,
    verifactu_qr: str = "",
    verifactu_legend: bool = True,
) -> str:
    """The whole document; ``css`` is inlined in a ``<style>`` (empty when the caller passes
    the stylesheet to the renderer separately)."""
    ctx = _Ctx(lang=fmt.normalize_language(language), currency=invoice.currency or "EUR")
    title = _title(invoice)
    body = [
        _seal() if test_seal else "",
        _header(
            invoice,
            ctx,
            title,
            qr=_verifactu(verifactu_qr, legend=verifactu_legend) if verifactu_qr else "",
        ),
        _parties(invoice, ctx),
        _references(invoice, ctx),
        _centres(invoice, ctx),
        _correction(invoice, ctx),
        _lines(invoice, ctx),
        _summary(invoice, ctx),
        _payment(invoice, ctx),
        _mentions(invoice, ctx),
        _notes(invoice, ctx),
        _closing(ctx, status_lines, signature_summary),
    ]
    head_title = f"{ctx.pick(title)} {invoice.full_number} — {invoice.seller.full_name}"
    style = f"<style>{css}</style>" if css else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{ctx.lang}"><head><meta charset="utf-8">'
        f"<title>{esc(head_title)}</title>"
        f'<meta name="author" content="{esc(invoice.seller.full_name)}">'
        f'<meta name="description" content="{esc(head_title)}">'
        f"{style}<style>{page_css(ctx.lang)}</style></head>"
        f'<body class="lang-{ctx.lang}">{"".join(body)}</body></html>'
    )


def page_css(language: str) -> str:
    """The language-dependent part of the page style: the "Página 1 de 2" footer."""
    template = lb.PAGE_OF[0] if language == "es" else lb.PAGE_OF[1]
    before, rest = template.split("{page}")
    middle, after = rest.split("{pages}")
    counter = f'"{before}" counter(page) "{middle}" counter(pages)' + (
        f' "{after}"' if after else ""
    )
    return f"@page {{ @bottom-right {{ content: {counter}; }} }}"


def _title(invoice: Invoice) -> Pair:
    """Name of the document as RD 1619/2012 calls it."""
    simplified = invoice.document_type == "FA"
    if invoice.is_corrective or invoice.invoice_class in {"OR", "CR"}:
        if simplified:
            return lb.LABELS["simplified_corrective"]
        if invoice.kind is DocumentKind.CREDIT_NOTE or invoice.type_code == "381":
            return lb.LABELS["credit_note"]
        return lb.LABELS["corrective"]
    if simplified:
        return lb.LABELS["simplified"]
    if invoice.document_type == "AF" or invoice.type_code == "389":
        return lb.LABELS["self_billed"]
    if invoice.invoice_class in {"OC", "CC"}:
        return lb.LABELS["summary"]
    return lb.LABELS["invoice"]


def _shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (running footer only)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _seal() -> str:
    """The test-environment marks: a band on top of every page and a large diagonal word."""
    return (
        f'<div class="seal-band">{esc(lb.TEST_SEAL)}</div>'
        '<div class="seal-mark" aria-hidden="true">TEST</div>'
    )


def _verifactu(url: str, *, legend: bool) -> str:
    """The VERI*FACTU QR code (Orden HAC/1177/2024 art. 21): top of the first page, 35 mm,
    "QR tributario:" above it and the legend below in the invoice's own font size."""
    from einvoice.verifactu.qr import LABEL, LEGEND_LONG, LEGEND_VERIFACTU, qr_svg

    svg = qr_svg(url)
    data = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    below = (
        f'<div class="vf-legend">{esc(LEGEND_VERIFACTU)}</div>'
        f'<div class="vf-legend">{esc(LEGEND_LONG)}</div>'
        if legend
        else ""
    )
    return (
        '<div class="vf-qr">'
        f'<div class="vf-label">{esc(LABEL)}</div>'
        f'<img class="vf-code" src="{data}" alt="{esc(url)}">'
        f"{below}</div>"
    )


def _header(invoice: Invoice, ctx: _Ctx, title: Pair, *, qr: str = "") -> str:
    seller = invoice.seller
    brand = f'<div class="brand-name">{esc(seller.full_name)}</div>'
    if seller.trading_name and seller.trading_name != seller.full_name:
        brand += f'<div class="brand-sub">{esc(seller.trading_name)}</div>'
    rows: list[tuple[str, str]] = []
    if invoice.series:
        rows.append((ctx.label("series"), esc(invoice.series)))
    rows.append((ctx.label("number"), f"<b>{esc(invoice.number)}</b>"))
    rows.append((ctx.label("issue_date"), ctx.date(invoice.issue_date)))
    if invoice.tax_point_date is not None and invoice.tax_point_date != invoice.issue_date:
        rows.append((ctx.label("operation_date"), ctx.date(invoice.tax_point_date)))
    if invoice.period is not None and ctx.period(invoice.period):
        rows.append((ctx.label("period"), ctx.period(invoice.period)))
    if invoice.due_date is not None:
        rows.append((ctx.label("due_date"), ctx.date(invoice.due_date)))
    if invoice.currency and invoice.currency != "EUR":
        rows.append((ctx.label("currency"), esc(invoice.currency)))
    if invoice.tax_currency and invoice.tax_currency != invoice.currency:
        rows.append((ctx.label("tax_currency"), esc(invoice.tax_currency)))
    if invoice.exchange_rate is not None:
        rows.append((ctx.label("exchange_rate"), ctx.number(invoice.exchange_rate)))
    meta = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    copy = ""
    if invoice.invoice_class in {"CO", "CR", "CC"}:
        copy = f'<div class="copy">{ctx.label("copy")}</div>'
    running = f"{_shorten(seller.full_name, 70)} · {_shorten(invoice.full_number, 40)}"
    return (
        f'<div class="running">{esc(running)}</div>'
        '<header class="head">'
        f'<div class="brand">{brand}{qr}</div>'
        '<div class="doc">'
        f"<h1>{ctx.both(title)}</h1>{copy}"
        f'<div class="doc-number">{esc(invoice.full_number)}</div>'
        f'<table class="meta">{meta}</table>'
        "</div></header>"
    )


# ---------------------------------------------------------------------------------------------
# Parties
# ---------------------------------------------------------------------------------------------


def _country(code: str, ctx: _Ctx) -> str:
    pair = lb.COUNTRIES.get(code.upper())
    return ctx.pick(pair) if pair else code


def _address_lines(address: Address | None, ctx: _Ctx, *, show_country: bool) -> list[str]:
    if address is None:
        return []
    out = [esc(x) for x in (address.line1, address.line2, address.line3) if x]
    city = " ".join(x for x in (address.postal_code, address.city) if x)
    if address.subdivision and address.subdivision != address.city:
        city = f"{city} ({address.subdivision})" if city else address.subdivision
    if city:
        out.append(esc(city))
    if address.country and show_country:
        out.append(esc(_country(address.country, ctx)))
    return out


def _tax_id(party: Party, ctx: _Ctx, *, cross_border: bool) -> str:
    """The tax ID as a Spanish invoice prints it.

    Between Spanish parties the NIF prints without the ``ES`` VAT prefix the model keeps;
    when either party is abroad the full VAT number (NIF-IVA) prints, as intra-Community
    operations require.
    """
    value = party.tax_id.strip()
    if not value:
        return ""
    spanish = value[:2].upper() == "ES" and len(value) > 2
    if spanish and not cross_border:
        return f'<div class="taxid"><b>{ctx.label("nif")}</b> {esc(value[2:])}</div>'
    key = "vat_id" if value[:2].isalpha() else "nif"
    return f'<div class="taxid"><b>{ctx.label(key)}</b> {esc(value)}</div>'


def _party_box(party: Party, key: str, ctx: _Ctx, *, cross_border: bool) -> str:
    parts = [f"<h2>{ctx.label(key)}</h2>", f'<div class="pname">{esc(party.full_name)}</div>']
    if party.trading_name and party.trading_name != party.full_name:
        parts.append(
            f'<div class="small">{ctx.label("trading_name")}: {esc(party.trading_name)}</div>'
        )
    parts.append(_tax_id(party, ctx, cross_border=cross_border))
    if party.tax_registration_id:
        parts.append(
            f'<div class="small">{ctx.label("nif")} {esc(party.tax_registration_id)}</div>'
        )
    if party.legal_id is not None and party.legal_id.value:
        parts.append(
            f'<div class="small">{ctx.label("legal_id")} {esc(party.legal_id.value)}</div>'
        )
    show_country = cross_border or (party.address.country not in {"", "ES"})
    lines = _address_lines(party.address, ctx, show_country=show_country)
    if lines:
        parts.append(f'<div class="addr">{"<br>".join(lines)}</div>')
    contact = party.contact
    bits = [esc(x) for x in (contact.name, contact.email, contact.phone) if x]
    if bits:
        parts.append(f'<div class="contact">{" · ".join(bits)}</div>')
    if party.legal_form:
        parts.append(f'<div class="legal-form">{esc(party.legal_form)}</div>')
    return f'<td class="party">{"".join(p for p in parts if p)}</td>'


def _parties(invoice: Invoice, ctx: _Ctx) -> str:
    countries = {invoice.seller.country or "ES", invoice.buyer.country or "ES"}
    cross = countries != {"ES"}
    boxes = [
        _party_box(invoice.seller, "seller", ctx, cross_border=cross),
        _party_box(invoice.buyer, "buyer", ctx, cross_border=cross),
    ]
    extra: list[tuple[Party, str]] = []
    if invoice.third_party is not None:
        extra.append((invoice.third_party, "third_party"))
    if invoice.payee is not None:
        extra.append((invoice.payee, "payee"))
    if invoice.tax_representative is not None:
        extra.append((invoice.tax_representative, "tax_representative"))
    boxes.extend(_party_box(p, k, ctx, cross_border=cross) for p, k in extra)
    if len(boxes) % 2:
        boxes.append('<td class="party empty"></td>')
    rows = "".join(
        f'<tr>{boxes[i]}<td class="gap"></td>{boxes[i + 1]}</tr>' for i in range(0, len(boxes), 2)
    )
    return f'<table class="parties">{rows}</table>'


# ---------------------------------------------------------------------------------------------
# References, DIR3 centres, correction
# ---------------------------------------------------------------------------------------------


def _chip(ctx: _Ctx, key: str, value: str) -> str:
    label = f'<span class="k">{ctx.label(key)}</span>'
    return f'<span class="ref">{label} <span class="v">{value}</span></span>'


def _references(invoice: Invoice, ctx: _Ctx) -> str:
    chips: list[str] = []
    for key in (
        "buyer_reference",
        "order_ref",
        "sales_order_ref",
        "contract_ref",
        "project_ref",
        "despatch_advice_ref",
        "receiving_advice_ref",
        "tender_ref",
        "accounting_ref",
    ):
        value = getattr(invoice, key)
        if value:
            chips.append(_chip(ctx, key, esc(value)))
    if invoice.invoiced_object is not None and invoice.invoiced_object.value:
        chips.append(_chip(ctx, "invoiced_object", esc(invoice.invoiced_object.value)))
    delivery = invoice.delivery
    if delivery is not None:
        bits = [esc(delivery.name)] if delivery.name else []
        bits += _address_lines(delivery.address, ctx, show_country=True)
        if delivery.date is not None:
            bits.append(ctx.date(delivery.date))
        if bits:
            chips.append(_chip(ctx, "delivery", ", ".join(bits)))
    for att in invoice.attachments:
        text = " — ".join(esc(x) for x in (att.id, att.description or att.filename) if x)
        if text:
            chips.append(_chip(ctx, "attachments", text))
    if not chips:
        return ""
    return (
        f'<section class="refs"><h3>{ctx.label("references")}</h3>'
        f'<div class="chips">{"".join(chips)}</div></section>'
    )


def _centres(invoice: Invoice, ctx: _Ctx) -> str:
    rows: list[str] = []
    owners: list[tuple[str, Iterable[AdministrativeCentre]]] = [
        ("seller", invoice.seller.centres),
        ("buyer", invoice.buyer.centres),
    ]
    for key, centres in owners:
        for centre in sorted(centres, key=lambda c: c.role):
            role = lb.DIR3_ROLE.get(centre.role)
            role_text = f"{esc(centre.role)} · {esc(ctx.pick(role))}" if role else esc(centre.role)
            rows.append(
                f"<tr><td>{esc(ctx.pick(lb.LABELS[key]))}</td><td>{role_text}</td>"
                f'<td class="code">{esc(centre.code)}</td><td>{esc(centre.name)}</td></tr>'
            )
    if not rows:
        return ""
    head = "".join(f"<th>{ctx.stacked(k)}</th>" for k in ("party", "role", "code", "name"))
    return (
        f'<section class="centres"><h3>{ctx.label("centres")}</h3>'
        '<table class="grid"><colgroup><col style="width:14%"><col style="width:28%">'
        '<col style="width:16%"><col></colgroup>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _coded(ctx: _Ctx, code: str, table: dict[str, Pair], free_text: str) -> str:
    """A coded value as ``code - words``, plus the document's own wording when it differs."""
    pair = table.get(code)
    words = ctx.pick(pair) if pair else ""
    out = f" {_DASH} ".join(esc(x) for x in (code, words) if x)
    if free_text and (pair is None or free_text.strip().lower() not in {p.lower() for p in pair}):
        out = f"{out} ({esc(free_text)})" if out else esc(free_text)
    return out


def _correction(invoice: Invoice, ctx: _Ctx) -> str:
    rows: list[tuple[str, str]] = []
    corr = invoice.correction
    if corr is not None:
        number = esc(f"{corr.series}{corr.number}")
        issued = corr.issue_date
        if issued is None:
            issued = next(
                (p.issue_date for p in invoice.preceding if p.number == corr.series + corr.number),
                None,
            )
        value = f"<b>{number}</b>" + (f" · {ctx.date(issued)}" if issued else "")
        rows.append((ctx.label("corrected_invoice"), value))
        reason = _coded(ctx, corr.reason_code, lb.CORRECTION_REASON, corr.reason)
        if reason:
            rows.append((ctx.label("reason"), reason))
        method = _coded(ctx, corr.method, lb.CORRECTION_METHOD, corr.method_description)
        if method:
            rows.append((ctx.label("method"), method))
        if ctx.period(corr.period):
            rows.append((ctx.label("corrected_period"), ctx.period(corr.period)))
        if corr.additional_reasons:
            rows.append((ctx.label("additional_reasons"), esc(corr.additional_reasons)))
    for prev in invoice.preceding:
        if corr is not None and prev.number == corr.series + corr.number:
            continue
        value = f"<b>{esc(prev.number)}</b>"
        if prev.issue_date is not None:
            value += f" · {ctx.date(prev.issue_date)}"
        rows.append((ctx.label("preceding"), value))
    if not rows:
        return ""
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return (
        f'<section class="correction"><h3>{ctx.label("correction")}</h3>'
        f'<table class="kv">{body}</table></section>'
    )


# ---------------------------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------------------------


def _unit(code: str, quantity: Decimal, ctx: _Ctx) -> str:
    names = lb.UNITS.get(code)
    if names is None:
        return code if code != "ZZ" else ""
    singular = quantity == 1
    if ctx.lang == "es":
        return names[0] if singular else names[1]
    return names[2] if singular else names[3]


def _adjustment(ac: AllowanceCharge, ctx: _Ctx) -> str:
    sign = "+" if ac.is_charge else "-"
    if ac.percent is not None:
        return f"{sign}{ctx.percent(ac.percent)}"
    return f"{sign}{ctx.amount(ac.amount)}"


def _tax_cell(line: Line, ctx: _Ctx) -> str:
    parts: list[str] = []
    rate = ctx.percent(line.vat_rate) if line.vat_rate is not None else "—"
    if line.tax_type is not TaxType.IVA:
        rate = f"{esc(lb.tax_name(line.tax_type, ctx.lang))} {rate}"
    parts.append(rate)
    words = ctx.pick(lb.VAT_CATEGORY.get(line.vat_category, ("", "")))
    if words and line.vat_category is not VatCategory.ZERO_RATED:
        parts.append(f'<span class="sub">{esc(words)}</span>')
    if line.surcharge_rate is not None and line.surcharge_rate:
        parts.append(f'<span class="sub">RE {ctx.percent(line.surcharge_rate)}</span>')
    for wh in line.withholdings:
        name = esc(lb.tax_name(wh.tax_type, ctx.lang))
        parts.append(f'<span class="sub">{name} -{ctx.percent(wh.rate)}</span>')
    return "<br>".join(parts)


def _line_row(line: Line, ctx: _Ctx, *, with_discount: bool) -> str:
    desc = [f'<div class="item">{esc(line.name)}</div>']
    if line.description and line.description != line.name:
        desc.append(f'<div class="sub pre">{esc(line.description)}</div>')
    facts: list[str] = []
    if line.seller_item_id:
        facts.append(f"{ctx.pick(lb.LABELS['item_ref'])} {esc(line.seller_item_id)}")
    if line.period is not None and ctx.period(line.period):
        facts.append(f"{esc(ctx.pick(lb.LABELS['line_period']))} {ctx.period(line.period)}")
    if line.delivery_date is not None:
        facts.append(f"{esc(ctx.pick(lb.LABELS['line_date']))} {ctx.date(line.delivery_date)}")
    order = " / ".join(x for x in (line.order_ref, line.order_line_ref) if x)
    if order:
        facts.append(f"{esc(ctx.pick(lb.LABELS['line_order']))} {esc(order)}")
    facts += [f"{esc(k)}: {esc(v)}" for k, v in line.attributes]
    facts += [esc(ac.reason) for ac in line.allowances_charges if ac.reason]
    if facts:
        desc.append(f'<div class="sub">{" · ".join(facts)}</div>')
    if line.note:
        desc.append(f'<div class="sub pre">{esc(line.note)}</div>')

    unit = _unit(line.unit_code, line.quantity, ctx)
    qty = ctx.number(line.quantity) + (f"&nbsp;{esc(unit)}" if unit else "")
    price = ctx.amount(line.net_price)
    if line.base_quantity is not None and line.base_quantity != 1:
        base_unit = _unit(line.base_quantity_unit or line.unit_code, line.base_quantity, ctx)
        price += f'<span class="sub">/ {ctx.number(line.base_quantity)} {esc(base_unit)}</span>'
    if line.gross_price is not None and line.gross_price != line.net_price:
        gross = esc(ctx.pick(lb.LABELS["gross_price"]))
        price += f'<span class="sub">{gross} {ctx.amount(line.gross_price)}</span>'
    cells = [
        f'<td class="id">{esc(line.id)}</td>',
        f'<td class="desc">{"".join(desc)}</td>',
        f'<td class="num">{qty}</td>',
        f'<td class="num">{price}</td>',
    ]
    if with_discount:
        adj = [_adjustment(ac, ctx) for ac in line.allowances_charges]
        cells.append(f'<td class="num">{"<br>".join(adj)}</td>')
    cells.append(f'<td class="num strong">{ctx.amount(line.net_amount)}</td>')
    cells.append(f'<td class="num tax">{_tax_cell(line, ctx)}</td>')
    return f"<tr>{''.join(cells)}</tr>"


def _lines(invoice: Invoice, ctx: _Ctx) -> str:
    if not invoice.lines:
        return ""
    with_discount = any(line.allowances_charges for line in invoice.lines)
    cols = [("col_id", "5%"), ("col_description", "")]
    cols += [("col_quantity", "12%"), ("col_price", "11%")]
    if with_discount:
        cols.append(("col_discount", "9%"))
    cols += [("col_net", "12%"), ("col_tax", "10%")]
    colgroup = "".join(f'<col style="width:{w}">' if w else "<col>" for _, w in cols)
    head = "".join(
        f'<th class="{"num" if k not in {"col_id", "col_description"} else ""}">'
        f"{ctx.stacked(k)}</th>"
        for k, _ in cols
    )
    body = "".join(_line_row(line, ctx, with_discount=with_discount) for line in invoice.lines)
    currency = f' <span class="l2">({esc(invoice.currency)})</span>' if invoice.currency else ""
    return (
        f'<section class="lines-sec"><h3>{ctx.label("lines")}{currency}</h3>'
        f'<table class="lines"><colgroup>{colgroup}</colgroup>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>"
    )


# ---------------------------------------------------------------------------------------------
# Tax breakdown and totals
# ---------------------------------------------------------------------------------------------


def _breakdown_label(row: VatBreakdown, ctx: _Ctx) -> str:
    name = esc(lb.tax_name(row.tax_type, ctx.lang))
    words = ctx.pick(lb.VAT_CATEGORY.get(row.category, ("", "")))
    if words:
        return f'{name}<span class="sub">{esc(words)}</span>'
    return name


def _breakdown(invoice: Invoice, ctx: _Ctx) -> str:
    rows = invoice.vat_breakdown
    if not rows:
        return ""
    with_surcharge = any(r.surcharge_rate or r.surcharge_amount for r in rows)
    keys = ["tax", "taxable_base", "rate", "tax_amount"]
    if with_surcharge:
        keys += ["surcharge_rate", "surcharge_amount"]
    head = "".join(f'<th class="{"num" if k != "tax" else ""}">{ctx.stacked(k)}</th>' for k in keys)
    widths = ("16%", "22%", "12%", "17%", "14%", "19%") if with_surcharge else ("28%", "28%", "16%")
    colgroup = "".join(f'<col style="width:{w}">' for w in widths) + "<col>" * (
        len(keys) - len(widths)
    )
    body: list[str] = []
    for row in rows:
        cells = [
            f"<td>{_breakdown_label(row, ctx)}</td>",
            f'<td class="num">{ctx.amount(row.taxable_amount)}</td>',
            f'<td class="num">{ctx.percent(row.rate) if row.rate is not None else "—"}</td>',
            f'<td class="num strong">{ctx.amount(row.tax_amount)}</td>',
        ]
        if with_surcharge:
            rate = ctx.percent(row.surcharge_rate) if row.surcharge_rate else ""
            amount = ctx.amount(row.surcharge_amount) if row.surcharge_amount is not None else ""
            cells += [f'<td class="num">{rate}</td>', f'<td class="num">{amount}</td>']
        body.append(f"<tr>{''.join(cells)}</tr>")
        if row.exemption_reason or row.exemption_code:
            text = f" {_DASH} ".join(
                esc(x) for x in (row.exemption_code, row.exemption_reason) if x
            )
            body.append(f'<tr class="reason"><td colspan="{len(keys)}">{text}</td></tr>')
    return (
        f'<div class="breakdown"><h3>{ctx.label("breakdown")}</h3>'
        f'<table class="grid tight"><colgroup>{colgroup}</colgroup>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _withholding_rows(invoice: Invoice) -> list[Withholding]:
    """Invoice-level withholdings; else the lines' ones summed per tax and rate."""
    if invoice.withholdings:
        return list(invoice.withholdings)
    grouped: dict[tuple[TaxType, Decimal], tuple[Decimal, Decimal]] = {}
    for line in invoice.lines:
        for wh in line.withholdings:
            base, amount = grouped.get((wh.tax_type, wh.rate), (ZERO, ZERO))
            grouped[(wh.tax_type, wh.rate)] = (base + wh.base, amount + wh.amount)
    return [Withholding(tax_type=t, rate=r, base=b, amount=a) for (t, r), (b, a) in grouped.items()]


def _taxes_label(invoice: Invoice) -> Pair:
    types = {row.tax_type for row in invoice.vat_breakdown}
    if len(types) == 1:
        only = types.pop()
        return (f"Cuota {lb.tax_name(only, 'es')}", f"{lb.tax_name(only, 'en')} amount")
    return lb.LABELS["taxes"]


def _totals(invoice: Invoice, ctx: _Ctx) -> str:
    t = invoice.totals
    rows: list[tuple[str, str, str]] = []  # (label html, value html, css class)

    def add(label: str, value: Decimal, cls: str = "") -> None:
        rows.append((label, ctx.money(value), cls))

    add(ctx.stacked("line_total"), t.line_net_total)
    if t.allowance_total:
        add(ctx.stacked("allowances"), -t.allowance_total)
    if t.charge_total:
        add(ctx.stacked("charges"), t.charge_total)
    add(ctx.stacked("tax_exclusive"), t.tax_exclusive, "sum")
    # The model's BT-110 follows Facturae TotalTaxOutputs, which includes the equivalence
    # surcharge; the paper shows the two apart, as RD 1619/2012 asks for each tax amount.
    add(ctx.both(_taxes_label(invoice), stacked=True), t.vat_total - t.surcharge_total)
    if t.surcharge_total:
        add(ctx.stacked("surcharge"), t.surcharge_total)
    withholdings = _withholding_rows(invoice)
    if withholdings or t.withheld_total:
        add(ctx.stacked("tax_inclusive"), t.tax_inclusive, "sum")
        on = esc(ctx.pick(lb.LABELS["on_base"]))
        for wh in withholdings:
            es_name, en_name = lb.tax_name(wh.tax_type, "es"), lb.tax_name(wh.tax_type, "en")
            pair = (
                f"Retención {es_name} {fmt.percent(wh.rate, 'es')}",
                f"{en_name} withheld {fmt.percent(wh.rate, 'en')}",
            )
            label = (
                f'{ctx.both(pair, stacked=True)}<span class="sub">{on} {ctx.money(wh.base)}</span>'
            )
            add(label, -wh.amount)
        if not withholdings:
            add(ctx.stacked("withholding"), -t.withheld_total)
        total = t.invoice_total
    else:
        total = t.tax_inclusive
    add(ctx.stacked("invoice_total"), total, "total")
    after = False
    if t.reimbursable_total:
        add(ctx.stacked("reimbursable"), t.reimbursable_total)
        after = True
    if t.prepaid:
        add(ctx.stacked("prepaid"), -t.prepaid)
        after = True
    if t.amounts_withheld:
        add(ctx.stacked("amounts_withheld"), -t.amounts_withheld)
        after = True
    if t.rounding:
        add(ctx.stacked("rounding"), t.rounding)
        after = True
    if after or t.payable != total:
        add(ctx.stacked("payable"), t.payable, "due")
    else:
        rows[-1] = (rows[-1][0], rows[-1][1], "total due")
    body = "".join(
        f'<tr class="{cls}"><th>{label}</th><td class="num">{value}</td></tr>'
        for label, value, cls in rows
    )
    return f'<div class="totals"><table class="totals-t">{body}</table></div>'


def _summary(invoice: Invoice, ctx: _Ctx) -> str:
    return (
        '<table class="summary"><tr>'
        f'<td class="left">{_breakdown(invoice, ctx)}</td><td class="gap"></td>'
        f'<td class="right">{_totals(invoice, ctx)}</td></tr></table>'
    )


# ---------------------------------------------------------------------------------------------
# Payment, mentions, notes, closing boxes
# ---------------------------------------------------------------------------------------------


def _payment(invoice: Invoice, ctx: _Ctx) -> str:
    rows: list[tuple[str, str]] = []
    pay = invoice.payment
    if pay is not None:
        means = ""
        pair = lb.PAYMENT_MEANS_UNCL4461.get(pay.means_code)
        if pair:
            means = esc(ctx.pick(pair))
            if pay.means_text and pay.means_text.strip().lower() not in {p.lower() for p in pair}:
                means += f" ({esc(pay.means_text)})"
        elif pay.means_text or pay.means_code:
            means = esc(pay.means_text or pay.means_code)
        if means:
            rows.append((ctx.label("means"), means))
        for ct in pay.credit_transfers:
            grouped = fmt.iban(ct.account)
            key = "iban" if fmt.looks_like_iban(ct.account) else "account"
            rows.append((ctx.label(key), f'<span class="mono">{esc(grouped)}</span>'))
            if ct.bic:
                rows.append((ctx.label("bic"), f'<span class="mono">{esc(ct.bic)}</span>'))
            if ct.account_name:
                rows.append((ctx.label("account_name"), esc(ct.account_name)))
        if pay.mandate_reference:
            rows.append((ctx.label("mandate"), esc(pay.mandate_reference)))
        if pay.creditor_id:
            rows.append((ctx.label("creditor_id"), esc(pay.creditor_id)))
        if pay.debited_account:
            debited = esc(fmt.iban(pay.debited_account))
            rows.append((ctx.label("debited_account"), f'<span class="mono">{debited}</span>'))
        if pay.card_pan:
            card = f"**** {esc(pay.card_pan[-4:])}"
            if pay.card_holder:
                card += f" · {esc(pay.card_holder)}"
            rows.append((ctx.label("card"), card))
        if pay.remittance_info:
            rows.append((ctx.label("remittance"), esc(pay.remittance_info)))
    if invoice.due_date is not None:
        rows.append((ctx.label("due_date"), f"<b>{ctx.date(invoice.due_date)}</b>"))
    if invoice.payment_terms:
        rows.append((ctx.label("terms"), f'<span class="pre">{esc(invoice.payment_terms)}</span>'))
    instalments = ""
    if len(invoice.instalments) > 1 or any(
        i.means_code or i.account or i.due_date != invoice.due_date for i in invoice.instalments
    ):
        keys = ("due_date", "amount", "means", "account")
        head = "".join(
            f'<th class="{"num" if k == "amount" else ""}">{ctx.stacked(k)}</th>' for k in keys
        )
        body = "".join(
            f"<tr><td>{ctx.date(i.due_date)}</td>"
            f'<td class="num">{ctx.money(i.amount)}</td>'
            f"<td>{_coded(ctx, i.means_code, lb.PAYMENT_MEANS_FACTURAE, '')}</td>"
            f'<td class="mono">{esc(fmt.iban(i.account))}</td></tr>'
            for i in invoice.instalments
        )
        instalments = (
            f'<h4>{ctx.label("instalments")}</h4><table class="grid tight">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    if not rows and not instalments:
        return ""
    kv = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return (
        f'<section class="payment"><h3>{ctx.label("payment")}</h3>'
        f'<table class="kv">{kv}</table>{instalments}</section>'
    )


def legal_mentions(invoice: Invoice) -> list[Pair]:
    """The mentions RD 1619/2012 art. 6.1 requires, derived from the invoice data.

    Exempt operations print their legal ground (BT-120 / Facturae special taxable event
    reason, which carries the article); reverse charge prints "Inversión del sujeto pasivo";
    self-billing and third-party issuing say so.  Literal texts the issuer wrote
    (``legal_literals``) are printed separately, verbatim.
    """
    found: list[Pair] = []

    def add(pair: Pair) -> None:
        if pair not in found:
            found.append(pair)

    self_billed = invoice.document_type == "AF" or invoice.type_code == "389"
    if invoice.issuer_type is IssuerType.BUYER or self_billed:
        add(lb.MENTION_SELF_BILLING)
    if invoice.issuer_type is IssuerType.THIRD_PARTY:
        add(lb.MENTION_THIRD_PARTY)
    sources: list[tuple[VatCategory, str, str]] = [
        (r.category, r.exemption_reason, r.exemption_code) for r in invoice.vat_breakdown
    ]
    sources += [(ln.vat_category, ln.exemption_reason, ln.exemption_code) for ln in invoice.lines]
    reasons_seen: set[str] = set()
    for category, reason, code in sources:
        if category is VatCategory.REVERSE_CHARGE:
            add(lb.MENTION_REVERSE_CHARGE)
        generic = {
            VatCategory.EXEMPT: lb.MENTION_EXEMPT,
            VatCategory.INTRA_COMMUNITY: lb.MENTION_INTRA_EU,
            VatCategory.EXPORT: lb.MENTION_EXPORT,
            VatCategory.NOT_SUBJECT: lb.MENTION_NOT_SUBJECT,
        }.get(category)
        if generic is None:
            continue
        if reason:
            if reason.strip().lower() in reasons_seen:
                continue
            reasons_seen.add(reason.strip().lower())
            text = f"{reason} ({code})" if code and code not in reason else reason
            add((f"{generic[0]}: {text}", f"{generic[1]}: {text}"))
        elif not any(p[0].startswith(generic[0]) for p in found):
            add((f"{generic[0]} ({code})", f"{generic[1]} ({code})") if code else generic)
    # A specific ground makes the bare generic mention redundant.
    return [p for p in found if not any(q != p and q[0].startswith(p[0] + ":") for q in found)]


def _mentions(invoice: Invoice, ctx: _Ctx) -> str:
    items = [f"<li>{ctx.both(pair)}</li>" for pair in legal_mentions(invoice)]
    items += [f'<li class="pre">{esc(text)}</li>' for text in invoice.legal_literals if text]
    if not items:
        return ""
    return (
        f'<section class="mentions"><h3>{ctx.label("legal")}</h3>'
        f"<ul>{''.join(items)}</ul></section>"
    )


def _notes(invoice: Invoice, ctx: _Ctx) -> str:
    notes = [n.text for n in invoice.notes if n.text and n.text not in invoice.legal_literals]
    if not notes:
        return ""
    body = "".join(f'<p class="pre">{esc(text)}</p>' for text in notes)
    return f'<section class="notes"><h3>{ctx.label("notes")}</h3>{body}</section>'


def _closing(ctx: _Ctx, status_lines: Sequence[str], signature_summary: str) -> str:
    boxes: list[str] = []
    lines = [s for s in status_lines if s]
    if lines:
        body = "".join(f"<p>{esc(s)}</p>" for s in lines)
        boxes.append(f'<div class="box"><h4>{ctx.label("status")}</h4>{body}</div>')
    if signature_summary:
        boxes.append(
            f'<div class="box"><h4>{ctx.label("signature")}</h4>'
            f'<p class="pre">{esc(signature_summary)}</p></div>'
        )
    if not boxes:
        return ""
    return f'<footer class="closing">{"".join(boxes)}</footer>'
