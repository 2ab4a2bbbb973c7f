"""What rendering to Facturae leaves out, as warnings the user can be shown.

:func:`einvoice.formats.facturae.render` refuses what would make the file wrong; data that
simply has no Facturae element is listed by :func:`losses` (severity ``warning``, layer
``conversion``, English and Spanish), one entry per business term, so the edge that converts
(web import, API, CLI) can tell the user what stays behind.  The full list with reasons is
in ``docs/formats/facturae.md``, "What is lost".
"""

from __future__ import annotations

from collections.abc import Sequence

from einvoice.errors import Layer, Severity, Violation
from einvoice.formats.facturae import codes
from einvoice.formats.facturae.reader import NOTE_SUBJECT_LEGAL, registration_parts
from einvoice.formats.facturae.writer import (
    _FOLDED_CATEGORIES,
    _SEQUENCE,
    _SPECIAL_EVENT,
    WRITABLE_VERSIONS,
)
from einvoice.model import Invoice, PersonType

# ---------------------------------------------------------------------------------------------

_INVOICE_LOSSES: tuple[tuple[str, str, str, str], ...] = (
    ("project_ref", "BT-11", "project reference", "la referencia de proyecto"),
    ("sales_order_ref", "BT-14", "sales order reference", "la referencia de pedido de venta"),
    ("receiving_advice_ref", "BT-15", "receiving advice reference", "la referencia de recepción"),
    ("tender_ref", "BT-17", "tender or lot reference", "la referencia de licitación o lote"),
    ("invoiced_object", "BT-18", "invoiced object identifier", "el objeto facturado"),
    ("accounting_ref", "BT-19", "buyer accounting reference", "la referencia contable"),
    ("payment_terms", "BT-20", "payment terms", "las condiciones de pago"),
    ("vat_point_code", "BT-8", "VAT point date code", "el código de fecha de devengo"),
    ("payee", "BG-10", "payee", "el beneficiario del pago"),
    ("tax_representative", "BG-11", "seller tax representative", "el representante fiscal"),
    ("delivery", "BG-13", "delivery information", "los datos de entrega"),
)
_LINE_LOSSES: tuple[tuple[str, str, str, str], ...] = (
    ("description", "BT-154", "item description", "la descripción del artículo"),
    ("base_quantity", "BT-149", "price base quantity", "la cantidad base del precio"),
    ("gross_price", "BT-148", "item gross price", "el precio bruto"),
    ("price_discount", "BT-147", "item price discount", "el descuento en precio"),
    ("object_id", "BT-128", "line object identifier", "el identificador de objeto"),
    ("accounting_ref", "BT-133", "line accounting reference", "la referencia contable de la línea"),
    ("buyer_item_id", "BT-156", "buyer's item ID", "el código de artículo del comprador"),
    ("standard_item_id", "BT-157", "standard item ID", "el identificador estándar del artículo"),
    ("classifications", "BT-158", "item classifications", "las clasificaciones del artículo"),
    ("origin_country", "BT-159", "country of origin", "el país de origen"),
    ("attributes", "BG-32", "item attributes", "los atributos del artículo"),
)


def _bic_fits(bic: str) -> bool:
    return len(bic) in {8, 11}


def losses(invoices: Sequence[Invoice], version: str | None = None) -> list[Violation]:
    """Warnings naming every business term ``render`` cannot carry into Facturae.

    ``render`` itself only refuses what would make the file wrong; data that simply has no
    Facturae element is listed here (severity ``warning``, layer ``conversion``) so the edge
    that converts can show the user what stays behind.
    """
    target = version or WRITABLE_VERSIONS[0]
    out: list[Violation] = []

    def warn(index: int, rule: str, en: str, es: str) -> None:
        out.append(
            Violation(
                rule=rule,
                message=f"Facturae has no place for the {en}; it is not in the Facturae file.",
                message_es=f"Facturae no tiene dónde poner {es}; no figura en el fichero Facturae.",
                severity=Severity.WARNING,
                layer=Layer.CONVERSION,
                invoice=index if len(invoices) > 1 else None,
            )
        )

    for index, invoice in enumerate(invoices):
        for name, rule, en, es in _INVOICE_LOSSES:
            if getattr(invoice, name):
                warn(index, rule, en, es)
        if invoice.totals.rounding:
            warn(index, "BT-114", "rounding amount", "el redondeo")
        payment = invoice.payment
        for transfer in payment.credit_transfers if payment is not None else ():
            if transfer.bic and not _bic_fits(transfer.bic):
                warn(
                    index,
                    "BT-86",
                    f"BIC '{transfer.bic}', which is not 8 or 11 characters long (the IBAN is "
                    "kept)",
                    f"el BIC '{transfer.bic}', que no tiene 8 ni 11 caracteres (se conserva el "
                    "IBAN)",
                )
        if invoice.totals.vat_total_tax_currency is not None:
            warn(index, "BT-111", "VAT total in accounting currency", "el IVA en moneda contable")
        if target != "3.2.2":
            for name, rule, en, es in (
                ("order_ref", "BT-13", "purchase order reference", "la referencia de pedido"),
                ("contract_ref", "BT-12", "contract reference", "la referencia de contrato"),
                ("buyer_reference", "BT-10", "buyer reference", "la referencia del comprador"),
            ):
                if getattr(invoice, name):
                    warn(index, rule, f"{en} in version {target}", f"{es} en la versión {target}")
        for role, role_es, party, terms in (
            ("seller", "vendedor", invoice.seller, ("BT-30", "BT-34", "BT-33", "BT-32", "BT-36")),
            ("buyer", "comprador", invoice.buyer, ("BT-47", "BT-49", "", "", "BT-51")),
        ):
            legal, endpoint, legal_info, registration, line2 = terms
            if party.legal_id is not None:
                warn(index, legal, f"{role} legal ID", f"el identificador legal del {role_es}")
            if party.endpoint is not None:
                warn(
                    index,
                    endpoint,
                    f"{role} electronic address",
                    f"la dirección electrónica del {role_es}",
                )
            if party.legal_form and (
                party.person_type is PersonType.INDIVIDUAL
                or registration_parts(party.legal_form) is None
            ):
                warn(
                    index,
                    legal_info or "BT-33",
                    f"{role} additional legal information",
                    f"la información legal adicional del {role_es}",
                )
            if party.tax_registration_id:
                warn(
                    index,
                    registration or "BT-32",
                    f"{role} tax registration ID",
                    f"el identificador de registro fiscal del {role_es}",
                )
            for centre in party.centres:
                if centre.address is None:
                    warn(
                        index,
                        "FACTURAE-CENTRE",
                        f"address of administrative centre {centre.code or centre.role} (the "
                        f"{role}'s address is written instead)",
                        f"la dirección del centro administrativo {centre.code or centre.role} "
                        f"(se escribe la del {role_es})",
                    )
            if party.address.line2 or party.address.line3:
                warn(
                    index,
                    line2,
                    f"{role} address lines 2 and 3 as separate lines (they are joined to line 1)",
                    f"las líneas 2 y 3 de la dirección del {role_es} por separado (se unen a la 1)",
                )
        for line in invoice.lines:
            for name, rule, en, es in _LINE_LOSSES:
                if getattr(line, name):
                    warn(index, rule, f"{en} of line {line.id}", f"{es} de la línea {line.id}")
            if line.unit_code not in codes.REC20_TO_UNIT and line.unit_code != "ZZ":
                warn(
                    index,
                    "BT-130",
                    f"unit '{line.unit_code}' of line {line.id} (written as 05, other)",
                    f"la unidad '{line.unit_code}' de la línea {line.id} (se escribe 05, otros)",
                )
            if line.vat_category in _FOLDED_CATEGORIES:
                not_subject = _SPECIAL_EVENT[line.vat_category] == "02"
                warn(
                    index,
                    "BT-151",
                    f"VAT category {line.vat_category.value} of line {line.id} (written as "
                    f"{'not subject' if not_subject else 'exempt'})",
                    f"la categoría de IVA {line.vat_category.value} de la línea {line.id} (se "
                    f"escribe como {'no sujeta' if not_subject else 'exenta'})",
                )
            if not _SEQUENCE.match(line.id):
                warn(
                    index, "BT-126", f"line identifier '{line.id}'", f"el identificador '{line.id}'"
                )
        for attachment in invoice.attachments:
            if attachment.filename:
                warn(index, "BT-125", f"file name '{attachment.filename}'", "el nombre del fichero")
        if sum(1 for n in invoice.notes if n.subject not in {NOTE_SUBJECT_LEGAL}) > 2:
            warn(index, "BT-21", "note subjects (notes are joined)", "los asuntos de las notas")
        payment = invoice.payment
        if payment is not None and (
            payment.card_pan or payment.mandate_reference or payment.creditor_id
        ):
            warn(
                index,
                "BG-18",
                "card or direct-debit mandate data",
                "los datos de tarjeta o mandato",
            )
    return out
