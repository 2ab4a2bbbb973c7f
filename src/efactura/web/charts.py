"""Charts drawn on the server as SVG (no JavaScript, no CDN, no inline styles).

The geometry is computed here and the template only writes the numbers into SVG attributes;
colours come from classes in the static stylesheet, which is what the CSP allows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format, number_format

from efactura.invoices.dashboard import MonthBar

WIDTH = 720
HEIGHT = 260
LEFT = 64
RIGHT = 8
TOP = 12
BOTTOM = 32


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class MonthLabel:
    x: float
    label: str


@dataclass
class Chart:
    width: int
    height: int
    left: int
    right_edge: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    months: list[MonthLabel]
    empty: bool


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above ``value`` (the chart's top line)."""
    if value <= 0:
        return Decimal(1000)
    exponent = math.floor(math.log10(float(value)))
    base = Decimal(10) ** exponent
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if base * step >= value:
            return base * step
    return base * 10  # pragma: no cover - the loop ends at 10 × base


def monthly_chart(months: list[MonthBar], *, issued_label: str, received_label: str) -> Chart:
    """Two bars per month (issued, received) on a common scale, with four grid lines."""
    top_value = nice_ceiling(max([m.issued for m in months] + [m.received for m in months]))
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(months), 1)
    bar_width = slot * 0.36
    baseline = TOP + plot_height

    def height_of(amount: Decimal) -> float:
        return round(float(max(amount, Decimal(0)) / top_value) * plot_height, 1)

    bars: list[Bar] = []
    labels: list[MonthLabel] = []
    for index, month in enumerate(months):
        x0 = LEFT + index * slot + slot * 0.12
        name = date_format(month.month, "YEAR_MONTH_FORMAT")
        for offset, amount, css, label in (
            (0.0, month.issued, "bar-issued", issued_label),
            (bar_width, month.received, "bar-received", received_label),
        ):
            h = height_of(amount)
            bars.append(
                Bar(
                    x=round(x0 + offset, 1),
                    y=round(baseline - h, 1),
                    width=round(bar_width, 1),
                    height=h,
                    css=css,
                    title=f"{name} · {label}: {number_format(amount, 2, force_grouping=True)} €",
                )
            )
        labels.append(MonthLabel(x=round(x0 + bar_width, 1), label=date_format(month.month, "M")))
    ticks = [
        Tick(
            y=round(baseline - plot_height * step / 4, 1),
            label=number_format(top_value * step / 4, 0, force_grouping=True),
        )
        for step in range(5)
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right_edge=WIDTH - RIGHT,
        baseline=baseline,
        bars=bars,
        ticks=ticks,
        months=labels,
        empty=not any(m.issued or m.received for m in months),
    )
