"""The operator's view of VERI*FACTU: the submission queue, the AEAT's answers, the records.

Records and submissions are made only by the services, so the admin is read-only except for
two actions: correct (subsanación) the selected rejected records, and send waiting records now.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from efactura.verifactu.models import BillingRecord, Chain, CompanySettings, Submission


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BillingRecord)
class BillingRecordAdmin(_ReadOnly):
    list_display = (
        "sequence",
        "company",
        "kind",
        "number",
        "issue_date",
        "state",
        "error_code",
        "correction",
        "attempts",
        "submission",
    )
    list_filter = ("state", "kind", "correction")
    search_fields = ("number", "fingerprint", "company__tax_id", "company__legal_name")
    readonly_fields = [f.name for f in BillingRecord._meta.fields]
    actions = ["correct_records", "submit_now"]

    @admin.action(description=_("Correct (subsanación) and send again"))
    def correct_records(self, request: HttpRequest, queryset: QuerySet[BillingRecord]) -> None:
        from efactura.verifactu.services import RecordRefused, do_correct_record

        done = 0
        for record in queryset.order_by("company_id", "sequence"):
            try:
                do_correct_record(record=record, actor=request.user)  # type: ignore[arg-type]
                done += 1
            except RecordRefused as exc:
                self.message_user(request, f"{record}: {exc}", messages.WARNING)
        self.message_user(
            request,
            ngettext("%d correction made.", "%d corrections made.", done) % done,
        )

    @admin.action(description=_("Send waiting records now"))
    def submit_now(self, request: HttpRequest, queryset: QuerySet[BillingRecord]) -> None:
        from efactura.verifactu.services import schedule_submission

        for company_id in set(queryset.values_list("company_id", flat=True)):
            schedule_submission(company_id=company_id)
        self.message_user(request, _("Submission queued."))


class _RecordsInline(admin.TabularInline):
    model = BillingRecord
    fields = ("sequence", "kind", "number", "state", "error_code", "error_text")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(_ReadOnly):
    list_display = (
        "created",
        "company",
        "state",
        "record_count",
        "answer_state",
        "csv",
        "wait_seconds",
        "error",
    )
    list_filter = ("state", "answer_state")
    search_fields = ("csv", "company__tax_id", "company__legal_name")
    readonly_fields = [f.name for f in Submission._meta.fields]
    inlines = [_RecordsInline]


@admin.register(Chain)
class ChainAdmin(_ReadOnly):
    list_display = ("company", "length", "wait_seconds", "next_send_after", "incident")
    readonly_fields = [f.name for f in Chain._meta.fields]


@admin.register(CompanySettings)
class CompanySettingsAdmin(admin.ModelAdmin):
    list_display = ("company", "mode")
    list_filter = ("mode",)

    def save_model(
        self, request: HttpRequest, obj: CompanySettings, form: Any, change: bool
    ) -> None:
        from efactura.verifactu.services import do_set_mode

        do_set_mode(company=obj.company, actor=request.user, mode=obj.mode)  # type: ignore[arg-type]
