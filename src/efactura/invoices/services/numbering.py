"""Invoice numbering per series: a short transaction holding the series row lock."""

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
    while True:
        number = series.format_number(series.next_number)
        taken = Invoice.objects.filter(
            seller_tax_id=company.tax_id, series=series_code, number=number
        ).exists()
        if not taken:
            return series, number
        series.next_number += 1
