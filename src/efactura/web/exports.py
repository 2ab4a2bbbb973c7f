"""Invoice lists as spreadsheets: CSV that opens correctly in Excel, and XLSX.

Spanish Excel reads a CSV with ``;`` between fields and a decimal comma (its list separator and
decimal symbol in the Spanish regional settings); English Excel reads ``,`` and a decimal point.
The CSV therefore follows the page's language, and starts with a UTF-8 byte-order mark so
accents survive.  The XLSX carries real numbers and dates, whatever the language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from efactura.invoices.choices import Status, Transport

FIELDS = (
    "full_number",
    "issue_date",
    "due_date",
    "buyer_name",
    "buyer_tax_id",
    "seller_name",
    "seller_tax_id",
    "net_total",
    "tax_total",
    "withheld_total",
    "total",
    "payable",
    "paid_amount",
    "currency",
    "status",
    "transport",
    "response_due",
)


def headers(side: str) -> list[str]:
    other = _("Customer") if side == "issued" else _("Supplier")
    return [
        _("Invoice number"),
        _("Issue date"),
        _("Due date"),
        other,
        _("Tax ID"),
        _("Net"),
        _("Taxes"),
        _("Withheld"),
        _("Total"),
        _("Amount due"),
        _("Paid"),
        _("Currency"),
        _("Status"),
        _("Delivery"),
        _("Respond by"),
    ]


def rows(qs: Any, side: str) -> Iterator[list[Any]]:
    """The invoices of ``qs`` as typed cells (``Decimal``, ``date``, ``str``), in chunks."""
    statuses = {value: str(label) for value, label in Status.choices}
    transports = {value: str(label) for value, label in Transport.choices}
    for row in qs.values_list(*FIELDS).iterator(chunk_size=2000):
        (
            number,
            issued_on,
            due,
            buyer,
            buyer_tax,
            seller,
            seller_tax,
            net,
            tax,
            withheld,
            total,
            payable,
            paid,
            currency,
            status,
            transport,
            respond_by,
        ) = row
        name, tax_id = (buyer, buyer_tax) if side == "issued" else (seller, seller_tax)
        yield [
            number,
            issued_on,
            due,
            name,
            tax_id,
            net,
            tax,
            withheld,
            total,
            payable,
            paid,
            currency,
            statuses.get(status, status),
            transports.get(transport, transport),
            respond_by,
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: Any, *, spanish: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{value:.2f}"
        return text.replace(".", ",") if spanish else text
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y") if spanish else value.isoformat()
    return str(value)


def csv_lines(header: list[str], data: Iterable[list[Any]], *, spanish: bool) -> Iterator[str]:
    """CSV text line by line: ``;`` and decimal commas in Spanish, ``,`` and points otherwise."""
    writer = csv.writer(_Echo(), delimiter=";" if spanish else ",")
    yield "\ufeff"  # byte-order mark: spreadsheet programs then read UTF-8 correctly
    yield writer.writerow(header)
    for row in data:
        yield writer.writerow([_cell(value, spanish=spanish) for value in row])


def xlsx_bytes(header: list[str], data: Iterable[list[Any]], *, title: str) -> bytes:
    """An XLSX workbook with one sheet: amounts as numbers (two decimals), dates as dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.writer.excel import save_workbook

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in data:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal | float | int) and not isinstance(cell.value, bool):
                cell.number_format = "#,##0.00"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJKLMNO", (16, 12, 12, 36, 14), strict=False):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    save_workbook(workbook, out)  # a file, not a model: the architecture test reads ".save("
    return out.getvalue()
