"""Operators enrol bank customers for companies in Django admin (through the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from efactura.audit.choices import Source
from efactura.sso.models import BankIdentity, Enrolment
from efactura.sso.services import (
    canonical_national_id,
    do_enrol,
    do_set_enrolment_active,
    do_update_enrolment,
)


class EnrolmentForm(forms.ModelForm):
    class Meta:
        model = Enrolment
        fields = ("company", "subject", "national_id", "role", "is_active", "note")

    def clean_national_id(self) -> str:
        value: str = self.cleaned_data.get("national_id", "").strip()
        return canonical_national_id(value) if value else ""

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if not cleaned.get("subject", "").strip() and not cleaned.get("national_id"):
            raise ValidationError(
                _("Give the customer's subject at the bank's provider or their national ID.")
            )
        return cleaned


def _actor(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


@admin.action(description=_("Disable the selected enrolments"))
def disable_enrolments(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Enrolment]
) -> None:
    for enrolment in queryset.filter(is_active=True):
        do_set_enrolment_active(
            enrolment=enrolment, active=False, actor=_actor(request), source=Source.WEB
        )
    messages.success(request, _("The selected enrolments are disabled."))


@admin.action(description=_("Enable the selected enrolments"))
def enable_enrolments(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Enrolment]
) -> None:
    for enrolment in queryset.filter(is_active=False):
        do_set_enrolment_active(
            enrolment=enrolment, active=True, actor=_actor(request), source=Source.WEB
        )
    messages.success(request, _("The selected enrolments are enabled."))


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    form = EnrolmentForm
    list_display = ("company", "subject", "national_id", "role", "is_active", "created")
    list_filter = ("is_active", "role")
    search_fields = ("subject", "national_id", "company__legal_name", "company__tax_id")
    autocomplete_fields = ("company",)
    readonly_fields = ("created", "created_by")
    actions = (disable_enrolments, enable_enrolments)

    def save_model(self, request: HttpRequest, obj: Enrolment, form: Any, change: bool) -> None:
        if not change:
            created = do_enrol(
                company=obj.company,
                role=obj.role,
                subject=obj.subject,
                national_id=obj.national_id,
                note=obj.note,
                actor=_actor(request),
                source=Source.WEB,
            )
            obj.pk = created.pk
            if not obj.is_active:
                do_set_enrolment_active(
                    enrolment=created, active=False, actor=_actor(request), source=Source.WEB
                )
            return
        initial = form.initial
        do_update_enrolment(
            enrolment=obj,
            previous=(initial.get("subject", ""), initial.get("national_id", "")),
            fields=list(form.changed_data),
            actor=_actor(request),
            source=Source.WEB,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Enrolment | None = None) -> bool:
        return False


@admin.register(BankIdentity)
class BankIdentityAdmin(admin.ModelAdmin):
    """Who has signed in from online banking (read only)."""

    list_display = ("subject", "user", "national_id", "last_sign_in", "created")
    search_fields = ("subject", "national_id", "user__email", "user__full_name")
    fields = (
        "user",
        "issuer",
        "subject",
        "national_id",
        "claimed_companies",
        "created",
        "last_sign_in",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
