"""UBL 2.1 Invoice / CreditNote -> canonical :class:`~einvoice.model.Invoice`.

Maps every EN 16931 business term of the UBL syntax binding (CEN/TS 16931-3-2) that the
canonical model has.  The reader is tolerant: it does not enforce business rules (the official
artefacts do that later in the pipeline), it only refuses content it cannot represent, such as
an unreadable date or amount, with a :class:`~einvoice.errors.ParseError` naming the element.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import replace
from decimal import Decimal
from functools import cache

from lxml import etree

from einvoice import lexical
from einvoice import xml as _xml
from einvoice.errors import ParseError, UnsupportedDocument
from einvoice.formats import _other_taxes, _tags
from einvoice.formats.ubl import extras
from einvoice.formats.ubl._common import (
    NS_CAC,
    NS_CBC,
    NS_CREDIT_NOTE,
    NSMAP,
    READABLE_UBL_VERSIONS,
    centres_reference,
)
from einvoice.model import (
    ZERO,
    Address,
    AllowanceCharge,
    Attachment,
    Contact,
    CreditTransfer,
    Delivery,
    Document,
    DocumentKind,
    Identifier,
    Invoice,
    Line,
    Note,
    Party,
    Payment,
    Period,
    PrecedingInvoice,
    Totals,
    VatBreakdown,
    VatCategory,
)

Element = etree._Element

_INVOICED_OBJECT = "130"
"""UNCL1001 code marking an AdditionalDocumentReference as BT-18 (invoiced object)."""
_PROJECT = "50"
"""UNCL1001 code marking an AdditionalDocumentReference as BT-11 in a credit note."""


def _line_no(el: Element) -> int | None:
    line: object = el.sourceline
    return line if isinstance(line, int) else None


def _path(el: Element) -> str:
    return el.getroottree().getpath(el)


def _bad(el: Element, what_en: str, what_es: str, value: str) -> ParseError:
    name = etree.QName(el).localname
    return ParseError.single(
        "UBL-VALUE",
        f"The element {name} holds '{value}', which is not {what_en}.",
        f"El elemento {name} contiene '{value}', que no es {what_es}.",
        location=_path(el),
        line=_line_no(el),
    )


@cache
def _steps(path: str) -> tuple[str, ...]:
    """``cac:A/cbc:B`` as Clark-notation tags, resolved once per path."""
    out = []
    for step in path.split("/"):
        prefix, _, local = step.partition(":")
        out.append(f"{{{NSMAP[prefix]}}}{local}")
    return tuple(out)


def _find(el: Element | None, path: str) -> Element | None:
    """First element at ``path`` below ``el`` (following the first match of each step).

    Walking children directly is several times faster than ``Element.find``, and UBL paths
    read here only repeat on their last step.
    """
    if el is None:
        return None
    return _xml.first_children(el, _steps(path))


def _all(el: Element | None, path: str) -> list[Element]:
    """Every element at ``path`` below ``el``."""
    if el is None:
        return []
    return _xml.children(el, _steps(path))


def _text(el: Element | None, path: str = "") -> str:
    node = _find(el, path) if path else el
    if node is None or node.text is None:
        return ""
    return node.text.strip()


def _attr(el: Element | None, path: str, name: str) -> str:
    node = _find(el, path) if path else el
    if node is None:
        return ""
    return (node.get(name) or "").strip()


def _lexical_error(node: Element, exc: lexical.LexicalError, rule: str) -> ParseError:
    name = etree.QName(node).localname
    return ParseError.single(
        lexical.rule_id(exc, rule),
        f"The element {name} {exc.message}.",
        f"El elemento {name} {exc.message_es}.",
        location=_path(node),
        line=_line_no(node),
    )


def _decimal_of(node: Element) -> Decimal:
    try:
        return lexical.parse_decimal(node.text or "")
    except lexical.LexicalError as exc:
        raise _lexical_error(node, exc, "UBL-VALUE") from None


def _dec(el: Element | None, path: str) -> Decimal | None:
    node = _find(el, path)
    if node is None or not (node.text or "").strip():
        return None
    return _decimal_of(node)


def _dec0(el: Element | None, path: str) -> Decimal:
    value = _dec(el, path)
    return ZERO if value is None else value


def _date(el: Element | None, path: str) -> dt.date | None:
    node = _find(el, path)
    if node is None:
        return None
    raw = node.text or ""
    if not raw.strip():
        return None
    try:
        return lexical.parse_iso_date(raw)
    except lexical.LexicalError as exc:
        raise _lexical_error(node, exc, "UBL-VALUE") from None


def _ident(el: Element | None, path: str = "") -> Identifier | None:
    node = _find(el, path) if path else el
    value = _text(node)
    if node is None or not value:
        return None
    return Identifier(value=value, scheme=(node.get("schemeID") or "").strip())


def _category(node: Element | None, path: str) -> VatCategory | None:
    target = _find(node, path)
    code = _text(target)
    if not code:
        return None
    try:
        return VatCategory(code)
    except ValueError:
        assert target is not None
        raise UnsupportedDocument.single(
            "UBL-VAT-CATEGORY",
            f"The VAT category '{code}' is not one of EN 16931 (S, Z, E, AE, K, G, O, L, M); "
            "the document is UBL but not an EN 16931 invoice.",
            f"La categoría de IVA '{code}' no es de EN 16931 (S, Z, E, AE, K, G, O, L, M); "
            "el documento es UBL pero no una factura EN 16931.",
            location=_path(target),
            line=_line_no(target),
        ) from None


# ---------------------------------------------------------------------------------------------
# Parties
# ---------------------------------------------------------------------------------------------


def _address(el: Element | None) -> Address | None:
    if el is None:
        return None
    return Address(
        line1=_text(el, "cbc:StreetName"),
        line2=_text(el, "cbc:AdditionalStreetName"),
        line3=_text(el, "cac:AddressLine/cbc:Line"),
        city=_text(el, "cbc:CityName"),
        postal_code=_text(el, "cbc:PostalZone"),
        subdivision=_text(el, "cbc:CountrySubentity"),
        country=_text(el, "cac:Country/cbc:IdentificationCode"),
    )


def _party(party: Element | None) -> tuple[Party, str]:
    """A party and its SEPA creditor identifier (BT-90, a seller/payee identifier)."""
    if party is None:
        return Party(name=""), ""
    legal_name = _text(party, "cac:PartyLegalEntity/cbc:RegistrationName")
    trading = _text(party, "cac:PartyName/cbc:Name")
    vat = ""
    registration = ""
    for scheme in _all(party, "cac:PartyTaxScheme"):
        company_id = _text(scheme, "cbc:CompanyID")
        if _text(scheme, "cac:TaxScheme/cbc:ID").upper() == "VAT":
            vat = vat or company_id
        else:
            registration = registration or company_id
    creditor = ""
    identifiers: list[Identifier] = []
    for node in _all(party, "cac:PartyIdentification/cbc:ID"):
        ident = _ident(node)
        if ident is None:
            continue
        if ident.scheme.upper() == "SEPA":
            creditor = ident.value
        else:
            identifiers.append(ident)
    contact = _find(party, "cac:Contact")
    return (
        Party(
            # BT-27 is the registration name; without one the trading name (BT-28) is the
            # only name there is, and it is kept as BT-28 too (Greek rule GR-R-002 …).
            name=legal_name or trading,
            trading_name=trading,
            tax_id=vat,
            tax_registration_id=registration,
            legal_id=_ident(party, "cac:PartyLegalEntity/cbc:CompanyID"),
            identifiers=tuple(identifiers),
            endpoint=_ident(party, "cbc:EndpointID"),
            legal_form=_text(party, "cac:PartyLegalEntity/cbc:CompanyLegalForm"),
            address=_address(_find(party, "cac:PostalAddress")) or Address(),
            contact=Contact(
                name=_text(contact, "cbc:Name"),
                phone=_text(contact, "cbc:Telephone"),
                email=_text(contact, "cbc:ElectronicMail"),
            ),
        ),
        creditor,
    )


def _payee(party: Element | None) -> tuple[Party | None, str]:
    if party is None:
        return None, ""
    payee, creditor = _party(party)
    # BT-59 is the payee's PartyName (payees have no separate registration name).
    if not payee.name:
        payee = Party(
            name=_text(party, "cac:PartyName/cbc:Name"),
            legal_id=payee.legal_id,
            identifiers=payee.identifiers,
        )
    return payee, creditor


# ---------------------------------------------------------------------------------------------
# Document parts
# ---------------------------------------------------------------------------------------------


def _period(el: Element | None) -> Period | None:
    if el is None:
        return None
    start, end = _date(el, "cbc:StartDate"), _date(el, "cbc:EndDate")
    if start is None and end is None:
        return None
    return Period(start=start, end=end)


def _note(el: Element) -> Note:
    text = (el.text or "").strip()
    subject = ""
    # EN 16931 UBL binding: BT-21 travels as "#CODE#" in front of the note text.
    if text.startswith("#") and text.count("#") >= 2:
        code, _, rest = text[1:].partition("#")
        if len(code) == 3 and code.isalpha() and code.isupper():  # UNCL4451 codes
            subject, text = code, rest
    return Note(text=text, subject=subject)


def _allowance_charge(el: Element, *, document_level: bool) -> AllowanceCharge:
    indicator_node = _find(el, "cbc:ChargeIndicator")
    indicator = _text(indicator_node).lower()
    if indicator not in {"true", "false", "1", "0"}:
        # Required by the XSD, but the reader must also say so for a schema-invalid file.
        raise _bad(
            indicator_node if indicator_node is not None else el,
            "true or false",
            "true o false",
            indicator,
        )
    category = _category(el, "cac:TaxCategory/cbc:ID") if document_level else None
    return AllowanceCharge(
        is_charge=indicator in {"true", "1"},
        amount=_dec0(el, "cbc:Amount"),
        base_amount=_dec(el, "cbc:BaseAmount"),
        percent=_dec(el, "cbc:MultiplierFactorNumeric"),
        reason=_text(el, "cbc:AllowanceChargeReason"),
        reason_code=_text(el, "cbc:AllowanceChargeReasonCode"),
        vat_category=category,
        vat_rate=_dec(el, "cac:TaxCategory/cbc:Percent") if document_level else None,
        tax_type=_tags.default_tax_type(category),
    )


def _payment(root: Element, creditor: str) -> Payment | None:
    means = _all(root, "cac:PaymentMeans")
    if not means and not creditor:
        return None
    first = means[0] if means else None
    transfers: list[CreditTransfer] = []
    for pm in means:
        for account in _all(pm, "cac:PayeeFinancialAccount"):
            transfers.append(
                CreditTransfer(
                    account=_text(account, "cbc:ID"),
                    account_name=_text(account, "cbc:Name"),
                    bic=_text(account, "cac:FinancialInstitutionBranch/cbc:ID"),
                )
            )
    card = next((c for pm in means for c in _all(pm, "cac:CardAccount")), None)
    mandate = next((m for pm in means for m in _all(pm, "cac:PaymentMandate")), None)
    return Payment(
        means_code=_text(first, "cbc:PaymentMeansCode"),
        means_text=_attr(first, "cbc:PaymentMeansCode", "name"),
        remittance_info=_text(first, "cbc:PaymentID"),
        credit_transfers=tuple(transfers),
        card_pan=_text(card, "cbc:PrimaryAccountNumberID"),
        card_holder=_text(card, "cbc:HolderName"),
        mandate_reference=_text(mandate, "cbc:ID"),
        creditor_id=creditor,
        debited_account=_text(mandate, "cac:PayerFinancialAccount/cbc:ID"),
    )


def _attachments(root: Element) -> tuple[list[Attachment], Identifier | None, str]:
    """BG-24 supporting documents, plus BT-18 (type 130) and credit-note BT-11 (type 50)."""
    found: list[Attachment] = []
    invoiced_object: Identifier | None = None
    project = ""
    for ref in _all(root, "cac:AdditionalDocumentReference"):
        type_code = _text(ref, "cbc:DocumentTypeCode")
        if type_code == _INVOICED_OBJECT:
            invoiced_object = _ident(ref, "cbc:ID")
            continue
        if type_code == _PROJECT and etree.QName(root).namespace == NS_CREDIT_NOTE:
            project = _text(ref, "cbc:ID")
            continue
        blob = _find(ref, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
        content = b""
        if blob is not None and (blob.text or "").strip():
            try:
                content = base64.b64decode("".join((blob.text or "").split()), validate=True)
            except (binascii.Error, ValueError):
                raise _bad(blob, "base64 data", "datos base64", (blob.text or "")[:20]) from None
        found.append(
            Attachment(
                id=_text(ref, "cbc:ID"),
                description=_text(ref, "cbc:DocumentDescription"),
                uri=_text(ref, "cac:Attachment/cac:ExternalReference/cbc:URI"),
                content=content,
                mime_type=_attr(blob, "", "mimeCode"),
                filename=_attr(blob, "", "filename"),
            )
        )
    return found, invoiced_object, project


def _tax_totals(
    root: Element, currency: str, tax_currency: str
) -> tuple[Element | None, Decimal | None, Decimal | None]:
    """(TaxTotal in document currency, BT-110, BT-111).

    BT-110 is the TaxTotal whose amount is in the invoice currency (BT-5), BT-111 the one in
    the VAT accounting currency (BT-6); a TaxTotal without currencyID counts as BT-110.
    """
    main: Element | None = None
    vat_total: Decimal | None = None
    vat_tax_currency: Decimal | None = None
    for total in _all(root, "cac:TaxTotal"):
        node = _find(total, "cbc:TaxAmount")
        if node is None:
            continue
        cur = (node.get("currencyID") or "").strip()
        value = _decimal_of(node)
        if tax_currency and tax_currency != currency and cur == tax_currency:
            vat_tax_currency = value
        elif main is None:
            main, vat_total = total, value
    return main, vat_total, vat_tax_currency


def _breakdown(total: Element | None, ex: extras.Extracted) -> list[VatBreakdown]:
    if ex.rows:
        # The Facturae tax rows as they were (several per rate, surcharges, IGIC exempt …).
        return [row for _, row in sorted(ex.rows, key=lambda item: item[0])]
    rows: list[VatBreakdown] = []
    for sub in _all(total, "cac:TaxSubtotal"):
        category = _category(sub, "cac:TaxCategory/cbc:ID") or VatCategory.STANDARD
        rate = _dec(sub, "cac:TaxCategory/cbc:Percent")
        rows.append(
            VatBreakdown(
                category=category,
                rate=rate,
                taxable_amount=_dec0(sub, "cbc:TaxableAmount"),
                tax_amount=_dec0(sub, "cbc:TaxAmount"),
                exemption_reason=_text(sub, "cac:TaxCategory/cbc:TaxExemptionReason"),
                exemption_code=_text(sub, "cac:TaxCategory/cbc:TaxExemptionReasonCode"),
                tax_type=_tags.default_tax_type(category),
            )
        )
    return rows


def _line(el: Element, *, credit: bool) -> Line:
    quantity_node = _find(el, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity")
    item = _find(el, "cac:Item")
    price = _find(el, "cac:Price")
    price_ac = _find(price, "cac:AllowanceCharge")
    category = _category(item, "cac:ClassifiedTaxCategory/cbc:ID") or VatCategory.STANDARD
    note_node = _find(el, "cbc:Note")
    ex = extras.extract(_text(note_node), line=True) if note_node is not None else None
    object_id: Identifier | None = None
    for ref in _all(el, "cac:DocumentReference"):
        if _text(ref, "cbc:DocumentTypeCode") in {_INVOICED_OBJECT, ""}:
            object_id = object_id or _ident(ref, "cbc:ID")
    attributes = tuple(
        (_text(p, "cbc:Name"), _text(p, "cbc:Value"))
        for p in _all(item, "cac:AdditionalItemProperty")
    )
    classifications = tuple(
        Identifier(value=_text(c), scheme=(c.get("listID") or "").strip())
        for c in _all(item, "cac:CommodityClassification/cbc:ItemClassificationCode")
        if _text(c)
    )
    line = Line(
        id=_text(el, "cbc:ID"),
        name=_text(item, "cbc:Name"),
        quantity=_decimal_of(quantity_node) if quantity_node is not None else ZERO,
        unit_code=_attr(quantity_node, "", "unitCode"),
        net_price=_dec0(price, "cbc:PriceAmount"),
        base_quantity=_dec(price, "cbc:BaseQuantity"),
        base_quantity_unit=_attr(price, "cbc:BaseQuantity", "unitCode"),
        gross_price=_dec(price_ac, "cbc:BaseAmount"),
        price_discount=_dec(price_ac, "cbc:Amount"),
        net_amount=_dec0(el, "cbc:LineExtensionAmount"),
        allowances_charges=tuple(
            _allowance_charge(ac, document_level=False) for ac in _all(el, "cac:AllowanceCharge")
        ),
        vat_category=category,
        vat_rate=_dec(item, "cac:ClassifiedTaxCategory/cbc:Percent"),
        tax_type=_tags.default_tax_type(category),
        withholdings=tuple(ex.legacy_line_withholdings) if ex else (),
        description=_text(item, "cbc:Description"),
        note=ex.text if ex else "",
        object_id=object_id,
        period=_period(_find(el, "cac:InvoicePeriod")),
        order_line_ref=_text(el, "cac:OrderLineReference/cbc:LineID"),
        accounting_ref=_text(el, "cbc:AccountingCost"),
        seller_item_id=_text(item, "cac:SellersItemIdentification/cbc:ID"),
        buyer_item_id=_text(item, "cac:BuyersItemIdentification/cbc:ID"),
        standard_item_id=_ident(item, "cac:StandardItemIdentification/cbc:ID"),
        classifications=classifications,
        origin_country=_text(item, "cac:OriginCountry/cbc:IdentificationCode"),
        attributes=attributes,
    )
    if ex is not None and ex.line is not None:
        line = _tags.line_with(line, ex.line)  # checked by extras.extract
    return line


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def read(tree: etree._ElementTree) -> Document:
    """Map a UBL Invoice or CreditNote tree to a one-invoice :class:`Document`."""
    with _xml.indexed_lookups():
        return _read(tree)


def _read(tree: etree._ElementTree) -> Document:
    root = tree.getroot()
    credit = etree.QName(root).namespace == NS_CREDIT_NOTE
    ubl_version = _text(root, "cbc:UBLVersionID")
    if ubl_version and ubl_version not in READABLE_UBL_VERSIONS:
        raise UnsupportedDocument.single(
            "UBL-VERSION",
            f"The document declares UBL version {ubl_version}; versions 2.0 to 2.3 are read.",
            f"El documento declara la versión UBL {ubl_version}; se leen las versiones 2.0 a 2.3.",
            location="/*/cbc:UBLVersionID",
        )

    currency = _text(root, "cbc:DocumentCurrencyCode")
    tax_currency = _text(root, "cbc:TaxCurrencyCode")

    # BG-1: the notes, with the Spanish data tagged in them taken out.
    notes: list[Note] = []
    ex = extras.Extracted()
    for node in _all(root, "cbc:Note"):
        note = _note(node)
        found = extras.extract(note.text)
        if found.found:
            ex = found  # Peppol has one note; we write every tag into it
        if found.text or note.subject:
            notes.append(Note(text=found.text, subject=note.subject))

    seller, seller_creditor = _party(_find(root, "cac:AccountingSupplierParty/cac:Party"))
    buyer, _ = _party(_find(root, "cac:AccountingCustomerParty/cac:Party"))
    if ex.centres.get("seller"):
        seller = replace(seller, centres=tuple(ex.centres["seller"]))
    if ex.centres.get("buyer"):
        buyer = replace(buyer, centres=tuple(ex.centres["buyer"]))
    payee, payee_creditor = _payee(_find(root, "cac:PayeeParty"))
    rep_el = _find(root, "cac:TaxRepresentativeParty")
    tax_rep: Party | None = None
    if rep_el is not None:
        rep, _ = _party(rep_el)
        tax_rep = Party(
            name=_text(rep_el, "cac:PartyName/cbc:Name") or rep.name,
            tax_id=rep.tax_id,
            address=rep.address,
        )

    delivery_el = _find(root, "cac:Delivery")
    delivery: Delivery | None = None
    if delivery_el is not None:
        delivery = Delivery(
            name=_text(delivery_el, "cac:DeliveryParty/cac:PartyName/cbc:Name"),
            location_id=_ident(delivery_el, "cac:DeliveryLocation/cbc:ID"),
            date=_date(delivery_el, "cbc:ActualDeliveryDate"),
            address=_address(_find(delivery_el, "cac:DeliveryLocation/cac:Address")),
        )

    period = _period(_find(root, "cac:InvoicePeriod"))
    vat_point_code = _text(root, "cac:InvoicePeriod/cbc:DescriptionCode")

    attachments, invoiced_object, cn_project = _attachments(root)

    main_total, vat_total, vat_tax_currency = _tax_totals(root, currency, tax_currency)
    breakdown = _breakdown(main_total, ex)

    monetary = _find(root, "cac:LegalMonetaryTotal")
    withholdings = tuple(ex.withholdings)
    totals = Totals(
        line_net_total=_dec0(monetary, "cbc:LineExtensionAmount"),
        allowance_total=_dec0(monetary, "cbc:AllowanceTotalAmount"),
        charge_total=_dec0(monetary, "cbc:ChargeTotalAmount"),
        tax_exclusive=_dec0(monetary, "cbc:TaxExclusiveAmount"),
        vat_total=vat_total if vat_total is not None else ZERO,
        vat_total_tax_currency=vat_tax_currency,
        tax_inclusive=_dec0(monetary, "cbc:TaxInclusiveAmount"),
        prepaid=_dec0(monetary, "cbc:PrepaidAmount"),
        rounding=_dec0(monetary, "cbc:PayableRoundingAmount"),
        payable=_dec0(monetary, "cbc:PayableAmount"),
    )
    if ex.totals is not None:
        # BT-113 held withholdings, surcharges … besides the prepayment; BT-110/BT-112 were
        # pure VAT figures (see extras).
        totals = _tags.totals_with(totals, ex.totals)

    preceding = tuple(
        PrecedingInvoice(
            number=_text(ref, "cac:InvoiceDocumentReference/cbc:ID"),
            issue_date=_date(ref, "cac:InvoiceDocumentReference/cbc:IssueDate"),
        )
        for ref in _all(root, "cac:BillingReference")
        if _text(ref, "cac:InvoiceDocumentReference/cbc:ID")
    )

    line_tag = "cac:CreditNoteLine" if credit else "cac:InvoiceLine"
    lines = tuple(_line(el, credit=credit) for el in _all(root, line_tag))

    due_date = _date(root, "cbc:DueDate")
    if due_date is None:
        # Credit notes have no cbc:DueDate in UBL 2.1; EN 16931 puts BT-9 here instead.
        due_date = _date(root, "cac:PaymentMeans/cbc:PaymentDueDate")

    issue_date = _date(root, "cbc:IssueDate")
    if issue_date is None:
        raise ParseError.single(
            "UBL-MISSING",
            "The document has no issue date (cbc:IssueDate, BT-2).",
            "El documento no tiene fecha de expedición (cbc:IssueDate, BT-2).",
            location="/*/cbc:IssueDate",
        )

    terms = "\n".join(_text(t, "cbc:Note") for t in _all(root, "cac:PaymentTerms"))
    type_code = _text(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode")

    number, series = _text(root, "cbc:ID"), ""
    split_number = _tags.series_from(ex.series_fields, number) if ex.series_fields else None
    if split_number is not None:
        series, number = split_number
    buyer_reference = _text(root, "cbc:BuyerReference")
    if buyer.centres and buyer_reference == centres_reference(buyer.centres):
        buyer_reference = ""  # it was only written because Peppol needs BT-10 or BT-13

    payment = _payment(root, seller_creditor or payee_creditor)
    if payment is not None and ex.means_code:
        payment = replace(payment, means_code=ex.means_code)

    self_billed = _tags.self_billing_defaults(type_code)
    invoice = Invoice(
        number=number,
        series=series,
        issue_date=issue_date,
        kind=DocumentKind.CREDIT_NOTE if credit else DocumentKind.INVOICE,
        type_code=type_code,
        document_type=self_billed[0],
        issuer_type=self_billed[1],
        currency=currency,
        tax_currency=tax_currency,
        tax_point_date=_date(root, "cbc:TaxPointDate"),
        vat_point_code=vat_point_code,
        due_date=due_date,
        buyer_reference=buyer_reference,
        project_ref=_text(root, "cac:ProjectReference/cbc:ID") or cn_project,
        contract_ref=_text(root, "cac:ContractDocumentReference/cbc:ID"),
        order_ref=_text(root, "cac:OrderReference/cbc:ID"),
        sales_order_ref=_text(root, "cac:OrderReference/cbc:SalesOrderID"),
        receiving_advice_ref=_text(root, "cac:ReceiptDocumentReference/cbc:ID"),
        despatch_advice_ref=_text(root, "cac:DespatchDocumentReference/cbc:ID"),
        tender_ref=_text(root, "cac:OriginatorDocumentReference/cbc:ID"),
        invoiced_object=invoiced_object,
        accounting_ref=_text(root, "cbc:AccountingCost"),
        payment_terms=terms.strip("\n"),
        notes=tuple(notes),
        process_id=_text(root, "cbc:ProfileID"),
        specification_id=_text(root, "cbc:CustomizationID"),
        preceding=preceding,
        seller=seller,
        buyer=buyer,
        payee=payee,
        tax_representative=tax_rep,
        delivery=delivery,
        period=period,
        payment=payment,
        allowances_charges=_tags.merge_split_charges(
            [
                _allowance_charge(ac, document_level=True)
                for ac in _all(root, "cac:AllowanceCharge")
            ],
            ex.splits,
        ),
        instalments=ex.instalments,
        totals=totals,
        vat_breakdown=tuple(breakdown),
        withholdings=withholdings,
        legal_literals=tuple(ex.legal_literals),
        correction=ex.correction,
        lines=lines,
        attachments=tuple(attachments),
    )
    if ex.facturae:
        invoice = replace(invoice, **ex.facturae)  # type: ignore[arg-type]
    if ex.tax_ids:
        invoice = _tags.with_tax_ids(invoice, ex.tax_ids)
    invoice = _other_taxes.from_en16931(invoice)
    return Document(invoices=(invoice,), format="ubl", version="2.1")


__all__ = ["NS_CAC", "NS_CBC", "read"]
