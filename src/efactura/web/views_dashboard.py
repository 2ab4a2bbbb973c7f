"""The dashboard: the landing page after login (issue 18).

What is owed to and by the company, what is late, what needs an answer before its legal
deadline, what falls due this week, and issued against received invoices per month.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from efactura.companies.acting import acting_company, request_notes
from efactura.invoices.dashboard import dashboard_for
from efactura.web.charts import monthly_chart


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors go to the login page; users without a company see why."""
    if not request.user.is_authenticated:
        return redirect("login")
    if request_notes(request).company is None:
        return render(request, "web/no_company.html", status=403)
    company = acting_company(request)
    data = dashboard_for(company=company, today=timezone.localdate())
    chart = monthly_chart(
        data.months, issued_label=_("Issued invoices"), received_label=_("Received invoices")
    )
    return render(
        request,
        "web/dashboard.html",
        {"section": "dashboard", "data": data, "chart": chart},
    )
