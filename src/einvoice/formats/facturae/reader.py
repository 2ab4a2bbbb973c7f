"""Facturae (3.1 … 3.2.2) to canonical invoices.

One Facturae file is a *batch*: one seller and one buyer (``Parties``) and one or more
``Invoice`` elements.  Each ``Invoice`` becomes one :class:`~einvoice.model.Invoice`
carrying copies of the file-level parties, issuer type and third party.

Amounts are read as :class:`~decimal.Decimal` exactly as written (the precision of the file
is kept).  Child elements of every Facturae version are unqualified (no namespace), so the
reader finds them by local name.  Anything the reader cannot make sense of raises
:class:`~einvoice.errors.ParseError` naming the element, in English and Spanish; nothing
else escapes (the writer and the docs list which Facturae elements have no place in the
canonical model).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import zlib
from dataclasses import replace
from decimal import Decimal
from typing import Final

from lxml import etree

from einvoice import lexical
from einvoice import xml as _xml
from einvoice.errors import ParseError, UnsupportedDocument
from einvoice.formats.facturae import codes, sign
from einvoice.identifiers import normalise_tax_id
from einvoice.model import (
    ZERO,
    Address,
    AdministrativeCentre,
    AllowanceCharge,
    Attachment,
    BatchTotals,
    Contact,
    Correction,
    CreditTransfer,
    Document,
    Identifier,
    Instalment,
    Invoice,
    IssuerType,
    Line,
    Note,
    Party,
    Payment,
    Period,
    PersonType,
    PrecedingInvoice,
    Residence,
    TaxType,
    Totals,
    VatBreakdown,
    VatCategory,
    Withholding,
)

_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
"""Upper bound for a decompressed (GZIP) attachment: a compressed bomb stops here."""

NOTE_SUBJECT_DESCRIPTION = "AAI"
"""UNCL4451 subject given to the Facturae 3.2.2 ``InvoiceDescription`` note (general
information), so the writer can put it back where it came from."""
NOTE_SUBJECT_LEGAL = "REG"
"""UNCL4451 subject of notes copied from ``LegalLiterals`` (regulatory information)."""

VATEX_NOT_SUBJECT = "VATEX-EU-O"
"""BT-121 code EN 16931 requires for category O (not subject to VAT)."""


# Allowed codes, made once (building a set of enum values per element was a tenth of a read).
_TAX_TYPE_CODES: Final = frozenset(t.value for t in TaxType)
_ISSUER_TYPES: Final = frozenset(t.value for t in IssuerType)
_PERSON_TYPES: Final = frozenset(p.value for p in PersonType)
_RESIDENCES: Final = frozenset(r.value for r in Residence)


class _Reader:
    """Reads one parsed Facturae tree; keeps the context (version, invoice) for errors."""

    def __init__(self, tree: etree._ElementTree, version: str) -> None:
        self.tree = tree
        self.version = version
        self.invoice_index: int | None = None

    # -- error helpers ------------------------------------------------------------------------

    def fail(self, el: etree._Element | None, rule: str, en: str, es: str) -> ParseError:
        location = self.tree.getpath(el) if el is not None else ""
        source_line = el.sourceline if el is not None else None
        line = source_line if isinstance(source_line, int) else None
        return ParseError.single(
            rule, en, es, location=location, line=line, invoice=self.invoice_index
        )

    def required(self, parent: etree._Element, path: str) -> etree._Element:
        found = _xml.find(parent, path)
        if found is None:
            where = self.tree.getpath(parent)
            raise self.fail(
                parent,
                "FACTURAE-MISSING",
                f"The Facturae element '{path}' is missing under {where}; the invoice cannot "
                "be read without it.",
                f"Falta el elemento Facturae '{path}' dentro de {where}; sin él no se puede "
                "leer la factura.",
            )
        return found

    # -- typed values ---------------------------------------------------------------------------

    def text(self, parent: etree._Element, path: str) -> str:
        """Text of the element at ``path`` (stripped), or "" when absent or empty."""
        found = _xml.find(parent, path)
        if found is None or found.text is None:
            return ""
        return found.text.strip()

    def text_req(self, parent: etree._Element, path: str) -> str:
        el = self.required(parent, path)
        return (el.text or "").strip()

    def decimal(self, parent: etree._Element, path: str) -> Decimal | None:
        """The number at ``path`` exactly as written, or ``None`` when absent."""
        found = _xml.find(parent, path)
        if found is None:
            return None
        return self._to_decimal(found)

    def decimal_req(self, parent: etree._Element, path: str) -> Decimal:
        return self._to_decimal(self.required(parent, path))

    def _to_decimal(self, el: etree._Element) -> Decimal:
        # Facturae numbers are xs:double, whose lexical space allows an exponent (1.5E3);
        # the value is bounded all the same.
        try:
            return lexical.parse_decimal(el.text or "", exponent=True)
        except lexical.LexicalError as exc:
            name = etree.QName(el).localname
            raise self.fail(
                el,
                lexical.rule_id(exc, "FACTURAE-NUMBER"),
                f"{name} {exc.message}.",
                f"{name} {exc.message_es}.",
            ) from None

    def date(self, parent: etree._Element, path: str) -> dt.date | None:
        found = _xml.find(parent, path)
        if found is None:
            return None
        try:
            return lexical.parse_iso_date(found.text or "")
        except lexical.LexicalError as exc:
            name = etree.QName(found).localname
            raise self.fail(
                found, "FACTURAE-DATE", f"{name} {exc.message}.", f"{name} {exc.message_es}."
            ) from None

    def date_req(self, parent: etree._Element, path: str) -> dt.date:
        value = self.date(parent, path)
        if value is None:
            self.required(parent, path)  # raises
        assert value is not None
        return value

    def code(self, parent: etree._Element, path: str, allowed: frozenset[str] | set[str]) -> str:
        """A coded value that must be one of ``allowed`` ("" when absent)."""
        value = self.text(parent, path)
        if value and value not in allowed:
            el = _xml.find(parent, path)
            raise self.fail(
                el,
                "FACTURAE-CODE",
                f"'{value}' is not a valid Facturae code for {path}.",
                f"'{value}' no es un código Facturae válido para {path}.",
            )
        return value

    def country(self, parent: etree._Element, path: str) -> str:
        alpha3 = self.text_req(parent, path)
        alpha2 = codes.ALPHA3_TO_ALPHA2.get(alpha3)
        if alpha2 is None:
            raise self.fail(
                _xml.find(parent, path),
                "FACTURAE-COUNTRY",
                f"'{alpha3}' is not a country code Facturae knows (ISO 3166-1 alpha-3).",
                f"'{alpha3}' no es un código de país que Facturae conozca (ISO 3166-1 alfa-3).",
            )
        return alpha2

    def period(self, parent: etree._Element, path: str) -> Period | None:
        found = _xml.find(parent, path)
        if found is None:
            return None
        return Period(start=self.date(found, "StartDate"), end=self.date(found, "EndDate"))

    # -- document -------------------------------------------------------------------------------

    def document(self) -> Document:
        root = self.tree.getroot()
        header = self.required(root, "FileHeader")
        batch = self.required(header, "Batch")
        issuer_code = self.code(header, "InvoiceIssuerType", _ISSUER_TYPES)
        issuer_type = IssuerType(issuer_code) if issuer_code else IssuerType.SELLER
        third = _xml.find(header, "ThirdParty")
        third_party = self.party(third) if third is not None else None
        parties = self.required(root, "Parties")
        seller = self.party(self.required(parties, "SellerParty"))
        buyer = self.party(self.required(parties, "BuyerParty"))
        invoices_el = _xml.findall(self.required(root, "Invoices"), "Invoice")
        if not invoices_el:
            raise self.fail(
                root,
                "FACTURAE-MISSING",
                "The Facturae file holds no Invoice element.",
                "El fichero Facturae no contiene ningún elemento Invoice.",
            )
        invoices = []
        for index, inv in enumerate(invoices_el):
            self.invoice_index = index if len(invoices_el) > 1 else None
            invoice = self.invoice(inv, seller, buyer, issuer_type, third_party)
            # A corrective whose amounts are all credits is what EN 16931 calls a credit note.
            invoices.append(sign.as_credit_note(invoice) if sign.is_credit(invoice) else invoice)
        self.invoice_index = None
        count_raw = self.text_req(batch, "InvoicesCount")
        try:
            count = int(count_raw)
        except ValueError:
            raise self.fail(
                _xml.find(batch, "InvoicesCount"),
                "FACTURAE-NUMBER",
                f"InvoicesCount '{count_raw}' is not a whole number.",
                f"InvoicesCount '{count_raw}' no es un número entero.",
            ) from None
        totals = BatchTotals(
            invoices_count=count,
            total_invoices_amount=self.decimal_req(batch, "TotalInvoicesAmount/TotalAmount"),
            total_outstanding_amount=self.decimal_req(batch, "TotalOutstandingAmount/TotalAmount"),
            total_executable_amount=self.decimal_req(batch, "TotalExecutableAmount/TotalAmount"),
            currency=self.text(batch, "InvoiceCurrencyCode") or "EUR",
        )
        return Document(
            invoices=tuple(invoices),
            format="facturae",
            version=self.version,
            batch_id=self.text(batch, "BatchIdentifier"),
            batch_totals=totals,
            signed=_xml.find(root, f"{{{codes.DSIG_NS}}}Signature") is not None,
        )

    # -- parties --------------------------------------------------------------------------------

    def party(self, el: etree._Element) -> Party:
        """``SellerParty`` / ``BuyerParty`` / ``ThirdParty`` (BusinessType or ThirdPartyType)."""
        tax = self.required(el, "TaxIdentification")
        person = self.code(tax, "PersonTypeCode", _PERSON_TYPES)
        residence = self.code(tax, "ResidenceTypeCode", _RESIDENCES)
        residence_type = Residence(residence) if residence else Residence.RESIDENT
        legal = _xml.find(el, "LegalEntity")
        individual = _xml.find(el, "Individual")
        body = legal if legal is not None else individual
        address = self.address(body) if body is not None else Address()
        tax_id = canonical_tax_id(
            self.text_req(tax, "TaxIdentificationNumber"), residence_type, address.country
        )
        if body is None:
            raise self.fail(
                el,
                "FACTURAE-MISSING",
                f"{etree.QName(el).localname} has neither LegalEntity nor Individual.",
                f"{etree.QName(el).localname} no tiene LegalEntity ni Individual.",
            )
        party_id = self.text(el, "PartyIdentification")
        is_legal = legal is not None
        registration = {
            name: self.text(body, f"RegistrationData/{name}") for name, _ in REGISTRATION_LABELS
        }
        return Party(
            name=self.text_req(body, "CorporateName" if is_legal else "Name"),
            trading_name=self.text(body, "TradeName"),
            first_surname="" if is_legal else self.text_req(body, "FirstSurname"),
            second_surname=self.text(body, "SecondSurname"),
            legal_form=registration_text(registration),
            tax_id=tax_id,
            identifiers=(Identifier(value=party_id),) if party_id else (),
            address=address,
            contact=self.contact(_xml.find(body, "ContactDetails")),
            person_type=PersonType(person) if person else PersonType.LEGAL,
            residence=residence_type,
            centres=tuple(self.centre(c) for c in _xml.findall(el, "AdministrativeCentres/*")),
        )

    def address(self, parent: etree._Element) -> Address:
        spain = _xml.find(parent, "AddressInSpain")
        if spain is not None:
            return Address(
                line1=self.text(spain, "Address"),
                postal_code=self.text(spain, "PostCode"),
                city=self.text(spain, "Town"),
                subdivision=self.text(spain, "Province"),
                country=self.country(spain, "CountryCode"),
            )
        overseas = _xml.find(parent, "OverseasAddress")
        if overseas is not None:
            postal, town = split_post_code_and_town(self.text(overseas, "PostCodeAndTown"))
            return Address(
                line1=self.text(overseas, "Address"),
                postal_code=postal,
                city=town,
                subdivision=self.text(overseas, "Province"),
                country=self.country(overseas, "CountryCode"),
            )
        return Address()

    def contact(self, el: etree._Element | None) -> Contact:
        if el is None:
            return Contact()
        return Contact(
            name=self.text(el, "ContactPersons"),
            phone=self.text(el, "Telephone"),
            email=self.text(el, "ElectronicMail"),
        )

    def centre(self, el: etree._Element) -> AdministrativeCentre:
        names = [
            self.text(el, "Name"),
            self.text(el, "FirstSurname"),
            self.text(el, "SecondSurname"),
        ]
        has_address = (
            _xml.find(el, "AddressInSpain") is not None
            or _xml.find(el, "OverseasAddress") is not None
        )
        return AdministrativeCentre(
            code=self.text(el, "CentreCode"),
            role=self.code(el, "RoleTypeCode", codes.ROLE_CODES),
            name=self.text(el, "CentreDescription") or " ".join(n for n in names if n),
            address=self.address(el) if has_address else None,
        )

    # -- invoice --------------------------------------------------------------------------------

    def invoice(
        self,
        el: etree._Element,
        seller: Party,
        buyer: Party,
        issuer_type: IssuerType,
        third_party: Party | None,
    ) -> Invoice:
        header = self.required(el, "InvoiceHeader")
        issue = self.required(el, "InvoiceIssueData")
        document_type = self.code(header, "InvoiceDocumentType", codes.DOCUMENT_TYPES) or "FC"
        invoice_class = self.code(header, "InvoiceClass", codes.INVOICE_CLASSES) or "OO"
        lines = tuple(
            self.line(line_el, index)
            for index, line_el in enumerate(_xml.findall(self.required(el, "Items"), "InvoiceLine"))
        )
        events = _EventGroups(lines)
        vat_breakdown = merge_breakdown(
            [self.tax_output(tax, events) for tax in _xml.findall(el, "TaxesOutputs/Tax")]
        )
        withholdings = tuple(self.withholding(t) for t in _xml.findall(el, "TaxesWithheld/Tax"))
        totals_el = self.required(el, "InvoiceTotals")
        totals = self.totals(totals_el, vat_breakdown)
        gross = totals.line_net_total
        allowances = tuple(
            self.allowance(d, is_charge=False, base=gross)
            for d in _xml.findall(totals_el, "GeneralDiscounts/Discount")
        ) + tuple(
            self.allowance(c, is_charge=True, base=gross)
            for c in _xml.findall(totals_el, "GeneralSurcharges/Charge")
        )

        correction, preceding = self.corrective(_xml.find(header, "Corrective"))
        related = self.text(el, "AdditionalData/RelatedInvoice")
        if related:
            preceding = (*preceding, PrecedingInvoice(number=related))

        instalments = tuple(
            self.instalment(i) for i in _xml.findall(el, "PaymentDetails/Installment")
        )
        payment = self.payment(_xml.findall(el, "PaymentDetails/Installment"), instalments)

        notes: list[Note] = []
        description = self.text(issue, "InvoiceDescription")
        if description:
            notes.append(Note(text=description, subject=NOTE_SUBJECT_DESCRIPTION))
        info = self.text(el, "AdditionalData/InvoiceAdditionalInformation")
        if info:
            notes.append(Note(text=info))
        literals = tuple(
            (r.text or "").strip()
            for r in _xml.findall(el, "LegalLiterals/LegalReference")
            if (r.text or "").strip()
        )
        notes.extend(Note(text=lit, subject=NOTE_SUBJECT_LEGAL) for lit in literals)

        exchange = _xml.find(issue, "ExchangeRateDetails")
        despatch = next(
            (
                self.text(n, "DeliveryNoteNumber")
                for n in _xml.findall(el, "Items/InvoiceLine/DeliveryNotesReferences/DeliveryNote")
                if self.text(n, "DeliveryNoteNumber")
            ),
            "",
        )
        return Invoice(
            number=self.text_req(header, "InvoiceNumber"),
            series=self.text(header, "InvoiceSeriesCode"),
            issue_date=self.date_req(issue, "IssueDate"),
            type_code=type_code(document_type, invoice_class),
            currency=self.text_req(issue, "InvoiceCurrencyCode"),
            tax_currency=self.text(issue, "TaxCurrencyCode"),
            exchange_rate=self.decimal(exchange, "ExchangeRate") if exchange is not None else None,
            language=self.text(issue, "LanguageName"),
            tax_point_date=self.date(issue, "OperationDate"),
            due_date=instalments[0].due_date if instalments else None,
            buyer_reference=self.text(issue, "FileReference"),
            contract_ref=self.text(issue, "ReceiverContractReference"),
            order_ref=self.text(issue, "ReceiverTransactionReference"),
            despatch_advice_ref=despatch,
            notes=tuple(notes),
            legal_literals=literals,
            preceding=preceding,
            correction=correction,
            seller=seller,
            buyer=buyer,
            issuer_type=issuer_type,
            third_party=third_party,
            period=self.period(issue, "InvoicingPeriod"),
            payment=payment,
            instalments=instalments,
            allowances_charges=allowances,
            totals=totals,
            vat_breakdown=vat_breakdown,
            withholdings=withholdings,
            lines=lines,
            attachments=tuple(
                self.attachment(a, index)
                for index, a in enumerate(
                    _xml.findall(el, "AdditionalData/RelatedDocuments/Attachment")
                )
            ),
            document_type=document_type,
            invoice_class=invoice_class,
        )

    def corrective(
        self, el: etree._Element | None
    ) -> tuple[Correction | None, tuple[PrecedingInvoice, ...]]:
        if el is None:
            return None, ()
        number = self.text(el, "InvoiceNumber")
        series = self.text(el, "InvoiceSeriesCode")
        issue_date = self.date(el, "InvoiceIssueDate")
        correction = Correction(
            number=number,
            series=series,
            reason_code=self.code(el, "ReasonCode", set(codes.REASON_DESCRIPTIONS)),
            reason=self.text(el, "ReasonDescription"),
            period=self.period(el, "TaxPeriod"),
            method=self.code(el, "CorrectionMethod", set(codes.CORRECTION_METHOD_DESCRIPTIONS)),
            method_description=self.text(el, "CorrectionMethodDescription"),
            additional_reasons=self.text(el, "AdditionalReasonDescription"),
            issue_date=issue_date,
        )
        preceding = (
            (PrecedingInvoice(number=f"{series}{number}", issue_date=issue_date),) if number else ()
        )
        return correction, preceding

    # -- taxes ----------------------------------------------------------------------------------

    def tax_type(self, tax: etree._Element) -> TaxType:
        value = self.code(tax, "TaxTypeCode", _TAX_TYPE_CODES)
        if not value:
            raise self.fail(
                tax,
                "FACTURAE-MISSING",
                "A tax has no TaxTypeCode (IVA 01, IGIC 03, IRPF 04 …).",
                "Un impuesto no tiene TaxTypeCode (IVA 01, IGIC 03, IRPF 04 …).",
            )
        return TaxType(value)

    def tax_output(self, tax: etree._Element, events: _EventGroups) -> VatBreakdown:
        tax_type = self.tax_type(tax)
        rate = self.decimal_req(tax, "TaxRate")
        category = vat_category(tax_type, rate, "")
        reason = ""
        code = ""
        rate_out: Decimal | None = rate
        if rate == 0:
            # The document-level Tax has no SpecialTaxableEvent: its lines say why it is
            # zero (exempt / not subject), with their reasons.
            found = events.take(tax_type)
            if found is not None:
                category, reason, code = found
                if category is VatCategory.NOT_SUBJECT:
                    rate_out = None
        surcharge_amount = self.decimal(tax, "EquivalenceSurchargeAmount/TotalAmount")
        return VatBreakdown(
            category=category,
            rate=rate_out,
            taxable_amount=self.decimal_req(tax, "TaxableBase/TotalAmount"),
            tax_amount=self.decimal(tax, "TaxAmount/TotalAmount") or ZERO,
            exemption_reason=reason,
            exemption_code=code,
            tax_type=tax_type,
            surcharge_rate=self.decimal(tax, "EquivalenceSurcharge"),
            surcharge_amount=surcharge_amount,
        )

    def withholding(self, tax: etree._Element) -> Withholding:
        return Withholding(
            tax_type=self.tax_type(tax),
            rate=self.decimal_req(tax, "TaxRate"),
            base=self.decimal_req(tax, "TaxableBase/TotalAmount"),
            amount=self.decimal(tax, "TaxAmount/TotalAmount") or ZERO,
        )

    # -- totals ---------------------------------------------------------------------------------

    def totals(self, el: etree._Element, breakdown: tuple[VatBreakdown, ...]) -> Totals:
        withheld = self.decimal_req(el, "TotalTaxesWithheld")
        amounts_withheld = self.decimal(el, "AmountsWithheld/WithholdingAmount")
        surcharges = [b.surcharge_amount for b in breakdown if b.surcharge_amount is not None]
        return Totals(
            line_net_total=self.decimal_req(el, "TotalGrossAmount"),
            allowance_total=self.decimal(el, "TotalGeneralDiscounts") or ZERO,
            charge_total=self.decimal(el, "TotalGeneralSurcharges") or ZERO,
            tax_exclusive=self.decimal_req(el, "TotalGrossAmountBeforeTaxes"),
            vat_total=self.decimal_req(el, "TotalTaxOutputs"),
            # InvoiceTotal = before taxes + taxes - withheld; keeping it exact this way
            # means Totals.invoice_total gives back the file's InvoiceTotal to the cent.
            tax_inclusive=self.decimal_req(el, "InvoiceTotal") + withheld,
            prepaid=self.decimal(el, "TotalPaymentsOnAccount") or ZERO,
            payable=self.decimal_req(el, "TotalExecutableAmount"),
            withheld_total=withheld,
            surcharge_total=sum(surcharges, ZERO),
            reimbursable_total=self.decimal(el, "TotalReimbursableExpenses") or ZERO,
            amounts_withheld=amounts_withheld or ZERO,
            amounts_withheld_reason=self.text(el, "AmountsWithheld/WithholdingReason"),
        )

    def allowance(
        self, el: etree._Element, *, is_charge: bool, base: Decimal | None
    ) -> AllowanceCharge:
        """A discount or charge; ``base`` is what Facturae applies its rate to (``TotalCost``
        of the line, ``TotalGrossAmount`` of the invoice), kept as BT-137/142 or BT-93/100
        when a rate is given."""
        kind = "Charge" if is_charge else "Discount"
        percent = self.decimal(el, f"{kind}Rate")
        return AllowanceCharge(
            is_charge=is_charge,
            amount=self.decimal_req(el, f"{kind}Amount"),
            base_amount=base if percent is not None else None,
            percent=percent,
            reason=self.text(el, f"{kind}Reason"),
        )

    # -- lines ----------------------------------------------------------------------------------

    def line(self, el: etree._Element, index: int) -> Line:
        unit = self.code(el, "UnitOfMeasure", set(codes.UNIT_TO_REC20))
        taxes = _xml.findall(el, "TaxesOutputs/Tax")
        if not taxes:
            self.required(el, "TaxesOutputs/Tax")
        main = next(
            (
                t
                for t in taxes
                if self.text(t, "TaxTypeCode") in {TaxType.IVA, TaxType.IGIC, TaxType.IPSI}
            ),
            taxes[0],
        )
        tax_type = self.tax_type(main)
        rate = self.decimal_req(main, "TaxRate")
        event = _xml.find(el, "SpecialTaxableEvent")
        event_code = ""
        reason = ""
        if event is not None:
            event_code = self.code(event, "SpecialTaxableEventCode", {"01", "02"})
            reason = self.text(event, "SpecialTaxableEventReason")
        category = vat_category(tax_type, rate, event_code)
        code, reason = codes.split_event_reason(reason)
        if code in codes.VATEX_CATEGORIES and rate == 0 and event_code:
            # Reverse charge, intra-community supply and export have no Facturae code of
            # their own; the VATEX code written in the reason tells them apart.
            category = VatCategory(codes.VATEX_CATEGORIES[code])
        if not code and category is VatCategory.NOT_SUBJECT:
            code = VATEX_NOT_SUBJECT
        total_cost = self.decimal(el, "TotalCost")
        return Line(
            id=self.text(el, "SequenceNumber") or str(index + 1),
            name=self.text_req(el, "ItemDescription"),
            quantity=self.decimal_req(el, "Quantity"),
            unit_code=codes.UNIT_TO_REC20[unit] if unit else "C62",
            net_price=self.decimal_req(el, "UnitPriceWithoutTax"),
            net_amount=self.decimal_req(el, "GrossAmount"),
            allowances_charges=tuple(
                self.allowance(d, is_charge=False, base=total_cost)
                for d in _xml.findall(el, "DiscountsAndRebates/Discount")
            )
            + tuple(
                self.allowance(c, is_charge=True, base=total_cost)
                for c in _xml.findall(el, "Charges/Charge")
            ),
            vat_category=category,
            vat_rate=None if category is VatCategory.NOT_SUBJECT else rate,
            tax_type=tax_type,
            surcharge_rate=self.decimal(main, "EquivalenceSurcharge"),
            withholdings=tuple(self.withholding(t) for t in _xml.findall(el, "TaxesWithheld/Tax")),
            exemption_reason=reason,
            exemption_code=code,
            note=self.text(el, "AdditionalLineItemInformation"),
            period=self.period(el, "LineItemPeriod"),
            order_line_ref=self.text(el, "ReceiverTransactionReference"),
            order_ref=self.text(el, "ReceiverContractReference"),
            seller_item_id=self.text(el, "ArticleCode"),
            delivery_date=self.date(el, "TransactionDate"),
        )

    # -- payment --------------------------------------------------------------------------------

    def instalment(self, el: etree._Element) -> Instalment:
        means = self.code(el, "PaymentMeans", set(codes.PAYMENT_MEANS_TO_UNCL4461))
        credited = self.account(_xml.find(el, "AccountToBeCredited"))
        debited = self.account(_xml.find(el, "AccountToBeDebited"))
        # Direct debit names the buyer's account to be debited; every other means the
        # seller's account to be credited.  The other account, if any, is kept in Payment.
        account = debited if means == "02" else credited
        return Instalment(
            due_date=self.date_req(el, "InstallmentDueDate"),
            amount=self.decimal_req(el, "InstallmentAmount"),
            means_code=means,
            account=account,
        )

    def account(self, el: etree._Element | None) -> str:
        if el is None:
            return ""
        return self.text(el, "IBAN") or self.text(el, "AccountNumber")

    def payment(
        self, elements: list[etree._Element], instalments: tuple[Instalment, ...]
    ) -> Payment | None:
        """BG-16 from the first instalment's means; BG-17 from every account credited."""
        if not instalments:
            return None
        first = instalments[0]
        transfers: list[CreditTransfer] = []
        debited = ""
        for el in elements:
            credited = _xml.find(el, "AccountToBeCredited")
            account = self.account(credited)
            if credited is not None and account and all(t.account != account for t in transfers):
                transfers.append(CreditTransfer(account=account, bic=self.text(credited, "BIC")))
            debited = debited or self.account(_xml.find(el, "AccountToBeDebited"))
        means = codes.PAYMENT_MEANS_TO_UNCL4461.get(first.means_code, "1")
        if first.means_code == "04" and transfers and _looks_like_iban(transfers[0].account):
            means = "58"
        return Payment(
            means_code=means,
            means_text=codes.PAYMENT_MEANS_NAMES.get(first.means_code, ""),
            remittance_info=self.text(elements[0], "PaymentReconciliationReference"),
            credit_transfers=tuple(transfers),
            debited_account=debited,
        )

    # -- attachments ----------------------------------------------------------------------------

    def attachment(self, el: etree._Element, index: int) -> Attachment:
        fmt = self.text(el, "AttachmentFormat").lower()
        encoding = self.text(el, "AttachmentEncoding").upper()
        compression = self.text(el, "AttachmentCompressionAlgorithm").upper()
        data_el = self.required(el, "AttachmentData")
        raw = "".join((data_el.text or "").split())
        content: bytes
        if encoding == "NONE":
            content = (data_el.text or "").encode("utf-8")
        else:
            try:
                content = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                if encoding == "BASE64":
                    raise self.fail(
                        data_el,
                        "FACTURAE-ATTACHMENT",
                        f"Attachment {index + 1} says it is Base64 but its data is not valid "
                        "Base64.",
                        f"El adjunto {index + 1} dice estar en Base64 pero sus datos no son "
                        "Base64 válido.",
                    ) from None
                content = (data_el.text or "").encode("utf-8")
        mime = codes.ATTACHMENT_MIME.get(fmt, "")
        if compression == "GZIP":
            content = self._gunzip(content, data_el, index)
        elif compression == "ZIP":
            mime = "application/zip"
        return Attachment(
            id=str(index + 1),
            description=self.text(el, "AttachmentDescription"),
            content=content,
            mime_type=mime,
        )

    def _gunzip(self, data: bytes, el: etree._Element, index: int) -> bytes:
        decompressor = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
        try:
            out = decompressor.decompress(data, _MAX_ATTACHMENT_BYTES)
        except zlib.error:
            raise self.fail(
                el,
                "FACTURAE-ATTACHMENT",
                f"Attachment {index + 1} says it is GZIP-compressed but cannot be decompressed.",
                f"El adjunto {index + 1} dice estar comprimido con GZIP pero no se puede "
                "descomprimir.",
            ) from None
        if decompressor.unconsumed_tail:
            raise self.fail(
                el,
                "FACTURAE-ATTACHMENT",
                f"Attachment {index + 1} is larger than {_MAX_ATTACHMENT_BYTES:,} bytes once "
                "decompressed; it was refused.",
                f"El adjunto {index + 1} ocupa más de {_MAX_ATTACHMENT_BYTES:,} bytes "
                "descomprimido; se ha rechazado.",
            )
        return out


_EVENT = frozenset({VatCategory.EXEMPT, VatCategory.NOT_SUBJECT})


class _EventGroups:
    """Zero-rate lines grouped by tax and category (Z, E, O, L …) in order of appearance.

    A document-level ``TaxesOutputs/Tax`` has no SpecialTaxableEvent, so each zero-rate one
    takes the next group of its tax: that category and the distinct reasons of its lines
    joined with "; " (one EN 16931 breakdown row per category and rate, as
    :mod:`einvoice.totals` builds them, in the order their lines first appear).
    """

    def __init__(self, lines: tuple[Line, ...]) -> None:
        groups: dict[tuple[TaxType, VatCategory], tuple[list[str], list[str]]] = {}
        for line in lines:
            if line.vat_rate:  # only zero-rate (and not-subject, rateless) lines
                continue
            reasons, codes_ = groups.setdefault((line.tax_type, line.vat_category), ([], []))
            if line.exemption_reason and line.exemption_reason not in reasons:
                reasons.append(line.exemption_reason)
            if line.exemption_code and line.exemption_code not in codes_:
                codes_.append(line.exemption_code)
        self._groups = groups
        self._used: dict[TaxType, int] = {}

    def take(self, tax_type: TaxType) -> tuple[VatCategory, str, str] | None:
        keys = [key for key in self._groups if key[0] is tax_type]
        if not keys:
            return None
        index = min(self._used.get(tax_type, 0), len(keys) - 1)
        self._used[tax_type] = index + 1
        key = keys[index]
        reasons, codes_ = self._groups[key]
        # BT-121 holds one code: the first line's (as einvoice.totals builds the row).
        return key[1], "; ".join(reasons), codes_[0] if codes_ else ""


def _looks_like_iban(account: str) -> bool:
    compact = account.replace(" ", "")
    return len(compact) >= 15 and compact[:2].isalpha() and compact[2:4].isdigit()


def merge_breakdown(rows: list[VatBreakdown]) -> tuple[VatBreakdown, ...]:
    """One BG-23 row per tax, category, rate and surcharge rate.

    Facturae lets a file repeat ``TaxesOutputs/Tax`` with the same tax and rate (some
    issuers write one per line); EN 16931 allows one row per category and rate (BR-S-08 …),
    so such rows are added up.  The sums are exact (Decimal addition); the first row's order
    and exemption reason are kept.
    """
    merged: dict[tuple[object, ...], VatBreakdown] = {}
    for row in rows:
        key = (row.tax_type, row.category, row.rate, row.surcharge_rate)
        seen = merged.get(key)
        if seen is None:
            merged[key] = row
            continue
        surcharge = (
            None
            if seen.surcharge_amount is None and row.surcharge_amount is None
            else (seen.surcharge_amount or ZERO) + (row.surcharge_amount or ZERO)
        )
        merged[key] = replace(
            seen,
            taxable_amount=seen.taxable_amount + row.taxable_amount,
            tax_amount=seen.tax_amount + row.tax_amount,
            surcharge_amount=surcharge,
        )
    return tuple(merged.values())


def vat_category(tax_type: TaxType, rate: Decimal, event_code: str) -> VatCategory:
    """EN 16931 VAT category (BT-118 / BT-151) of a Facturae tax.

    A zero rate with a SpecialTaxableEvent is exempt (E) for "01" (*sujeta y exenta*) and not
    subject (O) for "02", whatever the tax (IVA, IGIC or IPSI: ``tax_type`` keeps which).
    Otherwise IGIC (Canary Islands) is L, IPSI (Ceuta and Melilla) M, IVA above zero S, and
    any of them at zero Z: EN 16931 wants a rate above zero in L and M (BR-AF-05, BR-AG-05),
    so a 0 % IGIC/IPSI line is zero-rated and ``tax_type`` keeps which tax it is.  Any other
    Facturae tax is reported as Z: EN 16931 has no category for it, and the tax itself stays
    in ``tax_type``.
    """
    if rate == 0 and event_code == "01":
        return VatCategory.EXEMPT
    if rate == 0 and event_code == "02":
        return VatCategory.NOT_SUBJECT
    if tax_type is TaxType.IGIC and rate > 0:
        return VatCategory.CANARY_IGIC
    if tax_type is TaxType.IPSI and rate > 0:
        return VatCategory.CEUTA_MELILLA_IPSI
    if tax_type is TaxType.IVA and rate > 0:
        return VatCategory.STANDARD
    return VatCategory.ZERO_RATED


def type_code(document_type: str, invoice_class: str) -> str:
    """BT-3 from Facturae document type and class.

    Corrective invoices (OR, CR) are 384 *corrected invoice*: Facturae writes them with
    negative amounts where a credit is due, which is what an EN 16931 invoice (not a credit
    note, whose amounts are positive) means.  Self-invoices (AF) are 389.
    """
    if invoice_class in codes.CORRECTIVE_CLASSES:
        return "384"
    if document_type == "AF":
        return "389"
    return "380"


def canonical_tax_id(number: str, residence: Residence, country: str = "") -> str:
    """BT-31/BT-48 in the project's canonical form (:func:`einvoice.identifiers.normalise_tax_id`):
    no separators, upper case, with an ISO prefix.

    Spanish residents write their NIF without prefix, so ``ES`` is added.  A number that
    already starts with two letters keeps them (no Spanish NIF/NIE does).  A non-resident's
    number without prefix gets the country of the party's address (``country``), or stays
    as written when there is none.
    """
    prefix = "ES" if residence is Residence.RESIDENT else country
    return normalise_tax_id(number, prefix)


def split_post_code_and_town(value: str) -> tuple[str, str]:
    """Split Facturae ``PostCodeAndTown`` ("75001 Paris") into post code and town.

    The first word is taken as the post code when it contains a digit and a town follows;
    otherwise everything is the town.
    """
    head, _, rest = value.partition(" ")
    if rest.strip() and any(ch.isdigit() for ch in head):
        return head, rest.strip()
    return "", value


REGISTRATION_LABELS: tuple[tuple[str, str], ...] = (
    ("RegisterOfCompaniesLocation", "Registro Mercantil de "),
    ("Volume", "Tomo "),
    ("Book", "Libro "),
    ("Folio", "Folio "),
    ("Section", "Sección "),
    ("Sheet", "Hoja "),
    ("AdditionalRegistrationData", "Otros datos: "),
)
"""Facturae ``RegistrationData`` elements and how each reads in the usual Spanish mention
(*Registro Mercantil de Madrid, Tomo 1, Folio 2, Hoja M-3*), which is what BT-33 carries."""

_REGISTRATION = re.compile(
    "^"
    + "".join(
        f"(?:(?:^|, ){re.escape(label)}(?P<{name}>.*?))?" for name, label in REGISTRATION_LABELS
    )
    + "$"
)


def registration_text(parts: dict[str, str]) -> str:
    """BT-33 text from Facturae ``RegistrationData`` values (empty ones left out)."""
    return ", ".join(
        f"{label}{parts[name]}" for name, label in REGISTRATION_LABELS if parts.get(name)
    )


def registration_parts(text: str) -> dict[str, str] | None:
    """The inverse of :func:`registration_text`; ``None`` when ``text`` has another shape."""
    if not text:
        return None
    match = _REGISTRATION.match(text)
    if match is None:
        return None
    parts = {name: value for name, value in match.groupdict().items() if value}
    return parts if registration_text(parts) == text else None


def read(tree: etree._ElementTree, version: str) -> Document:
    """Map a parsed Facturae tree of ``version`` to a :class:`Document`."""
    if version not in codes.NAMESPACES:
        raise UnsupportedDocument.single(
            "FACTURAE-VERSION",
            f"Facturae version '{version}' is not supported (3.1, 3.2, 3.2.1 and 3.2.2 are).",
            f"La versión Facturae '{version}' no está soportada (sí lo están 3.1, 3.2, 3.2.1 "
            "y 3.2.2).",
        )
    with _xml.indexed_lookups():
        return _Reader(tree, version).document()
