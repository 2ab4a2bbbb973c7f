"""Canonical invoices to Facturae 3.2.2 (or 3.2.1) XML.

Several invoices become one file: Facturae's ``Parties`` block is shared by every
``Invoice`` of the batch, so they must have the same seller, buyer, issuer type, third party
and currency.  The writer never guesses: when the target needs a business term the invoice
lacks (a tax ID, a post code, a due date …) it collects one violation per missing term and
raises :class:`~einvoice.errors.ConversionError` with all of them, naming the term (BT-48 …)
in ``rule``.  Only three things are *derived*, each documented in ``docs/formats/facturae.md``:
the province of a Spanish address from its post code, ``TotalCost`` (quantity x price) and
the language "es" when the invoice names none.  The result is checked against the official
XSD before it is returned, so a file that comes out is a valid file.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path

from lxml import etree

from einvoice.errors import ConversionError, Layer, UnsupportedDocument, Violation
from einvoice.formats.base import load_schema
from einvoice.formats.facturae import codes, sign
from einvoice.formats.facturae.reader import (
    NOTE_SUBJECT_DESCRIPTION,
    NOTE_SUBJECT_LEGAL,
    registration_parts,
)
from einvoice.model import (
    ZERO,
    Address,
    AllowanceCharge,
    Attachment,
    Contact,
    DocumentKind,
    Instalment,
    Invoice,
    Line,
    Party,
    PersonType,
    Residence,
    TaxType,
    VatBreakdown,
    VatCategory,
    Withholding,
)

WRITABLE_VERSIONS = ("3.2.2", "3.2.1")
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

_EIGHT = Decimal("1e-8")
_MAX_DIGITS = 18
"""Amounts of 10^18 or more are refused: no invoice holds them, and they would only make
Decimal arithmetic and the XML balloon (a hostile "1e999" must not become 1,000 digits)."""
_TWO = Decimal("0.01")
_SEQUENCE = re.compile(r"^\d{1,15}(\.\d+)?$")
_PARTY_ID = re.compile(r"^\d{1,10}$")
_POST_CODE = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class _Terms:
    """Business terms of one party role, used to name what is missing."""

    label_en: str
    label_es: str
    name: str
    tax_id: str
    line: str
    city: str
    post_code: str
    subdivision: str
    country: str


_SELLER = _Terms(
    "seller", "vendedor", "BT-27", "BT-31", "BT-35", "BT-37", "BT-38", "BT-39", "BT-40"
)
_BUYER = _Terms("buyer", "comprador", "BT-44", "BT-48", "BT-50", "BT-52", "BT-53", "BT-54", "BT-55")
_THIRD = _Terms(
    "third party (issuer)",
    "tercero (emisor)",
    "FACTURAE-THIRD-PARTY",
    "FACTURAE-THIRD-PARTY",
    "FACTURAE-THIRD-PARTY",
    "FACTURAE-THIRD-PARTY",
    "FACTURAE-THIRD-PARTY",
    "FACTURAE-THIRD-PARTY",
    "FACTURAE-THIRD-PARTY",
)


_TEXT_LIMITS: dict[str, tuple[int, str, str]] = {
    "AdditionalLineItemInformation": (2500, "line note", "nota de la línea"),
    "AdditionalReasonDescription": (2500, "additional reason", "motivo adicional"),
    "Address": (80, "address", "dirección"),
    "ArticleCode": (20, "seller's item ID", "código de artículo"),
    "AttachmentDescription": (2500, "attachment description", "descripción del adjunto"),
    "BatchIdentifier": (70, "batch identifier", "identificador de lote"),
    "CentreCode": (10, "DIR3 code", "código DIR3"),
    "CentreDescription": (2500, "centre description", "descripción del centro"),
    "ContactPersons": (40, "contact person", "persona de contacto"),
    "CorporateName": (80, "name", "razón social"),
    "DeliveryNoteNumber": (30, "despatch advice reference", "número de albarán"),
    "ElectronicMail": (60, "email", "correo electrónico"),
    "FileReference": (
        20,
        "buyer reference (file reference)",
        "referencia del comprador (expediente)",
    ),
    "FirstSurname": (40, "first surname", "primer apellido"),
    "InvoiceAdditionalInformation": (2500, "invoice note", "nota de la factura"),
    "InvoiceDescription": (2500, "invoice description", "descripción de la factura"),
    "InvoiceNumber": (20, "invoice number", "número de factura"),
    "InvoiceSeriesCode": (20, "invoice series", "serie de factura"),
    "ItemDescription": (2500, "item name", "descripción"),
    "LegalReference": (250, "legal literal", "literal legal"),
    "Name": (40, "given name", "nombre"),
    "PaymentReconciliationReference": (60, "remittance information", "referencia de conciliación"),
    "PostCodeAndTown": (50, "post code and town", "código postal y población"),
    "Province": (20, "province or region", "provincia o región"),
    "ReceiverContractReference": (20, "contract reference", "referencia de contrato"),
    "ReceiverTransactionReference": (20, "purchase order reference", "referencia de pedido"),
    "RelatedInvoice": (40, "preceding invoice reference", "factura relacionada"),
    "SecondSurname": (40, "second surname", "segundo apellido"),
    "SpecialTaxableEventReason": (2500, "exemption reason", "motivo de exención"),
    "TaxIdentificationNumber": (30, "tax ID", "NIF"),
    "Telephone": (15, "telephone", "teléfono"),
    "Town": (50, "town", "población"),
    "TradeName": (40, "trading name", "nombre comercial"),
    "WithholdingReason": (2500, "withholding reason", "motivo de la retención"),
}
"""Facturae text elements the writer fills: maximum length (XSD) and what they are called
in the English and Spanish messages."""


_NUMBER_NAMES_ES: dict[str, str] = {
    "Amount due": "Importe a pagar",
    "Amount withheld": "Importe retenido",
    "Charge amount": "Importe del cargo",
    "Charge rate": "Porcentaje del cargo",
    "Discount amount": "Importe del descuento",
    "Discount rate": "Porcentaje del descuento",
    "Equivalence surcharge rate": "Tipo del recargo de equivalencia",
    "Equivalence surcharge": "Recargo de equivalencia",
    "Exchange rate": "Tipo de cambio",
    "Instalment amount": "Importe del vencimiento",
    "Invoice total": "Total de la factura",
    "Item net price": "Precio unitario",
    "Line VAT rate": "Tipo de IVA de la línea",
    "Line net amount": "Importe neto de la línea",
    "Outstanding amount": "Importe pendiente",
    "Paid amount": "Importe anticipado",
    "Reimbursable expenses": "Suplidos",
    "Sum of allowances": "Total de descuentos",
    "Sum of charges": "Total de cargos",
    "Sum of line net amounts": "Suma de importes netos",
    "Tax amount": "Cuota",
    "Taxable amount": "Base imponible",
    "Total VAT": "Total de impuestos",
    "Total withheld": "Total retenido",
    "Total without VAT": "Total sin impuestos",
    "VAT rate": "Tipo de IVA",
    "Withheld amount": "Importe retenido",
    "Withholding base": "Base de la retención",
    "Withholding rate": "Tipo de retención",
    "TotalInvoicesAmount": "Total de facturas del lote",
    "TotalOutstandingAmount": "Total pendiente del lote",
    "TotalExecutableAmount": "Total a ejecutar del lote",
}
"""Spanish names of the amounts in number-format messages (the English name is the key)."""


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


class _Writer:
    """Builds one Facturae tree and collects every violation on the way."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.violations: list[Violation] = []
        self.invoice_index: int | None = None

    # -- violations -----------------------------------------------------------------------------

    def violation(self, rule: str, en: str, es: str, location: str = "") -> None:
        self.violations.append(
            Violation(
                rule=rule,
                message=en,
                message_es=es,
                layer=Layer.CONVERSION,
                location=location,
                invoice=self.invoice_index,
            )
        )

    def limited(self, value: str, limit: int, rule: str, what_en: str, what_es: str) -> str:
        """``value`` if it fits Facturae's length limit, else a violation (never truncated)."""
        if len(value) > limit:
            self.violation(
                rule,
                f"The {what_en} '{value[:40]}…' is {len(value)} characters long; Facturae allows "
                f"at most {limit}.",
                f"El campo {what_es} '{value[:40]}…' tiene {len(value)} caracteres; Facturae "
                f"admite como máximo {limit}.",
            )
        return value

    def put(self, parent: etree._Element, tag: str, value: str, rule: str) -> etree._Element:
        """Add text element ``tag``; a value longer than the XSD allows is a violation."""
        limit, what_en, what_es = _TEXT_LIMITS[tag]
        return _sub(parent, tag, self.limited(value, limit, rule, what_en, what_es))

    # -- numbers --------------------------------------------------------------------------------

    def up_to_eight(self, value: Decimal, rule: str, what: str) -> str:
        """``DoubleUpToEightDecimalType``: as written, unless it has more than 8 decimals."""
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -8:
            rounded = _round(value, _EIGHT)
            if rounded != value:
                self.violation(
                    rule,
                    f"{what} {value} has more than 8 decimals, which Facturae cannot hold.",
                    f"{_NUMBER_NAMES_ES.get(what, what)} {value} tiene más de 8 decimales, que "
                    "Facturae no admite.",
                )
            value = rounded
        return self.checked(value, rule, what)

    def two(self, value: Decimal, rule: str, what: str) -> str:
        """``DoubleTwoDecimalType``: exactly two decimals, without changing the value."""
        rounded = _round(value, _TWO)
        if rounded != value:
            self.violation(
                rule,
                f"{what} {value} must have at most 2 decimals in Facturae.",
                f"{_NUMBER_NAMES_ES.get(what, what)} {value} debe tener como máximo 2 decimales "
                "en Facturae.",
            )
        return self.checked(rounded, rule, what)

    def checked(self, value: Decimal, rule: str, what: str) -> str:
        """Plain digits, or a violation for a value no invoice can hold (over 10^18)."""
        if value.is_finite() and value.adjusted() < _MAX_DIGITS:
            return _plain(value)
        self.violation(
            rule,
            f"{what} {value} is not a usable amount.",
            f"{_NUMBER_NAMES_ES.get(what, what)} {value} no es un importe utilizable.",
        )
        return "0"

    def derived(self, value: Decimal) -> str:
        """A value the writer computes (e.g. TotalCost), rounded half-up to 8 decimals."""
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -8:
            value = _round(value, _EIGHT)
        return self.checked(value, "BT-131", "Line net amount")

    # -- file -----------------------------------------------------------------------------------

    def file(self, invoices: Sequence[Invoice]) -> etree._Element:
        ns = codes.NAMESPACES[self.version]
        root = etree.Element(f"{{{ns}}}Facturae", nsmap={"fe": ns})
        first = invoices[0]
        self.batch_consistency(invoices)
        header = _sub(root, "FileHeader")
        _sub(header, "SchemaVersion", self.version)
        _sub(header, "Modality", "I" if len(invoices) == 1 else "L")
        _sub(header, "InvoiceIssuerType", first.issuer_type.value)
        if first.third_party is not None:
            third = _sub(header, "ThirdParty")
            self.party_body(third, first.third_party, _THIRD, business=False)
        batch = _sub(header, "Batch")
        seller_tin = self.tax_number(first.seller)
        self.put(batch, "BatchIdentifier", f"{seller_tin}{first.number}{first.series}", "BT-1")
        _sub(batch, "InvoicesCount", str(len(invoices)))
        total = sum((i.totals.invoice_total for i in invoices), ZERO)
        outstanding = sum((_outstanding(i) for i in invoices), ZERO)
        executable = sum((i.totals.payable for i in invoices), ZERO)
        for tag, value in (
            ("TotalInvoicesAmount", total),
            ("TotalOutstandingAmount", outstanding),
            ("TotalExecutableAmount", executable),
        ):
            _sub(_sub(batch, tag), "TotalAmount", self.up_to_eight(value, "BT-115", tag))
        _sub(batch, "InvoiceCurrencyCode", first.currency)

        parties = _sub(root, "Parties")
        self.party_body(_sub(parties, "SellerParty"), first.seller, _SELLER, business=True)
        self.party_body(_sub(parties, "BuyerParty"), first.buyer, _BUYER, business=True)

        invoices_el = _sub(root, "Invoices")
        for index, invoice in enumerate(invoices):
            self.invoice_index = index if len(invoices) > 1 else None
            self.invoice(_sub(invoices_el, "Invoice"), invoice)
        self.invoice_index = None
        return root

    def batch_consistency(self, invoices: Sequence[Invoice]) -> None:
        first = invoices[0]
        for index, other in enumerate(invoices[1:], start=1):
            checks = (
                (other.seller == first.seller, "seller", "vendedor"),
                (other.buyer == first.buyer, "buyer", "comprador"),
                (other.issuer_type == first.issuer_type, "issuer type", "tipo de emisor"),
                (other.third_party == first.third_party, "third party", "tercero"),
                (other.currency == first.currency, "currency", "moneda"),
            )
            for same, en, es in checks:
                if not same:
                    self.violations.append(
                        Violation(
                            rule="FACTURAE-BATCH",
                            message=f"Invoice {index + 1} has a different {en} from the first "
                            "one; a Facturae batch shares one seller, buyer, issuer and "
                            "currency. Send it in a separate file.",
                            message_es=f"La factura {index + 1} tiene distinto {es} que la "
                            "primera; un lote Facturae comparte vendedor, comprador, emisor y "
                            "moneda. Envíela en un fichero aparte.",
                            layer=Layer.CONVERSION,
                            invoice=index,
                        )
                    )

    # -- parties --------------------------------------------------------------------------------

    def residence(self, party: Party) -> Residence:
        """Facturae ResidenceTypeCode; corrects the model default R for a foreign party.

        Facturae's codes are R (Spain), U (other EU state) and E (outside the EU).  The VAT
        prefix of the tax ID decides (a Spanish company may have a foreign address); the
        address country only when the tax ID has no prefix.
        """
        prefix = party.tax_id[:2] if party.tax_id[:2].isalpha() else ""
        country = codes.VAT_PREFIX_ALIASES.get(prefix, prefix) or party.address.country
        if party.residence is Residence.RESIDENT and country and country != "ES":
            return Residence.EU if country in codes.EU_MEMBER_STATES else Residence.FOREIGN
        return party.residence

    def tax_number(self, party: Party) -> str:
        """TaxIdentificationNumber: Spanish residents without the ``ES`` prefix."""
        number = party.tax_id.strip()
        if self.residence(party) is Residence.RESIDENT and number.startswith("ES"):
            return number[2:]
        return number

    def party_body(
        self, el: etree._Element, party: Party, terms: _Terms, *, business: bool
    ) -> None:
        tax = _sub(el, "TaxIdentification")
        _sub(tax, "PersonTypeCode", party.person_type.value)
        _sub(tax, "ResidenceTypeCode", self.residence(party).value)
        number = self.tax_number(party)
        if len(number) < 3:
            self.violation(
                terms.tax_id,
                f"The {terms.label_en} has no tax identification number (NIF/VAT ID); Facturae "
                "requires it.",
                f"El {terms.label_es} no tiene número de identificación fiscal (NIF); Facturae "
                "lo exige.",
            )
        self.put(tax, "TaxIdentificationNumber", number, terms.tax_id)
        if business:
            party_id = next((i.value for i in party.identifiers if _PARTY_ID.match(i.value)), "")
            if party_id:
                _sub(el, "PartyIdentification", party_id)
            if party.centres:
                centres = _sub(el, "AdministrativeCentres")
                for centre in party.centres:
                    c = _sub(centres, "AdministrativeCentre")
                    if centre.code:
                        self.put(c, "CentreCode", centre.code, terms.name)
                    if centre.role:
                        _sub(c, "RoleTypeCode", centre.role)
                    # DIR3 centres of a public body usually share its address, and
                    # EN 16931 formats carry no centre address: the party's is written then
                    # (losses() reports it).
                    self.address(c, centre.address or party.address, terms)
                    if centre.name:
                        self.put(c, "CentreDescription", centre.name, terms.name)
        if not party.name:
            self.violation(
                terms.name,
                f"The {terms.label_en} has no name; Facturae requires it.",
                f"El {terms.label_es} no tiene nombre; Facturae lo exige.",
            )
        if party.person_type is PersonType.INDIVIDUAL:
            body = _sub(el, "Individual")
            self.put(body, "Name", party.name, terms.name)
            self.put(body, "FirstSurname", party.first_surname, terms.name)
            if party.second_surname:
                self.put(body, "SecondSurname", party.second_surname, terms.name)
        else:
            body = _sub(el, "LegalEntity")
            self.put(body, "CorporateName", party.name, terms.name)
            if party.trading_name:
                self.put(body, "TradeName", party.trading_name, terms.name)
            registration = registration_parts(party.legal_form)
            if registration:
                data = _sub(body, "RegistrationData")
                for name in (
                    "Book",
                    "RegisterOfCompaniesLocation",
                    "Sheet",
                    "Folio",
                    "Section",
                    "Volume",
                    "AdditionalRegistrationData",
                ):
                    if name in registration:
                        value = registration[name]
                        _sub(
                            data,
                            name,
                            self.limited(value, 20, "BT-33", "registry data", "dato registral"),
                        )
        self.address(body, party.address, terms)
        self.contact(body, party.contact, terms)

    def address(self, parent: etree._Element, address: Address, terms: _Terms) -> None:
        country = address.country
        lines = ", ".join(p for p in (address.line1, address.line2, address.line3) if p)
        if not country:
            self.violation(
                terms.country,
                f"The {terms.label_en}'s address has no country; Facturae requires it.",
                f"La dirección del {terms.label_es} no tiene país; Facturae lo exige.",
            )
        alpha3 = codes.ALPHA2_TO_ALPHA3.get(country, "")
        if country and not alpha3:
            self.violation(
                terms.country,
                f"Country '{country}' of the {terms.label_en} is not in Facturae's country list.",
                f"El país '{country}' del {terms.label_es} no está en la lista de países de "
                "Facturae.",
            )
        if country == "ES":
            el = _sub(parent, "AddressInSpain")
            self.put(el, "Address", lines, terms.line)
            if not _POST_CODE.match(address.postal_code):
                self.violation(
                    terms.post_code,
                    f"The {terms.label_en}'s Spanish post code '{address.postal_code}' must be "
                    "five digits.",
                    f"El código postal español '{address.postal_code}' del {terms.label_es} "
                    "debe tener cinco dígitos.",
                )
            _sub(el, "PostCode", address.postal_code)
            if not address.city:
                self.violation(
                    terms.city,
                    f"The {terms.label_en}'s address has no town; Facturae requires it.",
                    f"La dirección del {terms.label_es} no tiene población; Facturae la exige.",
                )
            self.put(el, "Town", address.city, terms.city)
            province = address.subdivision or codes.PROVINCE_BY_POSTCODE.get(
                address.postal_code[:2], ""
            )
            if not province:
                self.violation(
                    terms.subdivision,
                    f"The {terms.label_en}'s address has no province; Facturae requires it.",
                    f"La dirección del {terms.label_es} no tiene provincia; Facturae la exige.",
                )
            self.put(el, "Province", province, terms.subdivision)
            _sub(el, "CountryCode", "ESP")
        else:
            el = _sub(parent, "OverseasAddress")
            self.put(el, "Address", lines, terms.line)
            town = " ".join(p for p in (address.postal_code, address.city) if p)
            if not address.city:
                self.violation(
                    terms.city,
                    f"The {terms.label_en}'s address has no town; Facturae requires it.",
                    f"La dirección del {terms.label_es} no tiene población; Facturae la exige.",
                )
            self.put(el, "PostCodeAndTown", town, terms.city)
            self.put(el, "Province", address.subdivision, terms.subdivision)
            _sub(el, "CountryCode", alpha3 or country)

    def contact(self, parent: etree._Element, contact: Contact, terms: _Terms) -> None:
        if not (contact.phone or contact.email or contact.name):
            return
        el = _sub(parent, "ContactDetails")
        if contact.phone:
            self.put(el, "Telephone", contact.phone, terms.name)
        if contact.email:
            self.put(el, "ElectronicMail", contact.email, terms.name)
        if contact.name:
            self.put(el, "ContactPersons", contact.name, terms.name)

    # -- invoice --------------------------------------------------------------------------------

    def invoice(self, el: etree._Element, invoice: Invoice) -> None:
        self.header(_sub(el, "InvoiceHeader"), invoice)
        self.issue_data(_sub(el, "InvoiceIssueData"), invoice)
        outputs = _sub(el, "TaxesOutputs")
        if not invoice.vat_breakdown:
            self.violation(
                "BG-23",
                "The invoice has no VAT breakdown; Facturae requires at least one tax.",
                "La factura no tiene desglose de impuestos; Facturae exige al menos uno.",
            )
        for row in invoice.vat_breakdown:
            tax = _sub(outputs, "Tax")
            _sub(tax, "TaxTypeCode", _tax_type(row.tax_type, row.category).value)
            _sub(tax, "TaxRate", self.up_to_eight(row.rate or ZERO, "BT-119", "VAT rate"))
            _sub(
                _sub(tax, "TaxableBase"),
                "TotalAmount",
                self.up_to_eight(row.taxable_amount, "BT-116", "Taxable amount"),
            )
            _sub(
                _sub(tax, "TaxAmount"),
                "TotalAmount",
                self.up_to_eight(row.tax_amount, "BT-117", "Tax amount"),
            )
            if row.surcharge_rate is not None:
                _sub(
                    tax,
                    "EquivalenceSurcharge",
                    self.two(row.surcharge_rate, "BT-119", "Equivalence surcharge rate"),
                )
            if row.surcharge_amount is not None:
                _sub(
                    _sub(tax, "EquivalenceSurchargeAmount"),
                    "TotalAmount",
                    self.up_to_eight(row.surcharge_amount, "BT-117", "Equivalence surcharge"),
                )
        if invoice.withholdings:
            self.withheld(_sub(el, "TaxesWithheld"), invoice.withholdings)
        self.totals(_sub(el, "InvoiceTotals"), invoice)
        items = _sub(el, "Items")
        if not invoice.lines:
            self.violation(
                "BG-25",
                "The invoice has no lines; Facturae requires at least one.",
                "La factura no tiene líneas; Facturae exige al menos una.",
            )
        for index, line in enumerate(invoice.lines):
            despatch = invoice.despatch_advice_ref if index == 0 else ""
            self.line(_sub(items, "InvoiceLine"), line, despatch, invoice)
        self.payment(el, invoice)
        literals = list(invoice.legal_literals)
        literals += [
            n.text
            for n in invoice.notes
            if n.subject == NOTE_SUBJECT_LEGAL and n.text not in literals
        ]
        if literals:
            legal = _sub(el, "LegalLiterals")
            for text in literals:
                self.put(legal, "LegalReference", text, "BT-22")
        self.additional(el, invoice)

    def header(self, el: etree._Element, invoice: Invoice) -> None:
        if not invoice.number:
            self.violation("BT-1", "The invoice has no number.", "La factura no tiene número.")
        self.put(el, "InvoiceNumber", invoice.number, "BT-1")
        if invoice.series:
            self.put(el, "InvoiceSeriesCode", invoice.series, "BT-1")
        document_type = (
            invoice.document_type if invoice.document_type in codes.DOCUMENT_TYPES else "FC"
        )
        if invoice.type_code in {"389", "261"} and document_type == "FC":
            document_type = "AF"  # a self-billed invoice (UNCL1001 389) is an autofactura
        _sub(el, "InvoiceDocumentType", document_type)
        invoice_class = (
            invoice.invoice_class if invoice.invoice_class in codes.INVOICE_CLASSES else "OO"
        )
        correction = invoice.correction
        if correction is not None and invoice_class not in codes.CORRECTIVE_CLASSES:
            invoice_class = "CR" if invoice_class.startswith("C") else "OR"
        if correction is None and (
            invoice_class in codes.CORRECTIVE_CLASSES
            or invoice.kind is DocumentKind.CREDIT_NOTE
            or invoice.type_code in {"381", "384"}
        ):
            self.violation(
                "BG-3",
                "This is a credit note or corrective invoice, but it lacks the Facturae "
                "correction data (corrected invoice, reason code, correction method, tax period).",
                "Es un abono o factura rectificativa, pero le faltan los datos de rectificación "
                "de Facturae (factura rectificada, motivo, método de rectificación, periodo).",
            )
        _sub(el, "InvoiceClass", invoice_class)
        if correction is None:
            return
        corrective = _sub(el, "Corrective")
        if correction.number:
            self.put(corrective, "InvoiceNumber", correction.number, "BT-25")
        if correction.series:
            self.put(corrective, "InvoiceSeriesCode", correction.series, "BT-25")
        reason = codes.REASON_DESCRIPTIONS.get(correction.reason_code)
        if reason is None:
            self.violation(
                "BG-3",
                f"Correction reason code '{correction.reason_code}' is not a Facturae reason "
                "(01-16, 80-85).",
                f"El código de motivo de rectificación '{correction.reason_code}' no es un "
                "motivo Facturae (01-16, 80-85).",
            )
        _sub(corrective, "ReasonCode", correction.reason_code)
        _sub(corrective, "ReasonDescription", reason or "")
        period = _sub(corrective, "TaxPeriod")
        if (
            correction.period is None
            or correction.period.start is None
            or correction.period.end is None
        ):
            self.violation(
                "BG-3",
                "The tax period of the corrected invoice is missing; Facturae requires it.",
                "Falta el periodo impositivo de la factura rectificada; Facturae lo exige.",
            )
        else:
            _sub(period, "StartDate", correction.period.start.isoformat())
            _sub(period, "EndDate", correction.period.end.isoformat())
        method = codes.CORRECTION_METHOD_DESCRIPTIONS.get(correction.method)
        if method is None:
            self.violation(
                "BG-3",
                f"Correction method '{correction.method}' is not a Facturae method (01-04).",
                f"El método de rectificación '{correction.method}' no es un método Facturae "
                "(01-04).",
            )
        _sub(corrective, "CorrectionMethod", correction.method)
        _sub(corrective, "CorrectionMethodDescription", method or "")
        if correction.additional_reasons:
            self.put(
                corrective,
                "AdditionalReasonDescription",
                correction.additional_reasons,
                "BG-3",
            )
        if correction.issue_date is not None and self.version == "3.2.2":
            _sub(corrective, "InvoiceIssueDate", correction.issue_date.isoformat())

    def issue_data(self, el: etree._Element, invoice: Invoice) -> None:
        _sub(el, "IssueDate", invoice.issue_date.isoformat())
        if invoice.tax_point_date is not None:
            _sub(el, "OperationDate", invoice.tax_point_date.isoformat())
        period = invoice.period
        if period is not None and (period.start or period.end):
            if period.start is None or period.end is None:
                self.violation(
                    "BG-14",
                    "The invoicing period needs both a start date (BT-73) and an end date "
                    "(BT-74) in Facturae.",
                    "El periodo de facturación necesita fecha de inicio (BT-73) y de fin "
                    "(BT-74) en Facturae.",
                )
            else:
                p = _sub(el, "InvoicingPeriod")
                _sub(p, "StartDate", period.start.isoformat())
                _sub(p, "EndDate", period.end.isoformat())
        _sub(el, "InvoiceCurrencyCode", invoice.currency)
        if invoice.exchange_rate is not None:
            rate = _sub(el, "ExchangeRateDetails")
            _sub(
                rate,
                "ExchangeRate",
                self.up_to_eight(invoice.exchange_rate, "BT-5", "Exchange rate"),
            )
            _sub(rate, "ExchangeRateDate", invoice.issue_date.isoformat())
        _sub(el, "TaxCurrencyCode", invoice.tax_currency or invoice.currency)
        _sub(el, "LanguageName", (invoice.language or "es").split("-")[0].lower())
        if self.version == "3.2.2":
            description = next(
                (n.text for n in invoice.notes if n.subject == NOTE_SUBJECT_DESCRIPTION), ""
            )
            if description:
                self.put(el, "InvoiceDescription", description, "BT-22")
            if invoice.order_ref:
                self.put(el, "ReceiverTransactionReference", invoice.order_ref, "BT-13")
            if invoice.buyer_reference:
                self.put(el, "FileReference", invoice.buyer_reference, "BT-10")
            if invoice.contract_ref:
                self.put(el, "ReceiverContractReference", invoice.contract_ref, "BT-12")

    def withheld(self, el: etree._Element, withholdings: Sequence[Withholding]) -> None:
        for w in withholdings:
            tax = _sub(el, "Tax")
            _sub(tax, "TaxTypeCode", w.tax_type.value)
            _sub(tax, "TaxRate", self.up_to_eight(w.rate, "FACTURAE-WITHHELD", "Withholding rate"))
            _sub(
                _sub(tax, "TaxableBase"),
                "TotalAmount",
                self.up_to_eight(w.base, "FACTURAE-WITHHELD", "Withholding base"),
            )
            _sub(
                _sub(tax, "TaxAmount"),
                "TotalAmount",
                self.up_to_eight(w.amount, "FACTURAE-WITHHELD", "Withheld amount"),
            )

    def allowances(
        self, parent: etree._Element, items: Sequence[AllowanceCharge], *, general: bool
    ) -> None:
        discounts = [a for a in items if not a.is_charge]
        charges = [a for a in items if a.is_charge]
        for group, kind, container in (
            (discounts, "Discount", "GeneralDiscounts" if general else "DiscountsAndRebates"),
            (charges, "Charge", "GeneralSurcharges" if general else "Charges"),
        ):
            if not group:
                continue
            box = _sub(parent, container)
            rule = (
                ("BT-92" if kind == "Discount" else "BT-99")
                if general
                else ("BT-136" if kind == "Discount" else "BT-141")
            )
            for a in group:
                item = _sub(box, kind)
                _sub(
                    item,
                    f"{kind}Reason",
                    self.limited(a.reason or a.reason_code, 2500, rule, "reason", "motivo"),
                )
                if a.percent is not None:
                    _sub(item, f"{kind}Rate", self.up_to_eight(a.percent, rule, f"{kind} rate"))
                _sub(item, f"{kind}Amount", self.up_to_eight(a.amount, rule, f"{kind} amount"))

    def totals(self, el: etree._Element, invoice: Invoice) -> None:
        t = invoice.totals
        _sub(
            el,
            "TotalGrossAmount",
            self.up_to_eight(t.line_net_total, "BT-106", "Sum of line net amounts"),
        )
        self.allowances(el, invoice.allowances_charges, general=True)
        if t.allowance_total or any(not a.is_charge for a in invoice.allowances_charges):
            _sub(
                el,
                "TotalGeneralDiscounts",
                self.up_to_eight(t.allowance_total, "BT-107", "Sum of allowances"),
            )
        if t.charge_total or any(a.is_charge for a in invoice.allowances_charges):
            _sub(
                el,
                "TotalGeneralSurcharges",
                self.up_to_eight(t.charge_total, "BT-108", "Sum of charges"),
            )
        _sub(
            el,
            "TotalGrossAmountBeforeTaxes",
            self.up_to_eight(t.tax_exclusive, "BT-109", "Total without VAT"),
        )
        _sub(el, "TotalTaxOutputs", self.up_to_eight(t.vat_total, "BT-110", "Total VAT"))
        _sub(
            el,
            "TotalTaxesWithheld",
            self.up_to_eight(t.withheld_total, "FACTURAE-WITHHELD", "Total withheld"),
        )
        _sub(el, "InvoiceTotal", self.up_to_eight(t.invoice_total, "BT-112", "Invoice total"))
        _sub(
            el,
            "TotalOutstandingAmount",
            self.up_to_eight(_outstanding(invoice), "BT-115", "Outstanding amount"),
        )
        if t.prepaid:
            _sub(el, "TotalPaymentsOnAccount", self.up_to_eight(t.prepaid, "BT-113", "Paid amount"))
        if t.amounts_withheld:
            if not t.amounts_withheld_reason:
                self.violation(
                    "FACTURAE-AMOUNTS-WITHHELD",
                    "An amount is withheld (guarantee retention) but no reason is given; "
                    "Facturae requires the reason.",
                    "Se retiene un importe (retención en garantía) sin indicar el motivo; "
                    "Facturae exige el motivo.",
                )
            withheld = _sub(el, "AmountsWithheld")
            self.put(
                withheld,
                "WithholdingReason",
                t.amounts_withheld_reason,
                "FACTURAE-AMOUNTS-WITHHELD",
            )
            _sub(
                withheld,
                "WithholdingAmount",
                self.up_to_eight(
                    t.amounts_withheld, "FACTURAE-AMOUNTS-WITHHELD", "Amount withheld"
                ),
            )
        _sub(el, "TotalExecutableAmount", self.up_to_eight(t.payable, "BT-115", "Amount due"))
        if t.reimbursable_total:
            _sub(
                el,
                "TotalReimbursableExpenses",
                self.up_to_eight(
                    t.reimbursable_total, "FACTURAE-REIMBURSABLE", "Reimbursable expenses"
                ),
            )

    # -- lines ----------------------------------------------------------------------------------

    def line(self, el: etree._Element, line: Line, despatch: str, invoice: Invoice) -> None:
        if line.order_ref:
            self.put(el, "ReceiverContractReference", line.order_ref, "BT-132")
        if line.order_line_ref:
            self.put(el, "ReceiverTransactionReference", line.order_line_ref, "BT-132")
        if _SEQUENCE.match(line.id):
            _sub(el, "SequenceNumber", line.id)
        if despatch:
            notes = _sub(el, "DeliveryNotesReferences")
            self.put(_sub(notes, "DeliveryNote"), "DeliveryNoteNumber", despatch, "BT-16")
        if not line.name:
            self.violation(
                "BT-153",
                f"Line {line.id} has no item name; Facturae requires a description.",
                f"La línea {line.id} no tiene nombre de artículo; Facturae exige una descripción.",
            )
        self.put(el, "ItemDescription", line.name, "BT-153")
        _sub(el, "Quantity", _plain(line.quantity))
        unit = codes.REC20_TO_UNIT.get(line.unit_code, "05")
        if unit not in codes.UNITS_BY_VERSION[self.version]:
            unit = "05"
        _sub(el, "UnitOfMeasure", unit)
        _sub(
            el, "UnitPriceWithoutTax", self.up_to_eight(line.net_price, "BT-146", "Item net price")
        )
        _sub(el, "TotalCost", self.derived(line.quantity * line.net_price))
        self.allowances(el, line.allowances_charges, general=False)
        _sub(el, "GrossAmount", self.up_to_eight(line.net_amount, "BT-131", "Line net amount"))
        if line.withholdings:
            self.withheld(_sub(el, "TaxesWithheld"), line.withholdings)
        tax = _sub(_sub(el, "TaxesOutputs"), "Tax")
        _sub(tax, "TaxTypeCode", _tax_type(line.tax_type, line.vat_category).value)
        _sub(tax, "TaxRate", self.up_to_eight(line.vat_rate or ZERO, "BT-152", "Line VAT rate"))
        _sub(
            _sub(tax, "TaxableBase"),
            "TotalAmount",
            self.up_to_eight(line.net_amount, "BT-131", "Line net amount"),
        )
        if line.surcharge_rate is not None:
            _sub(
                tax,
                "EquivalenceSurcharge",
                self.two(line.surcharge_rate, "BT-152", "Equivalence surcharge rate"),
            )
        if line.period is not None and line.period.start and line.period.end:
            p = _sub(el, "LineItemPeriod")
            _sub(p, "StartDate", line.period.start.isoformat())
            _sub(p, "EndDate", line.period.end.isoformat())
        if line.delivery_date is not None:
            _sub(el, "TransactionDate", line.delivery_date.isoformat())
        if line.note:
            self.put(el, "AdditionalLineItemInformation", line.note, "BT-127")
        event = _SPECIAL_EVENT.get(line.vat_category)
        if event is not None:
            special = _sub(el, "SpecialTaxableEvent")
            _sub(special, "SpecialTaxableEventCode", event)
            code, words = line.exemption_code, line.exemption_reason
            if not (code or words):
                # EN 16931 gives the reason per breakdown row (BT-120/BT-121); Facturae per
                # line, and RD 1619/2012 art. 6.1.j requires it: take the row's.
                row = _row_of(line, invoice)
                if row is not None:
                    code, words = row.exemption_code, row.exemption_reason
            reason = codes.event_reason(code, words)
            self.put(special, "SpecialTaxableEventReason", reason, "BT-120")
        if line.seller_item_id:
            self.put(el, "ArticleCode", line.seller_item_id, "BT-155")

    # -- payment --------------------------------------------------------------------------------

    def payment(self, el: etree._Element, invoice: Invoice) -> None:
        payment = invoice.payment
        instalments = list(invoice.instalments)
        if not instalments and payment is not None:
            means = codes.UNCL4461_TO_PAYMENT_MEANS.get(payment.means_code, "")
            if not means:
                self.violation(
                    "BT-81",
                    f"Payment means code '{payment.means_code}' has no Facturae equivalent.",
                    f"El código de medio de pago '{payment.means_code}' no tiene equivalente "
                    "en Facturae.",
                )
            if invoice.due_date is None:
                self.violation(
                    "BT-9",
                    "Facturae states payment as instalments with a due date, and the invoice "
                    "has payment instructions but no payment due date.",
                    "Facturae expresa el pago como vencimientos con fecha, y la factura tiene "
                    "instrucciones de pago pero no fecha de vencimiento.",
                )
            else:
                account = (
                    payment.debited_account
                    if means == "02"
                    else (payment.credit_transfers[0].account if payment.credit_transfers else "")
                )
                instalments = [
                    Instalment(
                        due_date=invoice.due_date,
                        amount=invoice.totals.payable,
                        means_code=means,
                        account=account,
                    )
                ]
        if not instalments:
            return
        details = _sub(el, "PaymentDetails")
        for index, inst in enumerate(instalments):
            item = _sub(details, "Installment")
            _sub(item, "InstallmentDueDate", inst.due_date.isoformat())
            _sub(item, "InstallmentAmount", self.two(inst.amount, "BT-115", "Instalment amount"))
            means = inst.means_code
            if means not in codes.PAYMENT_MEANS_TO_UNCL4461:
                self.violation(
                    "BT-81",
                    f"Instalment {index + 1} has no valid Facturae payment means ('{means}').",
                    f"El vencimiento {index + 1} no tiene un medio de pago Facturae válido "
                    f"('{means}').",
                )
            _sub(item, "PaymentMeans", means)
            credited = ""
            debited = ""
            if means == "02":
                debited = inst.account
                if payment is not None and payment.credit_transfers:
                    credited = payment.credit_transfers[0].account
            else:
                credited = inst.account
                debited = payment.debited_account if payment is not None else ""
            if credited:
                bic = ""
                if payment is not None:
                    bic = next(
                        (t.bic for t in payment.credit_transfers if t.account == credited), ""
                    )
                self.account(_sub(item, "AccountToBeCredited"), credited, bic)
            if index == 0 and payment is not None and payment.remittance_info:
                self.put(item, "PaymentReconciliationReference", payment.remittance_info, "BT-83")
            if debited:
                self.account(_sub(item, "AccountToBeDebited"), debited, "")

    def account(self, el: etree._Element, account: str, bic: str) -> None:
        compact = account.replace(" ", "")
        is_iban = len(compact) >= 15 and compact[:2].isalpha() and compact[2:4].isdigit()
        if not 5 <= len(account) <= 34:
            self.violation(
                "BT-84",
                f"Account '{account}' must have 5 to 34 characters in Facturae.",
                f"La cuenta '{account}' debe tener entre 5 y 34 caracteres en Facturae.",
            )
        _sub(el, "IBAN" if is_iban else "AccountNumber", account)
        full = facturae_bic(bic)
        if full:
            _sub(el, "BIC", full)

    # -- additional data ------------------------------------------------------------------------

    def additional(self, el: etree._Element, invoice: Invoice) -> None:
        correction = invoice.correction
        corrected = f"{correction.series}{correction.number}" if correction is not None else None
        related = next((p.number for p in invoice.preceding if p.number != corrected), "")
        skip = {NOTE_SUBJECT_LEGAL}
        if self.version == "3.2.2":
            first_description = next(
                (n for n in invoice.notes if n.subject == NOTE_SUBJECT_DESCRIPTION), None
            )
        else:
            first_description = None
        texts = [
            n.text for n in invoice.notes if n.subject not in skip and n is not first_description
        ]
        info = "\n".join(t for t in texts if t)
        if not (related or invoice.attachments or info):
            return
        data = _sub(el, "AdditionalData")
        if related:
            self.put(data, "RelatedInvoice", related, "BT-25")
        if invoice.attachments:
            docs = _sub(data, "RelatedDocuments")
            for index, attachment in enumerate(invoice.attachments):
                self.attachment(docs, attachment, index)
        if info:
            self.put(data, "InvoiceAdditionalInformation", info, "BT-22")

    def attachment(self, parent: etree._Element, attachment: Attachment, index: int) -> None:
        fmt = codes.MIME_TO_ATTACHMENT.get(attachment.mime_type.lower(), "")
        if fmt == "html" and self.version != "3.2.2":
            fmt = ""
        if not attachment.content:
            self.violation(
                "BT-124",
                f"Attachment {index + 1} ({attachment.id}) is only a link; Facturae can only "
                "embed documents.",
                f"El adjunto {index + 1} ({attachment.id}) es solo un enlace; Facturae solo "
                "admite documentos incrustados.",
            )
        elif not fmt:
            self.violation(
                "BT-125",
                f"Attachment {index + 1} ({attachment.id}) is of type "
                f"'{attachment.mime_type or 'unknown'}', which Facturae cannot carry "
                "(xml, doc, gif, rtf, pdf, xls, jpg, bmp, tiff, html).",
                f"El adjunto {index + 1} ({attachment.id}) es de tipo "
                f"'{attachment.mime_type or 'desconocido'}', que Facturae no admite "
                "(xml, doc, gif, rtf, pdf, xls, jpg, bmp, tiff, html).",
            )
        item = _sub(parent, "Attachment")
        _sub(item, "AttachmentFormat", fmt or "pdf")
        _sub(item, "AttachmentEncoding", "BASE64")
        if attachment.description:
            self.put(item, "AttachmentDescription", attachment.description, "BT-123")
        _sub(item, "AttachmentData", base64.b64encode(attachment.content).decode("ascii"))


_SPECIAL_EVENT: dict[VatCategory, str] = {
    VatCategory.EXEMPT: "01",
    VatCategory.INTRA_COMMUNITY: "01",
    VatCategory.EXPORT: "01",
    VatCategory.NOT_SUBJECT: "02",
    VatCategory.REVERSE_CHARGE: "02",
}
"""Facturae SpecialTaxableEventCode for lines without VAT: 01 *sujeta y exenta*, 02 *no
sujeta*.  Intra-community supplies and exports are exempt (arts. 25 and 21 LIVA); reverse
charge is written as not subject for the issuer — both read back as E / O (see docs)."""


_FOLDED_CATEGORIES = frozenset(
    {VatCategory.INTRA_COMMUNITY, VatCategory.EXPORT, VatCategory.REVERSE_CHARGE}
)
"""Categories Facturae cannot tell apart from E / O: they come back as E or O."""


def _row_of(line: Line, invoice: Invoice) -> VatBreakdown | None:
    """The breakdown row of ``line``'s category and rate (the first one when several)."""
    for row in invoice.vat_breakdown:
        if row.category is line.vat_category and (row.rate or ZERO) == (line.vat_rate or ZERO):
            return row
    return None


def _tax_type(tax_type: TaxType, category: VatCategory) -> TaxType:
    """The Facturae tax of a row: categories L and M force IGIC and IPSI."""
    if category is VatCategory.CANARY_IGIC:
        return TaxType.IGIC
    if category is VatCategory.CEUTA_MELILLA_IPSI:
        return TaxType.IPSI
    return tax_type


def _round(value: Decimal, exponent: Decimal) -> Decimal:
    """``value`` rounded half-up to ``exponent``; unchanged when it is too large to quantize
    (:meth:`_Writer.checked` refuses such values anyway)."""
    if not value.is_finite() or value.adjusted() >= _MAX_DIGITS:
        return value
    return value.quantize(exponent, rounding=ROUND_HALF_UP, context=Context(prec=60))


def _plain(value: Decimal) -> str:
    """A Decimal as plain digits (no exponent), as the Facturae number patterns require."""
    text = format(value, "f")
    return "0" if text in {"-0", ""} else text


def facturae_bic(bic: str) -> str:
    """BT-86 as Facturae's 11-character ``BICType``, or ``""`` when it cannot be one.

    An 8-character BIC names the institution's primary office, branch code "XXX" in the
    11-character form.  A BIC of any other length is not a BIC (ISO 9362); it is left out
    and :func:`~einvoice.formats.facturae.losses.losses` says so: the IBAN alone identifies
    a SEPA account (Regulation (EU) 260/2012, art. 5.7).
    """
    full = bic + "XXX" if len(bic) == 8 else bic
    return full if len(full) == 11 else ""


def _outstanding(invoice: Invoice) -> Decimal:
    """Facturae TotalOutstandingAmount: InvoiceTotal minus payments on account."""
    return invoice.totals.invoice_total - invoice.totals.prepaid


def write(invoices: Sequence[Invoice], version: str | None = None) -> bytes:
    """Render ``invoices`` as one Facturae file (a batch when there are several)."""
    target = version or WRITABLE_VERSIONS[0]
    if target not in WRITABLE_VERSIONS:
        raise UnsupportedDocument.single(
            "FACTURAE-VERSION",
            f"Facturae {target} cannot be written; choose 3.2.2 (default) or 3.2.1.",
            f"No se puede generar Facturae {target}; elija 3.2.2 (por defecto) o 3.2.1.",
            layer=Layer.CONVERSION,
        )
    if not invoices:
        raise ConversionError.single(
            "FACTURAE-EMPTY",
            "There is no invoice to write.",
            "No hay ninguna factura que generar.",
        )
    # A credit note is written as the negative corrective invoice Facturae knows.
    invoices = [sign.as_facturae(invoice) for invoice in invoices]
    writer = _Writer(target)
    root = writer.file(invoices)
    if writer.violations:
        raise ConversionError(writer.violations)
    tree = etree.ElementTree(root)
    schema = load_schema(SCHEMA_DIR / codes.SCHEMA_FILES[target])
    if not schema.validate(tree):
        raise ConversionError(
            [
                Violation(
                    rule="XSD",
                    message="The invoice cannot be expressed as valid Facturae "
                    f"{target}: {err.message}",
                    message_es="La factura no se puede expresar como Facturae "
                    f"{target} válido: {err.message}",
                    layer=Layer.CONVERSION,
                    location=err.path or "",
                )
                for err in schema.error_log  # type: ignore[attr-defined]
            ]
        )
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)
