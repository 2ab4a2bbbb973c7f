"""Spanish business rules on the canonical model (layer ``es``), written by us.

The official EN 16931 artefacts know nothing of IRPF withholdings, the equivalence surcharge,
Facturae's ``InvoiceTotal`` / ``TotalExecutableAmount``, corrective-invoice codes or batches,
and they do not verify tax-ID check digits.  These rules do, with our own stable ids:

``ES-TAXID-*``
    Seller (01) and buyer (02) tax IDs have valid check digits (python-stdnum through
    :mod:`einvoice.identifiers`); a Spanish seller states a tax ID at all (03).  Art. 6.1.d
    RD 1619/2012 (*Reglamento de facturación*) requires both NIFs on a complete invoice.
``ES-TOT-*``
    The arithmetic of lines, totals, tax breakdown, surcharges and amounts due, in the same
    conventions as :mod:`einvoice.totals` (BT-110 without equivalence surcharge, BT-112 with
    it; amount due = BT-112 - BT-113 + BT-114 - withheld taxes - guarantee retentions +
    reimbursable expenses, which is Facturae's ``TotalExecutableAmount``).
``ES-WH-*``
    Each withholding (IRPF …) amount = base x rate / 100.
``ES-DATE-*``
    Periods run forwards, the due date is not before the issue date, the issue date is not in
    the future.
``ES-CORR-*``
    A corrective invoice (*factura rectificativa*, art. 15 RD 1619/2012) identifies the
    invoice it corrects and, in Facturae, the legal reason and correction method.
``ES-BATCH-*``
    A Facturae batch states its invoice count and totals correctly.
``ES-CUR-*``
    An invoice of a Spanish seller in another currency gives the tax in euros or the
    exchange rate (art. 10.1 RD 1619/2012).

Amounts are compared with a tolerance of one minor unit of the invoice currency (one cent
for EUR): each stated amount is itself rounded, so exact equality would reject lawful
documents.  Every sentence names the invoice number and the amounts involved, in English and
Spanish, so a bookkeeper can find and fix the figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from einvoice.errors import Layer, Severity, Violation
from einvoice.formats.facturae import sign
from einvoice.identifiers import check_tax_id
from einvoice.model import (
    ZERO,
    Document,
    DocumentKind,
    Invoice,
    Party,
    Period,
    TaxType,
    Withholding,
)
from einvoice.money import minor_units, round_amount

HUNDRED: Final = Decimal(100)

CORRECTION_REASONS: Final = frozenset(
    [f"{n:02d}" for n in range(1, 17)] + [str(n) for n in range(80, 86)]
)
"""Facturae ``ReasonCode``: 01-16 (content of the invoice, art. 80 LIVA grounds by field) and
80-85 (changes of the taxable base: art. 80.1-80.5 LIVA)."""

CORRECTION_METHODS: Final = frozenset({"01", "02", "03", "04"})
"""Facturae ``CorrectionMethod``: full replacement, differences, volume discount, authorised
by the tax agency."""

FUTURE_GRACE_DAYS: Final = 1
"""An issue date up to one day ahead is accepted (time zones: the issuer's day may already
have begun)."""

FUTURE_ABSURD_DAYS: Final = 366
"""An issue date more than a year ahead is certainly a typing error (fatal)."""


class _Checker:
    """Collects the violations of one invoice, with its label and amount tolerance."""

    def __init__(self, invoice: Invoice, index: int | None, *, strict: bool) -> None:
        self.invoice = invoice
        self.index = index
        self.strict = strict
        self.places = minor_units(invoice.currency)
        self.unit = Decimal(1).scaleb(-self.places)
        self.label = invoice.full_number or invoice.number or "(sin número)"
        self.out: list[Violation] = []

    def money(self, value: Decimal) -> str:
        # Rounded half up like every invoice amount (a bare format would round half even).
        return f"{round_amount(value, self.places)} {self.invoice.currency}"

    def add(
        self,
        rule: str,
        en: str,
        es: str,
        *,
        location: str = "",
        severity: Severity = Severity.FATAL,
    ) -> None:
        self.out.append(
            Violation(
                rule=rule,
                message=f"Invoice {self.label}: {en}",
                message_es=f"Factura {self.label}: {es}",
                severity=severity,
                layer=Layer.SPAIN,
                location=location,
                invoice=self.index,
            )
        )

    def differs(self, stated: Decimal, expected: Decimal, tolerance: Decimal | None = None) -> bool:
        return abs(stated - expected) > (self.unit if tolerance is None else tolerance)


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


# ---------------------------------------------------------------------------------------------
# Tax identifiers
# ---------------------------------------------------------------------------------------------


def _check_party(
    c: _Checker, party: Party, rule: str, role_en: str, role_es: str, term: str
) -> None:
    if not party.tax_id.strip():
        return
    result = check_tax_id(party.tax_id, party.country or "ES")
    if not result.valid:
        # A wrong Spanish NIF makes the invoice unusable for Spanish VAT (art. 6.1.d RD
        # 1619/2012).  A foreign VAT number is its own tax agency's business (VIES is the
        # authority, EN 16931 only asks for the prefix, BR-CO-09): flagged, not rejected.
        severity = Severity.FATAL if result.country == "ES" else Severity.WARNING
        c.add(
            rule,
            f"the {role_en} tax ID ({term}) {party.tax_id} of {party.full_name or '-'} is not "
            f"valid. {result.reason}",
            f"el NIF del {role_es} ({term}) {party.tax_id} de {party.full_name or '-'} no es "
            f"válido. {result.reason_es}",
            location=term,
            severity=severity,
        )


def check_tax_ids(c: _Checker) -> None:
    """ES-TAXID-01 seller, ES-TAXID-02 buyer, ES-TAXID-03 Spanish seller without tax ID."""
    inv = c.invoice
    _check_party(c, inv.seller, "ES-TAXID-01", "seller", "vendedor", "BT-31")
    _check_party(c, inv.buyer, "ES-TAXID-02", "buyer", "comprador", "BT-48")
    if not inv.seller.tax_id.strip() and inv.seller.country == "ES":
        # Art. 6.1.d RD 1619/2012: the issuer's NIF is a mandatory content of every invoice.
        c.add(
            "ES-TAXID-03",
            f"the Spanish seller {inv.seller.full_name or '-'} states no tax ID (BT-31); "
            "every Spanish invoice must carry the issuer's NIF.",
            f"el vendedor español {inv.seller.full_name or '-'} no indica su NIF (BT-31); "
            "toda factura española debe llevar el NIF del emisor.",
            location="BT-31",
        )


# ---------------------------------------------------------------------------------------------
# Totals and withholdings
# ---------------------------------------------------------------------------------------------


def check_lines(c: _Checker) -> None:
    """ES-TOT-01: BT-131 = BT-129 x BT-146 / BT-149 - line allowances + line charges."""
    for pos, line in enumerate(c.invoice.lines, start=1):
        base_quantity = line.base_quantity or Decimal(1)
        extended = line.quantity * line.net_price / base_quantity
        allowances = _sum(ac.amount for ac in line.allowances_charges if not ac.is_charge)
        charges = _sum(ac.amount for ac in line.allowances_charges if ac.is_charge)
        expected = extended - allowances + charges
        if c.differs(line.net_amount, expected):
            # Facturae defines GrossAmount = TotalCost - discounts + charges with TotalCost =
            # Quantity x UnitPriceWithoutTax, so a mismatch is an error there.  EN 16931 core
            # rules do not check this (only Peppol does, PEPPOL-EN16931-R120, which runs on
            # Peppol documents): for UBL/CII it is a warning.
            c.add(
                "ES-TOT-01",
                f"line {pos} ({line.name[:40]}) has a net amount (BT-131) of "
                f"{c.money(line.net_amount)}, but {line.quantity} x {line.net_price} - "
                f"{allowances} discounts + {charges} charges = {c.money(expected)}.",
                f"la línea {pos} ({line.name[:40]}) tiene un importe neto (BT-131) de "
                f"{c.money(line.net_amount)}, pero {line.quantity} x {line.net_price} - "
                f"{allowances} de descuentos + {charges} de cargos = {c.money(expected)}.",
                location=f"BG-25[{pos}]/BT-131",
                severity=Severity.FATAL if c.strict else Severity.WARNING,
            )


def check_totals(c: _Checker) -> None:
    """ES-TOT-02 … ES-TOT-12: document totals, breakdown and amounts due."""
    inv, t = c.invoice, c.invoice.totals
    line_sum = _sum(line.net_amount for line in inv.lines)
    # Facturae line amounts may carry up to eight decimals; their rounded sum can differ
    # from the rounded total by half a cent per line at most.
    line_tolerance = max(c.unit, c.unit / 2 * len(inv.lines))
    if inv.lines and c.differs(t.line_net_total, line_sum, line_tolerance):
        c.add(
            "ES-TOT-02",
            f"the sum of line net amounts (BT-106) says {c.money(t.line_net_total)}, but the "
            f"lines add up to {c.money(line_sum)}.",
            f"la suma de importes netos de las líneas (BT-106) indica "
            f"{c.money(t.line_net_total)}, pero las líneas suman {c.money(line_sum)}.",
            location="BT-106",
        )
    allowances = _sum(ac.amount for ac in inv.allowances_charges if not ac.is_charge)
    charges = _sum(ac.amount for ac in inv.allowances_charges if ac.is_charge)
    if c.differs(t.allowance_total, allowances):
        c.add(
            "ES-TOT-03",
            f"the total of document discounts (BT-107) says {c.money(t.allowance_total)}, but "
            f"the discounts add up to {c.money(allowances)}.",
            f"el total de descuentos generales (BT-107) indica {c.money(t.allowance_total)}, "
            f"pero los descuentos suman {c.money(allowances)}.",
            location="BT-107",
        )
    if c.differs(t.charge_total, charges):
        c.add(
            "ES-TOT-03",
            f"the total of document charges (BT-108) says {c.money(t.charge_total)}, but the "
            f"charges add up to {c.money(charges)}.",
            f"el total de cargos generales (BT-108) indica {c.money(t.charge_total)}, pero los "
            f"cargos suman {c.money(charges)}.",
            location="BT-108",
        )
    before_tax = t.line_net_total - t.allowance_total + t.charge_total
    if c.differs(t.tax_exclusive, before_tax):
        c.add(
            "ES-TOT-04",
            f"the total before tax (BT-109) is {c.money(t.tax_exclusive)}, but "
            f"{c.money(t.line_net_total)} - {c.money(t.allowance_total)} discounts + "
            f"{c.money(t.charge_total)} charges = {c.money(before_tax)}.",
            f"la base imponible total (BT-109) es {c.money(t.tax_exclusive)}, pero "
            f"{c.money(t.line_net_total)} - {c.money(t.allowance_total)} de descuentos + "
            f"{c.money(t.charge_total)} de cargos = {c.money(before_tax)}.",
            location="BT-109",
        )
    _check_breakdown(c)
    _check_bases(c)
    tax_sum = _sum(row.tax_amount for row in inv.vat_breakdown)
    surcharge_sum = _sum(row.surcharge_amount or ZERO for row in inv.vat_breakdown)
    # BT-110 is the tax without equivalence surcharge (einvoice.totals), but Facturae's
    # TotalTaxOutputs includes it and a reader may keep that figure: accept either reading,
    # whichever matches, and add the surcharge to BT-112 only when BT-110 excludes it.
    includes_surcharge = bool(surcharge_sum) and not c.differs(t.vat_total, tax_sum + surcharge_sum)
    if inv.vat_breakdown and c.differs(t.vat_total, tax_sum) and not includes_surcharge:
        c.add(
            "ES-TOT-07",
            f"the total tax (BT-110) says {c.money(t.vat_total)}, but the tax breakdown adds "
            f"up to {c.money(tax_sum)}"
            + (f" ({c.money(tax_sum + surcharge_sum)} with surcharges)." if surcharge_sum else "."),
            f"la cuota total de impuestos (BT-110) indica {c.money(t.vat_total)}, pero el "
            f"desglose de impuestos suma {c.money(tax_sum)}"
            + (f" ({c.money(tax_sum + surcharge_sum)} con recargos)." if surcharge_sum else "."),
            location="BT-110",
        )
    if c.differs(t.surcharge_total, surcharge_sum):
        c.add(
            "ES-TOT-08",
            f"the total equivalence surcharge is {c.money(t.surcharge_total)}, but the "
            f"surcharges of the tax breakdown add up to {c.money(surcharge_sum)}.",
            f"el total de recargo de equivalencia es {c.money(t.surcharge_total)}, pero los "
            f"recargos del desglose suman {c.money(surcharge_sum)}.",
            location="TotalTaxOutputs",
        )
    taxes = t.vat_total if includes_surcharge else t.vat_total + t.surcharge_total
    with_tax = t.tax_exclusive + taxes
    if c.differs(t.tax_inclusive, with_tax):
        c.add(
            "ES-TOT-09",
            f"the total with tax (BT-112; Facturae InvoiceTotal + taxes withheld) is "
            f"{c.money(t.tax_inclusive)}, but {c.money(t.tax_exclusive)} before tax + "
            f"{c.money(taxes)} taxes (equivalence surcharge included) = {c.money(with_tax)}.",
            f"el total con impuestos (BT-112; InvoiceTotal de Facturae + retenciones) es "
            f"{c.money(t.tax_inclusive)}, pero {c.money(t.tax_exclusive)} de base + "
            f"{c.money(taxes)} de impuestos (recargo de equivalencia incluido) = "
            f"{c.money(with_tax)}.",
            location="BT-112",
        )
    withheld = _sum(w.amount for w in inv.withholdings)
    if inv.withholdings and c.differs(t.withheld_total, withheld):
        c.add(
            "ES-TOT-10",
            f"the total of taxes withheld says {c.money(t.withheld_total)}, but the "
            f"withholdings add up to {c.money(withheld)}.",
            f"el total de retenciones indica {c.money(t.withheld_total)}, pero las retenciones "
            f"suman {c.money(withheld)}.",
            location="TotalTaxesWithheld",
        )
    payable = (
        t.tax_inclusive
        - t.prepaid
        + t.rounding
        - t.withheld_total
        - t.amounts_withheld
        + t.reimbursable_total
    )
    if c.differs(t.payable, payable):
        c.add(
            "ES-TOT-11",
            f"the amount due (BT-115, Facturae TotalExecutableAmount) is {c.money(t.payable)}, "
            f"but {c.money(t.tax_inclusive)} total - {c.money(t.prepaid)} paid on account + "
            f"{c.money(t.rounding)} rounding - {c.money(t.withheld_total)} taxes withheld - "
            f"{c.money(t.amounts_withheld)} amounts withheld + {c.money(t.reimbursable_total)} "
            f"reimbursable expenses = {c.money(payable)}.",
            f"el importe a pagar (BT-115, TotalExecutableAmount de Facturae) es "
            f"{c.money(t.payable)}, pero {c.money(t.tax_inclusive)} de total - "
            f"{c.money(t.prepaid)} de anticipos + {c.money(t.rounding)} de redondeo - "
            f"{c.money(t.withheld_total)} de retenciones - {c.money(t.amounts_withheld)} de "
            f"importes retenidos + {c.money(t.reimbursable_total)} de suplidos = "
            f"{c.money(payable)}.",
            location="BT-115",
        )


def _check_breakdown(c: _Checker) -> None:
    """ES-TOT-05 tax amount and ES-TOT-06 equivalence surcharge of each breakdown row."""
    inv = c.invoice
    for pos, row in enumerate(inv.vat_breakdown, start=1):
        # Some issuers round the tax of every line and add them up; that differs from the
        # tax of the row by at most half a cent per line, which is lawful rounding.
        lines = sum(
            1
            for line in inv.lines
            if line.vat_category == row.category and line.vat_rate == row.rate
        )
        tolerance = max(c.unit, c.unit / 2 * lines)
        if not c.strict:
            # For EN 16931 documents the official BR-CO-17 is authoritative and accepts a
            # difference below one whole currency unit; we do not reject what it accepts.
            tolerance = max(tolerance, Decimal(1))
        rate = row.rate or ZERO
        expected = row.taxable_amount * rate / HUNDRED
        if c.differs(row.tax_amount, expected, tolerance):
            c.add(
                "ES-TOT-05",
                f"the tax of breakdown row {pos} (BT-117) is {c.money(row.tax_amount)}, but "
                f"{c.money(row.taxable_amount)} x {rate} % = {c.money(expected)}.",
                f"la cuota del grupo {pos} del desglose (BT-117) es {c.money(row.tax_amount)}, "
                f"pero {c.money(row.taxable_amount)} x {rate} % = {c.money(expected)}.",
                location=f"BG-23[{pos}]/BT-117",
            )
        if row.surcharge_rate is not None or row.surcharge_amount is not None:
            s_rate = row.surcharge_rate or ZERO
            s_amount = row.surcharge_amount or ZERO
            s_expected = row.taxable_amount * s_rate / HUNDRED
            if c.differs(s_amount, s_expected, tolerance):
                c.add(
                    "ES-TOT-06",
                    f"the equivalence surcharge of breakdown row {pos} is "
                    f"{c.money(s_amount)}, but {c.money(row.taxable_amount)} x {s_rate} % = "
                    f"{c.money(s_expected)}.",
                    f"el recargo de equivalencia del grupo {pos} del desglose es "
                    f"{c.money(s_amount)}, pero {c.money(row.taxable_amount)} x {s_rate} % = "
                    f"{c.money(s_expected)}.",
                    location=f"BG-23[{pos}]/EquivalenceSurchargeAmount",
                )


_MAIN_TAXES: Final = frozenset({TaxType.IVA, TaxType.IGIC, TaxType.IPSI})
"""The indirect taxes a line bears as its VAT (one per line); every other output tax is part
of their base."""


def _check_bases(c: _Checker) -> None:
    """ES-TOT-12: the taxable bases of the breakdown add up to BT-109.

    Every line bears exactly one main tax (IVA, IGIC or IPSI), so when all lines bear the
    same one its breakdown rows share out BT-109 between rates (BR-S-08 … BR-O-08, Facturae
    ``TaxableBase``).  Invoices mixing main taxes are skipped: a Facturae line may then bear
    two taxes on the same base and the rows overlap.
    """
    inv = c.invoice
    tax_types = {line.tax_type for line in inv.lines}
    if len(tax_types) != 1 or not inv.vat_breakdown:
        return
    (tax_type,) = tax_types
    rows = [row for row in inv.vat_breakdown if row.tax_type == tax_type]
    if not rows:
        return
    bases = _sum(row.taxable_amount for row in rows)
    t = inv.totals
    tolerance = c.unit * len(rows)
    if not c.differs(bases, t.tax_exclusive, tolerance):
        return
    # Art. 78.Dos.4º LIVA: the VAT base includes the other taxes on the same supply
    # (Impuestos Especiales such as the electricity tax, Facturae 07 …), so the IVA rows may
    # exceed BT-109 by exactly those taxes' amounts.
    others = _sum(row.tax_amount for row in inv.vat_breakdown if row.tax_type not in _MAIN_TAXES)
    if others and not c.differs(bases, t.tax_exclusive + others, tolerance):
        return
    if (t.allowance_total or t.charge_total) and not c.differs(bases, t.line_net_total, tolerance):
        # Many Facturae generators add up the line taxes and leave general discounts and
        # surcharges out of the invoice-level TaxableBase.  VAT law (art. 78-79 LIVA) puts
        # them in the base, but the Facturae schema does not spell it out: a warning.
        c.add(
            "ES-TOT-12",
            f"the taxable bases of the {tax_type.name} breakdown (BT-116) add up to "
            f"{c.money(bases)}, the line total, leaving out the general discounts "
            f"({c.money(t.allowance_total)}) and charges ({c.money(t.charge_total)}) that make "
            f"the total before tax (BT-109) {c.money(t.tax_exclusive)}.",
            f"las bases imponibles del desglose de {tax_type.name} (BT-116) suman "
            f"{c.money(bases)}, el total de las líneas, sin los descuentos generales "
            f"({c.money(t.allowance_total)}) ni los recargos generales "
            f"({c.money(t.charge_total)}) con los que la base total (BT-109) es "
            f"{c.money(t.tax_exclusive)}.",
            location="BG-23/BT-116",
            severity=Severity.WARNING,
        )
        return
    c.add(
        "ES-TOT-12",
        f"the taxable bases of the {tax_type.name} breakdown (BT-116) add up to "
        f"{c.money(bases)}, but the total before tax (BT-109) is {c.money(t.tax_exclusive)}: "
        "part of the invoice is taxed on a wrong base.",
        f"las bases imponibles del desglose de {tax_type.name} (BT-116) suman "
        f"{c.money(bases)}, pero la base imponible total (BT-109) es "
        f"{c.money(t.tax_exclusive)}: parte de la factura tributa sobre una base errónea.",
        location="BG-23/BT-116",
    )


def check_withholdings(c: _Checker) -> None:
    """ES-WH-01: every withholding amount = base x rate / 100 (invoice and line level)."""
    where: list[tuple[str, str, str, Withholding]] = [
        ("", "", "TaxesWithheld", w) for w in c.invoice.withholdings
    ]
    for pos, line in enumerate(c.invoice.lines, start=1):
        where.extend(
            (f" of line {pos}", f" de la línea {pos}", f"BG-25[{pos}]/TaxesWithheld", w)
            for w in line.withholdings
        )
    for suffix_en, suffix_es, location, item in where:
        expected = item.base * item.rate / HUNDRED
        if c.differs(item.amount, expected):
            c.add(
                "ES-WH-01",
                f"the withholding{suffix_en} (tax {item.tax_type.name}) is "
                f"{c.money(item.amount)}, but {c.money(item.base)} x {item.rate} % = "
                f"{c.money(expected)}.",
                f"la retención{suffix_es} (impuesto {item.tax_type.name}) es "
                f"{c.money(item.amount)}, pero {c.money(item.base)} x {item.rate} % = "
                f"{c.money(expected)}.",
                location=location,
            )


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


def _check_period(c: _Checker, period: Period | None, what_en: str, what_es: str, loc: str) -> None:
    if period and period.start and period.end and period.end < period.start:
        c.add(
            "ES-DATE-01",
            f"the {what_en} ends ({period.end.isoformat()}) before it starts "
            f"({period.start.isoformat()}).",
            f"el {what_es} termina ({period.end.isoformat()}) antes de empezar "
            f"({period.start.isoformat()}).",
            location=loc,
        )


def check_dates(c: _Checker, today: dt.date) -> None:
    """ES-DATE-01 periods, ES-DATE-02 due dates, ES-DATE-03/04 issue date in the future."""
    inv = c.invoice
    periods = [(inv.period, "invoicing period", "periodo de facturación", "BG-14")]
    periods.extend(
        (line.period, f"period of line {pos}", f"periodo de la línea {pos}", f"BG-25[{pos}]/BG-26")
        for pos, line in enumerate(inv.lines, start=1)
    )
    if inv.correction is not None:
        periods.append(
            (
                inv.correction.period,
                "tax period of the corrected invoice",
                "periodo impositivo de la factura rectificada",
                "Corrective/TaxPeriod",
            )
        )
    for period, what_en, what_es, location in periods:
        _check_period(c, period, what_en, what_es, location)
    dues = [("BT-9", inv.due_date)] + [
        (f"Installment[{i}]", inst.due_date) for i, inst in enumerate(inv.instalments, start=1)
    ]
    for location, due in dues:
        if due is not None and due < inv.issue_date:
            # A warning only: paying before the invoice is issued is lawful (art. 164.1.3
            # LIVA lets the invoice follow the payment), so an earlier date can be genuine.
            c.add(
                "ES-DATE-02",
                f"the payment due date {due.isoformat()} is before the issue date "
                f"{inv.issue_date.isoformat()}.",
                f"la fecha de vencimiento {due.isoformat()} es anterior a la fecha de "
                f"expedición {inv.issue_date.isoformat()}.",
                location=location,
                severity=Severity.WARNING,
            )
    ahead = (inv.issue_date - today).days
    if ahead > FUTURE_ABSURD_DAYS:
        c.add(
            "ES-DATE-04",
            f"the issue date {inv.issue_date.isoformat()} is more than a year in the future; "
            "it is certainly wrong.",
            f"la fecha de expedición {inv.issue_date.isoformat()} está a más de un año en el "
            "futuro; es sin duda errónea.",
            location="BT-2",
        )
    elif ahead > FUTURE_GRACE_DAYS:
        # Art. 11 RD 1619/2012: an invoice is issued when the operation takes place or later,
        # never dated ahead; a warning only because the receiver may still book it.
        c.add(
            "ES-DATE-03",
            f"the issue date {inv.issue_date.isoformat()} is in the future ({ahead} days "
            f"after {today.isoformat()}).",
            f"la fecha de expedición {inv.issue_date.isoformat()} está en el futuro ({ahead} "
            f"días después del {today.isoformat()}).",
            location="BT-2",
            severity=Severity.WARNING,
        )


# ---------------------------------------------------------------------------------------------
# Corrective invoices
# ---------------------------------------------------------------------------------------------


def check_correction(c: _Checker) -> None:
    """ES-CORR-01 reference to the corrected invoice, ES-CORR-02/03 reason and method codes."""
    inv = c.invoice
    corr = inv.correction
    facturae_corrective = corr is not None or inv.invoice_class in {"OR", "CR"}
    referenced = bool(
        (corr is not None and corr.number.strip()) or any(p.number.strip() for p in inv.preceding)
    )
    if facturae_corrective and not referenced:
        # Art. 15 RD 1619/2012: a rectifying invoice must identify the invoice(s) it corrects.
        c.add(
            "ES-CORR-01",
            "it is a corrective invoice but does not state the number of the invoice it "
            "corrects (Corrective/InvoiceNumber, BT-25).",
            "es una factura rectificativa pero no indica el número de la factura que rectifica "
            "(Corrective/InvoiceNumber, BT-25).",
            location="Corrective",
        )
    elif inv.is_corrective and not referenced:
        # EN 16931 makes BG-3 optional, so a credit note from abroad may lawfully omit it;
        # Spanish law requires it, hence a warning rather than a rejection.
        c.add(
            "ES-CORR-01",
            "it is a credit note or corrected invoice without a reference to the invoice it "
            "corrects (BG-3); Spanish law requires one.",
            "es un abono o factura rectificativa sin referencia a la factura que rectifica "
            "(BG-3); la normativa española la exige.",
            location="BG-3",
            severity=Severity.WARNING,
        )
    if corr is None:
        return
    if corr.reason_code not in CORRECTION_REASONS:
        c.add(
            "ES-CORR-02",
            f"the correction reason code '{corr.reason_code or '-'}' is not one of the legal "
            "reasons 01-16 or 80-85 (Corrective/ReasonCode).",
            f"el código de motivo de rectificación '{corr.reason_code or '-'}' no es uno de "
            "los motivos legales 01-16 u 80-85 (Corrective/ReasonCode).",
            location="Corrective/ReasonCode",
        )
    if corr.method not in CORRECTION_METHODS:
        c.add(
            "ES-CORR-03",
            f"the correction method '{corr.method or '-'}' is not 01 (full replacement), "
            "02 (differences), 03 (volume discount) or 04 (authorised by the tax agency).",
            f"el método de rectificación '{corr.method or '-'}' no es 01 (íntegra), "
            "02 (por diferencias), 03 (descuento por volumen) ni 04 (autorizado por la AEAT).",
            location="Corrective/CorrectionMethod",
        )


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def check_invoice(
    invoice: Invoice,
    *,
    index: int | None = None,
    today: dt.date | None = None,
    strict: bool = True,
) -> list[Violation]:
    """Every Spanish rule on one invoice; ``index`` is its position in a batch.

    ``strict`` applies Facturae's arithmetic to the letter (the default, and what invoices
    issued here must meet); ``False`` is for received UBL/CII documents, where the official
    EN 16931 rules govern line amounts and tax rounding (see ES-TOT-01 and ES-TOT-05).
    """
    c = _Checker(invoice, index, strict=strict)
    check_tax_ids(c)
    check_lines(c)
    check_totals(c)
    check_withholdings(c)
    check_dates(c, today or dt.date.today())
    check_correction(c)
    check_currency(c)
    return c.out


def check_currency(c: _Checker) -> None:
    """ES-CUR-01: a Spanish invoice in another currency states the tax in euros or the rate.

    RD 1619/2012 art. 10.1: amounts may be in any currency, but the tax must be given in
    euros, converted at the rate stated.  An invoice of a Spanish seller in a currency other
    than the euro therefore needs the VAT total in euros (BT-6 ``EUR`` with BT-111) or the
    exchange rate (Facturae ``ExchangeRateDetails``).
    """
    inv = c.invoice
    if inv.seller.country != "ES" or inv.currency in {"", "EUR"}:
        return
    in_euros = inv.tax_currency == "EUR" and inv.totals.vat_total_tax_currency is not None
    if in_euros or inv.exchange_rate is not None:
        return
    c.add(
        "ES-CUR-01",
        f"the invoice is in {inv.currency} but gives neither the tax in euros (BT-6 EUR with "
        "BT-111) nor the exchange rate to the euro, which RD 1619/2012 art. 10.1 requires.",
        f"la factura está en {inv.currency} pero no indica ni la cuota en euros (BT-6 EUR con "
        "BT-111) ni el tipo de cambio al euro, que exige el art. 10.1 del RD 1619/2012.",
        location="BT-6",
    )


def check_batch(document: Document) -> list[Violation]:
    """ES-BATCH-01 … 04: a Facturae batch's count and totals equal the sums of its invoices."""
    bt = document.batch_totals
    if bt is None:
        return []
    out: list[Violation] = []
    places = minor_units(bt.currency)
    unit = Decimal(1).scaleb(-places)
    count = len(document.invoices)

    def fmt(value: Decimal) -> str:
        return f"{round_amount(value, places)} {bt.currency}"

    def add(rule: str, en: str, es: str, location: str) -> None:
        out.append(
            Violation(rule=rule, message=en, message_es=es, layer=Layer.SPAIN, location=location)
        )

    if bt.invoices_count != count:
        add(
            "ES-BATCH-01",
            f"The batch says it holds {bt.invoices_count} invoices, but it holds {count}.",
            f"El lote indica que contiene {bt.invoices_count} facturas, pero contiene {count}.",
            "Batch/InvoicesCount",
        )
    tolerance = unit * max(1, count)
    # A credit note is read from a negative Facturae corrective (einvoice.formats.facturae.
    # sign): the file's batch totals hold its amounts negative.
    totals = [
        sign.negated(inv, kind=inv.kind, type_code=inv.type_code).totals
        if inv.kind is DocumentKind.CREDIT_NOTE
        else inv.totals
        for inv in document.invoices
    ]
    sums = (
        (
            "ES-BATCH-02",
            "TotalInvoicesAmount",
            bt.total_invoices_amount,
            _sum(t.invoice_total for t in totals),
            "invoice totals",
            "totales de las facturas",
        ),
        (
            "ES-BATCH-03",
            "TotalOutstandingAmount",
            bt.total_outstanding_amount,
            _sum(t.invoice_total - t.prepaid for t in totals),
            "outstanding amounts",
            "importes pendientes",
        ),
        (
            "ES-BATCH-04",
            "TotalExecutableAmount",
            bt.total_executable_amount,
            _sum(t.payable for t in totals),
            "amounts due",
            "importes a pagar",
        ),
    )
    for rule, element, stated, expected, what_en, what_es in sums:
        if abs(stated - expected) > tolerance:
            add(
                rule,
                f"The batch {element} says {fmt(stated)}, but the {what_en} of the "
                f"{count} invoice(s) in it add up to {fmt(expected)}.",
                f"El {element} del lote indica {fmt(stated)}, pero la suma de {what_es} de "
                f"la(s) {count} factura(s) que contiene es {fmt(expected)}.",
                f"Batch/{element}",
            )
    return out


def is_strict(document: Document) -> bool:
    """Whether :func:`check_invoice` applies Facturae's arithmetic strictly to ``document``
    (everything except received UBL and CII, which the official EN 16931 rules govern)."""
    return document.format not in {"ubl", "cii"}


def check_document(document: Document, *, today: dt.date | None = None) -> list[Violation]:
    """Batch rules plus every invoice's rules (violations carry ``invoice`` for batches).

    Documents parsed from UBL or CII are checked with ``strict=False`` (see
    :func:`check_invoice`); Facturae documents and those built here, strictly.
    """
    batch = len(document.invoices) > 1
    strict = is_strict(document)
    out = check_batch(document)
    for i, invoice in enumerate(document.invoices):
        out.extend(check_invoice(invoice, index=i if batch else None, today=today, strict=strict))
    return out


__all__ = [
    "CORRECTION_METHODS",
    "CORRECTION_REASONS",
    "check_batch",
    "check_document",
    "check_invoice",
    "is_strict",
]
