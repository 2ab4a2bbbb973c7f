"""Hypothesis strategies that build valid canonical Spanish invoices.

What "valid" means here: an invoice a Spanish business could issue and that every format
must be able to carry — seller and buyer identified by Spanish tax IDs whose check
character is right (computed with python-stdnum, never hard-coded), full Spanish
addresses (Facturae needs them), a buyer reference (Peppol rule R003), electronic
addresses (Peppol R010/R020), lines under IVA 21/10/4/0 %, exempt with its reason, or under
IGIC in the Canary Islands, optional IRPF withholding and equivalence surcharge, document
allowances and charges, a SEPA transfer to a valid IBAN and a due date.  Derived amounts are
filled by :func:`einvoice.totals.compute`, as the outbound pipeline does.

Two tax regimes are drawn, never mixed in one invoice, because no real invoice mixes them:
peninsular IVA (with surcharge for retailers) and Canary IGIC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st
from stdnum import iban as iban_mod
from stdnum.es import ccc, cif, dni

from einvoice.formats.facturae import codes as facturae_codes
from einvoice.formats.facturae.losses import _INVOICE_LOSSES, _LINE_LOSSES
from einvoice.formats.facturae.reader import registration_parts, split_post_code_and_town
from einvoice.model import (
    Address,
    AllowanceCharge,
    CreditTransfer,
    Identifier,
    Invoice,
    Line,
    Party,
    Payment,
    PersonType,
    Residence,
    TaxType,
    Totals,
    VatCategory,
    Withholding,
)
from einvoice.money import round_amount
from einvoice.totals import compute, compute_line

ZERO = Decimal(0)

# Surcharge rate that goes with each IVA rate (Ley 37/1992 art. 161).
SURCHARGE_FOR_IVA = {
    Decimal(21): Decimal("5.2"),
    Decimal(10): Decimal("1.4"),
    Decimal(4): Decimal("0.5"),
}
# IGIC general, reduced, increased and special rates (Ley 4/2012 de Canarias).  0 % IGIC is
# drawn as an exemption: EN 16931 BR-AF-05 wants category L rates above zero.
IGIC_RATES = (Decimal(7), Decimal(3), Decimal("9.5"), Decimal(15))

# Exemptions of category E with their VATEX codes (Directive 2006/112/EC articles).  Exports
# (VATEX-EU-G) and intra-Community supplies (VATEX-EU-IC) are categories G and K, not E
# (PEPPOL-EN16931-P0104), so they are not drawn here.
EXEMPTIONS = (
    ("Exenta por el artículo 20 de la Ley 37/1992 del IVA", "VATEX-EU-132"),
    ("Exenta por el artículo 22 de la Ley 37/1992 del IVA (navegación marítima)", "VATEX-EU-148"),
    ("Exenta por el artículo 22 de la Ley 37/1992 del IVA (misiones diplomáticas)", "VATEX-EU-151"),
)

# (town, province, postcode prefix) — real pairs so Facturae Province/PostCode agree.
PLACES = (
    ("Madrid", "Madrid", "280"),
    ("Barcelona", "Barcelona", "080"),
    ("Valencia", "Valencia", "460"),
    ("Sevilla", "Sevilla", "410"),
    ("Bilbao", "Bizkaia", "480"),
    ("Zaragoza", "Zaragoza", "500"),
    ("A Coruña", "A Coruña", "150"),
)
CANARY_PLACES = (
    ("Las Palmas de Gran Canaria", "Las Palmas", "350"),
    # Facturae limits Province to 20 characters: the usual abbreviation of "Santa Cruz de
    # Tenerife" (22) is what Spanish invoicing software writes.
    ("Santa Cruz de Tenerife", "S.C. de Tenerife", "380"),
)
COMPANY_WORDS = (
    "Distribuciones",
    "Suministros",
    "Talleres",
    "Ferretería",
    "Comercial",
    "Servicios",
    "Construcciones",
    "Papelería",
    "Frutas",
    "Muñoz & Peña",
)
SUFFIXES = ("S.L.", "S.A.", "S.L.U.", "S. Coop.")
STREETS = (
    "Calle Mayor",
    "Avenida de la Constitución",
    "Plaza de España",
    "Calle Alcalá",
    "Paseo de Gracia",
    "Rúa Nova",
    "Calle del Pez",
)
ITEMS = (
    "Tornillos M6 (caja 100 u.)",
    "Horas de consultoría",
    "Papel A4 80 g",
    "Naranjas (kg)",
    "Mantenimiento mensual",
    "Cable eléctrico 2,5 mm²",
    "Transporte",
    "Licencia anual",
)


@st.composite
def cif_numbers(draw: st.DrawFn) -> str:
    """A company NIF (old CIF) with a correct numeric check digit: ``B12345674``."""
    letter = draw(st.sampled_from("ABEH"))  # these four always take a numeric check digit
    digits = draw(st.text("0123456789", min_size=7, max_size=7))
    body = letter + digits
    return body + cif.calc_check_digits(body)[0]


@st.composite
def dni_numbers(draw: st.DrawFn) -> str:
    """A natural person's NIF (DNI) with its check letter: ``12345678Z``."""
    digits = draw(st.text("0123456789", min_size=8, max_size=8))
    return digits + dni.calc_check_digit(digits)


@st.composite
def ibans(draw: st.DrawFn) -> str:
    """A Spanish IBAN whose CCC and IBAN check digits are both right."""
    bank_branch = draw(st.text("0123456789", min_size=8, max_size=8))
    account = draw(st.text("0123456789", min_size=10, max_size=10))
    provisional = bank_branch + "00" + account
    bban = bank_branch + ccc.calc_check_digits(provisional) + account
    number = "ES00" + bban
    return "ES" + iban_mod.calc_check_digits(number) + bban


@st.composite
def addresses(draw: st.DrawFn, *, canary: bool = False) -> Address:
    town, province, prefix = draw(st.sampled_from(CANARY_PLACES if canary else PLACES))
    return Address(
        line1=f"{draw(st.sampled_from(STREETS))}, {draw(st.integers(1, 250))}",
        city=town,
        postal_code=prefix + draw(st.text("0123456789", min_size=2, max_size=2)),
        subdivision=province,
        country="ES",
    )


@st.composite
def companies(draw: st.DrawFn, *, canary: bool = False) -> Party:
    nif = draw(cif_numbers())
    name = f"{draw(st.sampled_from(COMPANY_WORDS))} {draw(st.sampled_from(PLACES))[0]} " + draw(
        st.sampled_from(SUFFIXES)
    )
    return Party(
        name=name,
        tax_id="ES" + nif,
        endpoint=Identifier(value="ES" + nif, scheme="9920"),
        address=draw(addresses(canary=canary)),
        person_type=PersonType.LEGAL,
    )


@st.composite
def amounts(draw: st.DrawFn, low: str = "0.01", high: str = "5000") -> Decimal:
    return draw(st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=2))


@st.composite
def quantities(draw: st.DrawFn) -> Decimal:
    return draw(
        st.one_of(
            st.integers(1, 500).map(Decimal),
            st.decimals(min_value=Decimal("0.5"), max_value=Decimal(100), places=2),
        )
    )


@st.composite
def lines(
    draw: st.DrawFn, *, index: int, canary: bool, surcharge: bool, irpf: Decimal | None
) -> Line:
    """One line of the regime; the caller decides whether the invoice has surcharge/IRPF."""
    tax_type = TaxType.IGIC if canary else TaxType.IVA
    kind = draw(st.sampled_from(("rated", "rated", "rated", "exempt", "zero")))
    reason = code = ""
    surcharge_rate: Decimal | None = None
    if canary:
        category = VatCategory.CANARY_IGIC
        rate = draw(st.sampled_from(IGIC_RATES))
        if kind == "exempt":
            category, rate = VatCategory.EXEMPT, ZERO
            reason, code = draw(st.sampled_from(EXEMPTIONS))
    elif kind == "exempt":
        category, rate = VatCategory.EXEMPT, ZERO
        reason, code = draw(st.sampled_from(EXEMPTIONS))
    elif kind == "zero":
        category, rate = VatCategory.ZERO_RATED, ZERO
    else:
        category = VatCategory.STANDARD
        rate = draw(st.sampled_from((Decimal(21), Decimal(10), Decimal(4))))
        if surcharge:
            surcharge_rate = SURCHARGE_FOR_IVA[rate]
    allowances: tuple[AllowanceCharge, ...] = ()
    if draw(st.booleans()) and draw(st.booleans()):
        allowances = (
            AllowanceCharge(
                is_charge=False,
                amount=ZERO,
                percent=draw(st.sampled_from((Decimal(5), Decimal(10), Decimal("12.5")))),
                reason="Descuento por volumen",
            ),
        )
    withholdings = (
        (Withholding(tax_type=TaxType.IRPF, rate=irpf, base=ZERO, amount=ZERO),)
        if irpf is not None and category is not VatCategory.EXEMPT
        else ()
    )
    return Line(
        id=str(index),
        name=draw(st.sampled_from(ITEMS)),
        quantity=draw(quantities()),
        net_price=draw(amounts("1.00", "900")),
        net_amount=ZERO,
        allowances_charges=allowances,
        vat_category=category,
        vat_rate=rate,
        tax_type=tax_type,
        surcharge_rate=surcharge_rate,
        withholdings=withholdings,
        exemption_reason=reason,
        exemption_code=code,
    )


def _unfilled_totals() -> Totals:
    return Totals(
        line_net_total=ZERO, tax_exclusive=ZERO, vat_total=ZERO, tax_inclusive=ZERO, payable=ZERO
    )


@st.composite
def invoices(draw: st.DrawFn) -> Invoice:
    """A computed, valid Spanish invoice (see module docstring)."""
    canary = draw(st.booleans()) and draw(st.booleans())  # one invoice in four
    surcharge = not canary and draw(st.booleans()) and draw(st.booleans())
    irpf = draw(st.sampled_from((None, None, Decimal(15), Decimal(7), Decimal(19))))
    count = draw(st.integers(1, 5))
    drawn = [
        draw(lines(index=i + 1, canary=canary, surcharge=surcharge, irpf=irpf))
        for i in range(count)
    ]
    # Document allowances/charges use a tax, category and rate that some line has, so they
    # belong to an existing breakdown row (real discounts are "on the goods invoiced").
    doc_acs: list[AllowanceCharge] = []
    for is_charge in (False, True):
        if draw(st.booleans()) and draw(st.booleans()):
            target = draw(st.sampled_from(drawn))
            # At most half the target line, so no tax row ever turns negative.
            share = Decimal(draw(st.integers(1, 50))) / 100
            amount = max(round_amount(compute_line(target).net_amount * share), Decimal("0.01"))
            doc_acs.append(
                AllowanceCharge(
                    is_charge=is_charge,
                    amount=amount,
                    reason="Portes" if is_charge else "Pronto pago",
                    vat_category=target.vat_category,
                    vat_rate=target.vat_rate,
                    tax_type=target.tax_type,
                )
            )
    issue = draw(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31)))
    seller = draw(companies(canary=canary))
    buyer = draw(companies())
    series = draw(st.sampled_from(("", "A", "FV2026-")))
    number = str(draw(st.integers(1, 99999)))
    typed = Invoice(
        number=number,
        series=series,
        issue_date=issue,
        due_date=issue + dt.timedelta(days=draw(st.sampled_from((0, 30, 60, 90)))),
        buyer_reference=draw(st.sampled_from(("PO-2026-001", "Dept. Compras", "REF 77"))),
        seller=seller,
        buyer=buyer,
        payment=Payment(
            means_code="58",
            credit_transfers=(CreditTransfer(account=draw(ibans())),),
        ),
        lines=tuple(drawn),
        allowances_charges=tuple(doc_acs),
        totals=_unfilled_totals(),
    )
    return compute(typed)


# ---------------------------------------------------------------------------------------------
# What each format carries: the one place where documented losses are normalised away.
# ---------------------------------------------------------------------------------------------

_TAX_OF_CATEGORY = {
    VatCategory.CANARY_IGIC: TaxType.IGIC,
    VatCategory.CEUTA_MELILLA_IPSI: TaxType.IPSI,
}

TRANSFER_CODES = frozenset({"30", "31", "42", "58"})
"""UNCL4461 codes that all mean "credit transfer"; Facturae has one code (04) for them."""


_DEFAULTS = {
    f.name: (f.default_factory() if callable(f.default_factory) else f.default)
    for f in dataclasses.fields(Invoice)
    if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
}
_LINE_DEFAULTS = {
    f.name: (f.default_factory() if callable(f.default_factory) else f.default)
    for f in dataclasses.fields(Line)
    if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
}


def _address_in_facturae(address: Address) -> Address:
    """Address lines 2 and 3 are joined to line 1; outside Spain post code and town share
    ``PostCodeAndTown`` and are split again on reading."""
    line1 = ", ".join(part for part in (address.line1, address.line2, address.line3) if part)
    address = dataclasses.replace(address, line1=line1, line2="", line3="")
    if address.country and address.country != "ES":
        joined = " ".join(part for part in (address.postal_code, address.city) if part)
        postal, town = split_post_code_and_town(joined)
        address = dataclasses.replace(address, postal_code=postal, city=town)
    return address


def _party_without_facturae_losses(party: Party) -> Party:
    # docs/formats/facturae.md, "written with a loss": no electronic address (BT-34/BT-49), no
    # legal registration id with scheme (BT-30/BT-47); PartyIdentification (BT-29/BT-46) only
    # when it is 1-10 digits, which scheme-qualified identifiers are not; BT-33 only in the
    # Registro Mercantil shape.
    legal_form = party.legal_form if registration_parts(party.legal_form) else ""
    return dataclasses.replace(
        party,
        endpoint=None,
        identifiers=(),
        legal_id=None,
        legal_form=legal_form,
        address=_address_in_facturae(party.address),
    )


def _party_without_en16931_losses(party: Party) -> Party:
    # docs/formats/ubl.md and cii.md: BT-27/BT-44 hold the full name (ES-SURNAMES); person
    # type and residence are Facturae-only (derivable from tax ID and address).  DIR3
    # centres travel whole, addresses included, in CENTRE tags.
    return dataclasses.replace(
        party,
        name=party.full_name,
        first_surname="",
        second_surname="",
        person_type=PersonType.LEGAL,
        residence=Residence.RESIDENT,
    )


def _facturae_unit(unit: str) -> str:
    """The Rec 20 unit read back from the Facturae unit ``unit`` is written as."""
    written = facturae_codes.REC20_TO_UNIT.get(unit, "05")
    return facturae_codes.UNIT_TO_REC20.get(written, unit)


def _without_facturae_losses(inv: Invoice) -> Invoice:
    payment = inv.payment
    if payment is not None:
        # Facturae has one "transfer" code (04), read back as 58 with an IBAN; BT-82 has no
        # element (docs/formats/facturae.md, BG-16 row).
        code = "58" if payment.means_code in TRANSFER_CODES else payment.means_code
        payment = dataclasses.replace(
            payment,
            means_code=code,
            means_text="",
            # A "BIC" that is not 8 or 11 characters is left out (BT-86 warning).
            credit_transfers=tuple(
                t if len(t.bic) in {0, 8, 11} else dataclasses.replace(t, bic="")
                for t in payment.credit_transfers
            ),
        )
    # Terms Facturae has no element for (losses._INVOICE_LOSSES / _LINE_LOSSES).
    inv = dataclasses.replace(inv, **{name: _DEFAULTS[name] for name, *_ in _INVOICE_LOSSES})
    inv = dataclasses.replace(
        inv,
        lines=tuple(
            dataclasses.replace(ln, **{name: _LINE_DEFAULTS[name] for name, *_ in _LINE_LOSSES})
            for ln in inv.lines
        ),
    )
    if payment is not None:
        # BT-85 has no element.
        payment = dataclasses.replace(
            payment,
            credit_transfers=tuple(
                dataclasses.replace(t, account_name="") for t in payment.credit_transfers
            ),
        )
    return dataclasses.replace(
        inv,
        # TaxCurrencyCode and LanguageName are mandatory: BT-5 and "es" are written when the
        # invoice has none ("derived, documented").
        tax_currency=inv.tax_currency or inv.currency,
        language=inv.language or "es",
        seller=_party_without_facturae_losses(inv.seller),
        buyer=_party_without_facturae_losses(inv.buyer),
        payment=payment,
        # Without instalments one is written from BT-9, BT-115 and BT-81 and read back; the
        # due date itself is compared through ``due_date``.
        instalments=(),
        # General discounts/surcharges carry no VAT category or rate (BT-95/96, BT-102/103),
        # and Facturae lists the discounts before the surcharges.
        allowances_charges=tuple(
            dataclasses.replace(ac, vat_category=None, vat_rate=None, tax_type=TaxType.IVA)
            for ac in sorted(inv.allowances_charges, key=lambda ac: ac.is_charge)
        ),
        # docs/mapping.md "UBL / CII → Facturae", written with a loss: BT-19, BG-13.
        accounting_ref="",
        delivery=None,
        lines=tuple(
            dataclasses.replace(
                line,
                # Written with a loss: BT-133, BT-154, BT-159; a unit travels as its Facturae
                # code (several Rec 20 codes share one, others become 05 "other").
                accounting_ref="",
                description="",
                origin_country="",
                unit_code=_facturae_unit(line.unit_code),
                # Line Discount/Charge has rate and amount but no base (BT-137/BT-142).
                allowances_charges=tuple(
                    dataclasses.replace(ac, base_amount=None) for ac in line.allowances_charges
                ),
            )
            for line in inv.lines
        ),
    )


def _without_en16931_losses(inv: Invoice, fmt: str) -> Invoice:
    inv = dataclasses.replace(
        inv,
        # BT-6 equal to BT-5 is not written (PEPPOL-EN16931-R005, BR-53).
        tax_currency="" if inv.tax_currency == inv.currency else inv.tax_currency,
        seller=_party_without_en16931_losses(inv.seller),
        buyer=_party_without_en16931_losses(inv.buyer),
        # The Facturae third party is lost in both (CII keeps only the issuer type).
        third_party=None,
    )
    if fmt == "cii":
        # docs/formats/cii.md, ES-CHARGE-TAX: a document allowance/charge keeps only its
        # category; the Spanish tax type is read back from it (L IGIC, M IPSI, else IVA).
        inv = dataclasses.replace(
            inv,
            allowances_charges=tuple(
                dataclasses.replace(ac, tax_type=_TAX_OF_CATEGORY.get(ac.vat_category, TaxType.IVA))
                for ac in inv.allowances_charges
            ),
        )
    return inv


def carried(invoice: Invoice, *formats: str) -> Invoice:
    """``invoice`` reduced to what survives a trip through every format in ``formats``.

    Applied to both sides of a round-trip comparison, so a test fails only on a loss that
    is *not* documented in ``docs/formats/<format>.md`` (and ``docs/mapping.md``).
    """
    inv = dataclasses.replace(
        invoice,
        # BT-23/BT-24 are written by the renderers (Peppol profile, EN 16931 guideline).
        process_id="",
        specification_id="",
    )
    if "facturae" in formats:
        inv = _without_facturae_losses(inv)
    for fmt in ("ubl", "cii"):
        if fmt in formats:
            inv = _without_en16931_losses(inv, fmt)
    return inv


def differences(left: object, right: object, path: str = "invoice") -> list[str]:
    """Paths where two canonical objects differ, for readable assertion messages."""
    if dataclasses.is_dataclass(left) and dataclasses.is_dataclass(right):
        if type(left) is not type(right):
            return [f"{path}: {type(left).__name__} != {type(right).__name__}"]
        out: list[str] = []
        for f in dataclasses.fields(left):
            out += differences(getattr(left, f.name), getattr(right, f.name), f"{path}.{f.name}")
        return out
    if isinstance(left, tuple) and isinstance(right, tuple):
        if len(left) != len(right):
            return [f"{path}: {len(left)} items != {len(right)} items: {left!r} != {right!r}"]
        out = []
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            out += differences(a, b, f"{path}[{i}]")
        return out
    return [] if left == right else [f"{path}: {left!r} != {right!r}"]
