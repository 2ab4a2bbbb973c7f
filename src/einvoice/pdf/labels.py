"""Bilingual wording of the invoice PDF: labels, code lists in words, legal mentions.

Every label is a ``(spanish, english)`` pair.  The document prints the chosen language first
and the other one in small print after a slash ("Factura / Invoice"), so a Spanish
bookkeeper and a foreign buyer read the same paper.  Code lists are those the canonical
model carries (:mod:`einvoice.model`): UN/ECE Rec 20 units, UNCL4461 payment means,
Facturae payment means, correction reasons and methods, FACe DIR3 roles, UNCL5305 VAT
categories.
"""

from __future__ import annotations

from typing import Final

from einvoice.model import TaxType, VatCategory

Pair = tuple[str, str]
"""A wording in Spanish and in English, in that order."""

LABELS: Final[dict[str, Pair]] = {
    # Titles (RD 1619/2012 art. 6, 7 and 15 name each kind of document).
    "invoice": ("Factura", "Invoice"),
    "corrective": ("Factura rectificativa", "Corrective invoice"),
    "credit_note": ("Factura rectificativa", "Credit note"),
    "simplified": ("Factura simplificada", "Simplified invoice"),
    "simplified_corrective": (
        "Factura simplificada rectificativa",
        "Corrective simplified invoice",
    ),
    "self_billed": ("Autofactura", "Self-billed invoice"),
    "summary": ("Factura recapitulativa", "Summary invoice"),
    "copy": ("Copia", "Copy"),
    # Header
    "series": ("Serie", "Series"),
    "number": ("Número", "Number"),
    "issue_date": ("Fecha de expedición", "Issue date"),
    "operation_date": ("Fecha de operación", "Date of supply"),
    "due_date": ("Vencimiento", "Due date"),
    "currency": ("Moneda", "Currency"),
    "tax_currency": ("Moneda del impuesto", "VAT accounting currency"),
    "exchange_rate": ("Tipo de cambio", "Exchange rate"),
    "period": ("Periodo de facturación", "Invoicing period"),
    # Parties
    "seller": ("Emisor", "Seller"),
    "buyer": ("Destinatario", "Buyer"),
    "payee": ("Beneficiario del pago", "Payee"),
    "tax_representative": ("Representante fiscal", "Tax representative"),
    "third_party": ("Tercero que expide la factura", "Third party issuing the invoice"),
    "nif": ("NIF", "Tax ID"),
    "vat_id": ("NIF-IVA", "VAT ID"),
    "trading_name": ("Nombre comercial", "Trading name"),
    "contact": ("Contacto", "Contact"),
    "email": ("Correo", "Email"),
    "phone": ("Teléfono", "Phone"),
    "legal_id": ("Registro", "Registration"),
    # References
    "references": ("Referencias", "References"),
    "order_ref": ("Pedido", "Purchase order"),
    "sales_order_ref": ("Pedido del emisor", "Sales order"),
    "contract_ref": ("Contrato", "Contract"),
    "buyer_reference": ("Referencia del destinatario", "Buyer reference"),
    "project_ref": ("Proyecto", "Project"),
    "despatch_advice_ref": ("Albarán", "Despatch advice"),
    "receiving_advice_ref": ("Aviso de recepción", "Receiving advice"),
    "tender_ref": ("Licitación o lote", "Tender or lot"),
    "accounting_ref": ("Cuenta contable", "Accounting reference"),
    "invoiced_object": ("Objeto facturado", "Invoiced object"),
    "delivery": ("Entrega", "Delivery"),
    "attachments": ("Documentos adjuntos", "Attachments"),
    "centres": ("Centros administrativos (DIR3)", "Administrative centres (DIR3)"),
    "party": ("Parte", "Party"),
    "role": ("Función", "Role"),
    "code": ("Código", "Code"),
    "name": ("Nombre", "Name"),
    # Correction (RD 1619/2012 art. 15)
    "correction": ("Datos de la rectificación", "Correction details"),
    "corrected_invoice": ("Factura rectificada", "Corrected invoice"),
    "preceding": ("Factura anterior", "Preceding invoice"),
    "reason": ("Motivo", "Reason"),
    "method": ("Método", "Method"),
    "corrected_period": ("Periodo de la factura rectificada", "Period of the corrected invoice"),
    "additional_reasons": ("Otros motivos", "Further reasons"),
    # Lines
    "lines": ("Descripción de las operaciones", "Description of the operations"),
    "col_id": ("Nº", "No."),
    "col_description": ("Descripción", "Description"),
    "col_quantity": ("Cantidad", "Quantity"),
    "col_price": ("Precio unitario", "Unit price"),
    "col_discount": ("Dto. / cargo", "Disc. / charge"),
    "col_net": ("Importe neto", "Net amount"),
    "col_tax": ("Impuesto", "Tax"),
    "item_ref": ("Ref.", "Ref."),
    "gross_price": ("Precio bruto", "Gross price"),
    "line_period": ("Periodo", "Period"),
    "line_date": ("Fecha", "Date"),
    "line_order": ("Pedido", "Order"),
    # Tax breakdown
    "breakdown": ("Desglose de impuestos", "Tax breakdown"),
    "tax": ("Impuesto", "Tax"),
    "taxable_base": ("Base imponible", "Taxable base"),
    "rate": ("Tipo", "Rate"),
    "tax_amount": ("Cuota", "Tax amount"),
    "surcharge": ("Recargo de equivalencia", "Equivalence surcharge"),
    "surcharge_rate": ("Tipo RE", "RE rate"),
    "surcharge_amount": ("Cuota RE", "RE amount"),
    # Totals
    "totals": ("Totales", "Totals"),
    "line_total": ("Suma de importes", "Sum of line amounts"),
    "allowances": ("Descuentos generales", "Document discounts"),
    "charges": ("Cargos generales", "Document charges"),
    "tax_exclusive": ("Base imponible total", "Total net amount"),
    "taxes": ("Total impuestos", "Total taxes"),
    "tax_inclusive": ("Total con impuestos", "Total including taxes"),
    "withholding": ("Retención", "Withholding"),
    "on_base": ("sobre", "on"),
    "invoice_total": ("Total factura", "Invoice total"),
    "reimbursable": ("Suplidos", "Reimbursable expenses"),
    "prepaid": ("Pagos a cuenta", "Paid in advance"),
    "amounts_withheld": ("Retenciones de garantía", "Guarantee retentions"),
    "rounding": ("Redondeo", "Rounding"),
    "payable": ("Importe a pagar", "Amount due"),
    # Payment
    "payment": ("Pago", "Payment"),
    "means": ("Forma de pago", "Payment means"),
    "iban": ("IBAN", "IBAN"),
    "account": ("Cuenta", "Account"),
    "bic": ("BIC", "BIC"),
    "account_name": ("Titular", "Account name"),
    "terms": ("Condiciones de pago", "Payment terms"),
    "remittance": ("Concepto del pago", "Remittance information"),
    "mandate": ("Referencia del mandato", "Mandate reference"),
    "creditor_id": ("Identificador del acreedor", "Creditor identifier"),
    "debited_account": ("Cuenta de cargo", "Account to be debited"),
    "card": ("Tarjeta", "Card"),
    "instalments": ("Plazos", "Instalments"),
    "amount": ("Importe", "Amount"),
    # Closing boxes
    "notes": ("Observaciones", "Notes"),
    "legal": ("Menciones legales", "Legal notices"),
    "status": ("Estado", "Status"),
    "signature": ("Firma electrónica", "Electronic signature"),
}

PAGE_OF: Final[Pair] = ("Página {page} de {pages}", "Page {page} of {pages}")
"""Running footer; ``{page}``/``{pages}`` become CSS page counters."""

TEST_SEAL: Final[str] = "TEST — sin validez legal / not legally valid"
"""Band printed on documents of test environments (``test_seal=True``)."""

# ---------------------------------------------------------------------------------------------
# Legal mentions (Reglamento de facturación, RD 1619/2012, art. 6.1 and 15)
# ---------------------------------------------------------------------------------------------

MENTION_REVERSE_CHARGE: Final[Pair] = ("Inversión del sujeto pasivo", "Reverse charge")
"""Art. 6.1: the buyer is liable for the tax (category AE)."""
MENTION_SELF_BILLING: Final[Pair] = ("Facturación por el destinatario", "Self-billing")
"""Art. 6.1: the invoice is issued by the buyer (Facturae issuer type RE, document AF)."""
MENTION_THIRD_PARTY: Final[Pair] = (
    "Factura expedida por un tercero en nombre del emisor",
    "Invoice issued by a third party on behalf of the seller",
)
MENTION_EXEMPT: Final[Pair] = ("Operación exenta de IVA", "VAT-exempt transaction")
"""Art. 6.1: an exempt operation must say so (with its legal ground when known)."""
MENTION_INTRA_EU: Final[Pair] = (
    "Entrega intracomunitaria exenta (art. 25 Ley 37/1992)",
    "Exempt intra-Community supply (Art. 138 Directive 2006/112/EC)",
)
MENTION_EXPORT: Final[Pair] = (
    "Exportación exenta (art. 21 Ley 37/1992)",
    "Exempt export (Art. 146 Directive 2006/112/EC)",
)
MENTION_NOT_SUBJECT: Final[Pair] = ("Operación no sujeta a IVA", "Transaction not subject to VAT")

# ---------------------------------------------------------------------------------------------
# Code lists in words
# ---------------------------------------------------------------------------------------------

VAT_CATEGORY: Final[dict[VatCategory, Pair]] = {
    VatCategory.STANDARD: ("", ""),
    VatCategory.ZERO_RATED: ("Tipo cero", "Zero rated"),
    VatCategory.EXEMPT: ("Exenta", "Exempt"),
    VatCategory.REVERSE_CHARGE: ("Inversión del sujeto pasivo", "Reverse charge"),
    VatCategory.INTRA_COMMUNITY: ("Entrega intracomunitaria", "Intra-Community supply"),
    VatCategory.EXPORT: ("Exportación", "Export"),
    VatCategory.NOT_SUBJECT: ("No sujeta", "Not subject"),
    VatCategory.CANARY_IGIC: ("", ""),
    VatCategory.CEUTA_MELILLA_IPSI: ("", ""),
}
"""UNCL5305 category in words; empty where the tax name and rate already say it all."""


def tax_name(tax_type: TaxType, language: str) -> str:
    """Short name of a Facturae tax: the Spanish acronym, or "VAT" for IVA in English."""
    if tax_type is TaxType.IVA and language == "en":
        return "VAT"
    if tax_type is TaxType.OTHER:
        return "Otro" if language == "es" else "Other"
    return tax_type.name


PAYMENT_MEANS_UNCL4461: Final[dict[str, Pair]] = {
    "1": ("No definido", "Not defined"),
    "10": ("Efectivo", "Cash"),
    "20": ("Cheque", "Cheque"),
    "30": ("Transferencia", "Credit transfer"),
    "31": ("Adeudo", "Debit transfer"),
    "42": ("Pago en cuenta bancaria", "Payment to bank account"),
    "48": ("Tarjeta bancaria", "Bank card"),
    "49": ("Domiciliación bancaria", "Direct debit"),
    "54": ("Tarjeta de crédito", "Credit card"),
    "55": ("Tarjeta de débito", "Debit card"),
    "57": ("Acuerdo permanente", "Standing agreement"),
    "58": ("Transferencia SEPA", "SEPA credit transfer"),
    "59": ("Adeudo directo SEPA", "SEPA direct debit"),
    "68": ("Pago en línea", "Online payment service"),
    "97": ("Compensación", "Clearing between partners"),
    "ZZZ": ("Acordada entre las partes", "Mutually defined"),
}
"""BT-81 payment means (UNCL4461), the codes Spanish and Peppol invoices use."""

PAYMENT_MEANS_FACTURAE: Final[dict[str, Pair]] = {
    "01": ("Al contado", "In cash"),
    "02": ("Recibo domiciliado", "Direct debit"),
    "03": ("Recibo", "Receipt"),
    "04": ("Transferencia", "Credit transfer"),
    "05": ("Letra aceptada", "Accepted bill of exchange"),
    "06": ("Crédito documentario", "Documentary credit"),
    "07": ("Contrato adjudicación", "Contract award"),
    "08": ("Letra de cambio", "Bill of exchange"),
    "09": ("Pagaré a la orden", "Transferable promissory note"),
    "10": ("Pagaré no a la orden", "Non-transferable promissory note"),
    "11": ("Cheque", "Cheque"),
    "12": ("Reposición", "Open account reimbursement"),
    "13": ("Especiales", "Special payment"),
    "14": ("Compensación", "Set-off by reciprocal credits"),
    "15": ("Giro postal", "Postgiro"),
    "16": ("Cheque conformado", "Certified cheque"),
    "17": ("Cheque bancario", "Banker's draft"),
    "18": ("Pago contra reembolso", "Cash on delivery"),
    "19": ("Pago mediante tarjeta", "Payment by card"),
}
"""Facturae ``PaymentMeans`` of an instalment (schema ``PaymentMeansType``)."""

CORRECTION_REASON: Final[dict[str, Pair]] = {
    "01": ("Número de la factura", "Invoice number"),
    "02": ("Serie de la factura", "Invoice series"),
    "03": ("Fecha expedición", "Issue date"),
    "04": ("Nombre y apellidos/Razón social del emisor", "Issuer's name"),
    "05": ("Nombre y apellidos/Razón social del receptor", "Receiver's name"),
    "06": ("Identificación fiscal del emisor/obligado", "Issuer's tax ID"),
    "07": ("Identificación fiscal del receptor", "Receiver's tax ID"),
    "08": ("Domicilio del emisor/obligado", "Issuer's address"),
    "09": ("Domicilio del receptor", "Receiver's address"),
    "10": ("Detalle de la operación", "Item line"),
    "11": ("Porcentaje impositivo a aplicar", "Applicable tax rate"),
    "12": ("Cuota tributaria a aplicar", "Applicable tax amount"),
    "13": ("Fecha/periodo a aplicar", "Applicable date/period"),
    "14": ("Clase de factura", "Invoice class"),
    "15": ("Literales legales", "Legal literals"),
    "16": ("Base imponible", "Taxable base"),
    "80": ("Cálculo de cuotas repercutidas", "Calculation of tax outputs"),
    "81": ("Cálculo de cuotas retenidas", "Calculation of taxes withheld"),
    "82": (
        "Base imponible modificada por devolución de envases / embalajes",
        "Taxable base modified due to return of packaging",
    ),
    "83": (
        "Base imponible modificada por descuentos y bonificaciones",
        "Taxable base modified due to discounts and rebates",
    ),
    "84": (
        "Base imponible modificada por resolución firme, judicial o administrativa",
        "Taxable base modified by a final court or administrative decision",
    ),
    "85": (
        "Base imponible modificada por cuotas repercutidas no satisfechas "
        "(auto de declaración de concurso)",
        "Taxable base modified for unpaid tax in insolvency proceedings",
    ),
}
"""Facturae ``ReasonCode`` of a corrective invoice (art. 80 Ley 37/1992 grounds)."""

CORRECTION_METHOD: Final[dict[str, Pair]] = {
    "01": ("Rectificación íntegra", "Full replacement"),
    "02": ("Rectificación por diferencias", "Differences only"),
    "03": (
        "Rectificación por descuento por volumen de operaciones durante un periodo",
        "Volume discount over a period",
    ),
    "04": ("Autorizada por la Agencia Tributaria", "Authorised by the Tax Agency"),
}
"""Facturae ``CorrectionMethod``."""

DIR3_ROLE: Final[dict[str, Pair]] = {
    "01": ("Oficina contable", "Accounting office"),
    "02": ("Órgano gestor", "Managing body"),
    "03": ("Unidad tramitadora", "Processing unit"),
    "04": ("Órgano proponente", "Proposing body"),
}
"""FACe roles of a DIR3 administrative centre (Facturae ``RoleTypeCode``)."""

UNITS: Final[dict[str, tuple[str, str, str, str]]] = {
    # code: (es singular, es plural, en singular, en plural)
    "C62": ("ud.", "uds.", "unit", "units"),
    "EA": ("ud.", "uds.", "each", "each"),
    "H87": ("pieza", "piezas", "piece", "pieces"),
    "HUR": ("h", "h", "h", "h"),
    "MIN": ("min", "min", "min", "min"),
    "SEC": ("s", "s", "s", "s"),
    "DAY": ("día", "días", "day", "days"),
    "WEE": ("semana", "semanas", "week", "weeks"),
    "MON": ("mes", "meses", "month", "months"),
    "ANN": ("año", "años", "year", "years"),
    "KGM": ("kg", "kg", "kg", "kg"),
    "GRM": ("g", "g", "g", "g"),
    "TNE": ("t", "t", "t", "t"),
    "LTR": ("l", "l", "l", "l"),
    "CLT": ("cl", "cl", "cl", "cl"),
    "MLT": ("ml", "ml", "ml", "ml"),
    "MTR": ("m", "m", "m", "m"),
    "CMT": ("cm", "cm", "cm", "cm"),
    "MMT": ("mm", "mm", "mm", "mm"),
    "KMT": ("km", "km", "km", "km"),
    "MTK": ("m²", "m²", "m²", "m²"),
    "MTQ": ("m³", "m³", "m³", "m³"),
    "KWH": ("kWh", "kWh", "kWh", "kWh"),
    "WTT": ("W", "W", "W", "W"),
    "DZN": ("docena", "docenas", "dozen", "dozen"),
    "SET": ("juego", "juegos", "set", "sets"),
    "LS": ("tanto alzado", "tanto alzado", "lump sum", "lump sum"),
    "E48": ("servicio", "servicios", "service", "services"),
    "XBX": ("caja", "cajas", "box", "boxes"),
    "XPK": ("paquete", "paquetes", "package", "packages"),
    "XBG": ("bolsa", "bolsas", "bag", "bags"),
    "XBO": ("botella", "botellas", "bottle", "bottles"),
    "XCS": ("estuche", "estuches", "case", "cases"),
    "XRO": ("rollo", "rollos", "roll", "rolls"),
}
"""UN/ECE Recommendation 20 / 21 units (BT-130) as printed after a quantity."""

COUNTRIES: Final[dict[str, Pair]] = {
    "ES": ("España", "Spain"),
    "PT": ("Portugal", "Portugal"),
    "FR": ("Francia", "France"),
    "DE": ("Alemania", "Germany"),
    "IT": ("Italia", "Italy"),
    "NL": ("Países Bajos", "Netherlands"),
    "BE": ("Bélgica", "Belgium"),
    "LU": ("Luxemburgo", "Luxembourg"),
    "AT": ("Austria", "Austria"),
    "IE": ("Irlanda", "Ireland"),
    "PL": ("Polonia", "Poland"),
    "SE": ("Suecia", "Sweden"),
    "DK": ("Dinamarca", "Denmark"),
    "FI": ("Finlandia", "Finland"),
    "GR": ("Grecia", "Greece"),
    "GB": ("Reino Unido", "United Kingdom"),
    "CH": ("Suiza", "Switzerland"),
    "NO": ("Noruega", "Norway"),
    "AD": ("Andorra", "Andorra"),
    "US": ("Estados Unidos", "United States"),
    "MX": ("México", "Mexico"),
    "MA": ("Marruecos", "Morocco"),
}
"""Country names of the usual trading partners; other codes print as their ISO code."""
