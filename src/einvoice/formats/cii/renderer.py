"""Write one canonical invoice as CII D16B in the EN 16931 profile.

Elements are emitted in the exact order of the D16B XSD sequences (the comments name the
XSD type whose sequence a function follows).  Output is deterministic: the same invoice
always gives the same bytes.  Data EN 16931 cannot carry is handled as described in
:mod:`einvoice.formats._tags` and ``docs/formats/cii.md``.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from lxml import etree

from einvoice.errors import ConversionError, Layer, Severity, Violation
from einvoice.formats import _other_taxes, _required, _tags
from einvoice.formats.cii._names import (
    DOC_ATTACHMENT,
    DOC_INVOICED_OBJECT,
    DOC_TENDER,
    EN16931_GUIDELINE,
    NSMAP,
    QDT,
    RAM,
    RSM,
    UDT,
    VAT_POINT_TO_CII,
    default_tax_type,
    fmt_date,
    fmt_decimal,
)
from einvoice.model import (
    ZERO,
    Address,
    AllowanceCharge,
    CreditTransfer,
    Identifier,
    Invoice,
    Line,
    Party,
    Period,
    TaxType,
    VatBreakdown,
    VatCategory,
)

_CENT: Final = Decimal("0.01")
_Key = tuple[VatCategory, Decimal | None]
_VAT_PREFIX: Final = re.compile(r"^(?:[A-Z]{2}|1A)")
_IBAN: Final = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9 ]{8,40}$")

_Element = etree._Element


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def render(invoices: Sequence[Invoice], *, version: str | None = None) -> bytes:
    """Serialise exactly one invoice as CII D16B (EN 16931 profile).

    Raises :class:`ConversionError` when ``invoices`` does not hold exactly one invoice, when
    ``version`` is not D16B, or when mandatory business terms are missing (one violation per
    missing term, its ``rule`` being the term, e.g. ``BT-5``).
    """
    if version not in (None, "D16B"):
        raise ConversionError.single(
            "CII-VERSION",
            f"CII can only be written as D16B, not '{version}'.",
            f"CII solo se puede generar como D16B, no como '{version}'.",
        )
    if len(invoices) != 1:
        raise ConversionError.single(
            "CII-ONE-INVOICE",
            f"A CII file holds exactly one invoice; {len(invoices)} were given.",
            f"Un fichero CII contiene exactamente una factura; se han recibido {len(invoices)}.",
        )
    invoice = invoices[0]
    missing = missing_terms(invoice)
    if missing:
        raise ConversionError(missing)
    invoice = _other_taxes.to_en16931(invoice)
    try:
        root = _Writer(invoice).build()
    except ValueError as exc:  # lxml refuses control characters in text
        raise ConversionError.single(
            "CII-TEXT",
            f"The invoice contains text that XML cannot carry ({exc}).",
            f"La factura contiene texto que XML no puede representar ({exc}).",
        ) from exc
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# ---------------------------------------------------------------------------------------------
# Mandatory business terms
# ---------------------------------------------------------------------------------------------


def missing_terms(invoice: Invoice) -> list[Violation]:
    """One violation per mandatory EN 16931 term the invoice lacks (empty when complete);
    the table is shared with the UBL writer (:mod:`einvoice.formats._required`)."""
    return _required.missing_terms(invoice, "cii")


def _lost(rule: str, en: str, es: str) -> Violation:
    return Violation(
        rule=rule,
        message=f"{en} cannot be carried in CII and is left out.",
        message_es=f"{es} no se puede representar en CII y se omite.",
        severity=Severity.WARNING,
        layer=Layer.CONVERSION,
    )


def losses(invoice: Invoice) -> list[Violation]:
    """Warnings naming each piece of ``invoice`` that :func:`render` cannot write.

    Render never fails for these (the CII stays a valid invoice); callers show the warnings
    to the user before sending (``docs/formats/cii.md``, "What is lost").
    """
    out: list[Violation] = []
    if invoice.third_party is not None:
        out.append(
            _lost(
                "ES-THIRD-PARTY",
                "The Facturae third party that issued the invoice (the issuer type is kept)",
                "El tercero de Facturae que emitió la factura (se conserva el tipo de emisor)",
            )
        )
    for role, party in (("seller", invoice.seller), ("buyer", invoice.buyer)):
        if party.tax_id and not _VAT_PREFIX.match(party.tax_id):
            term, where = ("BT-31", "BT-32/BT-29") if role == "seller" else ("BT-48", "BT-46")
            who = "vendedor" if role == "seller" else "comprador"
            out.append(
                Violation(
                    rule=term,
                    message=f"The {role} tax number '{party.tax_id}' has no country prefix, so "
                    f"it cannot be sent as a VAT identifier ({term}); it is sent as {where}.",
                    message_es=f"El número fiscal '{party.tax_id}' del {who} no lleva prefijo "
                    f"de país, así que no puede enviarse como NIF-IVA ({term}); se envía como "
                    f"{where}.",
                    severity=Severity.WARNING,
                    layer=Layer.CONVERSION,
                )
            )
        if party.first_surname or party.second_surname:
            out.append(
                _lost(
                    "ES-SURNAMES",
                    f"The separate surnames of the {role} (the full name is kept)",
                    f"Los apellidos separados del {'vendedor' if role == 'seller' else 'comprador'}"
                    " (se conserva el nombre completo)",
                )
            )
    payee = invoice.payee
    if payee is not None and (
        payee.tax_id or payee.address != Address() or payee.contact.email or payee.endpoint
    ):
        out.append(
            _lost(
                "BG-10",
                "The payee's address, VAT number, contact and endpoint (EN 16931 BG-10 has "
                "only identifiers and name)",
                "La dirección, el NIF-IVA, el contacto y la dirección electrónica del "
                "beneficiario (el BG-10 de EN 16931 solo tiene identificadores y nombre)",
            )
        )
    for charge in invoice.allowances_charges:
        category = charge.vat_category or VatCategory.STANDARD
        if charge.tax_type is not default_tax_type(category):
            out.append(
                _lost(
                    "ES-CHARGE-TAX",
                    "The Spanish tax type of a document-level allowance or charge",
                    "El tipo de impuesto español de un descuento o cargo general",
                )
            )
            break
    return out


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _el(parent: _Element, tag: str, text: str | None = None, **attrib: str) -> _Element:
    element = etree.SubElement(parent, tag, attrib or None)
    if text is not None:
        element.text = text
    return element


def _ram(parent: _Element, name: str, text: str | None = None, **attrib: str) -> _Element:
    return _el(parent, RAM + name, text, **attrib)


def _opt(parent: _Element, name: str, text: str, **attrib: str) -> None:
    """Add ``ram:name`` only when ``text`` is not empty."""
    if text:
        _ram(parent, name, text, **{k: v for k, v in attrib.items() if v})


def _amount(value: Decimal) -> str:
    """Money with at most two decimals (BR-DEC-*); more precise values are rounded."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        value = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    return fmt_decimal(value)


def _date_time(parent: _Element, name: str, value: dt.date) -> None:
    holder = _ram(parent, name)
    _el(holder, UDT + "DateTimeString", fmt_date(value), format="102")


def _indicator(parent: _Element, is_charge: bool) -> None:
    holder = _ram(parent, "ChargeIndicator")
    _el(holder, UDT + "Indicator", "true" if is_charge else "false")


def _identifier(parent: _Element, ident: Identifier, *, global_name: str = "GlobalID") -> None:
    """An identifier with a scheme is a ``GlobalID`` (ISO 6523 ICD), else a plain ``ID``."""
    if ident.scheme:
        _ram(parent, global_name, ident.value, schemeID=ident.scheme)
    else:
        _ram(parent, "ID", ident.value)


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else fmt_decimal(value)


def _tax_name(code: TaxType) -> str:
    return code.name


# ---------------------------------------------------------------------------------------------
# The writer
# ---------------------------------------------------------------------------------------------


class _Writer:
    """Builds the element tree of one invoice (one instance per render call)."""

    def __init__(self, invoice: Invoice) -> None:
        self.inv = invoice
        self.extra_notes: list[tuple[str, str]] = []  # (subject code, content)
        self.spanish = _tags.has_spanish_amounts(invoice)
        self.charges = _tags.split_general_charges(invoice)

    # CrossIndustryInvoiceType ------------------------------------------------------------
    def build(self) -> _Element:
        root = etree.Element(RSM + "CrossIndustryInvoice", nsmap=NSMAP)
        self._collect_spanish_notes()
        self._context(_el(root, RSM + "ExchangedDocumentContext"))
        self._document(_el(root, RSM + "ExchangedDocument"))
        transaction = _el(root, RSM + "SupplyChainTradeTransaction")
        for line in self.inv.lines:
            self._line(transaction, line)
        self._agreement(_ram(transaction, "ApplicableHeaderTradeAgreement"))
        self._delivery(_ram(transaction, "ApplicableHeaderTradeDelivery"))
        self._settlement(_ram(transaction, "ApplicableHeaderTradeSettlement"))
        return root

    # ExchangedDocumentContextType: BusinessProcess…, Guideline…
    def _context(self, context: _Element) -> None:
        if self.inv.process_id:
            _ram(
                _ram(context, "BusinessProcessSpecifiedDocumentContextParameter"),
                "ID",
                self.inv.process_id,
            )
        guideline = self.inv.specification_id or EN16931_GUIDELINE
        _ram(_ram(context, "GuidelineSpecifiedDocumentContextParameter"), "ID", guideline)

    # ExchangedDocumentType: ID, TypeCode, IssueDateTime, IncludedNote*
    def _document(self, document: _Element) -> None:
        _ram(document, "ID", self.inv.full_number)
        _ram(document, "TypeCode", self.inv.type_code)
        _date_time(document, "IssueDateTime", self.inv.issue_date)
        for note in self.inv.notes:
            holder = _ram(document, "IncludedNote")
            _ram(holder, "Content", note.text)
            _opt(holder, "SubjectCode", note.subject)
        for subject, content in self.extra_notes:
            holder = _ram(document, "IncludedNote")
            _ram(holder, "Content", content)
            _ram(holder, "SubjectCode", subject)

    # SupplyChainTradeLineItemType ---------------------------------------------------------
    def _line(self, transaction: _Element, line: Line) -> None:
        item = _ram(transaction, "IncludedSupplyChainTradeLineItem")
        # DocumentLineDocumentType: LineID, IncludedNote
        doc = _ram(item, "AssociatedDocumentLineDocument")
        _ram(doc, "LineID", line.id)
        if line.note:
            _ram(_ram(doc, "IncludedNote"), "Content", line.note)
        # TradeProductType: GlobalID, SellerAssignedID, BuyerAssignedID, Name, Description,
        # ApplicableProductCharacteristic*, DesignatedProductClassification*, OriginTradeCountry
        product = _ram(item, "SpecifiedTradeProduct")
        if line.standard_item_id is not None:
            _ram(
                product,
                "GlobalID",
                line.standard_item_id.value,
                schemeID=line.standard_item_id.scheme,
            )
        _opt(product, "SellerAssignedID", line.seller_item_id)
        _opt(product, "BuyerAssignedID", line.buyer_item_id)
        _ram(product, "Name", line.name)
        _opt(product, "Description", line.description)
        for attr_name, attr_value in line.attributes:
            characteristic = _ram(product, "ApplicableProductCharacteristic")
            _ram(characteristic, "Description", attr_name)
            _ram(characteristic, "Value", attr_value)
        for klass in line.classifications:
            classification = _ram(product, "DesignatedProductClassification")
            if klass.scheme:
                _ram(classification, "ClassCode", klass.value, listID=klass.scheme)
            else:
                _ram(classification, "ClassCode", klass.value)
        if line.origin_country:
            _ram(_ram(product, "OriginTradeCountry"), "ID", line.origin_country)
        # LineTradeAgreementType: BuyerOrderReferencedDocument, Gross…, NetPrice…
        agreement = _ram(item, "SpecifiedLineTradeAgreement")
        if line.order_line_ref:
            _ram(_ram(agreement, "BuyerOrderReferencedDocument"), "LineID", line.order_line_ref)
        base_unit = {"unitCode": line.base_quantity_unit} if line.base_quantity_unit else {}
        gross_price = line.gross_price
        if gross_price is None and line.price_discount is not None:
            # BT-147 lives inside the gross price: net price + discount (EN 16931 BT-146).
            gross_price = line.net_price + line.price_discount
        if gross_price is not None:
            gross = _ram(agreement, "GrossPriceProductTradePrice")
            _ram(gross, "ChargeAmount", fmt_decimal(gross_price))
            if line.base_quantity is not None:
                _ram(gross, "BasisQuantity", fmt_decimal(line.base_quantity), **base_unit)
            if line.price_discount is not None:
                discount = _ram(gross, "AppliedTradeAllowanceCharge")
                _indicator(discount, False)
                _ram(discount, "ActualAmount", fmt_decimal(line.price_discount))
        net = _ram(agreement, "NetPriceProductTradePrice")
        _ram(net, "ChargeAmount", fmt_decimal(line.net_price))
        if line.base_quantity is not None:
            _ram(net, "BasisQuantity", fmt_decimal(line.base_quantity), **base_unit)
        # LineTradeDeliveryType: BilledQuantity
        delivery = _ram(item, "SpecifiedLineTradeDelivery")
        _ram(delivery, "BilledQuantity", fmt_decimal(line.quantity), unitCode=line.unit_code)
        # LineTradeSettlementType: ApplicableTradeTax, BillingSpecifiedPeriod,
        # SpecifiedTradeAllowanceCharge*, …LineMonetarySummation, AdditionalReferencedDocument,
        # ReceivableSpecifiedTradeAccountingAccount
        settlement = _ram(item, "SpecifiedLineTradeSettlement")
        tax = _ram(settlement, "ApplicableTradeTax")
        _ram(tax, "TypeCode", "VAT")
        _ram(tax, "CategoryCode", line.vat_category.value)
        if line.vat_rate is not None and line.vat_category is not VatCategory.NOT_SUBJECT:
            _ram(tax, "RateApplicablePercent", fmt_decimal(line.vat_rate))
        if line.period is not None:
            self._period(settlement, line.period)
        for charge in line.allowances_charges:
            self._allowance_charge(settlement, charge, document_level=False)
        summation = _ram(settlement, "SpecifiedTradeSettlementLineMonetarySummation")
        _ram(summation, "LineTotalAmount", _amount(line.net_amount))
        if line.object_id is not None:
            reference = _ram(settlement, "AdditionalReferencedDocument")
            _ram(reference, "IssuerAssignedID", line.object_id.value)
            _ram(reference, "TypeCode", DOC_INVOICED_OBJECT)
            _opt(reference, "ReferenceTypeCode", line.object_id.scheme)
        if line.accounting_ref:
            _ram(
                _ram(settlement, "ReceivableSpecifiedTradeAccountingAccount"),
                "ID",
                line.accounting_ref,
            )

    # SpecifiedPeriodType: StartDateTime, EndDateTime
    def _period(self, parent: _Element, period: Period) -> None:
        holder = _ram(parent, "BillingSpecifiedPeriod")
        if period.start is not None:
            _date_time(holder, "StartDateTime", period.start)
        if period.end is not None:
            _date_time(holder, "EndDateTime", period.end)

    # TradeAllowanceChargeType: ChargeIndicator, CalculationPercent, BasisAmount,
    # ActualAmount, ReasonCode, Reason, CategoryTradeTax
    def _allowance_charge(
        self, parent: _Element, charge: AllowanceCharge, *, document_level: bool
    ) -> None:
        holder = _ram(parent, "SpecifiedTradeAllowanceCharge")
        _indicator(holder, charge.is_charge)
        if charge.percent is not None:
            _ram(holder, "CalculationPercent", fmt_decimal(charge.percent))
        if charge.base_amount is not None:
            _ram(holder, "BasisAmount", _amount(charge.base_amount))
        _ram(holder, "ActualAmount", _amount(charge.amount))
        _opt(holder, "ReasonCode", charge.reason_code)
        _opt(holder, "Reason", charge.reason)
        if document_level:
            category = charge.vat_category or VatCategory.STANDARD
            tax = _ram(holder, "CategoryTradeTax")
            _ram(tax, "TypeCode", "VAT")
            _ram(tax, "CategoryCode", category.value)
            if charge.vat_rate is not None and category is not VatCategory.NOT_SUBJECT:
                _ram(tax, "RateApplicablePercent", fmt_decimal(charge.vat_rate))

    # HeaderTradeAgreementType -------------------------------------------------------------
    def _agreement(self, agreement: _Element) -> None:
        inv = self.inv
        _opt(agreement, "BuyerReference", inv.buyer_reference)
        self._party(agreement, "SellerTradeParty", inv.seller, seller=True)
        self._party(agreement, "BuyerTradeParty", inv.buyer)
        if inv.tax_representative is not None:
            self._party(agreement, "SellerTaxRepresentativeTradeParty", inv.tax_representative)
        for name, value in (
            ("SellerOrderReferencedDocument", inv.sales_order_ref),
            ("BuyerOrderReferencedDocument", inv.order_ref),
            ("ContractReferencedDocument", inv.contract_ref),
        ):
            if value:
                _ram(_ram(agreement, name), "IssuerAssignedID", value)
        # AdditionalReferencedDocument: IssuerAssignedID, URIID, TypeCode, Name,
        # AttachmentBinaryObject, ReferenceTypeCode
        for att_index, attachment in enumerate(inv.attachments, start=1):
            reference = _ram(agreement, "AdditionalReferencedDocument")
            _ram(reference, "IssuerAssignedID", attachment.id)
            _opt(reference, "URIID", attachment.uri)
            _ram(reference, "TypeCode", DOC_ATTACHMENT)
            _opt(reference, "Name", attachment.description)
            if attachment.content:
                attrib = {
                    "mimeCode": attachment.mime_type,
                    "filename": _tags.attachment_filename(attachment, att_index),
                }
                _ram(
                    reference,
                    "AttachmentBinaryObject",
                    base64.b64encode(attachment.content).decode("ascii"),
                    **{k: v for k, v in attrib.items() if v},
                )
        if inv.tender_ref:
            reference = _ram(agreement, "AdditionalReferencedDocument")
            _ram(reference, "IssuerAssignedID", inv.tender_ref)
            _ram(reference, "TypeCode", DOC_TENDER)
        if inv.invoiced_object is not None:
            reference = _ram(agreement, "AdditionalReferencedDocument")
            _ram(reference, "IssuerAssignedID", inv.invoiced_object.value)
            _ram(reference, "TypeCode", DOC_INVOICED_OBJECT)
            _opt(reference, "ReferenceTypeCode", inv.invoiced_object.scheme)
        if inv.project_ref:
            # ProcuringProjectType requires a Name; EN 16931-3-3 fixes it to this text.
            project = _ram(agreement, "SpecifiedProcuringProject")
            _ram(project, "ID", inv.project_ref)
            _ram(project, "Name", "Project reference")

    # TradePartyType: ID*, GlobalID*, Name, Description, SpecifiedLegalOrganization,
    # DefinedTradeContact, PostalTradeAddress, URIUniversalCommunication, SpecifiedTaxRegistration
    def _party(self, parent: _Element, name: str, party: Party, *, seller: bool = False) -> None:
        holder = _ram(parent, name)
        vat_id, local_id = party.tax_id, ""
        if vat_id and _tags.not_subject(self.inv):
            # BR-O-02 … BR-O-04: no VAT identifiers on a "not subject" invoice; the NIF is
            # the seller's tax registration (BT-32) or the buyer's identifier (BT-46), and
            # tag NIF gives it back to our reader.
            vat_id, local_id = "", party.tax_id
        elif vat_id and not _VAT_PREFIX.match(vat_id):
            # BR-CO-09: a VAT identifier starts with its country code.  A tax number without
            # one (non-EU parties in Facturae) is the seller's local tax registration
            # (BT-32) or, for other parties, a plain party identifier (BT-46 …).
            vat_id, local_id = "", party.tax_id
        for ident in party.identifiers:
            if not ident.scheme:
                _ram(holder, "ID", ident.value)
        if local_id and (
            not seller
            or party.tax_registration_id
            or not (party.identifiers or party.legal_id is not None)
        ):
            # Buyers: BT-46.  Sellers: BT-29 too when nothing else identifies them (BR-CO-26).
            _ram(holder, "ID", local_id)
        for ident in party.identifiers:
            if ident.scheme:
                _ram(holder, "GlobalID", ident.value, schemeID=ident.scheme)
        _ram(holder, "Name", party.full_name)
        if seller:
            _opt(holder, "Description", party.legal_form)
        if party.legal_id is not None or party.trading_name:
            legal = _ram(holder, "SpecifiedLegalOrganization")
            if party.legal_id is not None:
                _ram(
                    legal,
                    "ID",
                    party.legal_id.value,
                    **({"schemeID": party.legal_id.scheme} if party.legal_id.scheme else {}),
                )
            _opt(legal, "TradingBusinessName", party.trading_name)
        contact = party.contact
        if contact.name or contact.phone or contact.email:
            # TradeContactType: PersonName, TelephoneUniversalCommunication, Email…
            holder_contact = _ram(holder, "DefinedTradeContact")
            _opt(holder_contact, "PersonName", contact.name)
            if contact.phone:
                _ram(
                    _ram(holder_contact, "TelephoneUniversalCommunication"),
                    "CompleteNumber",
                    contact.phone,
                )
            if contact.email:
                _ram(_ram(holder_contact, "EmailURIUniversalCommunication"), "URIID", contact.email)
        self._address(holder, party.address, fallback_country=party.country)
        if party.endpoint is not None:
            _ram(
                _ram(holder, "URIUniversalCommunication"),
                "URIID",
                party.endpoint.value,
                **({"schemeID": party.endpoint.scheme} if party.endpoint.scheme else {}),
            )
        if vat_id:
            _ram(_ram(holder, "SpecifiedTaxRegistration"), "ID", vat_id, schemeID="VA")
        registration = party.tax_registration_id or (local_id if seller else "")
        if registration:
            _ram(_ram(holder, "SpecifiedTaxRegistration"), "ID", registration, schemeID="FC")

    # TradeAddressType: PostcodeCode, LineOne, LineTwo, LineThree, CityName, CountryID,
    # CountrySubDivisionName
    def _address(self, parent: _Element, address: Address, *, fallback_country: str = "") -> None:
        holder = _ram(parent, "PostalTradeAddress")
        _opt(holder, "PostcodeCode", address.postal_code)
        _opt(holder, "LineOne", address.line1)
        _opt(holder, "LineTwo", address.line2)
        _opt(holder, "LineThree", address.line3)
        _opt(holder, "CityName", address.city)
        _opt(holder, "CountryID", address.country or fallback_country)
        _opt(holder, "CountrySubDivisionName", address.subdivision)

    # HeaderTradeDeliveryType: ShipToTradeParty, ActualDeliverySupplyChainEvent,
    # DespatchAdviceReferencedDocument, ReceivingAdviceReferencedDocument
    def _delivery(self, delivery: _Element) -> None:
        inv = self.inv
        info = inv.delivery
        if info is not None:
            if info.name or info.location_id is not None or info.address is not None:
                ship_to = _ram(delivery, "ShipToTradeParty")
                if info.location_id is not None:
                    _identifier(ship_to, info.location_id)
                _opt(ship_to, "Name", info.name)
                if info.address is not None:
                    self._address(ship_to, info.address)
            if info.date is not None:
                event = _ram(delivery, "ActualDeliverySupplyChainEvent")
                _date_time(event, "OccurrenceDateTime", info.date)
        if inv.despatch_advice_ref:
            _ram(
                _ram(delivery, "DespatchAdviceReferencedDocument"),
                "IssuerAssignedID",
                inv.despatch_advice_ref,
            )
        if inv.receiving_advice_ref:
            _ram(
                _ram(delivery, "ReceivingAdviceReferencedDocument"),
                "IssuerAssignedID",
                inv.receiving_advice_ref,
            )

    # HeaderTradeSettlementType ------------------------------------------------------------
    def _settlement(self, settlement: _Element) -> None:
        inv = self.inv
        payment = inv.payment
        if payment is not None:
            _opt(settlement, "CreditorReferenceID", payment.creditor_id)
            _opt(settlement, "PaymentReference", payment.remittance_info)
        if inv.tax_currency and inv.tax_currency != inv.currency:
            # BR-53: BT-6 is only stated when it differs from BT-5.
            _ram(settlement, "TaxCurrencyCode", inv.tax_currency)
        _ram(settlement, "InvoiceCurrencyCode", inv.currency)
        if inv.payee is not None:
            self._payee(settlement, inv.payee)
        if payment is not None:
            self._payment_means(settlement)
        for index, row in enumerate(self._breakdown_rows()):
            self._tax_row(settlement, row, first=index == 0)
        if inv.period is not None:
            self._period(settlement, inv.period)
        for charge in self.charges.charges:
            self._allowance_charge(settlement, charge, document_level=True)
        self._payment_terms(settlement)
        self._summation(settlement)
        if inv.preceding:
            first = inv.preceding[0]
            reference = _ram(settlement, "InvoiceReferencedDocument")
            _ram(reference, "IssuerAssignedID", first.number)
            if first.issue_date is not None:
                formatted = _ram(reference, "FormattedIssueDateTime")
                _el(formatted, QDT + "DateTimeString", fmt_date(first.issue_date), format="102")
        if inv.accounting_ref:
            _ram(
                _ram(settlement, "ReceivableSpecifiedTradeAccountingAccount"),
                "ID",
                inv.accounting_ref,
            )

    def _payee(self, settlement: _Element, payee: Party) -> None:
        # BG-10 carries only identifiers, name and legal registration (EN 16931-3-3).
        holder = _ram(settlement, "PayeeTradeParty")
        for ident in payee.identifiers:
            if not ident.scheme:
                _ram(holder, "ID", ident.value)
        for ident in payee.identifiers:
            if ident.scheme:
                _ram(holder, "GlobalID", ident.value, schemeID=ident.scheme)
        _ram(holder, "Name", payee.full_name)
        if payee.legal_id is not None:
            legal = _ram(holder, "SpecifiedLegalOrganization")
            _ram(
                legal,
                "ID",
                payee.legal_id.value,
                **({"schemeID": payee.legal_id.scheme} if payee.legal_id.scheme else {}),
            )

    # TradeSettlementPaymentMeansType: TypeCode, Information, ApplicableTradeSettlement-
    # FinancialCard, PayerPartyDebtorFinancialAccount, PayeePartyCreditorFinancialAccount,
    # PayeeSpecifiedCreditorFinancialInstitution
    def _payment_means(self, settlement: _Element) -> None:
        payment = self.inv.payment
        assert payment is not None
        if not payment.means_code:
            return
        transfers: list[CreditTransfer | None] = [*payment.credit_transfers] or [None]
        for index, transfer in enumerate(transfers):
            means = _ram(settlement, "SpecifiedTradeSettlementPaymentMeans")
            _ram(means, "TypeCode", payment.means_code)
            _opt(means, "Information", payment.means_text)
            if index == 0 and payment.card_pan:
                card = _ram(means, "ApplicableTradeSettlementFinancialCard")
                _ram(card, "ID", payment.card_pan)
                _opt(card, "CardholderName", payment.card_holder)
            if index == 0 and payment.debited_account:
                _ram(
                    _ram(means, "PayerPartyDebtorFinancialAccount"),
                    "IBANID",
                    payment.debited_account,
                )
            if transfer is None:
                continue
            account = _ram(means, "PayeePartyCreditorFinancialAccount")
            tag = "IBANID" if _IBAN.match(transfer.account.upper()) else "ProprietaryID"
            if tag == "IBANID":
                _ram(account, "IBANID", transfer.account)
                _opt(account, "AccountName", transfer.account_name)
            else:
                _opt(account, "AccountName", transfer.account_name)
                _ram(account, "ProprietaryID", transfer.account)
            if transfer.bic:
                _ram(
                    _ram(means, "PayeeSpecifiedCreditorFinancialInstitution"), "BICID", transfer.bic
                )

    def _breakdown_rows(self) -> list[VatBreakdown]:
        """VAT breakdown as CII must show it: one row per (category, rate) (BR-S-08 …); the
        Facturae rows travel in TAX notes (:func:`einvoice.formats._tags.merged_breakdown`)."""
        return _tags.merged_breakdown(self.inv.vat_breakdown)

    # TradeTaxType: CalculatedAmount, TypeCode, ExemptionReason, BasisAmount, CategoryCode,
    # ExemptionReasonCode, TaxPointDate, DueDateTypeCode, RateApplicablePercent
    def _tax_row(self, settlement: _Element, row: VatBreakdown, *, first: bool) -> None:
        inv = self.inv
        tax = _ram(settlement, "ApplicableTradeTax")
        _ram(tax, "CalculatedAmount", _amount(row.tax_amount))
        _ram(tax, "TypeCode", "VAT")
        _opt(tax, "ExemptionReason", row.exemption_reason)
        _ram(tax, "BasisAmount", _amount(row.taxable_amount))
        _ram(tax, "CategoryCode", row.category.value)
        _opt(tax, "ExemptionReasonCode", row.exemption_code)
        if first and inv.tax_point_date is not None:
            holder = _ram(tax, "TaxPointDate")
            _el(holder, UDT + "DateString", fmt_date(inv.tax_point_date), format="102")
        if first and inv.vat_point_code:
            _ram(
                tax, "DueDateTypeCode", VAT_POINT_TO_CII.get(inv.vat_point_code, inv.vat_point_code)
            )
        if row.rate is not None:
            # No rule forbids a (zero) rate on an "O" breakdown row, so it is kept as read.
            _ram(tax, "RateApplicablePercent", fmt_decimal(row.rate))

    # TradePaymentTermsType: Description, DueDateDateTime, DirectDebitMandateID
    def _payment_terms(self, settlement: _Element) -> None:
        inv = self.inv
        mandate = inv.payment.mandate_reference if inv.payment is not None else ""
        if not (inv.payment_terms or inv.due_date is not None or mandate):
            return
        terms = _ram(settlement, "SpecifiedTradePaymentTerms")
        _opt(terms, "Description", inv.payment_terms)
        if inv.due_date is not None:
            _date_time(terms, "DueDateDateTime", inv.due_date)
        _opt(terms, "DirectDebitMandateID", mandate)

    # TradeSettlementHeaderMonetarySummationType: LineTotalAmount, ChargeTotalAmount,
    # AllowanceTotalAmount, TaxBasisTotalAmount, TaxTotalAmount, RoundingAmount,
    # GrandTotalAmount, TotalPrepaidAmount, DuePayableAmount
    def _summation(self, settlement: _Element) -> None:
        inv = self.inv
        totals = inv.totals
        vat_total, grand_total, prepaid = self._en_totals()
        summation = _ram(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation")
        _ram(summation, "LineTotalAmount", _amount(totals.line_net_total))
        has_charges = any(c.is_charge for c in inv.allowances_charges)
        has_allowances = any(not c.is_charge for c in inv.allowances_charges)
        if has_charges or totals.charge_total:
            _ram(summation, "ChargeTotalAmount", _amount(totals.charge_total))
        if has_allowances or totals.allowance_total:
            _ram(summation, "AllowanceTotalAmount", _amount(totals.allowance_total))
        _ram(summation, "TaxBasisTotalAmount", _amount(totals.tax_exclusive))
        _ram(summation, "TaxTotalAmount", _amount(vat_total), currencyID=inv.currency)
        if (
            inv.tax_currency
            and inv.tax_currency != inv.currency
            and totals.vat_total_tax_currency is not None
        ):
            _ram(
                summation,
                "TaxTotalAmount",
                _amount(totals.vat_total_tax_currency),
                currencyID=inv.tax_currency,
            )
        if totals.rounding:
            _ram(summation, "RoundingAmount", _amount(totals.rounding))
        _ram(summation, "GrandTotalAmount", _amount(grand_total))
        if prepaid:
            _ram(summation, "TotalPrepaidAmount", _amount(prepaid))
        _ram(summation, "DuePayableAmount", _amount(totals.payable))

    def _en_totals(self) -> tuple[Decimal, Decimal, Decimal]:
        """BT-110, BT-112 and BT-113 as EN 16931 sees them.

        Without Spanish extras they are the canonical totals.  With them, BT-110 is the sum
        of the pure VAT amounts (BR-CO-14), BT-112 = BT-109 + BT-110 (BR-CO-15) and BT-113
        absorbs whatever makes BT-115 = BT-112 - BT-113 + BT-114 hold (BR-CO-16):
        withholdings and guarantee retentions (positive) minus the equivalence surcharge.
        """
        totals = self.inv.totals
        if not self.spanish:
            return totals.vat_total, totals.tax_inclusive, totals.prepaid
        vat_total = sum((row.tax_amount for row in self.inv.vat_breakdown), ZERO)
        grand_total = totals.tax_exclusive + vat_total
        prepaid = grand_total + totals.rounding - totals.payable
        return vat_total, grand_total, prepaid

    # Spanish extras -------------------------------------------------------------------------
    def _collect_spanish_notes(self) -> None:
        """One note per Spanish fact, tags as defined in :mod:`einvoice.formats._tags`."""
        inv = self.inv
        info, tax = _tags.SUBJECT_INFO, _tags.SUBJECT_TAX
        notes = self.extra_notes
        cur = inv.currency
        if inv.series:
            notes.append((info, _tags.series_tag(inv)))
        notes.extend(("ABL", _tags.legal_tag(literal)) for literal in inv.legal_literals)
        notes.extend((tax, _tags.withholding_tag(wh, cur)) for wh in inv.withholdings)
        if _tags.breakdown_needs_tags(inv.vat_breakdown):
            notes.extend(
                (tax, _tags.tax_row_tag(index, row, cur))
                for index, row in enumerate(inv.vat_breakdown, start=1)
            )
        for index, line in enumerate(inv.lines, start=1):
            tag = _tags.line_tag(line, index)
            if tag:
                notes.append((tax, tag))
        if self.spanish:
            notes.append((tax, _tags.totals_tag(inv)))
        for role, party in (("seller", inv.seller), ("buyer", inv.buyer)):
            notes.extend((info, _tags.centre_tag(role, centre)) for centre in party.centres)
        for tag in (_tags.facturae_tag(inv), _tags.instalments_tag(inv)):
            if tag:
                notes.append((info, tag))
        if inv.correction is not None:
            notes.append((info, _tags.correction_tag(inv.correction)))
        if _tags.not_subject(inv):
            tag = _tags.tax_ids_tag(inv)
            if tag:
                notes.append((info, tag))
        # CII D16B has room for one preceding invoice (BG-3); the others become notes.
        notes.extend((info, _tags.preceding_tag(p)) for p in inv.preceding[1:])
        notes.extend((info, tag) for tag in self.charges.tags)
