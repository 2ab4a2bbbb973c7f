"""The page of a background import: progress while the worker runs it, then its report."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from efactura.companies.acting import acting_company
from efactura.imports import services as import_services
from efactura.imports.models import ImportJob
from efactura.web.views import company_required
from efactura.web.views_invoices import _language

REFRESH_SECONDS = 2
"""How often the page reloads itself while the job runs."""


def _rows(violations: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """Stored violations (``Violation.as_dict()``) as the report template shows them."""
    spanish = language.startswith("es")
    return [
        {
            "rule": v.get("rule", ""),
            "location": v.get("location", ""),
            "invoice": v.get("invoice"),
            "text": (v.get("message_es") if spanish else None) or v.get("message", ""),
            "detail": v.get("detail", ""),
            "fatal": v.get("severity", "fatal") == "fatal",
        }
        for v in violations
    ]


def _ref(pk: object) -> dict[str, object] | None:
    return {"pk": pk} if pk else None


def report_context(body: dict[str, Any], language: str) -> dict[str, Any]:
    """The stored report (``ImportReport.as_dict()``) in the shape the report template reads."""
    file_rows = []
    imported: list[object] = []
    rejected = 0
    for f in body.get("files", []):
        invoices = []
        for item in f.get("invoices", []):
            if item.get("outcome") == "imported":
                imported.append(item.get("id"))
            else:
                rejected += 1
            invoices.append(
                {
                    "item": {
                        "outcome": item.get("outcome"),
                        "number": item.get("number", ""),
                        "index": item.get("index", 0),
                        "invoice": _ref(item.get("id")),
                        "duplicate_of": _ref(item.get("duplicate_of")),
                    },
                    "violations": _rows(item.get("violations", []), language),
                }
            )
        if f.get("violations") and not invoices:
            rejected += 1
        file_rows.append(
            {
                "report": {key: f.get(key) for key in ("filename", "format", "version", "signed")}
                | {"ok": f.get("ok", False)},
                "violations": _rows(f.get("violations", []), language),
                "warnings": _rows(f.get("warnings", []), language),
                "invoices": invoices,
            }
        )
    return {"report": {"imported": imported, "rejected_count": rejected}, "file_rows": file_rows}


@require_GET
@company_required
def import_job(request: HttpRequest, job_id: Any) -> HttpResponse:
    """Progress of a background import; its report once the worker has finished."""
    try:
        job = import_services.access_import_job_by_id(
            company=acting_company(request), job_id=job_id
        )
    except ImportJob.DoesNotExist:
        raise Http404(_("No such import.")) from None
    context: dict[str, Any] = {"section": "import", "job": job, "refresh": REFRESH_SECONDS}
    if job.status == ImportJob.Status.DONE:
        context.update(report_context(job.report, _language(request)))
    return render(request, "web/invoices/import_job.html", context)
