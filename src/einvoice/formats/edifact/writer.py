"""Write canonical invoices as one UN/EDIFACT INVOIC interchange.

Two profiles, chosen by directory:

* ``D96A`` — EANCOM INVOIC ``EAN008`` as Spanish retail exchanges it (AECOC guides):
  syntax ``UNOC:3`` (Latin-1), supplier ``NAD+SU``, GLNs with agency ``9``, totals
  ``MOA+79/125/176/77/9``;
* ``D16B`` — the EN 16931 EDIFACT binding (CEN/TS 16931-3-4, message ``INVOIC:D:14B:UN::16B``
  as in CEN's examples): syntax ``UNOW:4`` (UTF-8), seller ``NAD+SE``, identifier schemes
  from ISO 6523, totals ``MOA+79/260/259/389/176/388/113/366/9``, ``FTX+DOC`` naming the
  specification.

The output is deterministic (the interchange date is the issue date), so the same invoice
always gives the same bytes.  What the message cannot carry is listed by :func:`losses`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from decimal import Decimal

from pydifact.control.characters import Characters
from pydifact.segments import Segment
from pydifact.serializer import Serializer

from einvoice.errors import ConversionError, Layer, Severity, Violation
from einvoice.formats.edifact import _codes as c
from einvoice.model import (
    AllowanceCharge,
    Attachment,
    Invoice,
    Line,
    Party,
    TaxType,
    VatCategory,
)

__all__ = ["losses", "write"]

EN16931_SPECIFICATION = "urn:cen.eu:en16931:2017"

_Element = str | list[str]


def _seg(tag: str, *elements: _Element) -> Segment:
    trimmed = list(elements)
    while trimmed and trimmed[-1] in ("", []):
        trimmed.pop()
    return Segment(tag, *trimmed)


def _num(value: Decimal) -> str:
    """A decimal as EDIFACT writes it: no exponent, no trailing zeros beyond what it holds."""
    text = format(value, "f")
    return text


def _chunks(text: str, size: int = 350, count: int = 5) -> list[str]:
    parts = [text[i : i + size] for i in range(0, len(text), size)] or [""]
    if len(parts) > count:  # keep everything: the last component takes the rest
        parts = [*parts[: count - 1], "".join(parts[count - 1 :])]
    return parts


_CONTROL_REF = re.compile(r"[^A-Za-z0-9]")


class _Writer:
    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.en = directory != "D96A"
        self.segments: list[Segment] = []
        self.raw: list[tuple[int, str]] = []
        """Raw text (object packages) to insert after the first n segments."""

    def add(self, tag: str, *elements: _Element) -> None:
        self.segments.append(_seg(tag, *elements))

    # -- parties --------------------------------------------------------------------------

    def party(self, role: str, party: Party, *, accounts: bool = False, invoice: Invoice) -> None:
        ident = party.identifiers[0] if party.identifiers else None
        id_element: _Element = ""
        if ident is not None:
            if not self.en and ident.scheme == "0088":
                id_element = [ident.value, "", "9"]
            else:
                id_element = [ident.value, ident.scheme]
        address = party.address
        streets = [address.line1, address.line2, address.line3]
        while streets and not streets[-1]:
            streets.pop()
        self.add(
            "NAD",
            role,
            id_element,
            "",
            _chunks(party.full_name, 35),
            streets,
            address.city,
            address.subdivision,
            address.postal_code,
            address.country,
        )
        if accounts and invoice.payment is not None:
            for transfer in invoice.payment.credit_transfers:
                self.add(
                    "FII",
                    "RB",
                    [transfer.account, transfer.account_name],
                    [transfer.bic] if transfer.bic else "",
                )
        if party.tax_id:
            self.add("RFF", ["VA", party.tax_id])
        if party.legal_id is not None:
            self.add("RFF", ["GN", party.legal_id.value, "", party.legal_id.scheme])
        if party.tax_registration_id:
            self.add("RFF", ["FC", party.tax_registration_id])
        contact = party.contact
        if contact.name or contact.phone or contact.email or party.endpoint:
            self.add("CTA", "IC", ["", contact.name])
            if contact.phone:
                self.add("COM", [contact.phone, "TE"])
            if contact.email:
                self.add("COM", [contact.email, "EM"])
            if party.endpoint is not None:
                endpoint = f"{party.endpoint.scheme}:{party.endpoint.value}"
                self.add("COM", [endpoint, c.COM_ENDPOINT])

    # -- taxes ------------------------------------------------------------------------------

    def tax(self, kind: str, rate: Decimal | None, category: str = "", name: str = "") -> None:
        type_element: _Element = [kind, "", "", name] if name else kind
        self.add(
            "TAX",
            "7",
            type_element,
            "",
            "",
            ["", "", "", _num(rate)] if rate is not None else "",
            category,
        )

    def withholding_tax(self, tax_type: TaxType, rate: Decimal) -> None:
        if tax_type is TaxType.IRPF:
            self.tax(c.TAX_WITHHOLDING, rate)
        else:
            self.tax(c.TAX_WITHHOLDING_OTHER, rate, name=str(tax_type))

    def allowance_charge(self, ac: AllowanceCharge, *, line: bool) -> None:
        if self.en:  # C552: reason text and UNCL5189/7161 code
            reason: _Element = [ac.reason, ac.reason_code] if (ac.reason or ac.reason_code) else ""
            self.add("ALC", "C" if ac.is_charge else "A", reason)
        else:  # EANCOM C214: code and text
            self.add(
                "ALC",
                "C" if ac.is_charge else "A",
                "",
                "",
                "",
                [ac.reason_code, "", "", ac.reason] if (ac.reason_code or ac.reason) else "",
            )
        if ac.percent is not None:
            self.add("PCD", ["2" if ac.is_charge else "1", _num(ac.percent)])
        qualifier = ("23" if ac.is_charge else "204") if self.en else "8"
        self.add("MOA", [qualifier, _num(ac.amount)])
        if ac.base_amount is not None:
            self.add("MOA", ["25", _num(ac.base_amount)])
        if not line and ac.vat_category is not None:
            self.tax(c.TAX_VAT, ac.vat_rate, str(ac.vat_category))

    # -- lines ------------------------------------------------------------------------------

    def line(self, line: Line) -> None:
        gtin: _Element = ""
        standard = line.standard_item_id
        if standard is not None:
            gtin = [standard.value, "SRV" if self.en else "EN"]
            if standard.scheme != "0160":
                gtin.append(standard.scheme)
        self.add("LIN", line.id, "", gtin)
        if line.seller_item_id:
            self.add("PIA", "5", [line.seller_item_id, c.ITEM_SELLER])
        if line.buyer_item_id:
            self.add("PIA", "5", [line.buyer_item_id, c.ITEM_BUYER])
        for classification in line.classifications:
            self.add("PIA", c.PIA_CLASSIFICATION, [classification.value, classification.scheme])
        self.add("IMD", "F", "", ["", "", "", line.name])
        if line.description:
            self.add("IMD", "F", "", ["", "", "", line.description])
        self.add("QTY", ["47", _num(line.quantity), line.unit_code])
        if line.origin_country:
            self.add("ALI", line.origin_country)
        if line.period is not None:
            if line.period.start is not None:
                self.add("DTM", ["167", f"{line.period.start:%Y%m%d}", "102"])
            if line.period.end is not None:
                self.add("DTM", ["168", f"{line.period.end:%Y%m%d}", "102"])
        if line.note:
            self.add("FTX", "ACB", "", "", _chunks(line.note))
        for name, value in line.attributes:
            self.add("FTX", "ACF", "", "", [name, value])
        self.add("MOA", [c.MOA_LINE_NET, _num(line.net_amount)])
        price: list[str] = ["AAA", _num(line.net_price)]
        if line.base_quantity is not None:
            price += ["", "", _num(line.base_quantity), line.base_quantity_unit]
        self.add("PRI", price)
        if line.gross_price is not None:
            self.add("PRI", ["AAB", _num(line.gross_price)])
        if line.order_line_ref:
            self.add("RFF", ["LI", line.order_line_ref])
        if line.accounting_ref:
            self.add("RFF", ["AWQ", line.accounting_ref])
        rate = None if line.vat_category is VatCategory.NOT_SUBJECT else line.vat_rate
        self.tax(c.TAX_VAT, rate, str(line.vat_category))
        if line.surcharge_rate is not None:
            self.tax(c.TAX_SURCHARGE, line.surcharge_rate)
        for withholding in line.withholdings:
            self.withholding_tax(withholding.tax_type, withholding.rate)
            self.add("MOA", [c.MOA_TAXABLE, _num(withholding.base)])
            self.add("MOA", ["124", _num(withholding.amount)])
        for ac in line.allowances_charges:
            self.allowance_charge(ac, line=True)
        if line.price_discount is not None:
            self.add("ALC", "A")
            self.add("MOA", [c.MOA_PRICE_DISCOUNT, _num(line.price_discount)])

    # -- the message ------------------------------------------------------------------------

    def message(self, invoice: Invoice, reference: str) -> None:
        start = len(self.segments)
        association = (
            ["INVOIC", "D", "14B", "UN", "", "16B"]
            if self.en
            else [
                "INVOIC",
                "D",
                "96A",
                "UN",
                "EAN008",
            ]
        )
        self.add("UNH", reference, association)
        self.add("BGM", invoice.type_code, invoice.full_number, "9")
        self.add("DTM", ["137", f"{invoice.issue_date:%Y%m%d}", "102"])
        if invoice.tax_point_date is not None:
            self.add("DTM", ["131", f"{invoice.tax_point_date:%Y%m%d}", "102"])
        if invoice.delivery is not None and invoice.delivery.date is not None:
            self.add("DTM", ["35", f"{invoice.delivery.date:%Y%m%d}", "102"])
        if invoice.period is not None:
            if invoice.period.start is not None:
                self.add("DTM", ["167", f"{invoice.period.start:%Y%m%d}", "102"])
            if invoice.period.end is not None:
                self.add("DTM", ["168", f"{invoice.period.end:%Y%m%d}", "102"])
        for note in invoice.notes:
            self.add("FTX", note.subject or c.FTX_NO_SUBJECT, "", "", _chunks(note.text))
        if invoice.seller.legal_form:
            self.add(
                "FTX",
                c.FTX_LEGAL_FORM,
                "",
                [c.FTX_LEGAL_FORM_CODE],
                _chunks(invoice.seller.legal_form),
            )
        if self.en:
            self.add("FTX", "DOC", "", "", [invoice.specification_id or EN16931_SPECIFICATION])
        if invoice.payment_terms:
            self.add("FTX", "AAB", "", "", _chunks(invoice.payment_terms))
        for row in invoice.vat_breakdown:
            if row.category in c.EXEMPT_CATEGORIES and (row.exemption_code or row.exemption_reason):
                self.add(
                    "FTX",
                    "AGM",
                    "",
                    [row.exemption_code] if row.exemption_code else "",
                    _chunks(row.exemption_reason),
                )
        for qualifier, attribute in c.HEADER_REFERENCES.items():
            value = getattr(invoice, attribute)
            if value:
                self.add("RFF", [qualifier, value])
        for preceding in invoice.preceding:
            self.add("RFF", ["OI", preceding.number])
            if preceding.issue_date is not None:
                self.add("DTM", ["171", f"{preceding.issue_date:%Y%m%d}", "102"])
        if invoice.payment is not None and invoice.payment.remittance_info:
            self.add("RFF", ["PQ", invoice.payment.remittance_info])
        payee = invoice.payee
        self.party(
            "SE" if self.en else "SU", invoice.seller, accounts=payee is None, invoice=invoice
        )
        self.party("BY", invoice.buyer, invoice=invoice)
        if payee is not None:
            self.party(c.PAYEE_ROLE, payee, accounts=True, invoice=invoice)
        if invoice.tax_representative is not None:
            self.party("LC", invoice.tax_representative, invoice=invoice)
        delivery = invoice.delivery
        if delivery is not None and (delivery.name or delivery.address or delivery.location_id):
            ident = delivery.location_id
            id_element: _Element = [ident.value, ident.scheme] if ident else ""
            address = delivery.address
            streets = [address.line1, address.line2, address.line3] if address else []
            while streets and not streets[-1]:
                streets.pop()
            self.add(
                "NAD",
                "DP",
                id_element,
                "",
                _chunks(delivery.name, 35) if delivery.name else "",
                streets,
                address.city if address else "",
                address.subdivision if address else "",
                address.postal_code if address else "",
                address.country if address else "",
            )
        currency: list[_Element] = [["2", invoice.currency, "4"]]
        if invoice.tax_currency or invoice.exchange_rate is not None:
            currency.append(["3", invoice.tax_currency] if invoice.tax_currency else "")
            if invoice.exchange_rate is not None:
                currency.append(_num(invoice.exchange_rate))
        self.add("CUX", *currency)
        if invoice.due_date is not None:
            self.add("PYT", "1")
            self.add("DTM", ["13", f"{invoice.due_date:%Y%m%d}", "102"])
        if invoice.payment is not None and invoice.payment.means_code:
            self.add("PAI", ["", "", invoice.payment.means_code])
        for ac in invoice.allowances_charges:
            self.allowance_charge(ac, line=False)
        for attachment in invoice.attachments:
            self.add("EFI", [attachment.filename, attachment.description])
            if attachment.uri:
                self.add("COM", [attachment.uri, "AO"])
            self.add("RFF", ["ATS", attachment.id])
        for line in invoice.lines:
            self.line(line)
        self.add("UNS", "S")
        t = invoice.totals
        self.add("MOA", ["79", _num(t.line_net_total)])
        if t.allowance_total or invoice.allowances_charges:
            self.add("MOA", ["260", _num(t.allowance_total)])
        if t.charge_total or invoice.allowances_charges:
            self.add("MOA", ["259", _num(t.charge_total)])
        self.add("MOA", ["389" if self.en else c.MOA_TAXABLE, _num(t.tax_exclusive)])
        # MOA 176 is VAT only (BR-CO-14); the equivalence surcharge travels in its own
        # TAX+7+RE rows and is added back by the reader (canonical BT-110 includes it).
        self.add("MOA", ["176", _num(t.vat_total - t.surcharge_total)])
        if t.vat_total_tax_currency is not None:
            self.add("MOA", ["2", _num(t.vat_total_tax_currency)])
        self.add("MOA", ["388" if self.en else "77", _num(t.tax_inclusive)])
        if t.prepaid:
            self.add("MOA", ["113", _num(t.prepaid)])
        if t.rounding:
            self.add("MOA", ["366", _num(t.rounding)])
        self.add("MOA", ["9", _num(t.payable)])
        for row in invoice.vat_breakdown:
            rate = None if row.category is VatCategory.NOT_SUBJECT else row.rate
            self.tax(c.TAX_VAT, rate if rate is not None else None, str(row.category))
            self.add("MOA", [c.MOA_TAXABLE, _num(row.taxable_amount)])
            self.add("MOA", ["124", _num(row.tax_amount)])
            if row.surcharge_rate is not None:
                self.tax(c.TAX_SURCHARGE, row.surcharge_rate)
                self.add("MOA", ["124", _num(row.surcharge_amount or Decimal("0"))])
        for withholding in invoice.withholdings:
            self.withholding_tax(withholding.tax_type, withholding.rate)
            self.add("MOA", [c.MOA_TAXABLE, _num(withholding.base)])
            self.add("MOA", ["124", _num(withholding.amount)])
        self.add("UNT", str(len(self.segments) - start + 1), reference)
        for number, attachment in enumerate(invoice.attachments, start=1):
            if attachment.content:
                self.package(f"P{number}", attachment)

    def package(self, reference: str, attachment: Attachment) -> None:
        """An ISO 9735-8 object package after the message: ``UNO``, the base64 content,
        ``UNP`` (written raw: its content has no segment terminator)."""
        content = base64.b64encode(attachment.content).decode("ascii")
        mime = attachment.mime_type or "application/octet-stream"
        self.add("UNO", reference, ["1", attachment.id], ["13", mime], str(len(content)))
        self.raw.append((len(self.segments), f"{content}UNP+{len(content)}+{reference}'\n"))


def _interchange_party(party: Party) -> list[str]:
    for ident in (party.endpoint, *party.identifiers):
        if ident is not None and ident.scheme == "0088":
            return [ident.value, "14"]
    return [party.tax_id or party.name[:35], "ZZZ"]


def write(invoices: Sequence[Invoice], *, directory: str) -> bytes:
    """One interchange holding one INVOIC message per invoice (deterministic bytes)."""
    if not invoices:
        raise ConversionError.single(
            "EDI-EMPTY", "There is no invoice to write.", "No hay ninguna factura que escribir."
        )
    writer = _Writer(directory)
    first = invoices[0]
    control = (_CONTROL_REF.sub("", first.full_number) or "1")[:14]
    if writer.en:
        syntax = ["UNOW", "4"]
        stamp = [f"{first.issue_date:%Y%m%d}", "0000"]
    else:
        syntax = ["UNOC", "3"]
        stamp = [f"{first.issue_date:%y%m%d}", "0000"]
    # ISO 9735 default service characters, with "." as decimal mark (what the numbers use).
    characters = Characters.from_str("UNA:+.? '")
    writer.add(
        "UNB",
        syntax,
        _interchange_party(first.seller),
        _interchange_party(first.buyer),
        stamp,
        control,
    )
    for index, invoice in enumerate(invoices, start=1):
        writer.message(invoice, str(index))
    writer.add("UNZ", str(len(invoices)), control)
    serializer = Serializer(characters)
    parts: list[str] = []
    done = 0
    for position, raw in [*writer.raw, (len(writer.segments), "")]:
        chunk = writer.segments[done:position]
        text = serializer.serialize(chunk, with_una_header=done == 0, break_lines=True)
        # The package content starts right after the UNO terminator (no line break).
        parts.append(text.rstrip("\n") if raw else text)
        parts.append(raw)
        done = position
    text = "".join(parts)
    if writer.en:
        return text.encode("utf-8")
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise ConversionError.single(
            "EDI-CHARSET",
            f"The text '{bad}' cannot be written in EANCOM D96A (character set UNOC, Latin-1); "
            "write the EN 16931 profile (D16B, UTF-8) instead.",
            f"El texto '{bad}' no se puede escribir en EANCOM D96A (juego de caracteres UNOC, "
            "Latin-1); escriba el perfil EN 16931 (D16B, UTF-8).",
        ) from exc


def losses(invoice: Invoice) -> list[Violation]:
    """Warnings for what the INVOIC message drops (Facturae-only data)."""
    dropped: list[tuple[str, str, str]] = []
    if len(invoice.instalments) > 1:
        dropped.append(("Facturae Installment", "the payment instalments", "los vencimientos"))
    if any(p.centres for p in (invoice.seller, invoice.buyer)):
        dropped.append(("Facturae AdministrativeCentres", "the DIR3 centres", "los centros DIR3"))
    if invoice.correction is not None:
        dropped.append(
            (
                "Facturae Corrective",
                "the correction reason and method",
                "el motivo y el método de la rectificación",
            )
        )
    if invoice.legal_literals:
        dropped.append(("Facturae LegalLiterals", "the legal literals", "las menciones legales"))
    if invoice.totals.amounts_withheld:
        dropped.append(
            ("Facturae AmountsWithheld", "the guarantee retention", "la retención de garantía")
        )
    return [
        Violation(
            rule=rule,
            message=f"EDIFACT INVOIC cannot carry {en}; they are left out of the EDIFACT file.",
            message_es=f"EDIFACT INVOIC no puede llevar {es}; no se incluyen en el fichero "
            "EDIFACT.",
            severity=Severity.WARNING,
            layer=Layer.CONVERSION,
        )
        for rule, en, es in dropped
    ]
