"""Spanish texts for the syntax-binding rules of the official artefacts (``UBL-SR``,
``UBL-CR``, ``UBL-DT``, ``CII-SR``, ``CII-DT``).

There are some 1,300 of them and they say few different things ("X should not be present",
"X shall occur maximum once" …), so instead of one hand-written sentence each they are
translated from their official English text by a maintained table: :data:`PATTERNS` (one
regular expression per sentence shape, with its Spanish form), :data:`TERMS` (the business
terms the UBL-SR rules name, in the words of the Spanish EN 16931 translation) and
:data:`OVERRIDES` for the handful of one-off sentences.  Element names (``SpecifiedTransactionID``,
``cac:Delivery`` …) stay as they are: they are what a person finds in the file.

``tests/einvoice/rules/test_syntax_es.py`` checks that every such rule id in the vendored
artefacts gets a Spanish text from this table, so an artefact update that adds a new sentence
shape fails the tests until the table learns it.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["OVERRIDES", "PATTERNS", "SYNTAX_PREFIXES", "TERMS", "syntax_message_es"]

SYNTAX_PREFIXES: Final = ("UBL-SR-", "UBL-CR-", "UBL-DT-", "CII-SR-", "CII-DT-")
"""Rule id prefixes of the syntax-binding rules translated here."""

TERMS: Final[dict[str, str]] = {
    "Contract identifier": "la referencia del contrato (BT-12)",
    "Receive advice identifier": "la referencia del aviso de recepción (BT-15)",
    "Despatch advice identifier": "la referencia del aviso de expedición (BT-16)",
    "Invoice object identifier": "el identificador del objeto facturado (BT-18)",
    "Payment terms": "las condiciones de pago (BT-20)",
    "Preceding invoice reference": "la referencia a la factura anterior (BG-3)",
    "Invoice period": "el periodo de facturación (BG-14)",
    "Seller name": "el nombre del vendedor (BT-27)",
    "Seller trader name": "el nombre comercial del vendedor (BT-28)",
    "Seller legal registration identifier": "el identificador registral del vendedor (BT-30)",
    "Seller VAT identifier": "el NIF-IVA del vendedor (BT-31)",
    "Seller tax registration": "el identificador fiscal local del vendedor (BT-32)",
    "Seller additional legal information": "la información legal adicional del vendedor (BT-33)",
    "Buyer name": "el nombre del comprador (BT-44)",
    "Buyer identifier": "el identificador del comprador (BT-46)",
    "Buyer legal registration identifier": "el identificador registral del comprador (BT-47)",
    "Buyer VAT identifier": "el NIF-IVA del comprador (BT-48)",
    "Buyer trade name": "el nombre comercial del comprador (BT-45)",
    "Payee name": "el nombre del beneficiario del pago (BT-59)",
    "Payee identifier": "el identificador del beneficiario del pago (BT-60)",
    "Payee legal registration identifier": (
        "el identificador registral del beneficiario del pago (BT-61)"
    ),
    "Seller tax representative name": "el nombre del representante fiscal (BT-62)",
    "Seller tax representative VAT identifier": "el NIF-IVA del representante fiscal (BT-63)",
    "Deliver to information": "la información de entrega (BG-13)",
    "Deliver to party name": "el nombre del destinatario de la entrega (BT-70)",
    "Payment reference": "la referencia del pago (BT-83)",
    "Payment means text": "el texto del medio de pago (BT-82)",
    "Mandate reference identifier": "la referencia del mandato (BT-89)",
    "Bank creditor reference": "el identificador del acreedor (BT-90)",
    "Document level allowance reason": "el motivo del descuento del documento (BT-97)",
    "Document level charge reason": "el motivo del cargo del documento (BT-104)",
    "VAT exemption reason text": "el motivo de exención de IVA (BT-120)",
    "Supporting document description": "la descripción del documento justificativo (BT-123)",
    "Invoice line note": "la nota de la línea (BT-127)",
    "Referenced purchase order line identifier": "la referencia de la línea del pedido (BT-132)",
    "Invoice line period": "el periodo de la línea (BG-26)",
    "Item price discount": "el descuento sobre el precio del artículo (BT-147)",
    "Project reference": "la referencia del proyecto (BT-11)",
    "Due Date": "la fecha de vencimiento (BT-9)",
    "Value tax point date": "la fecha de devengo del IVA (BT-7)",
    "Item description": "la descripción del artículo (BT-154)",
    "Document reference": "la referencia del documento",
    "Party tax scheme": "el esquema fiscal de la parte (cac:PartyTaxScheme)",
}
"""Business terms named by UBL-SR rules, in Spanish (EN 16931 term ids added)."""


def _subject(text: str) -> str:
    """A subject in Spanish: a known term, else the element name as written in the rule."""
    text = text.strip()
    known = TERMS.get(text)
    if known is not None:
        return known
    return f"«{text}»"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern), spanish)
    for pattern, spanish in (
        (
            r"^A UBL (?:invoice|credit note) (?:should|shall) not include "
            r"(?:the |a |an )?(.+?)\.?$",
            "Una factura UBL según la EN 16931 no debe incluir {0}: el elemento no forma parte "
            "de la norma y el receptor puede ignorarlo o rechazarlo.",
        ),
        (
            r"^(.+?) ?should not be present\.?$",
            "{0} no debe estar presente: la EN 16931 no lo usa en esta sintaxis.",
        ),
        (r"^(.+?) shall not be used\.?$", "{0} no debe usarse: la EN 16931 no lo admite aquí."),
        (
            r"^(.+?) (?:shall|should) (?:occur|exist) (?:maximum|at most) once"
            r"(?: in (\w+))?(, if the Payee is different from the Seller"
            r"|, if the Seller has a tax representative)?\.?$",
            "{0} solo puede aparecer una vez{1}{2}.",
        ),
        (r"^(.+?) must exist exactly once\.?$", "{0} debe aparecer exactamente una vez."),
        (
            r"^(.+?) shall occur maximum twice in accounting supplier party\.?$",
            "{0} solo puede aparecer dos veces en el vendedor (una para el NIF-IVA y otra para "
            "el identificador fiscal local).",
        ),
        (r"^Only one (.+?) (?:should|shall) be present(.*)$", "Solo puede haber un {0}{1}."),
        (r"^Only one (.+?) is allowed (on an invoice|with .+?)\.?$", "Solo se admite un {0} {1}."),
        (r"^(.+?) must be present if (.+?) is present\.?$", "{0} es obligatorio si hay {1}."),
        (
            r"^All (.+?) shall have the same value across all (\w+)\.?$",
            "Todos los {0} deben tener el mismo valor en todos los {1}.",
        ),
    )
)
"""Sentence shapes of the syntax rules, first match wins; ``{0}``, ``{1}`` … are the
groups, subjects translated through :data:`TERMS`."""

OVERRIDES: Final[dict[str, str]] = {
    "UBL-SR-07": (
        "Si hay referencia a una factura anterior (BG-3), debe indicarse su número (BT-25)."
    ),
    "UBL-SR-43": (
        "El atributo de esquema de la referencia solo puede usarse para el objeto facturado "
        "(documento de tipo 130 o 50)."
    ),
    "UBL-SR-44": (
        "Una factura solo puede tener una referencia de pago (PaymentID), aunque se repita en "
        "varios medios de pago."
    ),
    "UBL-SR-47": "Si hay varios códigos de medio de pago, deben ser iguales.",
    "UBL-SR-48": "Cada línea debe tener una y solo una categoría de IVA (ClassifiedTaxCategory).",
    "UBL-SR-51": "Una dirección solo puede tener una tercera línea (BT-163 …).",
    "UBL-SR-53": (
        "Si se indica el esquema fiscal de una parte (PartyTaxScheme/TaxScheme/ID), debe "
        "indicarse su identificador (CompanyID)."
    ),
    "UBL-SR-54": "Una factura solo puede tener una tarjeta de pago (BG-18).",
    "UBL-SR-55": "Una factura solo puede tener un mandato de domiciliación (BG-19).",
    "UBL-SR-56": (
        "Una factura solo puede tener una referencia al documento de origen o licitación (BT-17)."
    ),
    "UBL-DT-01": "Los importes deben tener como máximo dos decimales.",
    "UBL-DT-06": "Todo documento adjunto debe indicar su tipo MIME (atributo mimeCode).",
    "UBL-DT-07": "Todo documento adjunto debe indicar su nombre de fichero (atributo filename).",
    "CII-DT-037": "El código de tipo de impuesto (TypeCode) debe ser «VAT».",
    "CII-DT-097": (
        "Una fecha con el atributo de formato 102 debe escribirse AAAAMMDD (año, mes y día)."
    ),
    "CII-SR-119": "En el precio solo pueden indicarse descuentos, no cargos.",
    "CII-SR-463": (
        "Cada descuento o cargo del documento (BG-20, BG-21) debe llevar el indicador de "
        "cargo (ChargeIndicator)."
    ),
    "CII-SR-469": "La referencia del pago (BT-83) solo puede aparecer una vez en el documento.",
    "CII-SR-470": "Debe indicarse el IBAN o un identificador propio de la cuenta (BT-84).",
    "CII-SR-471": (
        "Cada descuento o cargo del documento (BG-20, BG-21) debe indicar su categoría de IVA "
        "(BT-95)."
    ),
    "CII-SR-472": (
        "Cada descuento o cargo del documento (BG-20, BG-21) debería indicar su tipo de IVA "
        "(BT-96)."
    ),
    "CII-SR-474": (
        "Una línea no puede tener más de un documento referenciado de tipo 130 (objeto facturado)."
    ),
}
"""Sentences that have a shape of their own, by rule id."""

_TAIL_ES: Final = {
    ", if the Payee is different from the Seller": (
        ", cuando el beneficiario del pago no es el vendedor"
    ),
    ", if the Seller has a tax representative": ", cuando el vendedor tiene representante fiscal",
}


def syntax_message_es(rule: str, english: str) -> str:
    """The Spanish text of a syntax-binding rule ('' when ``rule`` is not one or no pattern
    of the table fits ``english``, the official text without its ``[id] -`` prefix)."""
    if not rule.startswith(SYNTAX_PREFIXES):
        return ""
    fixed = OVERRIDES.get(rule)
    if fixed is not None:
        return fixed
    text = " ".join(english.split())
    for pattern, spanish in PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        groups = [g or "" for g in match.groups()]
        parts: list[str] = []
        for index, group in enumerate(groups):
            if index == 0:
                parts.append(_subject(group))
            elif group in _TAIL_ES:
                parts.append(_TAIL_ES[group])
            elif group and pattern.pattern.startswith("^(.+?) (?:shall|should) (?:occur"):
                parts.append(f" en «{group}»")
            else:
                parts.append(_spanish_fragment(group))
        return _cap(spanish.format(*parts))
    return ""


def _spanish_fragment(text: str) -> str:
    """Small English fragments of the rarer shapes ("on an invoice", "with TypeCode 916")."""
    text = text.strip()
    if text == "on an invoice":
        return "por factura"
    if text.startswith("with "):
        return "con " + text[5:]
    if text.startswith("(either the ID or the Global ID)"):
        return " (el ID o el GlobalID, no ambos)"
    return f"«{text}»" if text else ""
