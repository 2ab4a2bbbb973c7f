"""Invoice numbering per series: a short transaction holding the series row lock.

Nothing slow happens under that lock: issuing renders and signs before it, with the number
:func:`peek_number` predicts, and only stores the signed invoice under it.
"""

from __future__ import annotations

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
