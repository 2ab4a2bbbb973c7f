"""Invoice numbering per series: a short transaction holding the series row lock.

Nothing slow happens under that lock: issuing renders and signs before it, with the number
:func:`peek_number` predicts, and only stores the signed invoice under it.
"""

from __future__ import annotations

from typing import Any

from efactura.companies.models import Company
from efactura.invoices.models import Invoice, Series

# ---------------------------------------------------------------------------------------------
# Numbering
# ---------------------------------------------------------------------------------------------


def allocate_number(*, company: Company, series_code: str) -> tuple[Series, str]:
    """Lock the series row and return the next free number (no gaps, no duplicates).

    Must run inside the caller's transaction: the number is consumed only if that
    transaction commits (``Series.next_number`` is advanced by the caller via ``save``).
    A number already taken by an imported invoice is skipped.
    """
    Series.objects.get_or_create(company=company, code=series_code)
    series = Series.objects.select_for_update().get(company=company, code=series_code)
    return series, _first_free(series, company=company)


def peek_number(*, company: Company, series_code: str) -> str:
    """The number :func:`allocate_number` would give now, read without any lock.

    Issuing signs an invoice carrying this number outside any transaction, then allocates
    for real in a short one and keeps the signature only if both agree (see ``issuing``).
    """
    series = Series.objects.filter(company=company, code=series_code).first()
    return _first_free(series or Series(company=company, code=series_code), company=company)


def _first_free(series: Series, *, company: Company) -> str:
    """Advance ``series.next_number`` (in memory) past numbers imported invoices took."""
    while True:
        number = series.format_number(series.next_number)
        taken = Invoice.objects.filter(
            seller_tax_id=company.tax_id, series=series.code, number=number
        ).exists()
        if not taken:
            return number
        series.next_number += 1


# ---------------------------------------------------------------------------------------------
# Series set-up
# ---------------------------------------------------------------------------------------------

SERIES_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/_.")


def do_create_series(
    *,
    company: Company,
    actor: Any,
    code: str,
    description: str = "",
    digits: int = 6,
    first_number: int = 1,
    is_corrective: bool = False,
) -> Series:
    """Create a series deliberately (Tools › Set-up › Series); the web form only offers these.

    The API keeps creating a series on first use of a new code (ERPs own their numbering).
    """
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils.translation import gettext as _

    from efactura.audit.services import record
    from efactura.invoices.services._common import _require_writer

    _require_writer(actor=actor, company=company)
    code = code.strip().upper()
    if not code:
        raise ValidationError(_("Give the series a code, e.g. FV26 or R26."), code="required")
    if len(code) > 20 or not set(code) <= SERIES_CODE_CHARS:
        raise ValidationError(
            _("Use up to 20 letters, digits and - / _ . in a series code."), code="code"
        )
    if not 1 <= digits <= 12:
        raise ValidationError(_("Numbers have between 1 and 12 digits."), code="digits")
    with transaction.atomic():
        if Series.objects.filter(company=company, code=code).exists():
            raise ValidationError(
                _("The series %(code)s already exists.") % {"code": code}, code="duplicate"
            )
        series = Series.objects.create(
            company=company,
            code=code,
            description=description.strip()[:100],
            digits=digits,
            next_number=max(first_number, 1),
            is_corrective=is_corrective,
        )
        record(
            action="invoices.series.created",
            actor=actor,
            company=company,
            obj=series,
            data={"code": code, "corrective": is_corrective, "first": series.next_number},
        )
    return series


def list_series_choices(*, company: Company, corrective: bool) -> list[tuple[str, str]]:
    """The series the invoice form offers, each labelled with the number it gives next."""
    from django.utils.translation import gettext as _

    rows = []
    for series in Series.objects.filter(company=company, is_corrective=corrective):
        label = _("%(series)s — next number %(number)s") % {
            "series": series.code or _("(no series)"),
            "number": f"{series.code}{_first_free(series, company=company)}",
        }
        if series.description:
            label = f"{label} ({series.description})"
        rows.append((series.code, label))
    return rows
