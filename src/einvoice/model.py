"""The canonical invoice: one model for every format.

It is the EN 16931-1 semantic model (business terms ``BT-n`` and groups ``BG-n``) plus what
Spanish invoices carry beyond it: withholdings such as IRPF, the equivalence surcharge
(*recargo de equivalencia*), IGIC/IPSI and the other Facturae tax types, Facturae
administrative centres (DIR3 roles), corrective-invoice data, instalments, the Facturae
issuer type and third party.  Every format package parses *into* and renders *from* these
classes; nothing else in the project invents its own invoice shape.

Conventions:

* Classes are frozen, keyword-only dataclasses; collections are tuples.
* Money, quantities and rates are :class:`~decimal.Decimal`, never ``float``.  Rates are
  percentages (``Decimal("21")`` for 21 %).
* Text fields default to ``""`` (absent), optional numbers and dates to ``None``.
* Every field's docstring names its business term, or says which Spanish/Facturae element
  it stands for when EN 16931 has none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal("0")


class DocumentKind(StrEnum):
    """What kind of commercial document (drives the UBL root element)."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class VatCategory(StrEnum):
    """UNCL5305 VAT category codes allowed by EN 16931 (BT-95, BT-102, BT-118, BT-151)."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    NOT_SUBJECT = "O"
    CANARY_IGIC = "L"
    CEUTA_MELILLA_IPSI = "M"


class TaxType(StrEnum):
    """Facturae ``TaxTypeCode`` (the tax, not its category)."""

    IVA = "01"
    IPSI = "02"
    IGIC = "03"
    IRPF = "04"
    OTHER = "05"
    ITPAJD = "06"
    IE = "07"
    RA = "08"
    IGTECM = "09"
    IECDPCAC = "10"
    IIIMAB = "11"
    ICIO = "12"
    IMVDN = "13"
    IMSN = "14"
    IMGSN = "15"
    IMPN = "16"
    REIVA = "17"
    REIGIC = "18"
    REIPSI = "19"
    IPS = "20"
    RLEA = "21"
    IVPEE = "22"
    IPCNG = "23"
    IACNG = "24"
    IDEC = "25"
    ILTCAC = "26"
    IGFEI = "27"
    IRNR = "28"
    ISS = "29"


class PersonType(StrEnum):
    """Facturae ``PersonTypeCode``: legal entity or natural person."""

    LEGAL = "J"
    INDIVIDUAL = "F"


class Residence(StrEnum):
    """Facturae ``ResidenceTypeCode``."""

    RESIDENT = "R"  # "Residente": resident in Spain
    EU = "U"  # "Residente en la Unión Europea": resident in another EU member state
    FOREIGN = "E"  # "Extranjero": resident outside the EU


class IssuerType(StrEnum):
    """Facturae ``InvoiceIssuerType``: who issued the document."""

    SELLER = "EM"
    BUYER = "RE"  # self-billing
    THIRD_PARTY = "TE"


# ---------------------------------------------------------------------------------------------
# Parties
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class Identifier:
    """An identifier with an optional scheme (ISO 6523 ICD or EAS code)."""

    value: str
    """The identifier itself."""
    scheme: str = ""
    """Scheme identifier (e.g. ``0088`` GLN, ``9920`` Spanish VAT, ``EM`` email)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Address:
    """Postal address (BG-5 seller, BG-8 buyer, BG-12 tax representative, BG-15 delivery)."""

    line1: str = ""
    """BT-35 / BT-50 / BT-64 / BT-75 Address line 1."""
    line2: str = ""
    """BT-36 / BT-51 / BT-65 / BT-76 Address line 2."""
    line3: str = ""
    """BT-162 / BT-163 / BT-164 / BT-165 Address line 3."""
    city: str = ""
    """BT-37 / BT-52 / BT-66 / BT-77 City."""
    postal_code: str = ""
    """BT-38 / BT-53 / BT-67 / BT-78 Post code."""
    subdivision: str = ""
    """BT-39 / BT-54 / BT-68 / BT-79 Country subdivision (Facturae ``Province``)."""
    country: str = ""
    """BT-40 / BT-55 / BT-69 / BT-80 Country code, ISO 3166-1 alpha-2 (Facturae uses alpha-3)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Contact:
    """Contact point (BG-6 seller, BG-9 buyer)."""

    name: str = ""
    """BT-41 / BT-56 Contact point (person or department)."""
    phone: str = ""
    """BT-42 / BT-57 Contact telephone number."""
    email: str = ""
    """BT-43 / BT-58 Contact email address."""


@dataclass(frozen=True, kw_only=True, slots=True)
class AdministrativeCentre:
    """Facturae ``AdministrativeCentre`` (DIR3 unit) of a public-sector party.

    FACe requires three roles for public buyers: ``01`` accounting office (*oficina
    contable*), ``02`` managing body (*órgano gestor*), ``03`` processing unit (*unidad
    tramitadora*); ``04`` proposing body is optional.  EN 16931 has no equivalent: UBL and
    CII carry the buyer's DIR3 codes only through BT-10 (buyer reference), lossy.
    """

    code: str
    """Facturae ``CentreCode`` (DIR3 code)."""
    role: str = ""
    """Facturae ``RoleTypeCode``: 01, 02, 03 or 04."""
    name: str = ""
    """Facturae ``Name`` / ``CentreDescription``."""
    address: Address | None = None
    """Facturae ``AddressInSpain`` / ``OverseasAddress`` of the centre."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Party:
    """A party to the invoice: seller (BG-4), buyer (BG-7), payee (BG-10), tax representative
    (BG-11) or Facturae third party."""

    name: str
    """BT-27 Seller name / BT-44 Buyer name / BT-59 Payee name / BT-62 Tax representative name
    (Facturae ``CorporateName``, or ``Name FirstSurname SecondSurname`` of an individual)."""
    trading_name: str = ""
    """BT-28 / BT-45 Trading name (Facturae ``TradeName``)."""
    tax_id: str = ""
    """BT-31 / BT-48 / BT-63 VAT identifier **with** its ISO country prefix, e.g.
    ``ESB12345678`` (Facturae ``TaxIdentificationNumber``; Spanish residents write it without
    the prefix there).  For a Spanish party without a VAT registration it still holds the NIF
    with the ``ES`` prefix: Spanish invoices identify every party by tax ID."""
    tax_registration_id: str = ""
    """BT-32 Seller tax registration identifier (local, non-VAT)."""
    legal_id: Identifier | None = None
    """BT-30 / BT-47 / BT-61 Legal registration identifier (with scheme BT-30-1 …)."""
    identifiers: tuple[Identifier, ...] = ()
    """BT-29 / BT-46 / BT-60 Seller / buyer / payee identifiers (with schemes)."""
    endpoint: Identifier | None = None
    """BT-34 / BT-49 Electronic address (Peppol endpoint, scheme from the EAS list)."""
    legal_form: str = ""
    """BT-33 Seller additional legal information (e.g. registry entry, share capital)."""
    address: Address = field(default_factory=Address)
    """BG-5 / BG-8 / BG-12 postal address."""
    contact: Contact = field(default_factory=Contact)
    """BG-6 / BG-9 contact."""
    person_type: PersonType = PersonType.LEGAL
    """Facturae ``PersonTypeCode``."""
    residence: Residence = Residence.RESIDENT
    """Facturae ``ResidenceTypeCode``."""
    first_surname: str = ""
    """Facturae ``Individual/FirstSurname`` (natural persons; ``name`` holds the given name)."""
    second_surname: str = ""
    """Facturae ``Individual/SecondSurname``."""
    centres: tuple[AdministrativeCentre, ...] = ()
    """Facturae ``AdministrativeCentres`` (DIR3), mainly for public-sector buyers."""

    @property
    def country(self) -> str:
        """Country of the party: its address country, else its VAT prefix."""
        if self.address.country:
            return self.address.country
        prefix = self.tax_id[:2]
        return prefix if prefix.isalpha() and prefix.isupper() else ""

    @property
    def full_name(self) -> str:
        """Name as printed: legal name, or given name plus surnames for individuals."""
        parts = [self.name, self.first_surname, self.second_surname]
        return " ".join(p for p in parts if p)


@dataclass(frozen=True, kw_only=True, slots=True)
class Delivery:
    """BG-13 Delivery information."""

    name: str = ""
    """BT-70 Deliver to party name."""
    location_id: Identifier | None = None
    """BT-71 Deliver to location identifier (scheme BT-71-1)."""
    date: dt.date | None = None
    """BT-72 Actual delivery date."""
    address: Address | None = None
    """BG-15 Deliver to address."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Period:
    """BG-14 Invoicing period / BG-26 Invoice line period / Facturae corrective tax period."""

    start: dt.date | None = None
    """BT-73 / BT-134 Start date."""
    end: dt.date | None = None
    """BT-74 / BT-135 End date."""


# ---------------------------------------------------------------------------------------------
# Payment
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class CreditTransfer:
    """BG-17 Credit transfer."""

    account: str
    """BT-84 Payment account identifier (IBAN for SEPA; Facturae ``AccountToBeCredited/IBAN``)."""
    account_name: str = ""
    """BT-85 Payment account name."""
    bic: str = ""
    """BT-86 Payment service provider identifier (BIC)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Instalment:
    """One Facturae ``Installment``: a due date and amount of a split payment.

    EN 16931 has one BT-9 due date; extra instalments travel in BT-20 payment terms (lossy).
    """

    due_date: dt.date
    """Facturae ``InstallmentDueDate`` (the first one is BT-9 Payment due date)."""
    amount: Decimal
    """Facturae ``InstallmentAmount``."""
    means_code: str = ""
    """Facturae ``PaymentMeans`` (01 cash, 02 direct debit, 04 transfer, …); see ``payment``."""
    account: str = ""
    """Facturae ``AccountToBeCredited`` / ``AccountToBeDebited`` IBAN."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Payment:
    """BG-16 Payment instructions."""

    means_code: str = ""
    """BT-81 Payment means type code (UNCL4461: 30 credit transfer, 58 SEPA transfer,
    59 SEPA direct debit, 10 cash, 48 card …)."""
    means_text: str = ""
    """BT-82 Payment means text."""
    remittance_info: str = ""
    """BT-83 Remittance information."""
    credit_transfers: tuple[CreditTransfer, ...] = ()
    """BG-17 Credit transfers."""
    card_pan: str = ""
    """BT-87 Payment card primary account number (last digits only)."""
    card_holder: str = ""
    """BT-88 Payment card holder name."""
    mandate_reference: str = ""
    """BT-89 Mandate reference identifier."""
    creditor_id: str = ""
    """BT-90 Bank assigned creditor identifier."""
    debited_account: str = ""
    """BT-91 Debited account identifier (IBAN)."""


# ---------------------------------------------------------------------------------------------
# Taxes, allowances and charges
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class Withholding:
    """A tax withheld by the buyer (Facturae ``TaxesWithheld``), typically IRPF.

    EN 16931 has no withholding: in UBL/CII it reduces the amount due through BT-113
    (paid amount) and is described in a note (see ``docs/mapping.md``).
    """

    tax_type: TaxType = TaxType.IRPF
    """Facturae ``TaxTypeCode`` of the withheld tax."""
    rate: Decimal
    """Facturae ``TaxRate`` (percentage)."""
    base: Decimal
    """Facturae ``TaxableBase/TotalAmount``."""
    amount: Decimal
    """Facturae ``TaxAmount/TotalAmount``."""


@dataclass(frozen=True, kw_only=True, slots=True)
class AllowanceCharge:
    """A discount (allowance) or surcharge (charge).

    Document level: BG-20 / BG-21; line level: BG-27 / BG-28 (line ones carry no VAT
    category: they take the line's).  Facturae ``Discount`` / ``Charge`` and
    ``GeneralDiscounts`` / ``GeneralSurcharges``.
    """

    is_charge: bool
    """``False`` for an allowance (discount), ``True`` for a charge."""
    amount: Decimal
    """BT-92 / BT-99 / BT-136 / BT-141 Amount."""
    base_amount: Decimal | None = None
    """BT-93 / BT-100 / BT-137 / BT-142 Base amount."""
    percent: Decimal | None = None
    """BT-94 / BT-101 / BT-138 / BT-143 Percentage."""
    reason: str = ""
    """BT-97 / BT-104 / BT-139 / BT-144 Reason."""
    reason_code: str = ""
    """BT-98 / BT-105 / BT-140 / BT-145 Reason code (UNCL5189 / UNCL7161)."""
    vat_category: VatCategory | None = None
    """BT-95 / BT-102 VAT category (document level only)."""
    vat_rate: Decimal | None = None
    """BT-96 / BT-103 VAT rate (document level only)."""
    tax_type: TaxType = TaxType.IVA
    """Facturae tax of the document-level allowance/charge (IVA, IGIC, IPSI)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class VatBreakdown:
    """BG-23 VAT breakdown: one row per tax, category and rate (Facturae ``TaxesOutputs/Tax``)."""

    category: VatCategory
    """BT-118 VAT category code."""
    rate: Decimal | None
    """BT-119 VAT category rate (``None`` only for category O)."""
    taxable_amount: Decimal
    """BT-116 VAT category taxable amount (Facturae ``TaxableBase``)."""
    tax_amount: Decimal
    """BT-117 VAT category tax amount (Facturae ``TaxAmount``)."""
    exemption_reason: str = ""
    """BT-120 VAT exemption reason text."""
    exemption_code: str = ""
    """BT-121 VAT exemption reason code (VATEX list)."""
    tax_type: TaxType = TaxType.IVA
    """Facturae ``TaxTypeCode``: IVA, IGIC (category L), IPSI (category M) …"""
    surcharge_rate: Decimal | None = None
    """Facturae ``EquivalenceSurcharge`` rate (*recargo de equivalencia*), percentage."""
    surcharge_amount: Decimal | None = None
    """Facturae ``EquivalenceSurchargeAmount``."""


# ---------------------------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class Line:
    """BG-25 Invoice line (Facturae ``InvoiceLine``)."""

    id: str
    """BT-126 Invoice line identifier (Facturae ``SequenceNumber`` when present)."""
    name: str
    """BT-153 Item name (Facturae ``ItemDescription``)."""
    quantity: Decimal
    """BT-129 Invoiced quantity (Facturae ``Quantity``)."""
    unit_code: str = "C62"
    """BT-130 Invoiced quantity unit of measure code (UN/ECE Rec 20; C62 = unit, one).
    Facturae ``UnitOfMeasure`` uses its own 01…38 list; formats translate."""
    net_price: Decimal
    """BT-146 Item net price (Facturae ``UnitPriceWithoutTax``)."""
    base_quantity: Decimal | None = None
    """BT-149 Item price base quantity."""
    base_quantity_unit: str = ""
    """BT-150 Item price base quantity unit of measure code."""
    gross_price: Decimal | None = None
    """BT-148 Item gross price."""
    price_discount: Decimal | None = None
    """BT-147 Item price discount."""
    net_amount: Decimal
    """BT-131 Invoice line net amount (Facturae ``GrossAmount``: after line discounts and
    charges, before taxes)."""
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    """BG-27 / BG-28 Line allowances and charges."""
    vat_category: VatCategory = VatCategory.STANDARD
    """BT-151 Invoiced item VAT category code."""
    vat_rate: Decimal | None = None
    """BT-152 Invoiced item VAT rate (``None`` only for category O)."""
    tax_type: TaxType = TaxType.IVA
    """Facturae ``TaxesOutputs/Tax/TaxTypeCode`` of the line's main tax."""
    surcharge_rate: Decimal | None = None
    """Facturae ``EquivalenceSurcharge`` rate of the line (*recargo de equivalencia*)."""
    withholdings: tuple[Withholding, ...] = ()
    """Facturae ``TaxesWithheld`` on the line (IRPF …)."""
    exemption_reason: str = ""
    """Facturae ``SpecialTaxableEvent/SpecialTaxableEventReason`` (feeds BT-120)."""
    exemption_code: str = ""
    """VATEX code for BT-121 when the line is exempt."""
    description: str = ""
    """BT-154 Item description."""
    note: str = ""
    """BT-127 Invoice line note (Facturae ``AdditionalLineItemInformation``)."""
    object_id: Identifier | None = None
    """BT-128 Invoice line object identifier."""
    period: Period | None = None
    """BG-26 Invoice line period (Facturae ``LineItemPeriod``)."""
    order_line_ref: str = ""
    """BT-132 Referenced purchase order line reference (Facturae ``IssuerTransactionReference``
    / ``ReceiverTransactionReference``)."""
    order_ref: str = ""
    """Facturae line ``ReceiverContractReference`` / order reference of this line."""
    accounting_ref: str = ""
    """BT-133 Invoice line Buyer accounting reference."""
    seller_item_id: str = ""
    """BT-155 Item Seller's identifier (Facturae ``ArticleCode``)."""
    buyer_item_id: str = ""
    """BT-156 Item Buyer's identifier."""
    standard_item_id: Identifier | None = None
    """BT-157 Item standard identifier (scheme BT-157-1, e.g. 0160 GTIN)."""
    classifications: tuple[Identifier, ...] = ()
    """BT-158 Item classification identifiers (scheme BT-158-1)."""
    origin_country: str = ""
    """BT-159 Item country of origin."""
    attributes: tuple[tuple[str, str], ...] = ()
    """BG-32 Item attributes: (BT-160 name, BT-161 value)."""
    delivery_date: dt.date | None = None
    """Facturae ``TransactionDate`` of the line (no EN 16931 line-level equivalent)."""


# ---------------------------------------------------------------------------------------------
# Document parts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class Note:
    """BG-1 Invoice note."""

    text: str
    """BT-22 Invoice note."""
    subject: str = ""
    """BT-21 Invoice note subject code (UNCL4451)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PrecedingInvoice:
    """BG-3 Preceding invoice reference."""

    number: str
    """BT-25 Preceding invoice reference."""
    issue_date: dt.date | None = None
    """BT-26 Preceding invoice issue date."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Correction:
    """Facturae ``Corrective``: why and how an earlier invoice is corrected.

    The corrected invoice itself is also in ``Invoice.preceding`` (BG-3), which is what
    EN 16931 formats carry; reason and method codes travel in a note there (lossy).
    """

    number: str
    """Facturae ``InvoiceNumber`` of the corrected invoice."""
    series: str = ""
    """Facturae ``InvoiceSeriesCode`` of the corrected invoice."""
    reason_code: str = ""
    """Facturae ``ReasonCode``: 01–16 (Art. 80 LIVA grounds), 80–85 (tax-base changes)."""
    reason: str = ""
    """Facturae ``ReasonDescription``."""
    period: Period | None = None
    """Facturae ``TaxPeriod`` the corrected invoice belonged to."""
    method: str = ""
    """Facturae ``CorrectionMethod``: 01 full replacement, 02 differences, 03 volume
    discount, 04 authorised by the tax agency."""
    method_description: str = ""
    """Facturae ``CorrectionMethodDescription``."""
    additional_reasons: str = ""
    """Facturae ``AdditionalReasonDescription``."""
    issue_date: dt.date | None = None
    """Facturae ``InvoiceIssueDate`` of the corrected invoice (3.2.2)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Attachment:
    """BG-24 Additional supporting document (Facturae ``RelatedDocuments/Attachment``)."""

    id: str
    """BT-122 Supporting document reference."""
    description: str = ""
    """BT-123 Supporting document description."""
    uri: str = ""
    """BT-124 External document location."""
    content: bytes = b""
    """BT-125 Attached document (decoded bytes)."""
    mime_type: str = ""
    """BT-125-1 Attached document MIME code."""
    filename: str = ""
    """BT-125-2 Attached document filename."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Totals:
    """BG-22 Document totals (Facturae ``InvoiceTotals``), in the invoice currency."""

    line_net_total: Decimal
    """BT-106 Sum of Invoice line net amount (Facturae ``TotalGrossAmount``)."""
    allowance_total: Decimal = ZERO
    """BT-107 Sum of allowances on document level (Facturae ``TotalGeneralDiscounts``)."""
    charge_total: Decimal = ZERO
    """BT-108 Sum of charges on document level (Facturae ``TotalGeneralSurcharges``)."""
    tax_exclusive: Decimal
    """BT-109 Invoice total amount without VAT (Facturae ``TotalGrossAmountBeforeTaxes``)."""
    vat_total: Decimal
    """BT-110 Invoice total VAT amount (Facturae ``TotalTaxOutputs``, surcharge included
    there; see ``surcharge_total``)."""
    vat_total_tax_currency: Decimal | None = None
    """BT-111 Invoice total VAT amount in accounting currency (BT-6)."""
    tax_inclusive: Decimal
    """BT-112 Invoice total amount with VAT."""
    prepaid: Decimal = ZERO
    """BT-113 Paid amount (Facturae ``TotalPaymentsOnAccount``)."""
    rounding: Decimal = ZERO
    """BT-114 Rounding amount."""
    payable: Decimal
    """BT-115 Amount due for payment (Facturae ``TotalExecutableAmount``)."""
    withheld_total: Decimal = ZERO
    """Facturae ``TotalTaxesWithheld`` (IRPF …)."""
    surcharge_total: Decimal = ZERO
    """Sum of equivalence surcharges (part of Facturae ``TotalTaxOutputs``)."""
    reimbursable_total: Decimal = ZERO
    """Facturae ``TotalReimbursableExpenses`` (*suplidos*)."""
    amounts_withheld: Decimal = ZERO
    """Facturae ``AmountsWithheld/WithholdingAmount`` (guarantee retentions, not taxes)."""
    amounts_withheld_reason: str = ""
    """Facturae ``AmountsWithheld/WithholdingReason`` (why ``amounts_withheld`` is kept back;
    mandatory in Facturae whenever an amount is withheld).  No EN 16931 equivalent."""

    @property
    def invoice_total(self) -> Decimal:
        """Facturae ``InvoiceTotal``: before taxes + taxes − withheld taxes."""
        return self.tax_inclusive - self.withheld_total


@dataclass(frozen=True, kw_only=True, slots=True)
class Invoice:
    """One invoice or credit note (EN 16931 root; one Facturae ``Invoice`` of a batch)."""

    number: str
    """BT-1 Invoice number (Facturae ``InvoiceNumber``; BT-1 is ``series + number``, see
    :attr:`full_number`)."""
    series: str = ""
    """Facturae ``InvoiceSeriesCode`` (empty in UBL/CII, whose BT-1 holds the whole number)."""
    issue_date: dt.date
    """BT-2 Invoice issue date."""
    kind: DocumentKind = DocumentKind.INVOICE
    """Invoice or credit note (UBL root; CII and Facturae carry it in BT-3 / amounts)."""
    type_code: str = "380"
    """BT-3 Invoice type code (UNCL1001: 380 commercial invoice, 381 credit note,
    384 corrected invoice, 389 self-billed, 326 partial, 386 prepayment)."""
    currency: str = "EUR"
    """BT-5 Invoice currency code (Facturae ``InvoiceCurrencyCode``)."""
    tax_currency: str = ""
    """BT-6 VAT accounting currency code (Facturae ``TaxCurrencyCode``)."""
    exchange_rate: Decimal | None = None
    """Facturae ``ExchangeRateDetails/ExchangeRate`` (no EN 16931 equivalent)."""
    language: str = ""
    """Facturae ``LanguageName`` (ISO 639-1)."""
    tax_point_date: dt.date | None = None
    """BT-7 Value added tax point date (Facturae ``OperationDate``)."""
    vat_point_code: str = ""
    """BT-8 Value added tax point date code (UNCL2005: 3, 35, 432)."""
    due_date: dt.date | None = None
    """BT-9 Payment due date (Facturae first ``InstallmentDueDate``)."""
    buyer_reference: str = ""
    """BT-10 Buyer reference (Peppol requires BT-10 or BT-13; Facturae
    ``FileReference`` / DIR3 of public buyers)."""
    project_ref: str = ""
    """BT-11 Project reference."""
    contract_ref: str = ""
    """BT-12 Contract reference (Facturae ``ReceiverContractReference``)."""
    order_ref: str = ""
    """BT-13 Purchase order reference (Facturae ``ReceiverTransactionReference``)."""
    sales_order_ref: str = ""
    """BT-14 Sales order reference (Facturae ``IssuerContractReference``)."""
    receiving_advice_ref: str = ""
    """BT-15 Receiving advice reference."""
    despatch_advice_ref: str = ""
    """BT-16 Despatch advice reference (Facturae ``DeliveryNotesReferences``)."""
    tender_ref: str = ""
    """BT-17 Tender or lot reference."""
    invoiced_object: Identifier | None = None
    """BT-18 Invoiced object identifier (scheme BT-18-1)."""
    accounting_ref: str = ""
    """BT-19 Buyer accounting reference (no Facturae equivalent)."""
    payment_terms: str = ""
    """BT-20 Payment terms."""
    notes: tuple[Note, ...] = ()
    """BG-1 Invoice notes (Facturae ``InvoiceAdditionalInformation``, ``LegalLiterals``)."""
    legal_literals: tuple[str, ...] = ()
    """Facturae ``LegalLiterals/LegalReference``: legally required mentions."""
    process_id: str = ""
    """BT-23 Business process type (Peppol ``ProfileID``)."""
    specification_id: str = ""
    """BT-24 Specification identifier (UBL ``CustomizationID``, CII guideline)."""
    preceding: tuple[PrecedingInvoice, ...] = ()
    """BG-3 Preceding invoice references."""
    correction: Correction | None = None
    """Facturae ``Corrective`` data (corrective invoices)."""
    seller: Party
    """BG-4 Seller (Facturae ``SellerParty``)."""
    buyer: Party
    """BG-7 Buyer (Facturae ``BuyerParty``)."""
    payee: Party | None = None
    """BG-10 Payee."""
    tax_representative: Party | None = None
    """BG-11 Seller tax representative party."""
    issuer_type: IssuerType = IssuerType.SELLER
    """Facturae ``InvoiceIssuerType``."""
    third_party: Party | None = None
    """Facturae ``ThirdParty`` (when ``issuer_type`` is TE)."""
    delivery: Delivery | None = None
    """BG-13 Delivery information."""
    period: Period | None = None
    """BG-14 Invoicing period (Facturae ``InvoicingPeriod``)."""
    payment: Payment | None = None
    """BG-16 Payment instructions."""
    instalments: tuple[Instalment, ...] = ()
    """Facturae ``PaymentDetails/Installment`` list."""
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    """BG-20 / BG-21 Document level allowances and charges."""
    totals: Totals
    """BG-22 Document totals."""
    vat_breakdown: tuple[VatBreakdown, ...] = ()
    """BG-23 VAT breakdown."""
    withholdings: tuple[Withholding, ...] = ()
    """Facturae invoice-level ``TaxesWithheld``."""
    lines: tuple[Line, ...] = ()
    """BG-25 Invoice lines."""
    attachments: tuple[Attachment, ...] = ()
    """BG-24 Additional supporting documents."""
    document_type: str = "FC"
    """Facturae ``InvoiceDocumentType``: FC complete, FA simplified, AF self-invoice."""
    invoice_class: str = "OO"
    """Facturae ``InvoiceClass``: OO original, OR corrective, OC summary, CO/CR/CC copies."""

    @property
    def full_number(self) -> str:
        """BT-1 as EN 16931 sees it: series followed by number."""
        return f"{self.series}{self.number}"

    @property
    def is_corrective(self) -> bool:
        """True for credit notes, corrected invoices and Facturae correctives."""
        return (
            self.correction is not None
            or self.kind is DocumentKind.CREDIT_NOTE
            or self.type_code in {"381", "384"}
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class BatchTotals:
    """Facturae ``Batch`` totals: what the file says its invoices add up to."""

    invoices_count: int
    """Facturae ``InvoicesCount``."""
    total_invoices_amount: Decimal
    """Facturae ``TotalInvoicesAmount/TotalAmount`` (sum of ``InvoiceTotal``)."""
    total_outstanding_amount: Decimal
    """Facturae ``TotalOutstandingAmount/TotalAmount`` (sum of ``TotalOutstandingAmount``)."""
    total_executable_amount: Decimal
    """Facturae ``TotalExecutableAmount/TotalAmount`` (sum of ``TotalExecutableAmount``)."""
    currency: str = "EUR"
    """Facturae ``InvoiceCurrencyCode`` of the batch."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Document:
    """What one file holds: one invoice, or a Facturae batch of several.

    ``format`` and ``version`` are those detected when parsing (``facturae`` ``3.2.2``,
    ``ubl`` ``2.1``, ``cii`` ``D16B``); rendering ignores them.
    """

    invoices: tuple[Invoice, ...]
    format: str = ""
    version: str = ""
    batch_id: str = ""
    """Facturae ``Batch/BatchIdentifier``."""
    batch_totals: BatchTotals | None = None
    """Facturae ``Batch`` totals as written in the file (checked against the invoices)."""
    signed: bool = False
    """Whether the file carried an enveloped signature when parsed."""
