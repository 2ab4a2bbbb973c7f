"""Spanish sentences for the official EN 16931 and Peppol BIS 3 rule ids.

The official artefacts only speak English.  Bookkeepers in Spain read these instead: each
sentence says what the rule means, naming the business terms (``BT-n``/``BG-n``) so the
entry can be found on any invoice form.  The English ``message`` of a violation stays the
official text, word for word.

The rule ids and English texts were extracted from the vendored artefacts
(``svrl:failed-assert/@id`` and ``svrl:text``); the Spanish sentences are our own.  Covered:
every ``BR-*`` rule of EN 16931 (core, ``BR-CO``, ``BR-DEC``, ``BR-CL`` and the per-category
rules ``BR-S``, ``BR-Z``, ``BR-E``, ``BR-AE``, ``BR-IC``, ``BR-G``, ``BR-O``, ``BR-AF`` (IGIC),
``BR-AG`` (IPSI), ``BR-B``) and the Peppol ``PEPPOL-EN16931-*`` and ``PEPPOL-COMMON-*`` rules.
Syntax-binding rules (``UBL-SR``, ``UBL-CR``, ``UBL-DT``, ``CII-SR``, ``CII-DT``) are
translated from their English text by the table in :mod:`einvoice.rules.syntax_es`; other
countries' national Peppol rules fall back to the English text.
``tests/einvoice/rules/test_messages_es.py`` checks that every id here exists in an
artefact and that no covered id is missing.
"""

from __future__ import annotations

from typing import Final

MESSAGES_ES: Final[dict[str, str]] = {
    "BR-01": (
        "La factura debe indicar el identificador de especificación (BT-24), es decir, qué "
        "norma o perfil cumple."
    ),
    "BR-02": "La factura debe tener número de factura (BT-1).",
    "BR-03": "La factura debe tener fecha de expedición (BT-2).",
    "BR-04": "La factura debe indicar el código de tipo de factura (BT-3).",
    "BR-05": "La factura debe indicar la moneda de la factura (BT-5).",
    "BR-06": "La factura debe indicar el nombre o razón social del vendedor (BT-27).",
    "BR-07": "La factura debe indicar el nombre o razón social del comprador (BT-44).",
    "BR-08": "La factura debe incluir la dirección postal del vendedor (BG-5).",
    "BR-09": "La dirección postal del vendedor (BG-5) debe incluir el código de país (BT-40).",
    "BR-10": "La factura debe incluir la dirección postal del comprador (BG-8).",
    "BR-11": "La dirección postal del comprador debe incluir el código de país (BT-55).",
    "BR-12": "La factura debe indicar la suma de los importes netos de las líneas (BT-106).",
    "BR-13": "La factura debe indicar el importe total sin IVA (BT-109).",
    "BR-14": "La factura debe indicar el importe total con IVA (BT-112).",
    "BR-15": "La factura debe indicar el importe a pagar (BT-115).",
    "BR-16": "La factura debe tener al menos una línea (BG-25).",
    "BR-17": "Si quien cobra (BG-10) no es el vendedor (BG-4), debe indicarse su nombre (BT-59).",
    "BR-18": (
        "Si el vendedor tiene representante fiscal (BG-11), debe indicarse el nombre del "
        "representante (BT-62)."
    ),
    "BR-19": (
        "Si el vendedor tiene representante fiscal (BG-11), debe indicarse la dirección "
        "postal del representante (BG-12)."
    ),
    "BR-20": (
        "La dirección postal del representante fiscal (BG-12) debe incluir el código de país "
        "(BT-69)."
    ),
    "BR-21": "Cada línea de factura (BG-25) debe tener un identificador de línea (BT-126).",
    "BR-22": "Cada línea de factura (BG-25) debe indicar la cantidad facturada (BT-129).",
    "BR-23": (
        "Cada línea de factura (BG-25) debe indicar la unidad de medida de la cantidad (BT-130)."
    ),
    "BR-24": "Cada línea de factura (BG-25) debe indicar su importe neto (BT-131).",
    "BR-25": "Cada línea de factura (BG-25) debe indicar el nombre del artículo (BT-153).",
    "BR-26": "Cada línea de factura (BG-25) debe indicar el precio neto del artículo (BT-146).",
    "BR-27": "El precio neto del artículo (BT-146) no puede ser negativo.",
    "BR-28": "El precio bruto del artículo (BT-148) no puede ser negativo.",
    "BR-29": (
        "La fecha final del periodo de facturación (BT-74) no puede ser anterior a la fecha "
        "inicial (BT-73)."
    ),
    "BR-30": (
        "La fecha final del periodo de la línea (BT-135) no puede ser anterior a la fecha "
        "inicial (BT-134)."
    ),
    "BR-31": "Cada descuento a nivel de documento (BG-20) debe indicar su importe (BT-92).",
    "BR-32": (
        "Cada descuento a nivel de documento (BG-20) debe indicar su categoría de IVA (BT-95)."
    ),
    "BR-33": (
        "Cada descuento a nivel de documento (BG-20) debe indicar su motivo, en texto (BT-97)"
        " o en código (BT-98)."
    ),
    "BR-36": "Cada cargo a nivel de documento (BG-21) debe indicar su importe (BT-99).",
    "BR-37": "Cada cargo a nivel de documento (BG-21) debe indicar su categoría de IVA (BT-102).",
    "BR-38": (
        "Cada cargo a nivel de documento (BG-21) debe indicar su motivo, en texto (BT-104) o "
        "en código (BT-105)."
    ),
    "BR-41": "Cada descuento de línea (BG-27) debe indicar su importe (BT-136).",
    "BR-42": (
        "Cada descuento de línea (BG-27) debe indicar su motivo, en texto (BT-139) o en "
        "código (BT-140)."
    ),
    "BR-43": "Cada cargo de línea (BG-28) debe indicar su importe (BT-141).",
    "BR-44": (
        "Cada cargo de línea (BG-28) debe indicar su motivo, en texto (BT-144) o en código "
        "(BT-145)."
    ),
    "BR-45": "Cada grupo del desglose de IVA (BG-23) debe indicar la base imponible (BT-116).",
    "BR-46": "Cada grupo del desglose de IVA (BG-23) debe indicar la cuota de impuesto (BT-117).",
    "BR-47": "Cada grupo del desglose de IVA (BG-23) debe indicar la categoría de IVA (BT-118).",
    "BR-48": (
        "Cada grupo del desglose de IVA (BG-23) debe indicar el tipo impositivo (BT-119), "
        "salvo que la operación no esté sujeta a IVA."
    ),
    "BR-49": "Las instrucciones de pago (BG-16) deben indicar el código del medio de pago (BT-81).",
    "BR-50": (
        "Si se indica pago por transferencia (BG-17), debe indicarse la cuenta de abono (BT-84)."
    ),
    "BR-51": (
        "Por seguridad, la factura no debe incluir el número completo de la tarjeta de pago "
        "(BT-87): como máximo los 6 primeros y los 4 últimos dígitos."
    ),
    "BR-52": "Cada documento adjunto (BG-24) debe tener una referencia (BT-122).",
    "BR-53": (
        "Si se indica la moneda de contabilización del IVA (BT-6), debe indicarse también la "
        "cuota total de IVA en esa moneda (BT-111)."
    ),
    "BR-54": "Cada atributo de artículo (BG-32) debe tener nombre (BT-160) y valor (BT-161).",
    "BR-55": (
        "Cada referencia a una factura anterior (BG-3) debe indicar el número de esa factura "
        "(BT-25)."
    ),
    "BR-56": "El representante fiscal del vendedor (BG-11) debe tener NIF-IVA (BT-63).",
    "BR-57": "Cada dirección de entrega (BG-15) debe incluir el código de país (BT-80).",
    "BR-61": (
        "Si el medio de pago (BT-81) es una transferencia (SEPA, nacional o internacional), "
        "debe indicarse la cuenta de abono (BT-84)."
    ),
    "BR-62": (
        "La dirección electrónica del vendedor (BT-34) debe indicar su esquema de identificación."
    ),
    "BR-63": (
        "La dirección electrónica del comprador (BT-49) debe indicar su esquema de identificación."
    ),
    "BR-64": (
        "El identificador estándar del artículo (BT-157) debe indicar su esquema de identificación."
    ),
    "BR-65": (
        "El identificador de clasificación del artículo (BT-158) debe indicar su esquema de "
        "identificación."
    ),
    "BR-AE-01": (
        "Si alguna línea, descuento o cargo a nivel de documento lleva la categoría de IVA "
        "«inversión del sujeto pasivo», el desglose de IVA (BG-23) debe incluir exactamente "
        "un grupo con esa categoría."
    ),
    "BR-AE-02": (
        "Si una línea (BG-25) lleva la categoría de IVA «inversión del sujeto pasivo» "
        "(BT-151), la factura debe indicar el NIF-IVA del vendedor (BT-31), su identificador "
        "fiscal local (BT-32) o el NIF-IVA de su representante fiscal (BT-63), y además el "
        "NIF-IVA del comprador (BT-48) o su identificador de registro legal (BT-47)."
    ),
    "BR-AE-03": (
        "Si un descuento a nivel de documento (BG-20) lleva la categoría de IVA «inversión "
        "del sujeto pasivo» (BT-95), la factura debe indicar el NIF-IVA del vendedor (BT-31),"
        " su identificador fiscal local (BT-32) o el NIF-IVA de su representante fiscal "
        "(BT-63), y además el NIF-IVA del comprador (BT-48) o su identificador de registro "
        "legal (BT-47)."
    ),
    "BR-AE-04": (
        "Si un cargo a nivel de documento (BG-21) lleva la categoría de IVA «inversión del "
        "sujeto pasivo» (BT-102), la factura debe indicar el NIF-IVA del vendedor (BT-31), su"
        " identificador fiscal local (BT-32) o el NIF-IVA de su representante fiscal (BT-63),"
        " y además el NIF-IVA del comprador (BT-48) o su identificador de registro legal "
        "(BT-47)."
    ),
    "BR-AE-05": (
        "En una línea con categoría de IVA «inversión del sujeto pasivo», el tipo impositivo "
        "de la línea (BT-152) debe ser 0 (cero)."
    ),
    "BR-AE-06": (
        "En un descuento a nivel de documento con categoría de IVA «inversión del sujeto "
        "pasivo», su tipo impositivo (BT-96) debe ser 0 (cero)."
    ),
    "BR-AE-07": (
        "En un cargo a nivel de documento con categoría de IVA «inversión del sujeto pasivo»,"
        " su tipo impositivo (BT-103) debe ser 0 (cero)."
    ),
    "BR-AE-08": (
        "En el desglose con categoría «inversión del sujeto pasivo», la base imponible "
        "(BT-116) debe ser la suma de los importes netos de las líneas (BT-131) menos los "
        "descuentos (BT-92) y más los cargos (BT-99) a nivel de documento con esa categoría."
    ),
    "BR-AE-09": (
        "En el desglose con categoría «inversión del sujeto pasivo», la cuota de IVA (BT-117)"
        " debe ser 0 (cero)."
    ),
    "BR-AE-10": (
        "Un desglose con categoría «inversión del sujeto pasivo» debe indicar como motivo de "
        "exención el código (BT-121) o el texto (BT-120) correspondiente a «inversión del "
        "sujeto pasivo»."
    ),
    "BR-AF-01": (
        "Si alguna línea, descuento o cargo a nivel de documento lleva la categoría de IVA "
        "«IGIC (Canarias)», el desglose de IVA (BG-23) debe incluir al menos un grupo con esa"
        " categoría."
    ),
    "BR-AF-02": (
        "Si una línea (BG-25) lleva la categoría de IVA «IGIC (Canarias)» (BT-151), la "
        "factura debe indicar el NIF-IVA del vendedor (BT-31), su identificador fiscal local "
        "(BT-32) o el NIF-IVA de su representante fiscal (BT-63)."
    ),
    "BR-AF-03": (
        "Si un descuento a nivel de documento (BG-20) lleva la categoría de IVA «IGIC "
        "(Canarias)» (BT-95), la factura debe indicar el NIF-IVA del vendedor (BT-31), su "
        "identificador fiscal local (BT-32) o el NIF-IVA de su representante fiscal (BT-63)."
    ),
    "BR-AF-04": (
        "Si un cargo a nivel de documento (BG-21) lleva la categoría de IVA «IGIC (Canarias)»"
        " (BT-102), la factura debe indicar el NIF-IVA del vendedor (BT-31), su identificador"
        " fiscal local (BT-32) o el NIF-IVA de su representante fiscal (BT-63)."
    ),
    "BR-AF-05": (
        "En una línea con categoría de IVA «IGIC (Canarias)», el tipo impositivo de la línea "
        "(BT-152) no puede ser negativo."
    ),
    "BR-AF-06": (
        "En un descuento a nivel de documento con categoría de IVA «IGIC (Canarias)», su tipo"
        " impositivo (BT-96) no puede ser negativo."
    ),
    "BR-AF-07": (
        "En un cargo a nivel de documento con categoría de IVA «IGIC (Canarias)», su tipo "
        "impositivo (BT-103) no puede ser negativo."
    ),
    "BR-AF-08": (
        "Para cada tipo impositivo de la categoría «IGIC (Canarias)», la base imponible del "
        "desglose (BT-116) debe ser la suma de los importes netos de las líneas (BT-131) más "
        "los cargos (BT-99) y menos los descuentos (BT-92) a nivel de documento con esa "
        "categoría y ese tipo."
    ),
    "BR-AF-09": (
        "En el desglose con categoría «IGIC (Canarias)», la cuota (BT-117) debe ser la base "
        "imponible (BT-116) multiplicada por el tipo (BT-119)."
    ),
    "BR-AF-10": (
        "Un desglose con categoría «IGIC (Canarias)» no puede llevar motivo de exención (ni "
        "código BT-121 ni texto BT-120)."
    ),
    "BR-AG-01": (
        "Si alguna línea, descuento o cargo a nivel de documento lleva la categoría de IVA "
        "«IPSI (Ceuta y Melilla)», el desglose de IVA (BG-23) debe incluir al menos un grupo "
        "con esa categoría."
    ),
    "BR-AG-02": (
        "Si una línea (BG-25) lleva la categoría de IVA «IPSI (Ceuta y Melilla)» (BT-151), la"
        " factura debe indicar el NIF-IVA del vendedor (BT-31), su identificador fiscal local"
        " (BT-32) o el NIF-IVA de su representante fiscal (BT-63)."
    ),
    "BR-AG-03": (
        "Si un descuento a nivel de documento (BG-20) lleva la categoría de IVA «IPSI (Ceuta "
        "y Melilla)» (BT-95), la factura debe indicar el NIF-IVA del vendedor (BT-31), su "
        "identificador fiscal local (BT-32) o el NIF-IVA de su representante fiscal (BT-63)."
    ),
    "BR-AG-04": (
        "Si un cargo a nivel de documento (BG-21) lleva la categoría de IVA «IPSI (Ceuta y "
        "Melilla)» (BT-102), la factura debe indicar el NIF-IVA del vendedor (BT-31), su "
        "identificador fiscal local (BT-32) o el NIF-IVA de su representante fiscal (BT-63)."
    ),
    "BR-AG-05": (
        "En una línea con categoría de IVA «IPSI (Ceuta y Melilla)», el tipo impositivo de la"
        " línea (BT-152) no puede ser negativo."
    ),
    "BR-AG-06": (
        "En un descuento a nivel de documento con categoría de IVA «IPSI (Ceuta y Melilla)», "
        "su tipo impositivo (BT-96) no puede ser negativo."
    ),
    "BR-AG-07": (
        "En un cargo a nivel de documento con categoría de IVA «IPSI (Ceuta y Melilla)», su "
        "tipo impositivo (BT-103) no puede ser negativo."
    ),
    "BR-AG-08": (
        "Para cada tipo impositivo de la categoría «IPSI (Ceuta y Melilla)», la base "
        "imponible del desglose (BT-116) debe ser la suma de los importes netos de las líneas"
        " (BT-131) más los cargos (BT-99) y menos los descuentos (BT-92) a nivel de documento"
        " con esa categoría y ese tipo."
    ),
    "BR-AG-09": (
        "En el desglose con categoría «IPSI (Ceuta y Melilla)», la cuota (BT-117) debe ser la"
        " base imponible (BT-116) multiplicada por el tipo (BT-119)."
    ),
    "BR-AG-10": (
        "Un desglose con categoría «IPSI (Ceuta y Melilla)» no puede llevar motivo de "
        "exención (ni código BT-121 ni texto BT-120)."
    ),
    "BR-B-01": (
        "La categoría «split payment» (IVA italiano ingresado por el comprador) solo puede "
        "usarse en facturas nacionales italianas."
    ),
    "BR-B-02": (
        "Una factura con la categoría «split payment» no puede tener líneas, descuentos ni "
        "cargos con la categoría «IVA general»."
    ),
    "BR-CL-01": (
        "El código de tipo de factura debe ser uno de los de factura o abono de la lista "
        "UNTDID 1001."
    ),
    "BR-CL-03": "El atributo de moneda (currencyID) debe ser un código ISO 4217 de tres letras.",
    "BR-CL-04": "La moneda de la factura debe ser un código ISO 4217 de tres letras.",
    "BR-CL-05": "La moneda de contabilización del IVA debe ser un código ISO 4217 de tres letras.",
    "BR-CL-06": (
        "El código de fecha de devengo del IVA debe ser uno de los admitidos de la lista "
        "UNTDID 2005."
    ),
    "BR-CL-07": (
        "El esquema del identificador del objeto facturado debe ser uno de los admitidos de "
        "la lista UNTDID 1153."
    ),
    "BR-CL-08": "El código de asunto de la nota debe pertenecer a la lista UNTDID 4451.",
    "BR-CL-10": (
        "El esquema de cualquier identificador debe ser un código de la lista ISO 6523 ICD."
    ),
    "BR-CL-11": (
        "El esquema de cualquier identificador de registro debe ser un código de la lista ISO"
        " 6523 ICD."
    ),
    "BR-CL-13": (
        "El esquema del código de clasificación del artículo debe pertenecer a la lista "
        "UNTDID 7143."
    ),
    "BR-CL-14": "Los códigos de país deben ser códigos ISO 3166-1 de dos letras.",
    "BR-CL-15": "Los códigos de país deben ser códigos ISO 3166-1 de dos letras.",
    "BR-CL-16": "El medio de pago debe codificarse con la lista UNTDID 4461.",
    "BR-CL-17": "La categoría de IVA debe codificarse con la lista UNTDID 5305.",
    "BR-CL-18": "La categoría de IVA debe codificarse con la lista UNTDID 5305.",
    "BR-CL-19": "El código de motivo de un descuento debe pertenecer a la lista UNTDID 5189.",
    "BR-CL-20": "El código de motivo de un cargo debe pertenecer a la lista UNTDID 7161.",
    "BR-CL-21": (
        "El esquema del identificador estándar del artículo debe ser un código de la lista "
        "ISO 6523 ICD."
    ),
    "BR-CL-22": "El código de motivo de exención de IVA debe pertenecer a la lista VATEX.",
    "BR-CL-23": (
        "La unidad de medida debe codificarse según la Recomendación 20 de UN/ECE (con la "
        "extensión de la Recomendación 21)."
    ),
    "BR-CL-24": "El tipo MIME del documento adjunto debe ser uno de los admitidos.",
    "BR-CL-25": "El esquema de la dirección electrónica debe pertenecer a la lista EAS.",
    "BR-CL-26": (
        "El esquema del identificador del lugar de entrega debe ser un código de la lista ISO"
        " 6523 ICD."
    ),
    "BR-CO-03": (
        "La fecha de devengo del IVA (BT-7) y el código de fecha de devengo (BT-8) no pueden "
        "indicarse a la vez."
    ),
    "BR-CO-04": (
        "Cada línea de factura (BG-25) debe indicar la categoría de IVA del artículo (BT-151)."
    ),
    "BR-CO-05": (
        "El código (BT-98) y el texto (BT-97) del motivo de un descuento a nivel de documento"
        " deben referirse al mismo tipo de descuento."
    ),
    "BR-CO-06": (
        "El código (BT-105) y el texto (BT-104) del motivo de un cargo a nivel de documento "
        "deben referirse al mismo tipo de cargo."
    ),
    "BR-CO-07": (
        "El código (BT-140) y el texto (BT-139) del motivo de un descuento de línea deben "
        "referirse al mismo motivo."
    ),
    "BR-CO-08": (
        "El código (BT-145) y el texto (BT-144) del motivo de un cargo de línea deben "
        "referirse al mismo motivo."
    ),
    "BR-CO-09": (
        "Los NIF-IVA del vendedor (BT-31), de su representante fiscal (BT-63) y del comprador"
        " (BT-48) deben empezar por el código ISO del país que los emitió (Grecia puede usar "
        "«EL»)."
    ),
    "BR-CO-10": (
        "La suma de importes netos de las líneas (BT-106) debe ser igual a la suma de los "
        "importes netos de cada línea (BT-131)."
    ),
    "BR-CO-11": (
        "El total de descuentos a nivel de documento (BT-107) debe ser igual a la suma de "
        "esos descuentos (BT-92)."
    ),
    "BR-CO-12": (
        "El total de cargos a nivel de documento (BT-108) debe ser igual a la suma de esos "
        "cargos (BT-99)."
    ),
    "BR-CO-13": (
        "El total sin IVA (BT-109) debe ser la suma de los importes netos de las líneas "
        "(BT-131) menos los descuentos (BT-107) más los cargos (BT-108) a nivel de documento."
    ),
    "BR-CO-14": (
        "La cuota total de IVA (BT-110) debe ser igual a la suma de las cuotas del desglose "
        "de IVA (BT-117)."
    ),
    "BR-CO-15": (
        "El total con IVA (BT-112) debe ser el total sin IVA (BT-109) más la cuota total de "
        "IVA (BT-110)."
    ),
    "BR-CO-16": (
        "El importe a pagar (BT-115) debe ser el total con IVA (BT-112) menos lo ya pagado "
        "(BT-113) más el redondeo (BT-114)."
    ),
    "BR-CO-17": (
        "La cuota de cada grupo del desglose de IVA (BT-117) debe ser su base imponible "
        "(BT-116) por el tipo (BT-119) / 100, redondeada a dos decimales."
    ),
    "BR-CO-18": "La factura debe tener al menos un grupo de desglose de IVA (BG-23).",
    "BR-CO-19": (
        "Si se indica el periodo de facturación (BG-14), debe tener fecha inicial (BT-73), "
        "fecha final (BT-74) o ambas."
    ),
    "BR-CO-20": (
        "Si se indica el periodo de una línea (BG-26), debe tener fecha inicial (BT-134), "
        "fecha final (BT-135) o ambas."
    ),
    "BR-CO-21": (
        "Cada descuento a nivel de documento (BG-20) debe indicar su motivo en texto (BT-97),"
        " en código (BT-98) o ambos."
    ),
    "BR-CO-22": (
        "Cada cargo a nivel de documento (BG-21) debe indicar su motivo en texto (BT-104), en"
        " código (BT-105) o ambos."
    ),
    "BR-CO-23": (
        "Cada descuento de línea (BG-27) debe indicar su motivo en texto (BT-139), en código "
        "(BT-140) o ambos."
    ),
    "BR-CO-24": (
        "Cada cargo de línea (BG-28) debe indicar su motivo en texto (BT-144), en código "
        "(BT-145) o ambos."
    ),
    "BR-CO-26": (
        "Para que el comprador identifique al vendedor automáticamente, debe indicarse el "
        "identificador del vendedor (BT-29), su identificador de registro legal (BT-30) o su "
        "NIF-IVA (BT-31)."
    ),
    "BR-DEC-01": (
        "El importe del descuento a nivel de documento (BT-92) admite como máximo 2 decimales."
    ),
    "BR-DEC-02": (
        "La base del descuento a nivel de documento (BT-93) admite como máximo 2 decimales."
    ),
    "BR-DEC-05": (
        "El importe del cargo a nivel de documento (BT-99) admite como máximo 2 decimales."
    ),
    "BR-DEC-06": "La base del cargo a nivel de documento (BT-100) admite como máximo 2 decimales.",
    "BR-DEC-09": "La suma de importes netos de las líneas (BT-106) admite como máximo 2 decimales.",
    "BR-DEC-10": (
        "El total de descuentos a nivel de documento (BT-107) admite como máximo 2 decimales."
    ),
    "BR-DEC-11": "El total de cargos a nivel de documento (BT-108) admite como máximo 2 decimales.",
    "BR-DEC-12": "El total sin IVA (BT-109) admite como máximo 2 decimales.",
    "BR-DEC-13": "La cuota total de IVA (BT-110) admite como máximo 2 decimales.",
    "BR-DEC-14": "El total con IVA (BT-112) admite como máximo 2 decimales.",
    "BR-DEC-15": (
        "La cuota total de IVA en moneda de contabilización (BT-111) admite como máximo 2 "
        "decimales."
    ),
    "BR-DEC-16": "El importe ya pagado (BT-113) admite como máximo 2 decimales.",
    "BR-DEC-17": "El importe de redondeo (BT-114) admite como máximo 2 decimales.",
    "BR-DEC-18": "El importe a pagar (BT-115) admite como máximo 2 decimales.",
    "BR-DEC-19": "La base imponible del desglose de IVA (BT-116) admite como máximo 2 decimales.",
    "BR-DEC-20": "La cuota del desglose de IVA (BT-117) admite como máximo 2 decimales.",
    "BR-DEC-23": "El importe neto de la línea (BT-131) admite como máximo 2 decimales.",
    "BR-DEC-24": "El importe del descuento de línea (BT-136) admite como máximo 2 decimales.",
    "BR-DEC-25": "La base del descuento de línea (BT-137) admite como máximo 2 decimales.",
    "BR-DEC-27": "El importe del cargo de línea (BT-141) admite como máximo 2 decimales.",
    "BR-DEC-28": "La base del cargo de línea (BT-142) admite como máximo 2 decimales.",
    "BR-E-01": (
        "Si alguna línea, descuento o cargo a nivel de documento lleva la categoría de IVA "
        "«exento de IVA», el desglose de IVA (BG-23) debe incluir exactamente un grupo con "
        "esa categoría."
    ),
    "BR-E-02": (
        "Si una línea (BG-25) lleva la categoría de IVA «exento de IVA» (BT-151), la factura "
        "debe indicar el NIF-IVA del vendedor (BT-31), su identificador fiscal local (BT-32) "
        "o el NIF-IVA de su representante fiscal (BT-63)."
    ),
    "BR-E-03": (
        "Si un descuento a nivel de documento (BG-20) lleva la categoría de IVA «exento de "
        "IVA» (BT-95), la factura debe indicar el NIF-IVA del vendedor (BT-31), su "
        "identificador fiscal local (BT-32) o el NIF-IVA de su representante fiscal (BT-63)."
    ),
    "BR-E-04": (
        "Si un cargo a nivel de documento (BG-21) lleva la categoría de IVA «exento de IVA» "
        "(BT-102), la factura debe indicar el NIF-IVA del vendedor (BT-31), su identificador "
        "fiscal local (BT-32) o el NIF-IVA de su representante fiscal (BT-63)."
    ),
    "BR-E-05": (
        "En una línea con categoría de IVA «exento de IVA», el tipo impositivo de la línea "
        "(BT-152) debe ser 0 (cero)."
    ),
    "BR-E-06": (
        "En un descuento a nivel de documento con categoría de IVA «exento de IVA», su tipo "
        "impositivo (BT-96) debe ser 0 (cero)."
    ),
    "BR-E-07": (
        "En un cargo a nivel de documento con categoría de IVA «exento de IVA», su tipo "
        "impositivo (BT-103) debe ser 0 (cero)."
    ),
    "BR-E-08": (
        "En el desglose con categoría «exento de IVA», la base imponible (BT-116) debe ser la"
        " suma de los importes netos de las líneas (BT-131) menos los descuentos (BT-92) y "
        "más los cargos (BT-99) a nivel de documento con esa categoría."
    ),
    "BR-E-09": (
        "En el desglose con categoría «exento de IVA», la cuota de IVA (BT-117) debe ser 0 (cero)."
    ),
    "BR-E-10": (
        "Un desglose con categoría «exento de IVA» debe indicar el motivo de la exención, en "
        "código (BT-121) o en texto (BT-120)."
    ),
    "BR-G-01": (
        "Si alguna línea, descuento o cargo a nivel de documento lleva la categoría de IVA "
        "«exportación fuera de la UE», el desglose de IVA (BG-23) debe incluir exactamente un"
        " grupo con esa categoría."
    ),
    "BR-G-02": (
        "Si una línea (BG-25) lleva la categoría de IVA «exportación fuera de la UE» "
        "(BT-151), la factura debe indicar el NIF-IVA del vendedor (BT-31) o el de su "
        "representante fiscal (BT-63)."
    ),
    "BR-G-03": (
        "Si un descuento a nivel de documento (BG-20) lleva la categoría de IVA «exportación "
        "fuera de la UE» (BT-95), la factura debe indicar el NIF-IVA del vendedor (BT-31) o "
        "el de su representante fiscal (BT-63)."
    ),
    "BR-G-04": (
        "Si un cargo a nivel de documento (BG-21) lleva la categoría de IVA «exportación "
        "fuera de la UE» (BT-102), la factura debe indicar el NIF-IVA del vendedor (BT-31) o "
        "el de su representante fiscal (BT-63)."
    ),
    "BR-G-05": (
        "En una línea con categoría de IVA «exportación fuera de la UE», el tipo impositivo "
        "de la línea (BT-152) debe ser 0 (cero)."
    ),
    "BR-G-06": (
        "En un descuento a nivel de documento con categoría de IVA «exportación fuera de la "
        "UE», su tipo impositivo (BT-96) debe ser 0 (cero)."
    ),
    "BR-G-07": (
        "En un cargo a nivel de documento con categoría de IVA «exportación fuera de la UE», "
        "su tipo impositivo (BT-103) debe ser 0 (cero)."
    ),
    "BR-G-08": (
        "En el desglose con categoría «exportación fuera de la UE», la base imponible "
        "(BT-116) debe ser la suma de los importes netos de las líneas (BT-131) menos los "
        "descuentos (BT-92) y más los cargos (BT-99) a nivel de documento con esa categoría."
    ),
    "BR-G-09": (
        "En el desglose con categoría «exportación fuera de la UE», la cuota de IVA (BT-117) "
        "debe ser 0 (cero)."
    ),
    "BR-G-10": (
        "Un desglose con categoría «exportación fuera de la UE» debe indicar como motivo de "
        "exención el código (BT-121) o el texto (BT-120) correspondiente a «exportación fuera"
        " de la UE»."
    ),
    "BR-IC-01": (
        "Si alguna línea, descuento o cargo a nivel de documento lleva la categoría de IVA "
        "«entrega intracomunitaria», el desglose de IVA (BG-23) debe incluir exactamente un "
        "grupo con esa categoría."
    ),
    "BR-IC-02": (
        "Si una línea (BG-25) lleva la categoría de IVA «entrega intracomunitaria» (BT-151), "
        "la factura debe indicar el NIF-IVA del vendedor (BT-31) o el de su representante "
        "fiscal (BT-63), y el NIF-IVA del comprador (BT-48)."
    ),
    "BR-IC-03": (
        "Si un descuento a nivel de documento (BG-20) lleva la categoría de IVA «entrega "
        "intracomunitaria» (BT-95), la factura debe indicar el NIF-IVA del vendedor (BT-31) o"
        " el de su representante fiscal (BT-63), y el NIF-IVA del comprador (BT-48)."
    ),
    "BR-IC-04": (
        "Si un cargo a nivel de documento (BG-21) lleva la categoría de IVA «entrega "
        "intracomunitaria» (BT-102), la factura debe indicar el NIF-IVA del vendedor (BT-31) "
        "o el de su representante fiscal (BT-63), y el NIF-IVA del comprador (BT-48)."
    ),
    "BR-IC-05": (
        "En una línea con categoría de IVA «entrega intracomunitaria», el tipo impositivo de "
        "la línea (BT-152) debe ser 0 (cero)."
    ),
    "BR-IC-06": (
        "En un descuento a nivel de documento con categoría de IVA «entrega "
        "intracomunitaria», su tipo impositivo (BT-96) debe ser 0 (cero)."
    ),
    "BR-IC-07": (
        "En un cargo a nivel de documento con categoría de IVA «entrega intracomunitaria», su"
        " tipo impositivo (BT-103) debe ser 0 (cero)."
    ),
    "BR-IC-08": (
        "En el desglose con categoría «entrega intracomunitaria», la base imponible (BT-116) "
        "debe ser la suma de los importes netos de las líneas (BT-131) menos los descuentos "
        "(BT-92) y más los cargos (BT-99) a nivel de documento con esa categoría."
    ),
    "BR-IC-09": (
        "En el desglose con categoría «entrega intracomunitaria», la cuota de IVA (BT-117) "
        "debe ser 0 (cero)."
    ),
    "BR-IC-10": (
        "Un desglose con categoría «entrega intracomunitaria» debe indicar como motivo de "
        "exención el código (BT-121) o el texto (BT-120) correspondiente a «entrega "
        "intracomunitaria»."
    ),
    "BR-IC-11": (
        "En una entrega intracomunitaria debe indicarse la fecha real de entrega (BT-72) o el"
        " periodo de facturación (BG-14)."
    ),
    "BR-IC-12": "En una entrega intracomunitaria debe indicarse el país de entrega (BT-80).",
    "BR-O-01": (
        "Si alguna línea, descuento o cargo a nivel de documento lleva la categoría de IVA "
        "«no sujeto a IVA», el desglose de IVA (BG-23) debe incluir exactamente un grupo con "
        "esa categoría."
    ),
    "BR-O-02": (
        "Si una línea (BG-25) lleva la categoría de IVA «no sujeto a IVA» (BT-151), la "
        "factura no puede indicar el NIF-IVA del vendedor (BT-31), el de su representante "
        "fiscal (BT-63) ni el del comprador (BT-48)."
    ),
    "BR-O-03": (
        "Si un descuento a nivel de documento (BG-20) lleva la categoría de IVA «no sujeto a "
        "IVA» (BT-95), la factura no puede indicar el NIF-IVA del vendedor (BT-31), el de su "
        "representante fiscal (BT-63) ni el del comprador (BT-48)."
    ),
    "BR-O-04": (
        "Si un cargo a nivel de documento (BG-21) lleva la categoría de IVA «no sujeto a IVA»"
        " (BT-102), la factura no puede indicar el NIF-IVA del vendedor (BT-31), el de su "
        "representante fiscal (BT-63) ni el del comprador (BT-48)."
    ),
    "BR-O-05": (
        "En una línea con categoría de IVA «no sujeto a IVA», el tipo impositivo de la línea "
        "(BT-152) no debe indicarse."
    ),
    "BR-O-06": (
        "En un descuento a nivel de documento con categoría de IVA «no sujeto a IVA», su tipo"
        " impositivo (BT-96) no debe indicarse."
    ),
    "BR-O-07": (
        "En un cargo a nivel de documento con categoría de IVA «no sujeto a IVA», su tipo "
        "impositivo (BT-103) no debe indicarse."
    ),
    "BR-O-08": (
        "En el desglose con categoría «no sujeto a IVA», la base imponible (BT-116) debe ser "
        "la suma de los importes netos de las líneas (BT-131) menos los descuentos (BT-92) y "
        "más los cargos (BT-99) a nivel de documento con esa categoría."
    ),
    "BR-O-09": (
        "En el desglose con categoría «no sujeto a IVA», la cuota de IVA (BT-117) debe ser 0 "
        "(cero)."
    ),
    "BR-O-10": (
        "Un desglose con categoría «no sujeto a IVA» debe indicar como motivo de exención el "
        "código (BT-121) o el texto (BT-120) correspondiente a «no sujeto a IVA»."
    ),
    "BR-O-11": (
        "Si el desglose incluye la categoría «no sujeto a IVA», no puede haber otros grupos "
        "en el desglose de IVA (BG-23)."
    ),
    "BR-O-12": (
        "Si el desglose incluye la categoría «no sujeto a IVA», todas las líneas deben tener "
        "esa categoría (BT-151)."
    ),
    "BR-O-13": (
        "Si el desglose incluye la categoría «no sujeto a IVA», todos los descuentos a nivel "
        "de documento deben tener esa categoría (BT-95)."
    ),
    "BR-O-14": (
        "Si el desglose incluye la categoría «no sujeto a IVA», todos los cargos a nivel de "
        "documento deben tener esa categoría (BT-102)."
    ),
    "BR-S-01": (
        "Si alguna línea, descuento o cargo a nivel de documento lleva la categoría de IVA "
        "«IVA general (sujeto y no exento)», el desglose de IVA (BG-23) debe incluir al menos"
        " un grupo con esa categoría."
    ),
    "BR-S-02": (
        "Si una línea (BG-25) lleva la categoría de IVA «IVA general (sujeto y no exento)» "
        "(BT-151), la factura debe indicar el NIF-IVA del vendedor (BT-31), su identificador "
        "fiscal local (BT-32) o el NIF-IVA de su representante fiscal (BT-63)."
    ),
    "BR-S-03": (
        "Si un descuento a nivel de documento (BG-20) lleva la categoría de IVA «IVA general "
        "(sujeto y no exento)» (BT-95), la factura debe indicar el NIF-IVA del vendedor "
        "(BT-31), su identificador fiscal local (BT-32) o el NIF-IVA de su representante "
        "fiscal (BT-63)."
    ),
    "BR-S-04": (
        "Si un cargo a nivel de documento (BG-21) lleva la categoría de IVA «IVA general "
        "(sujeto y no exento)» (BT-102), la factura debe indicar el NIF-IVA del vendedor "
        "(BT-31), su identificador fiscal local (BT-32) o el NIF-IVA de su representante "
        "fiscal (BT-63)."
    ),
    "BR-S-05": (
        "En una línea con categoría de IVA «IVA general (sujeto y no exento)», el tipo "
        "impositivo de la línea (BT-152) debe ser mayor que cero."
    ),
    "BR-S-06": (
        "En un descuento a nivel de documento con categoría de IVA «IVA general (sujeto y no "
        "exento)», su tipo impositivo (BT-96) debe ser mayor que cero."
    ),
    "BR-S-07": (
        "En un cargo a nivel de documento con categoría de IVA «IVA general (sujeto y no "
        "exento)», su tipo impositivo (BT-103) debe ser mayor que cero."
    ),
    "BR-S-08": (
        "Para cada tipo impositivo de la categoría «IVA general (sujeto y no exento)», la "
        "base imponible del desglose (BT-116) debe ser la suma de los importes netos de las "
        "líneas (BT-131) más los cargos (BT-99) y menos los descuentos (BT-92) a nivel de "
        "documento con esa categoría y ese tipo."
    ),
    "BR-S-09": (
        "En el desglose con categoría «IVA general (sujeto y no exento)», la cuota (BT-117) "
        "debe ser la base imponible (BT-116) multiplicada por el tipo (BT-119)."
    ),
    "BR-S-10": (
        "Un desglose con categoría «IVA general (sujeto y no exento)» no puede llevar motivo "
        "de exención (ni código BT-121 ni texto BT-120)."
    ),
    "BR-Z-01": (
        "Si alguna línea, descuento o cargo a nivel de documento lleva la categoría de IVA "
        "«tipo cero», el desglose de IVA (BG-23) debe incluir exactamente un grupo con esa "
        "categoría."
    ),
    "BR-Z-02": (
        "Si una línea lleva la categoría de IVA «tipo cero» (BT-151), la factura debe"
        " indicar el NIF-IVA del vendedor (BT-31), su identificador fiscal local (BT-32) o el"
        " NIF-IVA de su representante fiscal (BT-63)."
    ),
    "BR-Z-03": (
        "Si un descuento a nivel de documento (BG-20) lleva la categoría de IVA «tipo cero» "
        "(BT-95), la factura debe indicar el NIF-IVA del vendedor (BT-31), su identificador "
        "fiscal local (BT-32) o el NIF-IVA de su representante fiscal (BT-63)."
    ),
    "BR-Z-04": (
        "Si un cargo a nivel de documento lleva la categoría de IVA «tipo cero» "
        "(BT-102), la factura debe indicar el NIF-IVA del vendedor (BT-31), su identificador "
        "fiscal local (BT-32) o el NIF-IVA de su representante fiscal (BT-63)."
    ),
    "BR-Z-05": (
        "En una línea con categoría de IVA «tipo cero», el tipo impositivo de la línea "
        "(BT-152) debe ser 0 (cero)."
    ),
    "BR-Z-06": (
        "En un descuento a nivel de documento con categoría de IVA «tipo cero», su tipo "
        "impositivo (BT-96) debe ser 0 (cero)."
    ),
    "BR-Z-07": (
        "En un cargo a nivel de documento con categoría de IVA «tipo cero», su tipo "
        "impositivo (BT-103) debe ser 0 (cero)."
    ),
    "BR-Z-08": (
        "En el desglose con categoría «tipo cero», la base imponible (BT-116) debe ser la "
        "suma de los importes netos de las líneas (BT-131) menos los descuentos (BT-92) y más"
        " los cargos (BT-99) a nivel de documento con esa categoría."
    ),
    "BR-Z-09": (
        "En el desglose con categoría «tipo cero», la cuota de IVA (BT-117) debe ser 0 (cero)."
    ),
    "BR-Z-10": (
        "Un desglose con categoría «tipo cero» no puede llevar motivo de exención (ni código "
        "BT-121 ni texto BT-120)."
    ),
    "PEPPOL-COMMON-R040": "El código GLN no tiene un formato válido según las reglas de GS1.",
    "PEPPOL-COMMON-R041": "El número de organización noruego no tiene el formato correcto.",
    "PEPPOL-COMMON-R042": "El número de organización danés (CVR) no tiene el formato correcto.",
    "PEPPOL-COMMON-R043": "El número de empresa belga no tiene el formato correcto.",
    "PEPPOL-COMMON-R044": (
        "El código IPA italiano (Codice Univoco Unità Organizzativa) no tiene el formato correcto."
    ),
    "PEPPOL-COMMON-R045": (
        "El código fiscal italiano (Codice Fiscale) no tiene el formato correcto."
    ),
    "PEPPOL-COMMON-R046": (
        "El código fiscal italiano (Codice Fiscale) no tiene el formato correcto."
    ),
    "PEPPOL-COMMON-R047": "El número de IVA italiano (Partita IVA) no tiene el formato correcto.",
    "PEPPOL-COMMON-R049": "El número de organización sueco no tiene el formato correcto.",
    "PEPPOL-COMMON-R050": "El número de empresa australiano (ABN) no tiene el formato correcto.",
    "PEPPOL-COMMON-R052": (
        "El número de la cámara de comercio danesa (P) no tiene el formato correcto."
    ),
    "PEPPOL-COMMON-R053": "El número ERSTORG danés (SE) no tiene el formato correcto.",
    "PEPPOL-COMMON-R054": (
        "El número de la Cámara de Comercio neerlandesa (KVK, esquema 0106) no tiene el "
        "formato correcto (12345678)."
    ),
    "PEPPOL-COMMON-R055": (
        "El número de identificación de organización neerlandés (esquema 0190) no tiene el "
        "formato correcto (20 dígitos)."
    ),
    "PEPPOL-COMMON-R056-1": (
        "El número de IVA neerlandés (esquema 9944) no tiene el formato correcto (NL123456789B12)."
    ),
    "PEPPOL-COMMON-R056-2": (
        "El número de IVA neerlandés no tiene el formato correcto (NL123456789B12)."
    ),
    "PEPPOL-COMMON-R057": (
        "El número de establecimiento de la Cámara de Comercio neerlandesa (esquema 0217) no "
        "tiene el formato correcto (12 dígitos)."
    ),
    "PEPPOL-EN16931-CL001": (
        "El tipo MIME del documento adjunto debe ser uno de los admitidos por Peppol."
    ),
    "PEPPOL-EN16931-CL002": (
        "El código de motivo del descuento debe pertenecer al subconjunto admitido de la "
        "lista UNCL 5189."
    ),
    "PEPPOL-EN16931-CL003": "El código de motivo del cargo debe pertenecer a la lista UNCL 7161.",
    "PEPPOL-EN16931-CL006": (
        "El código de descripción del periodo de facturación debe pertenecer a la lista UNCL 2005."
    ),
    "PEPPOL-EN16931-CL007": "El código de moneda debe ser un código ISO 4217.",
    "PEPPOL-EN16931-CL008": (
        "El esquema de la dirección electrónica debe pertenecer a la lista EAS."
    ),
    "PEPPOL-EN16931-F001": "Las fechas deben tener el formato AAAA-MM-DD.",
    "PEPPOL-EN16931-P0100": (
        "El código de tipo de factura debe ser uno de los admitidos por el perfil."
    ),
    "PEPPOL-EN16931-P0101": (
        "El código de tipo de abono debe ser uno de los admitidos por el perfil."
    ),
    "PEPPOL-EN16931-P0104": (
        "Con el motivo de exención VATEX-EU-G debe usarse la categoría de IVA G (exportación)."
    ),
    "PEPPOL-EN16931-P0105": (
        "Con el motivo de exención VATEX-EU-O debe usarse la categoría de IVA O (no sujeto)."
    ),
    "PEPPOL-EN16931-P0106": (
        "Con el motivo de exención VATEX-EU-IC debe usarse la categoría de IVA K (entrega "
        "intracomunitaria)."
    ),
    "PEPPOL-EN16931-P0107": (
        "Con el motivo de exención VATEX-EU-AE debe usarse la categoría de IVA AE (inversión "
        "del sujeto pasivo)."
    ),
    "PEPPOL-EN16931-P0108": (
        "Con el motivo de exención VATEX-EU-D debe usarse la categoría de IVA E (exento)."
    ),
    "PEPPOL-EN16931-P0109": (
        "Con el motivo de exención VATEX-EU-F debe usarse la categoría de IVA E (exento)."
    ),
    "PEPPOL-EN16931-P0110": (
        "Con el motivo de exención VATEX-EU-I debe usarse la categoría de IVA E (exento)."
    ),
    "PEPPOL-EN16931-P0111": (
        "Con el motivo de exención VATEX-EU-J debe usarse la categoría de IVA E (exento)."
    ),
    "PEPPOL-EN16931-P0112": (
        "Los tipos de factura 326 y 384 solo se admiten si vendedor y comprador son ambos alemanes."
    ),
    "PEPPOL-EN16931-R001": "Debe indicarse el proceso de negocio (BT-23).",
    "PEPPOL-EN16931-R002": (
        "Solo se admite una nota a nivel de documento, salvo que vendedor y comprador sean "
        "ambos alemanes."
    ),
    "PEPPOL-EN16931-R003": (
        "Debe indicarse la referencia del comprador (BT-10) o la referencia del pedido (BT-13)."
    ),
    "PEPPOL-EN16931-R004": (
        "El identificador de especificación (BT-24) debe empezar por "
        "«urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0» y "
        "respetar su formato."
    ),
    "PEPPOL-EN16931-R005": (
        "Si se indica la moneda de contabilización del IVA, debe ser distinta de la moneda de"
        " la factura."
    ),
    "PEPPOL-EN16931-R007": (
        "El proceso de negocio (BT-23) debe ser un identificador aprobado por Peppol."
    ),
    "PEPPOL-EN16931-R008": "El documento no puede contener elementos vacíos.",
    "PEPPOL-EN16931-R010": "Debe indicarse la dirección electrónica del comprador (BT-49).",
    "PEPPOL-EN16931-R020": "Debe indicarse la dirección electrónica del vendedor (BT-34).",
    "PEPPOL-EN16931-R040": (
        "El importe del descuento o cargo debe ser su base por el porcentaje / 100 cuando se "
        "indican ambos."
    ),
    "PEPPOL-EN16931-R041": (
        "Si se indica el porcentaje de un descuento o cargo, debe indicarse también su base."
    ),
    "PEPPOL-EN16931-R042": (
        "Si se indica la base de un descuento o cargo, debe indicarse también su porcentaje."
    ),
    "PEPPOL-EN16931-R043": "El indicador de cargo (ChargeIndicator) debe valer «true» o «false».",
    "PEPPOL-EN16931-R044": (
        "No se admiten cargos en el precio del artículo; solo descuentos (valor «false»)."
    ),
    "PEPPOL-EN16931-R046": (
        "Si se indica el precio bruto, el precio neto debe ser el precio bruto menos el "
        "descuento sobre el precio."
    ),
    "PEPPOL-EN16931-R051": (
        "Todos los importes deben estar en la moneda de la factura (BT-5), salvo la cuota "
        "total de IVA en moneda de contabilización (BT-111)."
    ),
    "PEPPOL-EN16931-R053": "Solo puede haber un total de impuestos con desglose.",
    "PEPPOL-EN16931-R054": (
        "Si se indica la moneda de contabilización del IVA, solo puede haber un total de "
        "impuestos sin desglose."
    ),
    "PEPPOL-EN16931-R055": (
        "La cuota total de IVA y la cuota total en moneda de contabilización deben tener el "
        "mismo signo."
    ),
    "PEPPOL-EN16931-R061": (
        "En los pagos por domiciliación debe indicarse la referencia del mandato (BT-89)."
    ),
    "PEPPOL-EN16931-R080": "Solo se admite una referencia de proyecto a nivel de documento.",
    "PEPPOL-EN16931-R100": "Solo se admite un objeto facturado por línea.",
    "PEPPOL-EN16931-R101": (
        "La referencia de documento de una línea solo puede usarse para el objeto facturado "
        "de la línea."
    ),
    "PEPPOL-EN16931-R110": (
        "La fecha inicial del periodo de la línea debe estar dentro del periodo de facturación."
    ),
    "PEPPOL-EN16931-R111": (
        "La fecha final del periodo de la línea debe estar dentro del periodo de facturación."
    ),
    "PEPPOL-EN16931-R120": (
        "El importe neto de la línea debe ser la cantidad por el precio neto (dividido por la"
        " cantidad base del precio), más los cargos y menos los descuentos de la línea."
    ),
    "PEPPOL-EN16931-R121": "La cantidad base del precio debe ser mayor que cero.",
    "PEPPOL-EN16931-R130": (
        "La unidad de la cantidad base del precio debe ser la misma que la de la cantidad "
        "facturada."
    ),
}
"""Spanish sentence by official rule id."""


def message_es(rule: str) -> str:
    """The Spanish sentence for an official rule id ('' when we have none)."""
    return MESSAGES_ES.get(rule, "")
