"""XSD errors in words a bookkeeper understands, in English and Spanish.

libxml2 reports schema errors in technical English ("Element '{urn:…}TaxRate': [facet
'pattern'] The value '21,00' is not accepted by the pattern '…'").  :func:`explain` turns
the common kinds into a sentence that names the element in plain words (with its XML name
in brackets, so support staff can still find it), the value that was found and what the
schema allows.  Unknown kinds keep the libxml2 text in the English sentence only; the
Spanish one says what kind of problem it is and never quotes libxml2's English.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["explain", "plain_name"]

# Element names that appear in Facturae, UBL and CII, in plain words (English, Spanish).
# Other names are split into words ("PostCode" -> "post code").
_NAMES: Final = {
    "TaxIdentificationNumber": ("tax ID (NIF)", "NIF"),
    "InvoiceNumber": ("invoice number", "número de factura"),
    "InvoiceSeriesCode": ("invoice series", "serie de la factura"),
    "IssueDate": ("issue date", "fecha de expedición"),
    "InvoiceIssueDate": ("issue date", "fecha de expedición"),
    "OperationDate": ("date of the operation", "fecha de la operación"),
    "TaxRate": ("tax rate", "tipo impositivo"),
    "TaxTypeCode": ("tax type", "tipo de impuesto"),
    "TaxableBase": ("taxable base", "base imponible"),
    "TaxAmount": ("tax amount", "cuota"),
    "TotalAmount": ("amount", "importe"),
    "TotalCost": ("line total", "importe total de la línea"),
    "GrossAmount": ("line amount", "importe bruto de la línea"),
    "UnitPriceWithoutTax": ("unit price", "precio unitario sin impuestos"),
    "Quantity": ("quantity", "cantidad"),
    "UnitOfMeasure": ("unit of measure", "unidad de medida"),
    "ItemDescription": ("item description", "descripción del artículo"),
    "CorporateName": ("company name", "razón social"),
    "Name": ("name", "nombre"),
    "FirstSurname": ("first surname", "primer apellido"),
    "Address": ("street address", "dirección"),
    "PostCode": ("post code", "código postal"),
    "Town": ("town", "población"),
    "Province": ("province", "provincia"),
    "CountryCode": ("country code", "código de país"),
    "InvoiceCurrencyCode": ("invoice currency", "moneda de la factura"),
    "TaxCurrencyCode": ("tax currency", "moneda del impuesto"),
    "LanguageName": ("language", "idioma"),
    "PersonTypeCode": ("person type (legal entity or individual)", "tipo de persona"),
    "ResidenceTypeCode": ("residence type", "tipo de residencia"),
    "InvoiceDocumentType": ("document type", "tipo de documento"),
    "InvoiceClass": ("invoice class", "clase de factura"),
    "SchemaVersion": ("Facturae version", "versión de Facturae"),
    "Modality": ("modality (single invoice or batch)", "modalidad (individual o lote)"),
    "InvoiceIssuerType": ("issuer type", "tipo de emisor"),
    "BatchIdentifier": ("batch identifier", "identificador del lote"),
    "InvoicesCount": ("number of invoices", "número de facturas"),
    "InstallmentDueDate": ("due date", "fecha de vencimiento"),
    "InstallmentAmount": ("instalment amount", "importe del vencimiento"),
    "PaymentMeans": ("payment means", "medio de pago"),
    "IBAN": ("IBAN", "IBAN"),
    "AccountNumber": ("account number", "número de cuenta"),
    "ReasonCode": ("correction reason", "motivo de la rectificación"),
    "CorrectionMethod": ("correction method", "método de rectificación"),
    "CentreCode": ("DIR3 centre code", "código de centro DIR3"),
    "RoleTypeCode": ("centre role", "rol del centro"),
    "ID": ("identifier", "identificador"),
    "IssueTime": ("issue time", "hora de expedición"),
    "DueDate": ("due date", "fecha de vencimiento"),
    "InvoiceTypeCode": ("invoice type code", "código de tipo de factura"),
    "CreditNoteTypeCode": ("credit note type code", "código de tipo de abono"),
    "DocumentCurrencyCode": ("invoice currency", "moneda de la factura"),
    "CompanyID": ("company or VAT identifier", "identificador fiscal de la empresa"),
    "RegistrationName": ("registered name", "razón social"),
    "StreetName": ("street", "calle"),
    "CityName": ("city", "ciudad"),
    "PostalZone": ("post code", "código postal"),
    "IdentificationCode": ("country code", "código de país"),
    "Percent": ("percentage", "porcentaje"),
    "TaxExclusiveAmount": ("total without VAT", "total sin IVA"),
    "TaxInclusiveAmount": ("total with VAT", "total con IVA"),
    "PayableAmount": ("amount due", "importe a pagar"),
    "LineExtensionAmount": ("net amount", "importe neto"),
    "PriceAmount": ("price", "precio"),
    "InvoicedQuantity": ("invoiced quantity", "cantidad facturada"),
    "CreditedQuantity": ("credited quantity", "cantidad abonada"),
    "TaxCategory": ("VAT category", "categoría de IVA"),
    "ClassifiedTaxCategory": ("VAT category of the item", "categoría de IVA del artículo"),
    "AccountingSupplierParty": ("seller", "vendedor"),
    "AccountingCustomerParty": ("buyer", "comprador"),
    "SellerParty": ("seller", "vendedor"),
    "BuyerParty": ("buyer", "comprador"),
    "DateTimeString": ("date", "fecha"),
    "TypeCode": ("type code", "código de tipo"),
    "CategoryCode": ("VAT category", "categoría de IVA"),
    "RateApplicablePercent": ("VAT rate", "tipo de IVA"),
    "BasisAmount": ("base amount", "importe base"),
    "CalculatedAmount": ("tax amount", "cuota"),
    "ChargeAmount": ("amount", "importe"),
    "GrandTotalAmount": ("total with VAT", "total con IVA"),
    "DuePayableAmount": ("amount due", "importe a pagar"),
}

_ATOMIC_TYPES: Final = {
    "decimal": (
        "a number with a dot as decimal mark (e.g. 1234.56)",
        "un número con punto decimal (p. ej. 1234.56)",
    ),
    "double": (
        "a number with a dot as decimal mark (e.g. 1234.56)",
        "un número con punto decimal (p. ej. 1234.56)",
    ),
    "date": ("a date written YYYY-MM-DD", "una fecha escrita AAAA-MM-DD"),
    "dateTime": (
        "a date and time written YYYY-MM-DDThh:mm:ss",
        "una fecha y hora escritas AAAA-MM-DDThh:mm:ss",
    ),
    "integer": ("a whole number", "un número entero"),
    "positiveInteger": ("a whole number greater than zero", "un número entero mayor que cero"),
    "boolean": ("true or false", "true o false"),
}

_ELEMENT = re.compile(
    r"^Element '(?P<el>[^']+)'(?:, attribute '(?P<attr>[^']+)')?: (?P<rest>.*)$", re.DOTALL
)
_EXPECTED = re.compile(r"Expected is (?:one of )?\( (?P<names>.*?) \)")


def _local(name: str) -> str:
    name = name.rsplit("}", 1)[-1]
    return name.rsplit(":", 1)[-1]


def _words(name: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return spaced.lower() if not spaced.isupper() else spaced


def plain_name(element: str) -> tuple[str, str]:
    """``(English, Spanish)`` plain words for an element name (namespaces are ignored)."""
    local = _local(element)
    known = _NAMES.get(local)
    if known is not None:
        return known
    return _words(local), ""


def _names(text: str) -> tuple[str, str]:
    items = [_local(n.strip()) for n in text.split(",") if n.strip()]
    plain = [plain_name(n) for n in items]
    en = ", ".join(f"{p[0]} ({n})" for p, n in zip(plain, items, strict=True))
    es = ", ".join(f"{p[1]} ({n})" if p[1] else n for p, n in zip(plain, items, strict=True))
    return en, es


def explain(message: str, line: int | None = None) -> tuple[str, str]:
    """``(English, Spanish)`` sentences for one libxml2 schema error ``message``."""
    at_en = f"Line {line}: " if line else ""
    at_es = f"Línea {line}: " if line else ""
    match = _ELEMENT.match(message.strip())
    if match is None:
        if "no document element" in message or "validation root" in message:
            return (
                f"{at_en}the file has no invoice in it, or its root element is not one this "
                f"format defines ({message}).",
                f"{at_es}el fichero no contiene ninguna factura o su elemento raíz no es uno "
                "de los que define este formato.",
            )
        return (
            f"{at_en}the file does not follow its schema: {message}",
            f"{at_es}el fichero no sigue el esquema de su formato (el detalle técnico, del "
            "validador, figura en la versión inglesa de este mensaje).",
        )
    local = _local(match["el"])
    en_name, es_name = plain_name(local)
    what_en = f"the {en_name} ({local})"
    what_es = f"el campo {es_name} ({local})" if es_name else f"el campo {local}"
    if match["attr"]:
        what_en = f"attribute '{match['attr']}' of {what_en}"
        what_es = f"el atributo '{match['attr']}' de {what_es}"
    rest = match["rest"]

    def found(pattern: str) -> re.Match[str] | None:
        return re.search(pattern, rest, re.DOTALL)

    if m := found(r"This element is not expected\.(?: Expected is)?"):
        expected = _EXPECTED.search(rest)
        if expected:
            exp_en, exp_es = _names(expected["names"])
            return (
                f"{at_en}{what_en} is not allowed here; expected: {exp_en}. Check the order of "
                "the elements and that no required one is missing before it.",
                f"{at_es}{what_es} no puede ir aquí; se esperaba: {exp_es}. Revise el orden de "
                "los elementos y que no falte ninguno obligatorio antes.",
            )
        return (
            f"{at_en}{what_en} is not allowed here (it is in the wrong place or does not exist "
            "in this format).",
            f"{at_es}{what_es} no puede ir aquí (está mal situado o no existe en este formato).",
        )
    if found(r"Missing child element"):
        expected = _EXPECTED.search(rest)
        exp_en, exp_es = _names(expected["names"]) if expected else ("?", "?")
        return (
            f"{at_en}{what_en} is incomplete: it must contain {exp_en}.",
            f"{at_es}{what_es} está incompleto: debe contener {exp_es}.",
        )
    if m := found(
        r"\[facet 'enumeration'\] The value '(?P<v>[^']*)' is not an element of the "
        r"set \{(?P<set>.*)\}"
    ):
        allowed = m["set"].replace("'", "")
        if len(allowed) > 160:
            allowed = allowed[:157] + "…"
        return (
            f"{at_en}{what_en} is '{m['v']}', which is not one of the allowed codes ({allowed}).",
            f"{at_es}{what_es} vale '{m['v']}', que no es uno de los códigos admitidos "
            f"({allowed}).",
        )
    if m := found(
        r"\[facet 'pattern'\] The value '(?P<v>[^']*)' is not accepted by the pattern "
        r"'(?P<p>[^']*)'"
    ):
        return (
            f"{at_en}{what_en} is '{m['v']}', which is not written the way this field requires "
            f"(format {m['p']}).",
            f"{at_es}{what_es} vale '{m['v']}', que no está escrito como exige este campo "
            f"(formato {m['p']}).",
        )
    if m := found(
        r"\[facet 'maxLength'\] The value (?:'(?P<v>[^']*)' )?has a length of '(?P<n>\d+)'; "
        r"this exceeds the allowed maximum length of '(?P<max>\d+)'"
    ):
        shown = f" ('{m['v'][:60]}')" if m["v"] else ""
        return (
            f"{at_en}{what_en} is too long: {m['n']} characters, at most {m['max']} "
            f"allowed{shown}.",
            f"{at_es}{what_es} es demasiado largo: {m['n']} caracteres, como máximo "
            f"{m['max']}{shown}.",
        )
    if m := found(
        r"\[facet 'minLength'\] The value (?:'(?P<v>[^']*)' )?has a length of '(?P<n>\d+)'; "
        r"this underruns the allowed minimum length of '(?P<min>\d+)'"
    ):
        return (
            f"{at_en}{what_en} is too short or empty: {m['n']} characters, at least {m['min']} "
            "needed.",
            f"{at_es}{what_es} es demasiado corto o está vacío: {m['n']} caracteres, como "
            f"mínimo {m['min']}.",
        )
    if m := found(
        r"\[facet 'fractionDigits'\] The value '(?P<v>[^']*)' has more fractional "
        r"digits than are allowed \('(?P<d>\d+)'\)"
    ):
        return (
            f"{at_en}{what_en} is {m['v']}, with more decimals than the {m['d']} allowed; round "
            "it.",
            f"{at_es}{what_es} vale {m['v']}, con más decimales de los {m['d']} permitidos; "
            "redondéelo.",
        )
    if m := found(
        r"\[facet 'totalDigits'\] The value '(?P<v>[^']*)' has more digits than are "
        r"allowed \('(?P<d>\d+)'\)"
    ):
        return (
            f"{at_en}{what_en} is {m['v']}, with more than the {m['d']} digits allowed.",
            f"{at_es}{what_es} vale {m['v']}, con más de los {m['d']} dígitos permitidos.",
        )
    if m := found(
        r"\[facet '(?P<f>minInclusive|minExclusive|maxInclusive|maxExclusive)'\] The "
        r"value '(?P<v>[^']*)' is (?:less|greater) than (?:or equal to )?the "
        r"(?:minimum|maximum) value allowed \('(?P<lim>[^']*)'\)"
    ):
        low = m["f"].startswith("min")
        return (
            f"{at_en}{what_en} is {m['v']}, "
            f"{'below the minimum' if low else 'above the maximum'} of {m['lim']}.",
            f"{at_es}{what_es} vale {m['v']}, "
            f"{'por debajo del mínimo' if low else 'por encima del máximo'} de {m['lim']}.",
        )
    if m := found(
        r"'(?P<v>[^']*)' is not a valid value of the (?:local )?(?:atomic|union|list) "
        r"type(?: '(?P<t>[^']*)')?"
    ):
        kind = _local(m["t"] or "")
        wanted = _ATOMIC_TYPES.get(kind)
        if wanted is None and re.fullmatch(r"\s*-?[\d.]*\d,\d+\s*", m["v"]):
            wanted = _ATOMIC_TYPES["decimal"]  # a decimal comma: the usual Spanish slip
        if wanted is None and re.fullmatch(r"\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\s*", m["v"]):
            wanted = _ATOMIC_TYPES["date"]
        if wanted is None:
            wanted = next(
                (v for k, v in _ATOMIC_TYPES.items() if kind.lower().endswith(k.lower())),
                ("a value of type " + (kind or "?"), "un valor del tipo " + (kind or "?")),
            )
        return (
            f"{at_en}{what_en} is '{m['v']}', but it must be {wanted[0]}.",
            f"{at_es}{what_es} vale '{m['v']}', pero debe ser {wanted[1]}.",
        )
    if found(r"The attribute '[^']*' is required but missing"):
        attr = re.search(r"The attribute '(?P<a>[^']*)'", rest)
        a = attr["a"] if attr else "?"
        return (
            f"{at_en}{what_en} needs its attribute '{a}', which is missing.",
            f"{at_es}{what_es} necesita el atributo '{a}', que falta.",
        )
    if found(r"The attribute '[^']*' is not allowed"):
        return (
            f"{at_en}{what_en} is not allowed on this element.",
            f"{at_es}{what_es} no está permitido en este elemento.",
        )
    if found(r"No matching global (?:element )?declaration available"):
        return (
            f"{at_en}{what_en} is not part of this format (or of any extension it knows).",
            f"{at_es}{what_es} no forma parte de este formato (ni de ninguna extensión conocida).",
        )
    if found(r"Character content other than whitespace is not allowed"):
        return (
            f"{at_en}{what_en} contains text, but it may only contain other elements.",
            f"{at_es}{what_es} contiene texto, pero solo puede contener otros elementos.",
        )
    if m := found(
        r"\[facet 'length'\] The value (?:'(?P<v>[^']*)' )?has a length of '(?P<n>\d+)'; "
        r"this differs from the allowed length of '(?P<len>\d+)'"
    ):
        return (
            f"{at_en}{what_en} must have exactly {m['len']} characters; it has {m['n']}.",
            f"{at_es}{what_es} debe tener exactamente {m['len']} caracteres; tiene {m['n']}.",
        )
    if found(r"Element content is not allowed"):
        return (
            f"{at_en}{what_en} contains other elements, but it may only contain a value.",
            f"{at_es}{what_es} contiene otros elementos, pero solo puede contener un valor.",
        )
    if m := found(r"Duplicate key-sequence \[(?P<v>[^\]]*)\]"):
        return (
            f"{at_en}{what_en} repeats the value {m['v']}, which must be unique in the file.",
            f"{at_es}{what_es} repite el valor {m['v']}, que debe ser único en el fichero.",
        )
    if found(r"No match found for key-sequence"):
        return (
            f"{at_en}{what_en} refers to something the file does not define.",
            f"{at_es}{what_es} hace referencia a algo que el fichero no define.",
        )
    if found(r"does not resolve to a\(n\) type definition") or found(r"xsi:type"):
        return (
            f"{at_en}{what_en} declares a type (xsi:type) this format does not know.",
            f"{at_es}{what_es} declara un tipo (xsi:type) que este formato no conoce.",
        )
    if found(r"is not nillable") or found(r"not nillable"):
        return (
            f"{at_en}{what_en} is marked empty (xsi:nil), which this field does not allow.",
            f"{at_es}{what_es} está marcado como vacío (xsi:nil), y este campo no lo admite.",
        )
    if found(r"is not a valid value") or found(r"\[facet"):
        return (
            f"{at_en}{what_en} has a value this format does not allow ({rest}).",
            f"{at_es}{what_es} tiene un valor que este formato no admite.",
        )
    return (
        f"{at_en}{what_en} does not follow the schema: {rest}",
        f"{at_es}{what_es} no sigue el esquema de su formato (el detalle técnico, del "
        "validador, figura en la versión inglesa de este mensaje).",
    )
