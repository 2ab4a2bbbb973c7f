"""The figures of the dashboard, the landing page after login (issue 18).

Every figure is an aggregate computed by the database over the acting company's own invoices
(``issuer=company`` or ``recipient=company``, both leading columns of the invoice indexes), so
the page costs a handful of small queries whatever the number of invoices: two for the
outstanding amounts, one for the answers owed, two short lists and two for the chart.

Amounts are summed per currency: adding euros to dollars would be a bookkeeping mistake.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from efactura.companies.models import Company
from efactura.invoices.choices import OPEN_STATUSES, Status
from efactura.invoices.models import Invoice

CLOSED_STATUSES = (Status.PAID, Status.REJECTED, Status.CANCELLED)
"""Statuses in which nothing is owed any more."""

CHART_MONTHS = 12
DUE_SOON_DAYS = 7
"""“Due this week”: due today or in the next six days."""
LIST_SIZE = 8

_OUTSTANDING = ExpressionWrapper(
    F("payable") - F("paid_amount"), output_field=DecimalField(max_digits=18, decimal_places=2)
)


@dataclass
class Amounts:
    """A count of invoices and their amounts, one per currency (EUR first)."""

    count: int = 0
    by_currency: dict[str, Decimal] = field(default_factory=dict)

    def add(self, currency: str, count: int, amount: Decimal | None) -> None:
        self.count += count
        if count:
            self.by_currency[currency] = self.by_currency.get(currency, Decimal(0)) + (
                amount or Decimal(0)
            )

    @property
    def totals(self) -> list[tuple[Decimal, str]]:
        """(amount, currency) pairs, euros first, for the template."""
        order = sorted(self.by_currency, key=lambda c: (c != "EUR", c))
        return [(self.by_currency[c], c) for c in order] or [(Decimal(0), "EUR")]


@dataclass
class SideFigures:
    """Outstanding, overdue and due-this-week money on one side (payables or receivables)."""

    outstanding: Amounts = field(default_factory=Amounts)
    overdue: Amounts = field(default_factory=Amounts)
    due_soon: Amounts = field(default_factory=Amounts)


@dataclass
class MonthBar:
    month: dt.date
    issued: Decimal
    received: Decimal


@dataclass
class Dashboard:
    today: dt.date
    receivables: SideFigures
    payables: SideFigures
    to_answer: Amounts
    """Received invoices still waiting for acceptance or rejection."""
    answers_overdue: int
    """Of those, how many are past their legal response deadline."""
    answer_list: list[Invoice]
    due_soon_list: list[Invoice]
    months: list[MonthBar]
    chart_currency: str = "EUR"


def _side(company: Company, side: Literal["issued", "received"]) -> QuerySet[Invoice]:
    return (
        Invoice.objects.filter(issuer=company)
        if side == "issued"
        else Invoice.objects.filter(recipient=company)
    )


def _open(company: Company, side: Literal["issued", "received"]) -> QuerySet[Invoice]:
    """Invoices of one side on which money is still owed."""
    return _side(company, side).exclude(status__in=CLOSED_STATUSES)


def _side_figures(
    company: Company, side: Literal["issued", "received"], today: dt.date
) -> SideFigures:
    soon = today + dt.timedelta(days=DUE_SOON_DAYS - 1)
    overdue = Q(due_date__lt=today)
    due_soon = Q(due_date__gte=today, due_date__lte=soon)
    rows = (
        _open(company, side)
        .values("currency")
        .annotate(
            n=Count("id"),
            amount=Sum(_OUTSTANDING),
            n_overdue=Count("id", filter=overdue),
            overdue=Sum(_OUTSTANDING, filter=overdue),
            n_soon=Count("id", filter=due_soon),
            soon=Sum(_OUTSTANDING, filter=due_soon),
        )
        .order_by("currency")
    )
    figures = SideFigures()
    for row in rows:
        figures.outstanding.add(row["currency"], row["n"], row["amount"])
        figures.overdue.add(row["currency"], row["n_overdue"], row["overdue"])
        figures.due_soon.add(row["currency"], row["n_soon"], row["soon"])
    return figures


def _first_of_month(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _monthly(
    company: Company, side: Literal["issued", "received"], start: dt.date, currency: str
) -> dict[dt.date, Decimal]:
    rows = (
        _side(company, side)
        .filter(issue_date__gte=start, currency=currency)
        .exclude(status=Status.CANCELLED)
        .annotate(month=TruncMonth("issue_date"))
        .values("month")
        .annotate(amount=Sum("total"))
        .order_by("month")
    )
    result: dict[dt.date, Decimal] = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, dt.datetime):  # some backends truncate to a datetime
            month = month.date()
        result[month] = row["amount"] or Decimal(0)
    return result


def dashboard_for(*, company: Company, today: dt.date) -> Dashboard:
    """Everything the dashboard shows for ``company`` on ``today``."""
    to_answer_qs = _side(company, "received").filter(status__in=OPEN_STATUSES)
    answers = to_answer_qs.values("currency").annotate(
        n=Count("id"),
        amount=Sum("total"),
        late=Count("id", filter=Q(response_due__lt=today)),
    )
    to_answer = Amounts()
    late = 0
    for row in answers.order_by("currency"):
        to_answer.add(row["currency"], row["n"], row["amount"])
        late += row["late"]
    answer_list = list(
        to_answer_qs.order_by(F("response_due").asc(nulls_last=True), "issue_date", "id")[
            :LIST_SIZE
        ]
    )
    soon = today + dt.timedelta(days=DUE_SOON_DAYS - 1)
    due_soon_list = list(
        Invoice.objects.filter(Q(issuer=company) | Q(recipient=company))
        .exclude(status__in=CLOSED_STATUSES)
        .filter(due_date__gte=today, due_date__lte=soon)
        .order_by("due_date", "id")[:LIST_SIZE]
    )
    start = _first_of_month(today, CHART_MONTHS - 1)
    issued = _monthly(company, "issued", start, "EUR")
    received = _monthly(company, "received", start, "EUR")
    months = [
        MonthBar(
            month=(month := _first_of_month(today, back)),
            issued=issued.get(month, Decimal(0)),
            received=received.get(month, Decimal(0)),
        )
        for back in range(CHART_MONTHS - 1, -1, -1)
    ]
    return Dashboard(
        today=today,
        receivables=_side_figures(company, "issued", today),
        payables=_side_figures(company, "received", today),
        to_answer=to_answer,
        answers_overdue=late,
        answer_list=answer_list,
        due_soon_list=due_soon_list,
        months=months,
    )
