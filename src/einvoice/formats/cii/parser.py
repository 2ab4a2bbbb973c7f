"""Read a CII D16B invoice into the canonical model.

Paths follow EN 16931-3-3 as implemented by the CEN artefact ``EN16931-CII-validation.xslt``
(see ``docs/formats/cii.md`` for the table).  Every value the model needs but the document
does not hold, or holds in a form that cannot be read (a date in another format than 102, a
number that is not a number), raises :class:`~einvoice.errors.ParseError` naming the element
by its XPath and the business term, in English and Spanish.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import replace
from decimal import Decimal
from functools import cache
from typing import Final

from lxml import etree

from einvoice import lexical
from einvoice import xml as _xml
from einvoice.errors import ParseError, UnsupportedDocument
from einvoice.formats import _other_taxes, _tags
from einvoice.formats.cii._names import (
    DOC_ATTACHMENT,
    DOC_INVOICED_OBJECT,
    DOC_TENDER,
    NSMAP,
    RSM,
    VAT_POINT_FROM_CII,
    default_tax_type,
)
from einvoice.model import (
    ZERO,
    Address,
    AdministrativeCentre,
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
    TaxType,
    Totals,
    VatBreakdown,
    VatCategory,
    Withholding,
)

_Element = etree._Element

_HEADER: Final = "rsm:SupplyChainTradeTransaction"


# ---------------------------------------------------------------------------------------------
# Low-level readers
# ---------------------------------------------------------------------------------------------


@cache
def _q(path: str) -> str:
    """``ram:A/ram:B`` in Clark notation, the tags :func:`einvoice.xml.find` walks (worked
    out once per path: the paths are the code's literals, a bounded set)."""
    clark = _CLARK.get(path)
    if clark is None:
        clark = path
        for prefix, uri in NSMAP.items():
            clark = clark.replace(f"{prefix}:", f"{{{uri}}}")
        if len(_CLARK) < 4096:
            _CLARK[path] = clark
    return clark


_CLARK: dict[str, str] = {}


def _where(element: _Element) -> str:
    return str(element.getroottree().getpath(element))


def _line_no(element: _Element) -> int | None:
    line: object = element.sourceline
    return line if isinstance(line, int) else None


def _text(element: _Element | None, path: str) -> str:
    """Stripped text at ``path`` below ``element`` ('' when absent)."""
    if element is None:
        return ""
    value = _xml.findtext(element, _q(path))
    return value.strip() if value else ""


def _missing(element: _Element, path: str, term: str) -> ParseError:
    name = path.rsplit("/", 1)[-1].split(":")[-1]
    return ParseError.single(
        "CII-MISSING",
        f"The invoice lacks {name} ({term}), which is required.",
        f"A la factura le falta {name} ({term}), que es obligatorio.",
        location=f"{_where(element)}/{path}",
        line=_line_no(element),
    )


def _decimal_of(node: _Element, term: str) -> Decimal:
    try:
        return lexical.parse_decimal(node.text or "")
    except lexical.LexicalError as exc:
        name = etree.QName(node).localname
        raise ParseError.single(
            lexical.rule_id(exc, "CII-NUMBER"),
            f"{name} ({term}) {exc.message}.",
            f"{name} ({term}) {exc.message_es}.",
            location=_where(node),
            line=_line_no(node),
        ) from None


def _dec(element: _Element | None, path: str, term: str) -> Decimal | None:
    if element is None:
        return None
    node = _xml.find(element, _q(path))
    return None if node is None else _decimal_of(node, term)


def _req_dec(element: _Element, path: str, term: str) -> Decimal:
    value = _dec(element, path, term)
    if value is None:
        raise _missing(element, path, term)
    return value


def _date_of(node: _Element, term: str) -> dt.date:
    fmt = node.get("format", "102")
    raw = node.text or ""
    if fmt == "102":
        try:
            return lexical.parse_date_102(raw)
        except lexical.LexicalError:
            pass
    raise ParseError.single(
        "CII-DATE",
        f"The date in {etree.QName(node.getparent()).localname} ({term}) is '{raw.strip()}' "
        f"with format '{fmt}'; EN 16931 requires format 102 (YYYYMMDD) with a real date.",
        f"La fecha de {etree.QName(node.getparent()).localname} ({term}) es '{raw.strip()}' "
        f"con formato '{fmt}'; EN 16931 exige el formato 102 (AAAAMMDD) y una fecha real.",
        location=_where(node),
        line=_line_no(node),
    )


def _date(element: _Element | None, path: str, term: str) -> dt.date | None:
    """A date held as ``path/udt:DateTimeString`` (or ``udt:DateString`` / qdt)."""
    if element is None:
        return None
    holder = _xml.find(element, _q(path))
    if holder is None:
        return None
    for child in holder:
        if isinstance(child.tag, str) and etree.QName(child).localname in {
            "DateTimeString",
            "DateString",
        }:
            return _date_of(child, term)
    raise ParseError.single(
        "CII-DATE",
        f"{etree.QName(holder).localname} ({term}) must hold a DateTimeString in format 102.",
        f"{etree.QName(holder).localname} ({term}) debe contener un DateTimeString en formato 102.",
        location=_where(holder),
        line=_line_no(holder),
    )


def _category(node_parent: _Element, path: str, term: str) -> VatCategory:
    node = _xml.find(node_parent, _q(path))
    if node is None:
        raise _missing(node_parent, path, term)
    raw = (node.text or "").strip()
    try:
        return VatCategory(raw)
    except ValueError:
        allowed = ", ".join(c.value for c in VatCategory)
        raise UnsupportedDocument.single(
            "CII-VAT-CATEGORY",
            f"VAT category '{raw}' ({term}) is not one EN 16931 allows ({allowed}).",
            f"La categoría de IVA '{raw}' ({term}) no es una de las que admite EN 16931 "
            f"({allowed}).",
            location=_where(node),
            line=_line_no(node),
        ) from None


def _indicator(element: _Element, term: str) -> bool:
    raw = _text(element, "ram:ChargeIndicator/udt:Indicator").lower()
    if raw in {"true", "1"}:
        return True
    if raw in {"false", "0"}:
        return False
    raise ParseError.single(
        "CII-INDICATOR",
        f"ChargeIndicator ({term}) must be 'true' or 'false', not '{raw}'.",
        f"ChargeIndicator ({term}) debe ser 'true' o 'false', no '{raw}'.",
        location=_where(element),
        line=_line_no(element),
    )


def _scheme_id(node: _Element | None) -> Identifier | None:
    if node is None:
        return None
    value = (node.text or "").strip()
    if not value:
        return None
    return Identifier(value=value, scheme=(node.get("schemeID") or "").strip())


# ---------------------------------------------------------------------------------------------
# Parties
# ---------------------------------------------------------------------------------------------


def _address(element: _Element | None) -> Address | None:
    if element is None:
        return None
    node = _xml.find(element, _q("ram:PostalTradeAddress"))
    if node is None:
        return None
    return Address(
        line1=_text(node, "ram:LineOne"),
        line2=_text(node, "ram:LineTwo"),
        line3=_text(node, "ram:LineThree"),
        city=_text(node, "ram:CityName"),
        postal_code=_text(node, "ram:PostcodeCode"),
        subdivision=_text(node, "ram:CountrySubDivisionName"),
        country=_text(node, "ram:CountryID"),
    )


def _identifiers(element: _Element) -> tuple[Identifier, ...]:
    """BT-29 / BT-46 / BT-60: ``ram:ID`` (no scheme) then ``ram:GlobalID`` (with scheme)."""
    out: list[Identifier] = []
    for path in ("ram:ID", "ram:GlobalID"):
        for node in _xml.findall(element, _q(path)):
            ident = _scheme_id(node)
            if ident is not None:
                out.append(ident)
    return tuple(out)


def _party(element: _Element | None, term: str) -> Party | None:
    if element is None:
        return None
    tax_id = ""
    registration = ""
    for node in _xml.findall(element, _q("ram:SpecifiedTaxRegistration/ram:ID")):
        scheme = (node.get("schemeID") or "").strip().upper()
        value = (node.text or "").strip()
        if scheme == "VA" and not tax_id:
            tax_id = value
        elif scheme == "FC" and not registration:
            registration = value
    contact_node = _xml.find(element, _q("ram:DefinedTradeContact"))
    contact = Contact(
        name=_text(contact_node, "ram:PersonName") or _text(contact_node, "ram:DepartmentName"),
        phone=_text(contact_node, "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
        email=_text(contact_node, "ram:EmailURIUniversalCommunication/ram:URIID"),
    )
    return Party(
        name=_text(element, "ram:Name"),
        trading_name=_text(element, "ram:SpecifiedLegalOrganization/ram:TradingBusinessName"),
        tax_id=tax_id,
        tax_registration_id=registration,
        legal_id=_scheme_id(_xml.find(element, _q("ram:SpecifiedLegalOrganization/ram:ID"))),
        identifiers=_identifiers(element),
        endpoint=_scheme_id(_xml.find(element, _q("ram:URIUniversalCommunication/ram:URIID"))),
        legal_form=_text(element, "ram:Description"),
        address=_address(element) or Address(),
        contact=contact,
    )


def _required_party(agreement: _Element, path: str, term: str) -> Party:
    party = _party(_xml.find(agreement, _q(path)), term)
    if party is None:
        raise _missing(agreement, path, term)
    return party


# ---------------------------------------------------------------------------------------------
# Document parts
# ---------------------------------------------------------------------------------------------


def _allowance_charge(element: _Element, *, document_level: bool) -> AllowanceCharge:
    term = "BG-20/BG-21" if document_level else "BG-27/BG-28"
    category: VatCategory | None = None
    rate: Decimal | None = None
    tax_type = TaxType.IVA
    if document_level:
        tax = _xml.find(element, _q("ram:CategoryTradeTax"))
        if tax is not None:
            category = _category(tax, "ram:CategoryCode", "BT-95/BT-102")
            rate = _dec(tax, "ram:RateApplicablePercent", "BT-96/BT-103")
            tax_type = default_tax_type(category)
    return AllowanceCharge(
        is_charge=_indicator(element, term),
        amount=_req_dec(element, "ram:ActualAmount", "BT-92/BT-99/BT-136/BT-141"),
        base_amount=_dec(element, "ram:BasisAmount", "BT-93/BT-100/BT-137/BT-142"),
        percent=_dec(element, "ram:CalculationPercent", "BT-94/BT-101/BT-138/BT-143"),
        reason=_text(element, "ram:Reason"),
        reason_code=_text(element, "ram:ReasonCode"),
        vat_category=category,
        vat_rate=rate,
        tax_type=tax_type,
    )


def _period(element: _Element | None, term: str) -> Period | None:
    if element is None:
        return None
    node = _xml.find(element, _q("ram:BillingSpecifiedPeriod"))
    if node is None:
        return None
    return Period(
        start=_date(node, "ram:StartDateTime", f"{term} start"),
        end=_date(node, "ram:EndDateTime", f"{term} end"),
    )


_NO_KIDS: Final[dict[object, list[_Element]]] = {}


def _kids_of(element: _Element | None) -> dict[object, list[_Element]]:
    return _xml.child_map(element) if element is not None else _NO_KIDS


def _one(kids: dict[object, list[_Element]], tag: str) -> _Element | None:
    found = kids.get(tag)
    return found[0] if found else None


def _txt(kids: dict[object, list[_Element]], tag: str) -> str:
    found = kids.get(tag)
    if not found:
        return ""
    value = found[0].text
    return value.strip() if value else ""


_RAM = f"{{{NSMAP['ram']}}}"
# The tags of an invoice line (BG-25) and its parts, in Clark notation: a line is read with
# one map of children per element instead of one path lookup per term.
_L_DOC = f"{_RAM}AssociatedDocumentLineDocument"
_L_PRODUCT = f"{_RAM}SpecifiedTradeProduct"
_L_AGREEMENT = f"{_RAM}SpecifiedLineTradeAgreement"
_L_DELIVERY = f"{_RAM}SpecifiedLineTradeDelivery"
_L_SETTLEMENT = f"{_RAM}SpecifiedLineTradeSettlement"
_L_NET = f"{_RAM}NetPriceProductTradePrice"
_L_GROSS = f"{_RAM}GrossPriceProductTradePrice"
_L_BASIS = f"{_RAM}BasisQuantity"
_L_APPLIED = f"{_RAM}AppliedTradeAllowanceCharge"
_L_ACTUAL = f"{_RAM}ActualAmount"
_L_QUANTITY = f"{_RAM}BilledQuantity"
_L_TAX = f"{_RAM}ApplicableTradeTax"
_L_REFERENCE = f"{_RAM}AdditionalReferencedDocument"
_L_ISSUER_ID = f"{_RAM}IssuerAssignedID"
_L_REFERENCE_TYPE = f"{_RAM}ReferenceTypeCode"
_L_CHARACTERISTIC = f"{_RAM}ApplicableProductCharacteristic"
_L_DESCRIPTION = f"{_RAM}Description"
_L_VALUE = f"{_RAM}Value"
_L_LINE_ID = f"{_RAM}LineID"
_L_NAME = f"{_RAM}Name"
_L_CHARGE_AMOUNT = f"{_RAM}ChargeAmount"
_L_ALLOWANCE = f"{_RAM}SpecifiedTradeAllowanceCharge"
_L_RATE = f"{_RAM}RateApplicablePercent"
_L_SELLER_ID = f"{_RAM}SellerAssignedID"
_L_BUYER_ID = f"{_RAM}BuyerAssignedID"
_L_GLOBAL_ID = f"{_RAM}GlobalID"


def _dec_in(kids: dict[object, list[_Element]], tag: str, term: str) -> Decimal | None:
    node = _one(kids, tag)
    return None if node is None else _decimal_of(node, term)


def _line(item: _Element) -> Line:
    item_kids = _xml.child_map(item)
    doc = _one(item_kids, _L_DOC)
    product = _one(item_kids, _L_PRODUCT)
    agreement = _one(item_kids, _L_AGREEMENT)
    delivery = _one(item_kids, _L_DELIVERY)
    settlement = _one(item_kids, _L_SETTLEMENT)
    if settlement is None:
        raise _missing(item, "ram:SpecifiedLineTradeSettlement", "BG-25")
    if agreement is None:
        raise _missing(
            item, "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice", "BT-146"
        )
    if delivery is None:
        raise _missing(item, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", "BT-129")
    agreement_kids = _xml.child_map(agreement)
    settlement_kids = _xml.child_map(settlement)
    product_kids = _kids_of(product)
    doc_kids = _kids_of(doc)

    net = _one(agreement_kids, _L_NET)
    if net is None:
        raise _missing(agreement, "ram:NetPriceProductTradePrice", "BT-146")
    net_kids = _xml.child_map(net)
    gross = _one(agreement_kids, _L_GROSS)
    gross_kids = _kids_of(gross)
    basis = _one(net_kids, _L_BASIS)
    if basis is None and gross is not None:
        basis = _one(gross_kids, _L_BASIS)
    price_discount: Decimal | None = None
    for applied in gross_kids.get(_L_APPLIED, ()):
        amount = _dec_in(_xml.child_map(applied), _L_ACTUAL, "BT-147")
        if amount is not None:
            price_discount = (price_discount or ZERO) + amount

    quantity_node = _one(_xml.child_map(delivery), _L_QUANTITY)
    if quantity_node is None:
        raise _missing(delivery, "ram:BilledQuantity", "BT-129")

    tax = _one(settlement_kids, _L_TAX)
    if tax is None:
        raise _missing(settlement, "ram:ApplicableTradeTax", "BT-151")
    category = _category(tax, "ram:CategoryCode", "BT-151")

    object_id: Identifier | None = None
    for reference in settlement_kids.get(_L_REFERENCE, ()):
        # EN 16931 maps only the invoiced object (type 130) here; older instances omit
        # the type code, so any line reference is read as BT-128.
        reference_kids = _xml.child_map(reference)
        value = _txt(reference_kids, _L_ISSUER_ID)
        if value and object_id is None:
            object_id = Identifier(value=value, scheme=_txt(reference_kids, _L_REFERENCE_TYPE))

    characteristics = tuple(
        (_txt(kids, _L_DESCRIPTION), _txt(kids, _L_VALUE))
        for kids in (_xml.child_map(node) for node in product_kids.get(_L_CHARACTERISTIC, ()))
    )
    classifications: list[Identifier] = []
    if product is not None:
        for node in _xml.findall(product, _q("ram:DesignatedProductClassification/ram:ClassCode")):
            value = (node.text or "").strip()
            if value:
                classifications.append(
                    Identifier(value=value, scheme=(node.get("listID") or "").strip())
                )
    note = "\n".join(
        text
        for text in (
            (node.text or "").strip()
            for node in (
                _xml.findall(doc, _q("ram:IncludedNote/ram:Content")) if doc is not None else []
            )
        )
        if text
    )
    return Line(
        id=_txt(doc_kids, _L_LINE_ID),
        name=_txt(product_kids, _L_NAME),
        quantity=_decimal_of(quantity_node, "BT-129"),
        unit_code=(quantity_node.get("unitCode") or "").strip(),
        net_price=_req_dec(net, "ram:ChargeAmount", "BT-146"),
        base_quantity=None if basis is None else _decimal_of(basis, "BT-149"),
        base_quantity_unit="" if basis is None else (basis.get("unitCode") or "").strip(),
        gross_price=_dec_in(gross_kids, _L_CHARGE_AMOUNT, "BT-148"),
        price_discount=price_discount,
        net_amount=_req_dec(
            settlement,
            "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
            "BT-131",
        ),
        allowances_charges=tuple(
            _allowance_charge(node, document_level=False)
            for node in settlement_kids.get(_L_ALLOWANCE, ())
        ),
        vat_category=category,
        vat_rate=_dec_in(_xml.child_map(tax), _L_RATE, "BT-152"),
        tax_type=default_tax_type(category),
        description=_txt(product_kids, _L_DESCRIPTION),
        note=note,
        object_id=object_id,
        period=_period(settlement, "BG-26"),
        order_line_ref=_text(agreement, "ram:BuyerOrderReferencedDocument/ram:LineID"),
        accounting_ref=_text(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"),
        seller_item_id=_txt(product_kids, _L_SELLER_ID),
        buyer_item_id=_txt(product_kids, _L_BUYER_ID),
        standard_item_id=_scheme_id(_one(product_kids, _L_GLOBAL_ID))
        if product is not None
        else None,
        classifications=tuple(classifications),
        origin_country=_text(product, "ram:OriginTradeCountry/ram:ID"),
        attributes=characteristics,
    )


def _payment(settlement: _Element) -> Payment | None:
    means_nodes = _xml.findall(settlement, _q("ram:SpecifiedTradeSettlementPaymentMeans"))
    terms_nodes = _xml.findall(settlement, _q("ram:SpecifiedTradePaymentTerms"))
    remittance = _text(settlement, "ram:PaymentReference")
    creditor = _text(settlement, "ram:CreditorReferenceID")
    mandate = ""
    for terms in terms_nodes:
        mandate = mandate or _text(terms, "ram:DirectDebitMandateID")
    if not (means_nodes or remittance or creditor or mandate):
        return None
    transfers: list[CreditTransfer] = []
    means_code = means_text = card_pan = card_holder = debited = ""
    for means in means_nodes:
        means_code = means_code or _text(means, "ram:TypeCode")
        means_text = means_text or _text(means, "ram:Information")
        card = _xml.find(means, _q("ram:ApplicableTradeSettlementFinancialCard"))
        if card is not None and not card_pan:
            card_pan = _text(card, "ram:ID")
            card_holder = _text(card, "ram:CardholderName")
        debited = debited or _text(means, "ram:PayerPartyDebtorFinancialAccount/ram:IBANID")
        account = _xml.find(means, _q("ram:PayeePartyCreditorFinancialAccount"))
        if account is not None:
            transfers.append(
                CreditTransfer(
                    account=_text(account, "ram:IBANID") or _text(account, "ram:ProprietaryID"),
                    account_name=_text(account, "ram:AccountName"),
                    bic=_text(means, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
                )
            )
    return Payment(
        means_code=means_code,
        means_text=means_text,
        remittance_info=remittance,
        credit_transfers=tuple(transfers),
        card_pan=card_pan,
        card_holder=card_holder,
        mandate_reference=mandate,
        creditor_id=creditor,
        debited_account=debited,
    )


def _breakdown(tax: _Element) -> VatBreakdown:
    category = _category(tax, "ram:CategoryCode", "BT-118")
    return VatBreakdown(
        category=category,
        rate=_dec(tax, "ram:RateApplicablePercent", "BT-119"),
        taxable_amount=_req_dec(tax, "ram:BasisAmount", "BT-116"),
        tax_amount=_req_dec(tax, "ram:CalculatedAmount", "BT-117"),
        exemption_reason=_text(tax, "ram:ExemptionReason"),
        exemption_code=_text(tax, "ram:ExemptionReasonCode"),
        tax_type=default_tax_type(category),
    )


def _totals(settlement: _Element, currency: str, tax_currency: str) -> Totals:
    path = "ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    summation = _xml.find(settlement, _q(path))
    if summation is None:
        raise _missing(settlement, path, "BG-22")
    vat_total: Decimal | None = None
    vat_tax_currency: Decimal | None = None
    for node in _xml.findall(summation, _q("ram:TaxTotalAmount")):
        node_currency = (node.get("currencyID") or "").strip()
        if node_currency == currency or (not node_currency and vat_total is None):
            if vat_total is None:
                vat_total = _decimal_of(node, "BT-110")
        elif tax_currency and node_currency == tax_currency:
            vat_tax_currency = _decimal_of(node, "BT-111")
    return Totals(
        line_net_total=_req_dec(summation, "ram:LineTotalAmount", "BT-106"),
        allowance_total=_dec(summation, "ram:AllowanceTotalAmount", "BT-107") or ZERO,
        charge_total=_dec(summation, "ram:ChargeTotalAmount", "BT-108") or ZERO,
        tax_exclusive=_req_dec(summation, "ram:TaxBasisTotalAmount", "BT-109"),
        # BT-110 is optional in EN 16931 (invoices entirely outside VAT): zero then.
        vat_total=vat_total if vat_total is not None else ZERO,
        vat_total_tax_currency=vat_tax_currency,
        tax_inclusive=_req_dec(summation, "ram:GrandTotalAmount", "BT-112"),
        prepaid=_dec(summation, "ram:TotalPrepaidAmount", "BT-113") or ZERO,
        rounding=_dec(summation, "ram:RoundingAmount", "BT-114") or ZERO,
        payable=_req_dec(summation, "ram:DuePayableAmount", "BT-115"),
    )


def _attachments_and_refs(
    agreement: _Element,
) -> tuple[tuple[Attachment, ...], str, Identifier | None]:
    attachments: list[Attachment] = []
    tender = ""
    invoiced_object: Identifier | None = None
    for node in _xml.findall(agreement, _q("ram:AdditionalReferencedDocument")):
        type_code = _text(node, "ram:TypeCode")
        ident = _text(node, "ram:IssuerAssignedID")
        if type_code == DOC_TENDER:
            tender = tender or ident
            continue
        if type_code == DOC_INVOICED_OBJECT:
            if invoiced_object is None and ident:
                invoiced_object = Identifier(
                    value=ident, scheme=_text(node, "ram:ReferenceTypeCode")
                )
            continue
        # 916, or no type code at all: a supporting document (BG-24).
        if type_code not in ("", DOC_ATTACHMENT):
            continue
        binary = _xml.find(node, _q("ram:AttachmentBinaryObject"))
        content = b""
        mime = filename = ""
        if binary is not None:
            try:
                content = base64.b64decode("".join((binary.text or "").split()), validate=True)
            except (binascii.Error, ValueError):
                raise ParseError.single(
                    "CII-ATTACHMENT",
                    f"The attached document '{ident}' (BT-125) is not valid base64.",
                    f"El documento adjunto '{ident}' (BT-125) no está en base64 válido.",
                    location=_where(binary),
                    line=_line_no(binary),
                ) from None
            mime = (binary.get("mimeCode") or "").strip()
            filename = (binary.get("filename") or "").strip()
        attachments.append(
            Attachment(
                id=ident,
                description=_text(node, "ram:Name"),
                uri=_text(node, "ram:URIID"),
                content=content,
                mime_type=mime,
                filename=filename,
            )
        )
    return tuple(attachments), tender, invoiced_object


# ---------------------------------------------------------------------------------------------
# The invoice
# ---------------------------------------------------------------------------------------------


def parse(tree: etree._ElementTree, *, version: str) -> Document:
    """Map a CII D16B invoice to one canonical :class:`~einvoice.model.Invoice`."""
    if version != "D16B":
        raise UnsupportedDocument.single(
            "CII-VERSION",
            f"CII version '{version}' is not supported; supported: D16B.",
            f"La versión CII '{version}' no está soportada; se admite D16B.",
        )
    root = tree.getroot()
    if root.tag != f"{RSM}CrossIndustryInvoice":
        raise UnsupportedDocument.single(
            "CII-ROOT",
            "The document is not a UN/CEFACT Cross Industry Invoice.",
            "El documento no es una factura UN/CEFACT Cross Industry Invoice.",
        )
    with _xml.indexed_lookups():
        invoice = _invoice(root)
    return Document(invoices=(invoice,), format="cii", version=version)


def _invoice(root: _Element) -> Invoice:
    document = _xml.find(root, _q("rsm:ExchangedDocument"))
    if document is None:
        raise _missing(root, "rsm:ExchangedDocument", "BT-1")
    transaction = _xml.find(root, _q(_HEADER))
    if transaction is None:
        raise _missing(root, _HEADER, "BG-25")
    agreement = _xml.find(transaction, _q("ram:ApplicableHeaderTradeAgreement"))
    if agreement is None:
        raise _missing(transaction, "ram:ApplicableHeaderTradeAgreement", "BG-4")
    delivery = _xml.find(transaction, _q("ram:ApplicableHeaderTradeDelivery"))
    settlement = _xml.find(transaction, _q("ram:ApplicableHeaderTradeSettlement"))
    if settlement is None:
        raise _missing(transaction, "ram:ApplicableHeaderTradeSettlement", "BG-22")
    context = _xml.find(root, _q("rsm:ExchangedDocumentContext"))

    issue_date = _date(document, "ram:IssueDateTime", "BT-2")
    if issue_date is None:
        raise _missing(document, "ram:IssueDateTime", "BT-2")
    type_code = _text(document, "ram:TypeCode")
    currency = _text(settlement, "ram:InvoiceCurrencyCode")
    tax_currency = _text(settlement, "ram:TaxCurrencyCode")

    notes = tuple(
        Note(
            text=(_xml.findtext(node, _q("ram:Content")) or "").strip(),
            subject=_text(node, "ram:SubjectCode"),
        )
        for node in _xml.findall(document, _q("ram:IncludedNote"))
    )

    tax_point: dt.date | None = None
    vat_point_code = ""
    breakdown: list[VatBreakdown] = []
    for tax in _xml.findall(settlement, _q("ram:ApplicableTradeTax")):
        breakdown.append(_breakdown(tax))
        tax_point = tax_point or _date(tax, "ram:TaxPointDate", "BT-7")
        code = _text(tax, "ram:DueDateTypeCode")
        if code and not vat_point_code:
            vat_point_code = VAT_POINT_FROM_CII.get(code, code)

    ship_to = _xml.find(delivery, _q("ram:ShipToTradeParty")) if delivery is not None else None
    delivery_date = _date(
        delivery, "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime", "BT-72"
    )
    delivery_info: Delivery | None = None
    if ship_to is not None or delivery_date is not None:
        ids = _identifiers(ship_to) if ship_to is not None else ()
        delivery_info = Delivery(
            name=_text(ship_to, "ram:Name"),
            location_id=ids[0] if ids else None,
            date=delivery_date,
            address=_address(ship_to),
        )
        if delivery_info == Delivery():
            delivery_info = None  # an empty ShipToTradeParty says nothing

    preceding: tuple[PrecedingInvoice, ...] = ()
    for reference in _xml.findall(settlement, _q("ram:InvoiceReferencedDocument")):
        preceding += (
            PrecedingInvoice(
                number=_text(reference, "ram:IssuerAssignedID"),
                issue_date=_date(reference, "ram:FormattedIssueDateTime", "BT-26"),
            ),
        )

    due_date: dt.date | None = None
    terms_text: list[str] = []
    for terms in _xml.findall(settlement, _q("ram:SpecifiedTradePaymentTerms")):
        description = _text(terms, "ram:Description")
        if description:
            terms_text.append(description)
        due_date = due_date or _date(terms, "ram:DueDateDateTime", "BT-9")

    attachments, tender, invoiced_object = _attachments_and_refs(agreement)
    lines = tuple(
        _line(item)
        for item in _xml.findall(transaction, _q("ram:IncludedSupplyChainTradeLineItem"))
    )
    self_billed = _tags.self_billing_defaults(type_code)
    invoice = Invoice(
        number=_text(document, "ram:ID"),
        issue_date=issue_date,
        kind=DocumentKind.CREDIT_NOTE if type_code == "381" else DocumentKind.INVOICE,
        type_code=type_code,
        document_type=self_billed[0],
        issuer_type=self_billed[1],
        currency=currency,
        tax_currency=tax_currency,
        tax_point_date=tax_point,
        vat_point_code=vat_point_code,
        due_date=due_date,
        buyer_reference=_text(agreement, "ram:BuyerReference"),
        project_ref=_text(agreement, "ram:SpecifiedProcuringProject/ram:ID"),
        contract_ref=_text(agreement, "ram:ContractReferencedDocument/ram:IssuerAssignedID"),
        order_ref=_text(agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
        sales_order_ref=_text(agreement, "ram:SellerOrderReferencedDocument/ram:IssuerAssignedID"),
        receiving_advice_ref=_text(
            delivery, "ram:ReceivingAdviceReferencedDocument/ram:IssuerAssignedID"
        ),
        despatch_advice_ref=_text(
            delivery, "ram:DespatchAdviceReferencedDocument/ram:IssuerAssignedID"
        ),
        tender_ref=tender,
        invoiced_object=invoiced_object,
        accounting_ref=_text(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"),
        payment_terms="\n".join(terms_text),
        notes=notes,
        process_id=_text(context, "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"),
        specification_id=_text(context, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"),
        preceding=preceding,
        seller=_required_party(agreement, "ram:SellerTradeParty", "BG-4"),
        buyer=_required_party(agreement, "ram:BuyerTradeParty", "BG-7"),
        payee=_party(_xml.find(settlement, _q("ram:PayeeTradeParty")), "BG-10"),
        tax_representative=_party(
            _xml.find(agreement, _q("ram:SellerTaxRepresentativeTradeParty")), "BG-11"
        ),
        delivery=delivery_info,
        period=_period(settlement, "BG-14"),
        payment=_payment(settlement),
        allowances_charges=tuple(
            _allowance_charge(node, document_level=True)
            for node in _xml.findall(settlement, _q("ram:SpecifiedTradeAllowanceCharge"))
        ),
        totals=_totals(settlement, currency, tax_currency),
        vat_breakdown=tuple(breakdown),
        lines=lines,
        attachments=attachments,
    )
    return _other_taxes.from_en16931(_apply_spanish_notes(invoice))


# ---------------------------------------------------------------------------------------------
# Spanish extras (tags defined in einvoice.formats._tags)
# ---------------------------------------------------------------------------------------------


def _apply_spanish_notes(invoice: Invoice) -> Invoice:
    """Restore the Spanish data carried in tagged notes (:mod:`einvoice.formats._tags`) and
    drop those notes; a note whose tag does not decode stays an ordinary note."""
    kept: list[Note] = []
    changes: dict[str, object] = {}
    withholdings: list[Withholding] = []
    legal: list[str] = []
    rows: list[tuple[int, VatBreakdown]] = []
    line_extras: dict[int, dict[str, str]] = {}
    centres: dict[str, list[AdministrativeCentre]] = {"seller": [], "buyer": []}
    splits: list[dict[str, str]] = []
    tax_ids: dict[str, str] = {}
    preceding = list(invoice.preceding)
    totals = invoice.totals
    for note in invoice.notes:
        tagged = _tags.decode(note.text)
        if tagged is None:
            kept.append(note)
            continue
        f = tagged.fields
        try:
            if tagged.kind == _tags.SERIES:
                split = _tags.series_from(f, invoice.number)
                if split is None:
                    kept.append(note)
                else:
                    changes["series"], changes["number"] = split
            elif tagged.kind == _tags.LEGAL:
                legal.append(tagged.human)
            elif tagged.kind == _tags.WITHHOLDING:
                withholdings.append(_tags.withholding_from(f))
            elif tagged.kind == _tags.TAX:
                rows.append(_tags.tax_row_from(f))
            elif tagged.kind == _tags.LINE:
                index = int(f["line"])
                if not 1 <= index <= len(invoice.lines):
                    raise IndexError(index)
                _tags.line_with(invoice.lines[index - 1], f)  # raises on a bad value
                line_extras[index] = f
            elif tagged.kind == _tags.TOTALS:
                totals = _tags.totals_with(totals, f)
            elif tagged.kind == _tags.CENTRE:
                role, centre = _tags.centre_from(f)
                centres.setdefault(role, []).append(centre)
            elif tagged.kind == _tags.CORRECTION:
                changes["correction"] = _tags.correction_from(f)
            elif tagged.kind == _tags.FACTURAE:
                changes.update(_tags.facturae_changes(f))
            elif tagged.kind == _tags.TAX_IDS:
                tax_ids = f
            elif tagged.kind == _tags.INSTALMENTS:
                changes["instalments"] = _tags.instalments_from(f)
            elif tagged.kind == _tags.PRECEDING:
                preceding.append(_tags.preceding_from(f))
            elif tagged.kind == _tags.SPLIT:
                int(f["first"]), int(f["count"]), _tags.dec0(f, "amount")
                splits.append(f)
            else:
                kept.append(note)
        except _tags.DECODE_ERRORS:
            # Not one of ours after all, or damaged: keep it as the text it is.
            kept.append(note)
    if len(kept) == len(invoice.notes):
        return invoice
    changes["notes"] = tuple(kept)
    if withholdings:
        changes["withholdings"] = tuple(withholdings)
    if legal:
        changes["legal_literals"] = tuple(legal)
    if rows:
        changes["vat_breakdown"] = tuple(row for _, row in sorted(rows, key=lambda r: r[0]))
    if line_extras:
        changes["lines"] = tuple(
            _tags.line_with(line, line_extras[index]) if index in line_extras else line
            for index, line in enumerate(invoice.lines, start=1)
        )
    if splits:
        changes["allowances_charges"] = _tags.merge_split_charges(
            invoice.allowances_charges, splits
        )
    if totals is not invoice.totals:
        changes["totals"] = totals
    if preceding != list(invoice.preceding):
        changes["preceding"] = tuple(preceding)
    if centres["seller"]:
        changes["seller"] = replace(invoice.seller, centres=tuple(centres["seller"]))
    if centres["buyer"]:
        changes["buyer"] = replace(invoice.buyer, centres=tuple(centres["buyer"]))
    invoice = replace(invoice, **changes)  # type: ignore[arg-type]
    return _tags.with_tax_ids(invoice, tax_ids) if tax_ids else invoice
