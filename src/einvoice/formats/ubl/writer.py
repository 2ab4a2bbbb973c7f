"""Canonical :class:`~einvoice.model.Invoice` -> Peppol BIS Billing 3.0 UBL 2.1.

Elements are written in the exact order of the UBL 2.1 XSD sequences (Invoice and CreditNote
differ: a credit note has its TaxPointDate before the type code, no DueDate, no
ProjectReference and its OriginatorDocumentReference after the additional documents).
No empty element is ever written (PEPPOL-EN16931-R008); every amount carries ``currencyID``
and two decimals (BR-DEC-*, UBL-DT-01).  The output is a pure function of the invoice, so
rendering twice gives the same bytes.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from lxml import etree

from einvoice.errors import ConversionError, Layer, Severity, Violation
from einvoice.formats import _other_taxes, _required, _tags
from einvoice.formats.ubl import extras
from einvoice.formats.ubl._common import (
    EN16931_CUSTOMIZATION,
    NS_CAC,
    NS_CBC,
    NS_CREDIT_NOTE,
    NS_INVOICE,
    PEPPOL_CUSTOMIZATION,
    PEPPOL_EAS,
    PEPPOL_PROFILE,
    PEPPOL_SELF_BILLING_CUSTOMIZATION,
    PEPPOL_SELF_BILLING_PROFILE,
    SELF_BILLING_TYPES,
    VAT_EAS_BY_COUNTRY,
    amount_text,
    centres_reference,
    number_text,
)
from einvoice.model import (
    ZERO,
    Address,
    AllowanceCharge,
    DocumentKind,
    Identifier,
    Invoice,
    Line,
    Party,
    VatCategory,
)
from einvoice.xml import to_bytes

Element = etree._Element

_CREDIT_NOTE_TYPES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
)
"""UNCL1001 codes Peppol accepts as CreditNoteTypeCode (PEPPOL-EN16931-P0101 list)."""
_GERMAN_ONLY_TYPES = frozenset({"326", "384"})
"""Partial (326) and corrected (384) invoices: Peppol allows them only between German
parties (PEPPOL-EN16931-P0112); elsewhere they are written as 380."""
_DIRECT_DEBIT = frozenset({"49", "59"})
"""UNCL4461 direct debit codes: Peppol requires a mandate reference BT-89 with them (R061)."""
_DEBIT_WITHOUT_MANDATE = "3"
"""UNCL4461 3 "Automated clearing house debit": what a direct debit without mandate reference
is written as (see :func:`means_code`)."""


# ---------------------------------------------------------------------------------------------
# Element helpers: never write an empty element.
# ---------------------------------------------------------------------------------------------


def _cbc(parent: Element, tag: str, text: str, /, **attrs: str) -> Element | None:
    if not text:
        return None
    node = etree.SubElement(parent, f"{{{NS_CBC}}}{tag}")
    node.text = text
    for key, value in attrs.items():
        if value:
            node.set(key, value)
    return node


def _cac(parent: Element, name: str) -> Element:
    return etree.SubElement(parent, f"{{{NS_CAC}}}{name}")


def _amount(parent: Element, name: str, value: Decimal, currency: str) -> None:
    _cbc(parent, name, amount_text(value), currencyID=currency)


def _id_with_scheme(parent: Element, name: str, ident: Identifier | None) -> None:
    if ident is not None and ident.value:
        _cbc(parent, name, ident.value, schemeID=ident.scheme)


# ---------------------------------------------------------------------------------------------
# Pre-flight: what Peppol needs that the invoice may lack.
# ---------------------------------------------------------------------------------------------


def _missing(term: str, en: str, es: str) -> Violation:
    return Violation(
        rule=term,
        message=f"{en} is missing; a Peppol BIS 3 invoice requires it ({term}).",
        message_es=f"Falta {es}; una factura Peppol BIS 3 lo exige ({term}).",
        layer=Layer.CONVERSION,
    )


def _vat_with_prefix(party: Party) -> str:
    tax_id = party.tax_id.replace(" ", "").upper()
    if not tax_id:
        return ""
    if tax_id[:2].isalpha():
        return tax_id
    country = party.address.country.upper()
    return f"{'EL' if country == 'GR' else country}{tax_id}" if country else tax_id


def endpoint_for(party: Party) -> Identifier | None:
    """BT-34 / BT-49: the party's electronic address, derived when not given.

    Order: the explicit endpoint when its scheme is one Peppol accepts; the VAT number under
    its country's EAS VAT scheme (``9920`` with ``ESB12345678`` for Spain); a legal or party
    identifier whose scheme is a Peppol EAS code.  An email address is not enough: ``EM`` is
    in the CEN list but not in Peppol's (PEPPOL-EN16931-CL008), so an ``EM`` endpoint is
    replaced by a derived one, or the conversion fails naming BT-34 / BT-49.
    """
    endpoint = party.endpoint
    if endpoint is not None and endpoint.value and endpoint.scheme in PEPPOL_EAS:
        return endpoint
    vat = _vat_with_prefix(party)
    eas = VAT_EAS_BY_COUNTRY.get(vat[:2])
    if vat and eas:
        return Identifier(value=vat, scheme=eas)
    for ident in (party.legal_id, *party.identifiers):
        if ident is not None and ident.value and ident.scheme in PEPPOL_EAS:
            return ident
    return None


_GAP_EN = (
    "electronic addresses BT-34/BT-49 with a Peppol scheme (not an email address), a buyer "
    "reference BT-10 or an order reference BT-13"
)
_GAP_ES = (
    "direcciones electrónicas BT-34/BT-49 con un esquema Peppol (no un correo electrónico), "
    "una referencia del comprador BT-10 o una referencia de pedido BT-13"
)


def peppol_gaps(invoice: Invoice) -> list[str]:
    """The business terms Peppol BIS 3 needs beyond EN 16931 that ``invoice`` lacks.

    BT-34 / BT-49 when an electronic address cannot be derived (:func:`endpoint_for`),
    BT-10 when there is neither a buyer reference nor a purchase order reference
    (PEPPOL-EN16931-R003; DIR3 centres count as a buyer reference, see ``centres_reference``).
    """
    gaps: list[str] = []
    if endpoint_for(invoice.seller) is None:
        gaps.append("BT-34")
    if endpoint_for(invoice.buyer) is None:
        gaps.append("BT-49")
    if not (_buyer_reference(invoice) or invoice.order_ref):
        gaps.append("BT-10")
    return gaps


def profile(invoice: Invoice) -> tuple[str, str]:
    """(BT-24 CustomizationID, BT-23 ProfileID) written for ``invoice``.

    Peppol BIS Billing 3.0 when the invoice has what Peppol needs, Peppol BIS Self-Billing
    3.0 for a self-billed invoice (BT-3 389 / 261), otherwise plain EN 16931 UBL
    (``urn:cen.eu:en16931:2017``, no BT-23) and :func:`losses` says why.
    """
    if peppol_gaps(invoice):
        return EN16931_CUSTOMIZATION, ""
    if _type_code(invoice) in SELF_BILLING_TYPES:
        return PEPPOL_SELF_BILLING_CUSTOMIZATION, PEPPOL_SELF_BILLING_PROFILE
    return PEPPOL_CUSTOMIZATION, PEPPOL_PROFILE


def _preflight(invoice: Invoice) -> None:
    """Refuse, naming every term, an invoice UBL cannot be written from (one shared table
    with the CII renderer: :mod:`einvoice.formats._required`)."""
    problems = _required.missing_terms(invoice, "ubl")
    if problems:
        raise ConversionError(problems)


# ---------------------------------------------------------------------------------------------
# Parts
# ---------------------------------------------------------------------------------------------


def _address(parent: Element, name: str, address: Address, country: str = "") -> None:
    """A postal address; ``country`` stands in for a missing country code (BT-40/BT-55 are
    mandatory: a party's VAT prefix says its country when the address does not)."""
    if country and not address.country:
        address = replace(address, country=country)
    node = _cac(parent, name)
    _cbc(node, "StreetName", address.line1)
    _cbc(node, "AdditionalStreetName", address.line2)
    _cbc(node, "CityName", address.city)
    _cbc(node, "PostalZone", address.postal_code)
    _cbc(node, "CountrySubentity", address.subdivision)
    if address.line3:
        _cbc(_cac(node, "AddressLine"), "Line", address.line3)
    if address.country:
        _cbc(_cac(node, "Country"), "IdentificationCode", address.country)


def _party_identification(parent: Element, ident: Identifier) -> None:
    _id_with_scheme(_cac(parent, "PartyIdentification"), "ID", ident)


def _party(
    parent: Element,
    party: Party,
    *,
    seller: bool,
    creditor_id: str,
    peppol: bool = True,
    vat_ids: bool = True,
) -> None:
    node = _cac(parent, "Party")
    endpoint = endpoint_for(party)
    if endpoint is None and not peppol:
        endpoint = party.endpoint  # plain EN 16931 accepts every EAS code (EM included)
    _id_with_scheme(node, "EndpointID", endpoint)
    for ident in party.identifiers:
        if ident.value:
            _party_identification(node, ident)
    if creditor_id:
        _party_identification(node, Identifier(value=creditor_id, scheme="SEPA"))
    if party.trading_name:
        _cbc(_cac(node, "PartyName"), "Name", party.trading_name)
    _address(node, "PostalAddress", party.address, party.country)
    vat = _vat_with_prefix(party)
    if vat and vat_ids:
        scheme = _cac(node, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", vat)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    legal_id = party.legal_id
    registration = party.tax_registration_id
    if not vat_ids and party.tax_id:
        # Not subject to VAT (BR-O-02): the NIF is the legal registration identifier
        # (BT-30/BT-47, which also identifies the seller for BR-CO-26), else the seller's
        # tax registration (BT-32).
        if legal_id is None:
            legal_id = Identifier(value=party.tax_id)
        elif not registration:
            registration = party.tax_id
    if seller and registration:
        scheme = _cac(node, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", registration)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "TAX")
    legal = _cac(node, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.full_name)
    _id_with_scheme(legal, "CompanyID", legal_id)
    if seller:
        _cbc(legal, "CompanyLegalForm", party.legal_form)
    contact = party.contact
    if contact.name or contact.phone or contact.email:
        node_c = _cac(node, "Contact")
        _cbc(node_c, "Name", contact.name)
        _cbc(node_c, "Telephone", contact.phone)
        _cbc(node_c, "ElectronicMail", contact.email)


def _payee(parent: Element, payee: Party, creditor_id: str) -> None:
    node = _cac(parent, "PayeeParty")
    for ident in payee.identifiers:
        if ident.value:
            _party_identification(node, ident)
    if creditor_id:
        _party_identification(node, Identifier(value=creditor_id, scheme="SEPA"))
    _cbc(_cac(node, "PartyName"), "Name", payee.full_name)
    if payee.legal_id is not None and payee.legal_id.value:
        _id_with_scheme(_cac(node, "PartyLegalEntity"), "CompanyID", payee.legal_id)


def _tax_representative(parent: Element, rep: Party, *, vat_ids: bool = True) -> None:
    node = _cac(parent, "TaxRepresentativeParty")
    _cbc(_cac(node, "PartyName"), "Name", rep.full_name)
    _address(node, "PostalAddress", rep.address)
    vat = _vat_with_prefix(rep)
    if vat and vat_ids:
        scheme = _cac(node, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", vat)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")


def _tax_category(
    parent: Element,
    name: str,
    category: VatCategory,
    rate: Decimal | None,
    *,
    exemption_code: str = "",
    exemption_reason: str = "",
) -> None:
    node = _cac(parent, name)
    _cbc(node, "ID", category.value)
    if category is not VatCategory.NOT_SUBJECT:
        # BR-O-05 & co: category O carries no rate; every other category does (0 if exempt).
        _cbc(node, "Percent", number_text(rate if rate is not None else ZERO))
    _cbc(node, "TaxExemptionReasonCode", exemption_code)
    _cbc(node, "TaxExemptionReason", exemption_reason)
    _cbc(_cac(node, "TaxScheme"), "ID", "VAT")


def _allowance_charge(
    parent: Element,
    ac: AllowanceCharge,
    currency: str,
    *,
    tax: tuple[VatCategory, Decimal | None] | None = None,
) -> None:
    """BG-20/21 (``tax`` given: document level) or BG-27/28 (line level)."""
    node = _cac(parent, "AllowanceCharge")
    _cbc(node, "ChargeIndicator", "true" if ac.is_charge else "false")
    _cbc(node, "AllowanceChargeReasonCode", ac.reason_code)
    _cbc(node, "AllowanceChargeReason", ac.reason)
    if ac.percent is not None and ac.base_amount is not None:
        # A percentage without its base amount is refused (PEPPOL-EN16931-R041).
        _cbc(node, "MultiplierFactorNumeric", number_text(ac.percent))
    _amount(node, "Amount", ac.amount, currency)
    if ac.base_amount is not None:
        _amount(node, "BaseAmount", ac.base_amount, currency)
    if tax is not None:
        _tax_category(node, "TaxCategory", tax[0], tax[1])


def means_code(invoice: Invoice) -> str:
    """BT-81 as written.

    Peppol requires the mandate reference BT-89 with a direct debit (49, 59: rule
    PEPPOL-EN16931-R061), and Facturae has no element for it: a Facturae *recibo
    domiciliado* reads as 59 without mandate.  Inventing a mandate is not an option, so such
    a debit is written as UNCL4461 3 "Automated clearing house debit" — a debit the creditor
    collects through the clearing house, which is what a Spanish *domiciliación* is — with
    the debited account (BT-91) kept; a PAY tag records the real code for our reader.
    """
    payment = invoice.payment
    if payment is None:
        return ""
    if payment.means_code in _DIRECT_DEBIT and not payment.mandate_reference:
        return _DEBIT_WITHOUT_MANDATE
    return payment.means_code


def _type_code(invoice: Invoice) -> str:
    """BT-3 as Peppol accepts it for this document kind and these parties."""
    code = invoice.type_code
    if invoice.kind is DocumentKind.CREDIT_NOTE:
        return code if code in _CREDIT_NOTE_TYPES else "381"
    german = invoice.seller.address.country == "DE" and invoice.buyer.address.country == "DE"
    if code in _GERMAN_ONLY_TYPES and not german:
        return "380"  # PEPPOL-EN16931-P0112; BG-3 still names the corrected invoice
    return code


def _document_reference(parent: Element, name: str, value: str) -> None:
    if value:
        _cbc(_cac(parent, name), "ID", value)


def _buyer_reference(invoice: Invoice) -> str:
    return invoice.buyer_reference or centres_reference(invoice.buyer.centres)


def _notes(invoice: Invoice, extra: list[str]) -> str:
    """The one document note (PEPPOL-EN16931-R002): the user's notes, then tagged lines."""
    texts: list[str] = []
    for index, note in enumerate(invoice.notes):
        prefix = f"#{note.subject}#" if note.subject and index == 0 else ""
        texts.append(prefix + note.text)
    return extras.join("\n\n".join(texts), extras.document_lines(invoice, extra=extra))


def _line(parent: Element, line: Line, index: int, invoice: Invoice) -> None:
    credit = invoice.kind is DocumentKind.CREDIT_NOTE
    currency = invoice.currency
    node = _cac(parent, "CreditNoteLine" if credit else "InvoiceLine")
    _cbc(node, "ID", line.id or str(index))
    _cbc(node, "Note", extras.join(line.note, extras.line_lines(line)))
    _cbc(
        node,
        "CreditedQuantity" if credit else "InvoicedQuantity",
        number_text(line.quantity),
        unitCode=line.unit_code,
    )
    _amount(node, "LineExtensionAmount", line.net_amount, currency)
    _cbc(node, "AccountingCost", line.accounting_ref)
    if line.period is not None and (line.period.start or line.period.end):
        period = _cac(node, "InvoicePeriod")
        if line.period.start:
            _cbc(period, "StartDate", line.period.start.isoformat())
        if line.period.end:
            _cbc(period, "EndDate", line.period.end.isoformat())
    if line.order_line_ref:
        _cbc(_cac(node, "OrderLineReference"), "LineID", line.order_line_ref)
    if line.object_id is not None and line.object_id.value:
        ref = _cac(node, "DocumentReference")
        _id_with_scheme(ref, "ID", line.object_id)
        _cbc(ref, "DocumentTypeCode", "130")
    for ac in line.allowances_charges:
        _allowance_charge(node, ac, currency)

    item = _cac(node, "Item")
    _cbc(item, "Description", line.description)
    _cbc(item, "Name", line.name)
    if line.buyer_item_id:
        _cbc(_cac(item, "BuyersItemIdentification"), "ID", line.buyer_item_id)
    if line.seller_item_id:
        _cbc(_cac(item, "SellersItemIdentification"), "ID", line.seller_item_id)
    if line.standard_item_id is not None and line.standard_item_id.value:
        _id_with_scheme(_cac(item, "StandardItemIdentification"), "ID", line.standard_item_id)
    if line.origin_country:
        _cbc(_cac(item, "OriginCountry"), "IdentificationCode", line.origin_country)
    for cls in line.classifications:
        if cls.value:
            _cbc(
                _cac(item, "CommodityClassification"),
                "ItemClassificationCode",
                cls.value,
                listID=cls.scheme,
            )
    _tax_category(item, "ClassifiedTaxCategory", line.vat_category, line.vat_rate)
    for name, value in line.attributes:
        if name and value:
            prop = _cac(item, "AdditionalItemProperty")
            _cbc(prop, "Name", name)
            _cbc(prop, "Value", value)

    price = _cac(node, "Price")
    _cbc(price, "PriceAmount", number_text(line.net_price), currencyID=currency)
    if line.base_quantity is not None:
        _cbc(
            price,
            "BaseQuantity",
            number_text(line.base_quantity),
            unitCode=line.base_quantity_unit,
        )
    if line.gross_price is not None or line.price_discount is not None:
        discount = line.price_discount
        if discount is None and line.gross_price is not None:
            discount = line.gross_price - line.net_price
        price_ac = _cac(price, "AllowanceCharge")
        _cbc(price_ac, "ChargeIndicator", "false")
        _cbc(price_ac, "Amount", number_text(discount or ZERO), currencyID=currency)
        if line.gross_price is not None:
            _cbc(price_ac, "BaseAmount", number_text(line.gross_price), currencyID=currency)


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def write(invoices: Sequence[Invoice]) -> bytes:
    """Render exactly one invoice as Peppol BIS Billing 3.0 UBL (see module docstring)."""
    return to_bytes(build(invoices))


def build(invoices: Sequence[Invoice]) -> etree._Element:
    """The root element :func:`write` serialises (for callers that keep working on the tree,
    such as the EN 16931 check of a Facturae invoice, which would otherwise parse it again)."""
    if len(invoices) != 1:
        raise ConversionError.single(
            "UBL-ONE-INVOICE",
            f"A UBL document holds exactly one invoice; {len(invoices)} were given.",
            f"Un documento UBL contiene exactamente una factura; se han recibido {len(invoices)}.",
            layer=Layer.CONVERSION,
        )
    inv = invoices[0]
    _preflight(inv)
    inv = _other_taxes.to_en16931(inv)
    credit = inv.kind is DocumentKind.CREDIT_NOTE
    cur = inv.currency
    charges = _tags.split_general_charges(inv)
    extra = list(charges.tags)
    customization, profile_id = profile(inv)
    peppol = customization != EN16931_CUSTOMIZATION
    vat_ids = not _tags.not_subject(inv)
    if not vat_ids:
        tag = _tags.tax_ids_tag(inv)
        if tag:
            extra.append(tag)
    written_means = means_code(inv)
    if inv.payment is not None and written_means != inv.payment.means_code:
        extra.append(_tags.payment_tag(inv.payment.means_code, written_means))
    ns = NS_CREDIT_NOTE if credit else NS_INVOICE
    root = etree.Element(
        f"{{{ns}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap={None: ns, "cac": NS_CAC, "cbc": NS_CBC},  # type: ignore[dict-item]
    )
    _cbc(root, "CustomizationID", customization)
    _cbc(root, "ProfileID", profile_id)
    _cbc(root, "ID", inv.full_number)
    _cbc(root, "IssueDate", inv.issue_date.isoformat())
    tax_point = inv.tax_point_date.isoformat() if inv.tax_point_date else ""
    if credit:
        _cbc(root, "TaxPointDate", tax_point)
        _cbc(root, "CreditNoteTypeCode", _type_code(inv))
        _cbc(root, "Note", _notes(inv, extra))
    else:
        _cbc(root, "DueDate", inv.due_date.isoformat() if inv.due_date else "")
        _cbc(root, "InvoiceTypeCode", _type_code(inv))
        _cbc(root, "Note", _notes(inv, extra))
        _cbc(root, "TaxPointDate", tax_point)
    _cbc(root, "DocumentCurrencyCode", cur)
    with_tax_currency = (
        bool(inv.tax_currency)
        and inv.tax_currency != cur
        and inv.totals.vat_total_tax_currency is not None
    )
    if with_tax_currency:
        _cbc(root, "TaxCurrencyCode", inv.tax_currency)
    _cbc(root, "AccountingCost", inv.accounting_ref)
    _cbc(root, "BuyerReference", _buyer_reference(inv))

    if (inv.period and (inv.period.start or inv.period.end)) or inv.vat_point_code:
        period = _cac(root, "InvoicePeriod")
        if inv.period and inv.period.start:
            _cbc(period, "StartDate", inv.period.start.isoformat())
        if inv.period and inv.period.end:
            _cbc(period, "EndDate", inv.period.end.isoformat())
        _cbc(period, "DescriptionCode", inv.vat_point_code)
    if inv.order_ref or inv.sales_order_ref:
        order = _cac(root, "OrderReference")
        # UBL requires cbc:ID; Peppol's guidance is "NA" when only BT-14 is known.
        _cbc(order, "ID", inv.order_ref or "NA")
        _cbc(order, "SalesOrderID", inv.sales_order_ref)
    for prev in inv.preceding:
        if prev.number:
            doc = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
            _cbc(doc, "ID", prev.number)
            _cbc(doc, "IssueDate", prev.issue_date.isoformat() if prev.issue_date else "")
    _document_reference(root, "DespatchDocumentReference", inv.despatch_advice_ref)
    _document_reference(root, "ReceiptDocumentReference", inv.receiving_advice_ref)
    if not credit:
        _document_reference(root, "OriginatorDocumentReference", inv.tender_ref)
    _document_reference(root, "ContractDocumentReference", inv.contract_ref)
    if inv.invoiced_object is not None and inv.invoiced_object.value:
        ref = _cac(root, "AdditionalDocumentReference")
        _id_with_scheme(ref, "ID", inv.invoiced_object)
        _cbc(ref, "DocumentTypeCode", "130")
    for att_index, att in enumerate(inv.attachments, start=1):
        ref = _cac(root, "AdditionalDocumentReference")
        _cbc(ref, "ID", att.id)
        _cbc(ref, "DocumentDescription", att.description)
        if att.content or att.uri:
            attachment = _cac(ref, "Attachment")
            if att.content:
                _cbc(
                    attachment,
                    "EmbeddedDocumentBinaryObject",
                    base64.b64encode(att.content).decode("ascii"),
                    mimeCode=att.mime_type,
                    filename=_tags.attachment_filename(att, att_index),
                )
            if att.uri:
                _cbc(_cac(attachment, "ExternalReference"), "URI", att.uri)
    if credit:
        if inv.project_ref:
            ref = _cac(root, "AdditionalDocumentReference")
            _cbc(ref, "ID", inv.project_ref)
            _cbc(ref, "DocumentTypeCode", "50")
        _document_reference(root, "OriginatorDocumentReference", inv.tender_ref)
    else:
        _document_reference(root, "ProjectReference", inv.project_ref)

    payment = inv.payment
    creditor = payment.creditor_id if payment else ""
    _party(
        _cac(root, "AccountingSupplierParty"),
        inv.seller,
        seller=True,
        creditor_id="" if inv.payee else creditor,
        peppol=peppol,
        vat_ids=vat_ids,
    )
    _party(
        _cac(root, "AccountingCustomerParty"),
        inv.buyer,
        seller=False,
        creditor_id="",
        peppol=peppol,
        vat_ids=vat_ids,
    )
    if inv.payee is not None:
        _payee(root, inv.payee, creditor)
    if inv.tax_representative is not None:
        _tax_representative(root, inv.tax_representative, vat_ids=vat_ids)

    if inv.delivery is not None:
        d = inv.delivery
        delivery = _cac(root, "Delivery")
        _cbc(delivery, "ActualDeliveryDate", d.date.isoformat() if d.date else "")
        if (d.location_id and d.location_id.value) or d.address:
            location = _cac(delivery, "DeliveryLocation")
            _id_with_scheme(location, "ID", d.location_id)
            if d.address:
                _address(location, "Address", d.address)
        if d.name:
            _cbc(_cac(_cac(delivery, "DeliveryParty"), "PartyName"), "Name", d.name)

    if payment is not None and written_means:
        transfers = payment.credit_transfers or (None,)
        for index, transfer in enumerate(transfers):
            pm = _cac(root, "PaymentMeans")
            # BT-82 once: UBL-SR-46 allows the payment means text a single time.
            _cbc(
                pm,
                "PaymentMeansCode",
                written_means,
                name=payment.means_text if index == 0 else "",
            )
            if credit and inv.due_date:
                _cbc(pm, "PaymentDueDate", inv.due_date.isoformat())
            _cbc(pm, "PaymentID", payment.remittance_info)
            if index == 0 and (payment.card_pan or payment.card_holder):
                card = _cac(pm, "CardAccount")
                _cbc(card, "PrimaryAccountNumberID", payment.card_pan or "NA")
                # UBL requires NetworkID; EN 16931 has no term for it.
                _cbc(card, "NetworkID", "NA")
                _cbc(card, "HolderName", payment.card_holder)
            if transfer is not None:
                account = _cac(pm, "PayeeFinancialAccount")
                _cbc(account, "ID", transfer.account)
                _cbc(account, "Name", transfer.account_name)
                if transfer.bic:
                    _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", transfer.bic)
            if index == 0 and (payment.mandate_reference or payment.debited_account):
                mandate = _cac(pm, "PaymentMandate")
                _cbc(mandate, "ID", payment.mandate_reference)
                if payment.debited_account:
                    _cbc(_cac(mandate, "PayerFinancialAccount"), "ID", payment.debited_account)
    if inv.payment_terms:
        _cbc(_cac(root, "PaymentTerms"), "Note", inv.payment_terms)

    for ac in charges.charges:
        assert ac.vat_category is not None  # _preflight refused the others
        _allowance_charge(root, ac, cur, tax=(ac.vat_category, ac.vat_rate))

    t = inv.totals
    tax_total = _cac(root, "TaxTotal")
    _amount(tax_total, "TaxAmount", t.vat_total - t.surcharge_total, cur)
    for row in _tags.merged_breakdown(inv.vat_breakdown):
        sub = _cac(tax_total, "TaxSubtotal")
        _amount(sub, "TaxableAmount", row.taxable_amount, cur)
        _amount(sub, "TaxAmount", row.tax_amount, cur)
        _tax_category(
            sub,
            "TaxCategory",
            row.category,
            row.rate,
            exemption_code=row.exemption_code,
            exemption_reason=row.exemption_reason,
        )
    if with_tax_currency and t.vat_total_tax_currency is not None:
        _amount(_cac(root, "TaxTotal"), "TaxAmount", t.vat_total_tax_currency, inv.tax_currency)

    monetary = _cac(root, "LegalMonetaryTotal")
    _amount(monetary, "LineExtensionAmount", t.line_net_total, cur)
    _amount(monetary, "TaxExclusiveAmount", t.tax_exclusive, cur)
    _amount(monetary, "TaxInclusiveAmount", t.tax_inclusive - t.surcharge_total, cur)
    if t.allowance_total or any(not ac.is_charge for ac in inv.allowances_charges):
        _amount(monetary, "AllowanceTotalAmount", t.allowance_total, cur)
    if t.charge_total or any(ac.is_charge for ac in inv.allowances_charges):
        _amount(monetary, "ChargeTotalAmount", t.charge_total, cur)
    paid = extras.spanish_totals(inv).paid_amount
    if paid:
        _amount(monetary, "PrepaidAmount", paid, cur)
    if t.rounding:
        _amount(monetary, "PayableRoundingAmount", t.rounding, cur)
    _amount(monetary, "PayableAmount", t.payable, cur)

    for index, line in enumerate(inv.lines, start=1):
        _line(root, line, index, inv)
    return root


# ---------------------------------------------------------------------------------------------
# What the user is told before sending
# ---------------------------------------------------------------------------------------------


def _lost(rule: str, en: str, es: str) -> Violation:
    return Violation(
        rule=rule,
        message=f"{en} cannot be carried in Peppol BIS 3 UBL and is left out.",
        message_es=f"{es} no se puede representar en UBL Peppol BIS 3 y se omite.",
        severity=Severity.WARNING,
        layer=Layer.CONVERSION,
    )


def _changed(rule: str, en: str, es: str) -> Violation:
    return Violation(
        rule=rule,
        message=en,
        message_es=es,
        severity=Severity.WARNING,
        layer=Layer.CONVERSION,
    )


def losses(invoice: Invoice) -> list[Violation]:
    """Warnings naming each piece of ``invoice`` that :func:`write` drops or reshapes.

    Rendering never fails for these; callers show them before sending (``docs/formats/ubl.md``,
    "What is lost").  Spanish taxes, series, legal literals, corrective data, DIR3 centres
    (with addresses), instalments and the Facturae document data are *not* listed: they
    travel in tagged note lines (:mod:`einvoice.formats._tags`) and come back when we read
    the file.
    """
    out: list[Violation] = []
    gaps = peppol_gaps(invoice)
    if gaps:
        terms = ", ".join(gaps)
        out.append(
            _changed(
                "UBL-PROFILE",
                f"Peppol BIS 3 needs {terms} ({_GAP_EN}), which the invoice lacks: it is "
                "written as plain EN 16931 UBL (urn:cen.eu:en16931:2017), valid under "
                "RD 238/2026 but not deliverable over Peppol until they are added.",
                f"Peppol BIS 3 exige {terms} ({_GAP_ES}), que la factura no tiene: se escribe "
                "como UBL EN 16931 sin Peppol (urn:cen.eu:en16931:2017), válido según el "
                "RD 238/2026 pero no entregable por Peppol hasta que se añadan.",
            )
        )
    if len(invoice.notes) > 1:
        out.append(
            _changed(
                "UBL-NOTES",
                "Peppol allows one invoice note: the notes are joined into one (BT-22).",
                "Peppol admite una sola nota: las notas se unen en una (BT-22).",
            )
        )
    if _type_code(invoice) != invoice.type_code:
        out.append(
            _changed(
                "BT-3",
                f"Peppol does not accept type code {invoice.type_code} here; "
                f"{_type_code(invoice)} is written (the corrected invoice stays in BG-3).",
                f"Peppol no admite aquí el código de tipo {invoice.type_code}; se escribe "
                f"{_type_code(invoice)} (la factura rectificada sigue en BG-3).",
            )
        )
    charges = [
        *invoice.allowances_charges,
        *(c for ln in invoice.lines for c in ln.allowances_charges),
    ]
    if any(c.percent is not None and c.base_amount is None for c in charges):
        out.append(
            _lost(
                "BT-94",
                "The percentage of a discount or charge without base amount (the amount is kept)",
                "El porcentaje de un descuento o cargo sin base (se conserva el importe)",
            )
        )
    if (
        invoice.kind is DocumentKind.CREDIT_NOTE
        and invoice.due_date
        and not (invoice.payment and invoice.payment.means_code)
    ):
        out.append(
            _lost(
                "BT-9",
                "The due date of a credit note without payment means (UBL keeps it there)",
                "La fecha de vencimiento de un abono sin medio de pago (UBL la guarda ahí)",
            )
        )
    for role, party, es in (
        ("seller", invoice.seller, "vendedor"),
        ("buyer", invoice.buyer, "comprador"),
    ):
        if party.endpoint is not None and party.endpoint.value:
            derived = endpoint_for(party)
            if derived is not None and derived != party.endpoint:
                out.append(
                    _changed(
                        "PEPPOL-EN16931-CL008",
                        f"The {role}'s electronic address scheme '{party.endpoint.scheme}' is "
                        f"not accepted by Peppol; {derived.scheme}:{derived.value} is used.",
                        f"Peppol no admite el esquema '{party.endpoint.scheme}' de la dirección "
                        f"electrónica del {es}; se usa {derived.scheme}:{derived.value}.",
                    )
                )
        if party.first_surname or party.second_surname:
            out.append(
                _lost(
                    "ES-SURNAMES",
                    f"The separate surnames of the {role} (the full name is kept)",
                    f"Los apellidos separados del {es} (se conserva el nombre completo)",
                )
            )
    if invoice.third_party is not None:
        out.append(
            _lost(
                "ES-THIRD-PARTY",
                "The Facturae third party (the issuer type is kept)",
                "El tercero de Facturae (se conserva el tipo de emisor)",
            )
        )
    if _tags.split_general_charges(invoice).tags:
        out.append(
            _changed(
                "BT-92",
                "A general discount or charge applies to several VAT rates: it is written as "
                "one document-level entry per VAT rate, shared out in proportion to the lines "
                "(BT-95/BT-102 take one VAT category each).",
                "Un descuento o cargo general afecta a varios tipos de IVA: se escribe como un "
                "descuento o cargo por tipo de IVA, repartido en proporción a las líneas "
                "(BT-95/BT-102 admiten una sola categoría de IVA).",
            )
        )
    if invoice.payment is not None and means_code(invoice) != invoice.payment.means_code:
        out.append(
            _changed(
                "PEPPOL-EN16931-R061",
                "A direct debit without mandate reference (BT-89) is written with payment means "
                "code 3 (debit through the clearing house): Peppol requires a mandate with "
                "codes 49 and 59.",
                "Un adeudo directo sin referencia de mandato (BT-89) se escribe con el código "
                "de medio de pago 3 (adeudo por cámara de compensación): Peppol exige el "
                "mandato con los códigos 49 y 59.",
            )
        )
    if invoice.payment and (invoice.payment.card_pan or invoice.payment.card_holder):
        out.append(
            _changed(
                "BT-87",
                "UBL needs a card network that EN 16931 does not have: 'NA' is written.",
                "UBL exige una red de tarjeta que EN 16931 no tiene: se escribe 'NA'.",
            )
        )
    return out
