"""Tax-ID validation for companies, on top of :mod:`einvoice.identifiers` (python-stdnum).

A company on the platform is identified by a Spanish NIF (CIF, DNI, NIE, special NIF) or the
VAT number of another EU member state.  Identifiers of other countries cannot be checked, so
they are refused for registration.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import get_language

from einvoice.identifiers import TaxIdKind, check_tax_id


def canonical_tax_id(value: str, country: str = "ES") -> str:
    """The canonical form (``ESB12345678``) of a valid tax ID; raises ``ValidationError``.

    The message is in the active language (Spanish or English) and says why the number is
    wrong (length, check digit, unknown entity letter …).
    """
    result = check_tax_id(value, country)
    spanish = (get_language() or "es").startswith("es")
    if not result.valid:
        raise ValidationError(result.reason_es if spanish else result.reason, code="invalid")
    if result.kind is TaxIdKind.OTHER:
        raise ValidationError(
            f"Solo se pueden registrar NIF españoles y NIF-IVA de la Unión Europea, no {value}."
            if spanish
            else f"Only Spanish tax IDs and EU VAT numbers can be registered, not {value}.",
            code="unsupported",
        )
    return result.value


def validate_tax_id(value: str) -> None:
    """Model-field validator: the stored value must already be canonical and valid."""
    canonical = canonical_tax_id(value)
    if canonical != value:
        spanish = (get_language() or "es").startswith("es")
        raise ValidationError(
            f"Escriba el NIF en forma canónica: {canonical}."
            if spanish
            else f"Write the tax ID in canonical form: {canonical}.",
            code="not_canonical",
        )
