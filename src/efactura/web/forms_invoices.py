"""Forms of the invoice pages: the invoice form, import, lifecycle answers.

Forms parse what people type and turn it into the canonical draft
(:class:`einvoice.model.Invoice`) that :func:`efactura.invoices.services.do_issue_invoice`
issues; they decide nothing about totals, numbering or validity — the standards library and
the services do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from efactura.invoices.choices import RejectionReason
from efactura.invoices.services import month_of
from einvoice import model as em
from einvoice.formats.facturae.codes import CORRECTION_METHOD_DESCRIPTIONS, REASON_DESCRIPTIONS

ZERO = Decimal(0)


# ---------------------------------------------------------------------------------------------
# Taxes the form offers
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaxOption:
    """One choice of the line "Tax" select: tax, category and rate."""

    key: str
    label: Any
    tax_type: em.TaxType
    category: em.VatCategory
    rate: Decimal | None
    surcharge: Decimal | None = None
    """Equivalence surcharge rate that goes with this VAT rate (Ley 37/1992 art. 161)."""


TAX_OPTIONS: tuple[TaxOption, ...] = (
    TaxOption(
        "IVA-21",
        _("VAT 21 %"),
        em.TaxType.IVA,
        em.VatCategory.STANDARD,
        Decimal(21),
        Decimal("5.2"),
    ),
    TaxOption(
        "IVA-10",
        _("VAT 10 %"),
        em.TaxType.IVA,
        em.VatCategory.STANDARD,
        Decimal(10),
        Decimal("1.4"),
    ),
    TaxOption(
        "IVA-4", _("VAT 4 %"), em.TaxType.IVA, em.VatCategory.STANDARD, Decimal(4), Decimal("0.5")
    ),
    TaxOption("IVA-0", _("VAT 0 %"), em.TaxType.IVA, em.VatCategory.ZERO_RATED, Decimal(0)),
    TaxOption(
        "IVA-E", _("VAT exempt (give the reason)"), em.TaxType.IVA, em.VatCategory.EXEMPT, ZERO
    ),
    TaxOption(
        "IVA-AE",
        _("Reverse charge (buyer pays the VAT)"),
        em.TaxType.IVA,
        em.VatCategory.REVERSE_CHARGE,
        ZERO,
    ),
    TaxOption("IGIC-7", _("IGIC 7 %"), em.TaxType.IGIC, em.VatCategory.CANARY_IGIC, Decimal(7)),
    TaxOption("IGIC-3", _("IGIC 3 %"), em.TaxType.IGIC, em.VatCategory.CANARY_IGIC, Decimal(3)),
    TaxOption(
        "IGIC-9.5", _("IGIC 9.5 %"), em.TaxType.IGIC, em.VatCategory.CANARY_IGIC, Decimal("9.5")
    ),
    TaxOption("IGIC-15", _("IGIC 15 %"), em.TaxType.IGIC, em.VatCategory.CANARY_IGIC, Decimal(15)),
    TaxOption("IGIC-0", _("IGIC 0 %"), em.TaxType.IGIC, em.VatCategory.CANARY_IGIC, Decimal(0)),
)
TAXES = {option.key: option for option in TAX_OPTIONS}
TAX_CHOICES = [(option.key, option.label) for option in TAX_OPTIONS]
EXEMPT_KEYS = frozenset({"IVA-E"})


def tax_key_of(line: em.Line) -> str:
    """The form's tax key for a canonical line (to pre-fill a corrective invoice)."""
    for option in TAX_OPTIONS:
        same_rate = (line.vat_rate or ZERO) == (option.rate or ZERO)
        if line.tax_type == option.tax_type and line.vat_category == option.category and same_rate:
            return option.key
    return "IVA-21"


WITHHOLDING_CHOICES = [
    ("", _("No withholding")),
    ("15", _("IRPF 15 % (professionals)")),
    ("7", _("IRPF 7 % (new professionals)")),
    ("19", _("IRPF 19 % (rents, capital)")),
    ("2", _("IRPF 2 % (farming)")),
    ("1", _("IRPF 1 % (modules)")),
]

PAYMENT_MEANS_CHOICES = [
    ("58", _("Bank transfer")),
    ("59", _("Direct debit")),
    ("10", _("Cash")),
    ("48", _("Card")),
    ("20", _("Cheque")),
]
"""UNCL4461 payment means (BT-81); the Facturae writer maps them onto its own codes."""

NEEDS_IBAN = frozenset({"58", "59"})

CORRECTION_REASON_CHOICES = [
    (code, f"{code} – {text}") for code, text in REASON_DESCRIPTIONS.items()
]
CORRECTION_METHOD_CHOICES = [
    (code, f"{code} – {text}")
    for code, text in CORRECTION_METHOD_DESCRIPTIONS.items()
    if code in {"01", "02"}
]


# ---------------------------------------------------------------------------------------------
# The invoice form
# ---------------------------------------------------------------------------------------------


def tax_id_message(checked: Any) -> str:
    """The reason a tax ID is not valid, in the language of the request."""
    spanish = (get_language() or "es").startswith("es")
    return str(checked.reason_es if spanish else checked.reason)


def _decimal_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    kwargs.setdefault("max_digits", 18)
    kwargs.setdefault("decimal_places", 6)
    attrs = {"inputmode": "decimal", "class": "num"}
    return forms.DecimalField(
        label=label, localize=True, widget=forms.TextInput(attrs=attrs), **kwargs
    )


class InvoiceForm(forms.Form):
    """Header of an invoice: customer, dates, payment, taxes that apply to every line, notes."""

    series = forms.ChoiceField(
        label=_("Series"),
        choices=[],
        help_text=_(
            "Numbers run on per series without gaps; corrective invoices use their own. "
            "Create series in Tools › Set-up › Series."
        ),
    )
    issue_date = forms.DateField(
        label=_("Issue date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    customer_tax_id = forms.CharField(
        label=_("Customer tax ID"),
        max_length=20,
        help_text=_("NIF/CIF, or EU VAT number with its country prefix."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    customer_name = forms.CharField(label=_("Customer name"), max_length=200)
    customer_email = forms.EmailField(
        label=_("Customer email"),
        required=False,
        help_text=_("Kept in your customer record; used to tell them about the invoice."),
    )
    customer_address = forms.CharField(label=_("Address"), max_length=200)
    customer_postal_code = forms.CharField(label=_("Postal code"), max_length=10)
    customer_city = forms.CharField(label=_("Town"), max_length=100)
    customer_province = forms.CharField(label=_("Province"), max_length=100)
    customer_country = forms.CharField(
        label=_("Country"), max_length=2, initial="ES", help_text=_("Two letters, e.g. ES, PT, FR.")
    )
    surcharge = forms.BooleanField(
        label=_("Equivalence surcharge (recargo de equivalencia)"),
        required=False,
        help_text=_(
            "The customer is a retailer under the surcharge regime: "
            "5.2 %, 1.4 % or 0.5 % on VAT lines."
        ),
    )
    withholding = forms.ChoiceField(
        label=_("IRPF withholding"), choices=WITHHOLDING_CHOICES, required=False
    )
    due_date = forms.DateField(
        label=_("Due date"),
        help_text=_("Facturae states when the payment is due."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    payment_means = forms.ChoiceField(label=_("Payment means"), choices=PAYMENT_MEANS_CHOICES)
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=42,
        required=False,
        help_text=_(
            "Required for a bank transfer (your account the customer pays into) or a direct "
            "debit (the customer's account). Your default account is filled in."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    buyer_reference = forms.CharField(
        label=_("Customer's reference / purchase order"), max_length=100, required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    # Corrective invoices ("Correct this invoice").
    corrects = forms.UUIDField(required=False, widget=forms.HiddenInput)
    correction_reason = forms.ChoiceField(
        label=_("Reason for the correction"), choices=CORRECTION_REASON_CHOICES, required=False
    )
    correction_method = forms.ChoiceField(
        label=_("Correction method"), choices=CORRECTION_METHOD_CHOICES, required=False
    )
    correction_period_start = forms.DateField(
        label=_("Corrected period from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    correction_period_end = forms.DateField(
        label=_("Corrected period until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    correction_details = forms.CharField(
        label=_("Explanation"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_customer_tax_id(self) -> str:
        value: str = self.cleaned_data["customer_tax_id"]
        return "".join(ch for ch in value.upper() if ch.isalnum())

    def clean_customer_country(self) -> str:
        value = self.cleaned_data["customer_country"].strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise ValidationError(_("Write the country as two letters, e.g. ES."))
        return value

    def __init__(
        self, *args: Any, series_choices: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        series = self.fields["series"]
        assert isinstance(series, forms.ChoiceField)
        series.choices = series_choices or []
        for name in ("customer_tax_id", "iban"):
            self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}-check"

    def clean_iban(self) -> str:
        from efactura.payments.services import check_iban

        value = self.cleaned_data["iban"]
        if not value.strip():
            return ""
        return check_iban(value)

    def clean(self) -> dict[str, Any]:
        from einvoice.identifiers import check_tax_id

        data = super().clean() or {}
        if (
            data.get("payment_means") in NEEDS_IBAN
            and not data.get("iban")
            and "iban" not in self.errors
        ):
            self.add_error("iban", _("Give the IBAN for a bank transfer or a direct debit."))
        if data.get("customer_tax_id") and "customer_country" not in self.errors:
            checked = check_tax_id(data["customer_tax_id"], data.get("customer_country") or "ES")
            if not checked.valid:
                self.add_error("customer_tax_id", tax_id_message(checked))
        due, issued = data.get("due_date"), data.get("issue_date")
        if due and issued and due < issued:
            self.add_error("due_date", _("The due date cannot be before the issue date."))
        if data.get("corrects"):
            if not data.get("correction_reason"):
                self.add_error("correction_reason", _("Choose why the invoice is corrected."))
            if not data.get("correction_method"):
                self.add_error("correction_method", _("Choose how the invoice is corrected."))
        start, end = data.get("correction_period_start"), data.get("correction_period_end")
        if start and end and end < start:
            self.add_error("correction_period_end", _("The period cannot end before it starts."))
        return data


class LineForm(forms.Form):
    """One invoice line: what, how many, at what price, which tax."""

    name = forms.CharField(label=_("Description"), max_length=500)
    quantity = _decimal_field(_("Quantity"), initial=Decimal(1))
    price = _decimal_field(_("Unit price (without tax)"))
    discount = _decimal_field(
        _("Discount %"), required=False, min_value=ZERO, max_value=Decimal(100), decimal_places=2
    )
    tax = forms.ChoiceField(label=_("Tax"), choices=TAX_CHOICES, initial="IVA-21")
    exemption_reason = forms.CharField(label=_("Exemption reason"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("tax") in EXEMPT_KEYS and not (data.get("exemption_reason") or "").strip():
            self.add_error(
                "exemption_reason",
                _("Say why the line is exempt, e.g. “Exempt under art. 20 Ley 37/1992”."),
            )
        return data


class AdjustmentForm(forms.Form):
    """A discount or charge on the whole invoice (Facturae general discounts / surcharges)."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("discount", _("Discount")), ("charge", _("Charge"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
    percent = _decimal_field(
        _("%"), required=False, min_value=ZERO, max_value=Decimal(100), decimal_places=2
    )
    amount = _decimal_field(_("Amount"), required=False, min_value=ZERO, decimal_places=2)
    tax = forms.ChoiceField(
        label=_("Tax it changes"),
        choices=[("", _("Same as the lines")), *TAX_CHOICES],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("percent") is None and data.get("amount") is None and "reason" in data:
            raise ValidationError(_("Give a percentage or an amount."))
        return data


def filled_forms(formset: forms.BaseFormSet) -> list[forms.Form]:
    """The forms of ``formset`` the user filled in (valid ones only)."""
    return [f for f in formset.forms if f.has_changed() and f.is_valid() and f.cleaned_data]


LineFormSet = forms.formset_factory(
    LineForm,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=500,
    validate_max=True,
)
AdjustmentFormSet = forms.formset_factory(AdjustmentForm, extra=0, max_num=20, validate_max=True)


# ---------------------------------------------------------------------------------------------
# From the form to the canonical draft
# ---------------------------------------------------------------------------------------------


def _placeholder_totals() -> em.Totals:
    return em.Totals(
        line_net_total=ZERO, tax_exclusive=ZERO, vat_total=ZERO, tax_inclusive=ZERO, payable=ZERO
    )


def draft_lines(
    line_data: list[dict[str, Any]], *, surcharge: bool, withholding: Decimal | None
) -> tuple[em.Line, ...]:
    """Canonical lines from cleaned line forms (amounts are computed later by ``totals``)."""
    lines = []
    for index, data in enumerate(line_data, start=1):
        option = TAXES[data["tax"]]
        allowances: tuple[em.AllowanceCharge, ...] = ()
        if data.get("discount"):
            allowances = (
                em.AllowanceCharge(
                    is_charge=False,
                    amount=ZERO,
                    percent=data["discount"],
                    reason=str(_("Discount")),
                ),
            )
        withholdings: tuple[em.Withholding, ...] = ()
        if withholding:
            withholdings = (em.Withholding(rate=withholding, base=ZERO, amount=ZERO),)
        lines.append(
            em.Line(
                id=str(index),
                name=data["name"],
                quantity=data["quantity"],
                net_price=data["price"],
                net_amount=ZERO,
                allowances_charges=allowances,
                vat_category=option.category,
                vat_rate=option.rate,
                tax_type=option.tax_type,
                surcharge_rate=option.surcharge if surcharge else None,
                withholdings=withholdings,
                exemption_reason=data.get("exemption_reason", "")
                if data["tax"] in EXEMPT_KEYS
                else "",
            )
        )
    return tuple(lines)


def draft_adjustments(adjustment_data: list[dict[str, Any]]) -> tuple[em.AllowanceCharge, ...]:
    out = []
    for data in adjustment_data:
        option = TAXES.get(data.get("tax") or "")
        out.append(
            em.AllowanceCharge(
                is_charge=data["kind"] == "charge",
                amount=data.get("amount") or ZERO,
                percent=data.get("percent"),
                reason=data["reason"],
                vat_category=option.category if option else None,
                vat_rate=option.rate if option else None,
                tax_type=option.tax_type if option else em.TaxType.IVA,
            )
        )
    return tuple(out)


def build_draft(
    header: dict[str, Any],
    line_data: list[dict[str, Any]],
    adjustment_data: list[dict[str, Any]],
    *,
    corrected: em.Invoice | None = None,
) -> em.Invoice:
    """The canonical draft of a filled-in form (seller, number and totals come later)."""
    withholding = Decimal(header["withholding"]) if header.get("withholding") else None
    payment = None
    means = header.get("payment_means") or ""
    if means:
        transfers: tuple[em.CreditTransfer, ...] = ()
        debited = ""
        if header.get("iban") and means == "58":
            transfers = (em.CreditTransfer(account=header["iban"]),)
        elif header.get("iban") and means == "59":
            debited = header["iban"]
        payment = em.Payment(means_code=means, credit_transfers=transfers, debited_account=debited)
    notes = tuple(em.Note(text=text) for text in [header.get("notes", "").strip()] if text)
    correction = None
    if header.get("corrects") and corrected is not None:
        # Facturae requires the tax period of the corrected invoice; by default its month.
        default = month_of(corrected.issue_date)
        period = em.Period(
            start=header.get("correction_period_start") or default.start,
            end=header.get("correction_period_end") or default.end,
        )
        reason_code = header.get("correction_reason") or "01"
        method = header.get("correction_method") or "01"
        correction = em.Correction(
            number=corrected.number,
            series=corrected.series,
            issue_date=corrected.issue_date,
            reason_code=reason_code,
            reason=REASON_DESCRIPTIONS.get(reason_code, ""),
            method=method,
            method_description=CORRECTION_METHOD_DESCRIPTIONS.get(method, ""),
            additional_reasons=header.get("correction_details", ""),
            period=period,
        )
    return em.Invoice(
        number="DRAFT",
        series=header.get("series", ""),
        issue_date=header.get("issue_date") or timezone.localdate(),
        due_date=header.get("due_date"),
        buyer_reference=header.get("buyer_reference", ""),
        notes=notes,
        seller=em.Party(name=""),
        buyer=em.Party(
            name=header.get("customer_name", ""),
            tax_id=header.get("customer_tax_id", ""),
            address=em.Address(
                line1=header.get("customer_address", ""),
                postal_code=header.get("customer_postal_code", ""),
                city=header.get("customer_city", ""),
                subdivision=header.get("customer_province", ""),
                country=header.get("customer_country", "ES"),
            ),
            contact=em.Contact(email=header.get("customer_email", "")),
            residence=em.Residence.RESIDENT
            if header.get("customer_country", "ES") == "ES"
            else em.Residence.EU,
        ),
        payment=payment,
        allowances_charges=draft_adjustments(adjustment_data),
        lines=draft_lines(
            line_data, surcharge=bool(header.get("surcharge")), withholding=withholding
        ),
        correction=correction,
        totals=_placeholder_totals(),
    )


def initial_from_invoice(invoice: em.Invoice) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Form initial data that repeats ``invoice`` (for "Correct this invoice")."""
    buyer = invoice.buyer
    iban = ""
    if invoice.payment is not None:
        if invoice.payment.credit_transfers:
            iban = invoice.payment.credit_transfers[0].account
        iban = iban or invoice.payment.debited_account
    withholding = ""
    for line in invoice.lines:
        for w in line.withholdings:
            withholding = format(w.rate.normalize(), "f")
    header = {
        "customer_tax_id": buyer.tax_id,
        "customer_name": buyer.full_name,
        "customer_email": buyer.contact.email,
        "customer_address": buyer.address.line1,
        "customer_postal_code": buyer.address.postal_code,
        "customer_city": buyer.address.city,
        "customer_province": buyer.address.subdivision,
        "customer_country": buyer.address.country or "ES",
        "surcharge": any(line.surcharge_rate for line in invoice.lines),
        "withholding": withholding if withholding in dict(WITHHOLDING_CHOICES) else "",
        "payment_means": (invoice.payment.means_code if invoice.payment else "") or "58",
        "iban": iban,
        "buyer_reference": invoice.buyer_reference,
        "correction_reason": "01",
        "correction_method": "01",
        "correction_period_start": month_of(invoice.issue_date).start,
        "correction_period_end": month_of(invoice.issue_date).end,
    }
    lines = []
    for line in invoice.lines:
        discount = next(
            (ac.percent for ac in line.allowances_charges if not ac.is_charge and ac.percent), None
        )
        lines.append(
            {
                "name": line.name,
                "quantity": line.quantity,
                "price": line.net_price,
                "discount": discount,
                "tax": tax_key_of(line),
                "exemption_reason": line.exemption_reason,
            }
        )
    return header, lines


# ---------------------------------------------------------------------------------------------
# Import and lifecycle answers
# ---------------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".xml,.xsig,.zip"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            if not data and self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("These invoices are"),
        choices=[
            ("issued", _("Issued by my company (I am the seller)")),
            ("received", _("Received by my company (I am the buyer)")),
        ],
        widget=forms.RadioSelect,
        initial="issued",
    )
    # The field's name shadows ``BaseForm.files`` (the uploaded-files dict) for the type checker
    # only: Django keeps fields in ``base_fields``, never as attributes.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Files"),
        help_text=_(
            "Facturae 3.x (also batches, signed or not), UBL 2.1 or CII files, or a .zip of "
            "them; up to 100 files at a time."
        ),
    )


class RejectForm(forms.Form):
    code = forms.ChoiceField(
        label=_("Kind of problem"),
        choices=RejectionReason.choices,
        initial=RejectionReason.OTH,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason for rejecting"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PaymentForm(forms.Form):
    amount = _decimal_field(_("Amount paid"), min_value=Decimal("0.01"), decimal_places=2)
    date = forms.DateField(
        label=_("Payment date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise ValidationError(_("The payment date cannot be in the future."))
        return value


class CancellationRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should it be cancelled?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancellationAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", "accept"), ("refuse", "refuse")])
    reason = forms.CharField(label=_("Comment"), max_length=2000, required=False)
