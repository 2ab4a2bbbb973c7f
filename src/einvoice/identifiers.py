"""Tax identifiers and participant identifiers.

Spanish invoices identify every party by tax ID (*NIF*).  A Spanish NIF is one of:

* a **DNI** number (Spanish citizens: eight digits and a check letter, ``12345678Z``);
* a **NIE** (foreigners resident in Spain: ``X``/``Y``/``Z``, seven digits, check letter);
* a **CIF** (legal entities: an entity-type letter, seven digits and a check character);
* a special NIF for individuals without DNI/NIE (``K``, ``L``, ``M`` prefixes).

Other EU parties are identified by their VAT number, always written with its country prefix
(``DE123456789``; Greece uses ``EL``).  Check digits are verified with python-stdnum, never
with code of our own.

Platforms route invoices to each other by **participant identifier**, Peppol style:
``<EAS scheme>:<value>``, e.g. ``9920:ESB12345678`` for a Spanish tax ID.  The EAS (Electronic
Address Scheme) codes come from the code list the official Peppol BIS 3 validation artefact
enforces (``rules/artefacts/PEPPOL-EN16931-UBL.xslt``, variable ``eaid``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Final

from stdnum import exceptions as stdnum_errors
from stdnum.es import cif, dni, nie, nif
from stdnum.eu import vat as eu_vat


class TaxIdKind(StrEnum):
    """What kind of tax identifier a value is."""

    NIF = "NIF"  # Spanish NIF of a special kind (K, L, M prefixes)
    CIF = "CIF"  # Spanish legal entity
    NIE = "NIE"  # foreigner resident in Spain
    DNI = "DNI"  # Spanish citizen
    EU_VAT = "EU VAT"  # VAT number of another EU member state (or XI, Northern Ireland)
    OTHER = "other"  # outside the EU: format not checked


class TaxIdError(ValueError):
    """A tax or participant identifier that cannot be used, with a bilingual reason."""

    def __init__(self, message: str, message_es: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_es = message_es


@dataclass(frozen=True, slots=True, kw_only=True)
class TaxIdCheck:
    """Outcome of :func:`check_tax_id`."""

    value: str
    """The identifier in canonical form, with its ISO country prefix (``ESB58378431``)."""
    valid: bool
    """Format and check digits are correct (always ``True`` for :attr:`TaxIdKind.OTHER`,
    which cannot be checked: see :attr:`checked`)."""
    kind: TaxIdKind
    country: str
    """The country prefix (``ES``, ``DE``, ``EL`` …)."""
    checked: bool = True
    """Whether the check digits could be verified (``False`` outside the EU)."""
    reason: str = ""
    """Why the identifier is invalid, in English (empty when valid)."""
    reason_es: str = ""
    """Why the identifier is invalid, in Spanish (empty when valid)."""


# VAT prefixes of the EU member states as written on invoices (Greece "EL"), plus XI for
# Northern Ireland goods (Windsor Framework); python-stdnum validates each of them.
EU_VAT_PREFIXES: Final = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI",
    }
)  # fmt: skip

_EAS_LIST: Final = (
    "0002 0007 0009 0060 0088 0096 0097 0106 0130 0135 0142 0151 0183 0184 0188 0190 0191 "
    "0192 0195 0196 0198 0199 0200 0201 0204 0208 0209 0210 0211 0216 0218 0221 0225 0230 "
    "0235 0240 0242 0244 0245 0246 0248 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924 "
    "9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 "
    "9942 9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959"
)
EAS_CODES: Final = frozenset(_EAS_LIST.split())
"""EAS codes accepted by Peppol BIS Billing 3.0.21 (``eaid`` in PEPPOL-EN16931-UBL.xslt)."""

# EAS scheme whose value is the full VAT number (with prefix), per country prefix.  Countries
# whose EAS list entry is a VAT scheme: 9910 HU, 9914 AT, 9920 ES, 9925 BE, 9926 BG, 9928 CY,
# 9929 CZ, 9930 DE, 9931 EE, 9933 EL, 9934 HR, 9935 IE, 9937 LT, 9938 LU, 9939 LV, 9943 MT,
# 9944 NL, 9945 PL, 9946 PT, 9947 RO, 9949 SI, 9950 SK, 9957 FR; 0211 is the Italian
# *Partita IVA* and 0198 the Danish ERSTORG (SE) number, written as the VAT number.
_VAT_EAS: Final[dict[str, str]] = {
    "AT": "9914", "BE": "9925", "BG": "9926", "CY": "9928", "CZ": "9929", "DE": "9930",
    "DK": "0198", "EE": "9931", "EL": "9933", "ES": "9920", "FR": "9957", "HR": "9934",
    "HU": "9910", "IE": "9935", "IT": "0211", "LT": "9937", "LU": "9938", "LV": "9939",
    "MT": "9943", "NL": "9944", "PL": "9945", "PT": "9946", "RO": "9947", "SI": "9949",
    "SK": "9950", "GB": "9932", "XI": "9932", "CH": "9927", "LI": "9936", "MC": "9940",
    "SM": "9951", "VA": "9953", "AD": "9922", "AL": "9923", "BA": "9924", "ME": "9941",
    "MK": "9942", "RS": "9948", "TR": "9952",
}  # fmt: skip

_SEPARATORS = re.compile(r"[\s.\-/,_:]+")
_PREFIX = re.compile(r"^[A-Z]{2}")


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def normalise_tax_id(value: str, country: str = "ES") -> str:
    """Canonical form of a tax ID: no separators, upper case, with its ISO country prefix.

    A value that already starts with two letters keeps them as its prefix (no Spanish NIF
    starts with two letters); otherwise ``country`` is prefixed (``GR`` becomes ``EL``, the
    prefix Greek VAT numbers use)::

        normalise_tax_id("b-12.345.678") == "ESB12345678"
        normalise_tax_id("DE 123 456 789") == "DE123456789"
    """
    compact = _compact(value)
    if not compact:
        return ""
    if _PREFIX.match(compact):
        return compact
    prefix = country.upper()
    if prefix == "GR":
        prefix = "EL"
    return f"{prefix}{compact}"


def _stdnum_reason(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, stdnum_errors.InvalidChecksum):
        return ("its check digit or letter is wrong", "su dígito o letra de control no es correcto")
    if isinstance(exc, stdnum_errors.InvalidLength):
        return (
            "it has the wrong number of characters",
            "no tiene el número de caracteres correcto",
        )
    if isinstance(exc, stdnum_errors.InvalidComponent):
        return (
            "it contains a part that does not exist (e.g. an unknown entity-type letter)",
            "contiene una parte que no existe (por ejemplo, una letra de tipo de entidad "
            "desconocida)",
        )
    return ("it is not written in the right format", "no tiene el formato correcto")


def _spanish_kind(number: str) -> TaxIdKind:
    first = number[:1]
    if first.isdigit():
        return TaxIdKind.DNI
    if first in {"X", "Y", "Z"}:
        return TaxIdKind.NIE
    if first in {"K", "L", "M"}:
        return TaxIdKind.NIF
    return TaxIdKind.CIF


@lru_cache(maxsize=4096)
def check_tax_id(value: str, country: str = "ES") -> TaxIdCheck:
    """Check a tax ID's format and check digits; never raises.

    ``value`` may carry its country prefix or not (``country`` is assumed then).  Spanish
    numbers are classified as DNI, NIE, CIF or special NIF; other EU VAT numbers are checked
    with the member state's own algorithm; anything else is reported as kind ``other``,
    valid but not checked.  The answer depends on the text only and a platform sees the
    same parties again and again, so the last few thousand answers are kept (the result is
    immutable).
    """
    canonical = normalise_tax_id(value, country)
    label = value.strip() or "(empty)"
    if not canonical:
        return TaxIdCheck(
            value="",
            valid=False,
            kind=TaxIdKind.OTHER,
            country="",
            reason="The tax ID is empty.",
            reason_es="El NIF está vacío.",
        )
    prefix, number = canonical[:2], canonical[2:]
    if prefix == "ES":
        kind = _spanish_kind(number)
        module = {TaxIdKind.DNI: dni, TaxIdKind.NIE: nie, TaxIdKind.CIF: cif}.get(kind, nif)
        try:
            module.validate(number)
        except stdnum_errors.ValidationError as exc:
            en, es = _stdnum_reason(exc)
            return TaxIdCheck(
                value=canonical,
                valid=False,
                kind=kind,
                country=prefix,
                reason=f"The Spanish tax ID {label} ({kind}) is not valid: {en}.",
                reason_es=f"El NIF español {label} ({kind}) no es válido: {es}.",
            )
        return TaxIdCheck(value=canonical, valid=True, kind=kind, country=prefix)
    if prefix in EU_VAT_PREFIXES:
        try:
            eu_vat.validate(canonical)
        except stdnum_errors.ValidationError as exc:
            en, es = _stdnum_reason(exc)
            return TaxIdCheck(
                value=canonical,
                valid=False,
                kind=TaxIdKind.EU_VAT,
                country=prefix,
                reason=f"The EU VAT number {label} is not valid: {en}.",
                reason_es=f"El NIF-IVA europeo {label} no es válido: {es}.",
            )
        return TaxIdCheck(value=canonical, valid=True, kind=TaxIdKind.EU_VAT, country=prefix)
    return TaxIdCheck(
        value=canonical, valid=True, kind=TaxIdKind.OTHER, country=prefix, checked=False
    )


def is_valid_tax_id(value: str, country: str = "ES") -> bool:
    """Shortcut for ``check_tax_id(value, country).valid``."""
    return check_tax_id(value, country).valid


@dataclass(frozen=True, slots=True)
class ParticipantId:
    """A Peppol-style participant identifier: EAS scheme and value."""

    scheme: str
    """EAS code (``9920`` Spanish tax agency, ``9930`` German VAT, ``0088`` GLN …)."""
    value: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


def participant_id(tax_id: str, country: str = "ES") -> str:
    """The participant identifier platforms route ``tax_id`` by (``9920:ESB12345678``).

    Spanish tax IDs use EAS 9920 (Agencia Española de Administración Tributaria) with the
    ``ES``-prefixed NIF.  Other VAT numbers use their country's VAT scheme from the EAS list;
    the Swedish and Finnish VAT numbers map to the organisation number (0007) and OVT code
    (0216) they contain, as those countries have no VAT scheme in the list.  Check digits are
    not verified here (see :func:`check_tax_id`); raises :class:`TaxIdError` when the value
    is empty or its country has no scheme.
    """
    canonical = normalise_tax_id(tax_id, country)
    if len(canonical) < 3:
        raise TaxIdError(
            f"'{tax_id}' is not a tax ID that can identify a participant.",
            f"'{tax_id}' no es un NIF que pueda identificar a un participante.",
        )
    prefix, number = canonical[:2], canonical[2:]
    if prefix == "ES" and not re.fullmatch(r"[0-9A-Z]\d{7}[0-9A-Z]", number):
        raise TaxIdError(
            f"'{tax_id}' does not have the shape of a Spanish NIF (nine characters).",
            f"'{tax_id}' no tiene la forma de un NIF español (nueve caracteres).",
        )
    if prefix == "SE" and re.fullmatch(r"\d{10}01", number):
        return str(ParticipantId("0007", number[:10]))
    if prefix == "FI" and re.fullmatch(r"\d{8}", number):
        return str(ParticipantId("0216", f"0037{number}"))
    scheme = _VAT_EAS.get(prefix)
    if scheme is None:
        raise TaxIdError(
            f"No participant identifier scheme is known for tax IDs of country {prefix} "
            f"('{tax_id}').",
            f"No se conoce un esquema de identificador de participante para los NIF del país "
            f"{prefix} ('{tax_id}').",
        )
    return str(ParticipantId(scheme, canonical))


_PEPPOL_PREFIX = "iso6523-actorid-upis::"


def parse_participant_id(text: str) -> ParticipantId:
    """Parse ``9920:ESB12345678`` (optionally with the ``iso6523-actorid-upis::`` scheme).

    The scheme must be a code of the Peppol EAS list; the value is upper-cased (Peppol
    compares participant identifiers case-insensitively).  Raises :class:`TaxIdError`.
    """
    raw = text.strip()
    if raw.lower().startswith(_PEPPOL_PREFIX):
        raw = raw[len(_PEPPOL_PREFIX) :]
    scheme, sep, value = raw.partition(":")
    value = value.strip()
    if not sep or not value or not re.fullmatch(r"\d{4}", scheme):
        raise TaxIdError(
            f"'{text}' is not a participant identifier of the form 'scheme:value' "
            "(for example 9920:ESB12345678).",
            f"'{text}' no es un identificador de participante con la forma 'esquema:valor' "
            "(por ejemplo 9920:ESB12345678).",
        )
    if scheme not in EAS_CODES:
        raise TaxIdError(
            f"'{scheme}' is not a code of the Peppol electronic address scheme (EAS) list.",
            f"'{scheme}' no es un código de la lista de esquemas de dirección electrónica (EAS) "
            "de Peppol.",
        )
    return ParticipantId(scheme, value.upper())


def tax_id_from_participant(participant: ParticipantId) -> str:
    """The tax ID a VAT-scheme participant identifier stands for ('' when it is not one)."""
    if participant.scheme in set(_VAT_EAS.values()) and _PREFIX.match(participant.value):
        return participant.value
    return ""
