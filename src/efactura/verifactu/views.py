"""Tools › Set-up › VERI*FACTU: the company chooses its mode, sees its event log, checks it
for anomalies and downloads its records (what an inspection may ask for)."""

from __future__ import annotations

import io
import zipfile

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from efactura.companies.acting import acting_company, acting_user
from efactura.verifactu.choices import Mode
from efactura.verifactu.models import BillingRecord, EventRecord
from efactura.verifactu.services import (
    RecordRefused,
    do_check_integrity,
    do_set_mode,
    export_records,
    mode_of,
)
from efactura.web.views import admin_role_required

EVENT_LABELS = {
    "01": gettext_lazy("Start of operation as NO VERI*FACTU"),
    "02": gettext_lazy("End of operation as NO VERI*FACTU"),
    "03": gettext_lazy("Anomaly check of the billing records"),
    "04": gettext_lazy("Anomaly found in a billing record"),
    "05": gettext_lazy("Anomaly check of the event log"),
    "06": gettext_lazy("Anomaly found in the event log"),
    "07": gettext_lazy("Backup restored"),
    "08": gettext_lazy("Billing records exported"),
    "09": gettext_lazy("Event log exported"),
    "10": gettext_lazy("Summary of events"),
    "90": gettext_lazy("Other event"),
}


class ModeForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("How the company meets the VERI*FACTU regulation"),
        choices=Mode.choices,
        widget=forms.RadioSelect,
    )


@admin_role_required
def setup_verifactu(request: HttpRequest) -> HttpResponse:
    company = acting_company(request)
    current = mode_of(company)
    if request.method == "POST":
        form = ModeForm(request.POST)
        if form.is_valid():
            chosen = form.cleaned_data["mode"]
            if chosen != current:
                try:
                    do_set_mode(company=company, actor=acting_user(request), mode=chosen)
                except RecordRefused as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, _("VERI*FACTU mode saved."))
                    return redirect("web:verifactu")
            else:
                return redirect("web:verifactu")
    else:
        form = ModeForm(initial={"mode": current})
    event_rows = list(EventRecord.objects.filter(company=company).order_by("-sequence")[:20])
    return render(
        request,
        "verifactu/setup.html",
        {
            "section": "setup",
            "form": form,
            "mode": current,
            "no_verifactu": current == Mode.NO_VERIFACTU,
            "records": BillingRecord.objects.filter(company=company).count(),
            "events": [
                (row, EVENT_LABELS.get(row.event_type, row.event_type)) for row in event_rows
            ],
        },
    )


@require_POST
@admin_role_required
def check_verifactu(request: HttpRequest) -> HttpResponse:
    company = acting_company(request)
    if mode_of(company) != Mode.NO_VERIFACTU:
        messages.error(request, _("Only NO VERI*FACTU companies keep an event log to check."))
        return redirect("web:verifactu")
    report = do_check_integrity(company=company)
    if report.ok:
        messages.success(
            request,
            _("No anomalies: %(records)s billing records and %(events)s events checked.")
            % {"records": report.records.run.chain, "events": report.events.run.chain},
        )
    else:
        found = len(report.records.findings) + len(report.events.findings)
        messages.error(
            request,
            _("%(found)s anomalies found and logged; the platform's operators have been alerted.")
            % {"found": found},
        )
    return redirect("web:verifactu")


@require_POST
@admin_role_required
def export_verifactu(request: HttpRequest) -> HttpResponse:
    """The company's records and event log as the AEAT's XML, in one zip (logs 08 and 09)."""
    company = acting_company(request)
    files = export_records(company=company)
    if not files:
        messages.info(request, _("There are no billing records to download yet."))
        return redirect("web:verifactu")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    name = f"verifactu-{company.tax_id}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
