"""Operators manage companies, memberships and API keys in Django admin.

Companies and API keys are created through the services so the tax ID is canonical and the
audit log is written; API key hashes are never shown.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.models import ApiKey, Company, Membership
from efactura.companies.services import do_revoke_api_key
from efactura.companies.validators import canonical_tax_id


class CompanyAdminForm(forms.ModelForm):
    """Accepts the tax ID in any usual spelling and stores it canonical."""

    class Meta:
        model = Company
        fields = (
            "legal_name",
            "tax_id",
            "address",
            "postal_code",
            "city",
            "province",
            "country",
            "contact_email",
            "language",
            "is_active",
        )

    def clean_tax_id(self) -> str:
        return canonical_tax_id(self.cleaned_data["tax_id"])


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    form = CompanyAdminForm
    list_display = ("legal_name", "tax_id", "city", "contact_email", "is_active", "created")
    list_filter = ("is_active", "language", "country")
    search_fields = ("legal_name", "tax_id", "contact_email")
    readonly_fields = ("created",)
    inlines = (MembershipInline,)

    def save_model(self, request: HttpRequest, obj: Company, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record(
            action="companies.company.changed" if change else "companies.company.created",
            actor=request.user if request.user.is_authenticated else None,
            company=obj,
            obj=obj,
            source=Source.WEB,
            data={"fields": list(form.changed_data)},
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save()
        for instance in instances:
            if isinstance(instance, Membership):
                record(
                    action="companies.membership.changed",
                    actor=request.user if request.user.is_authenticated else None,
                    company=instance.company,
                    obj=instance,
                    source=Source.WEB,
                    data={"user": instance.user.email, "role": instance.role},
                )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "company", "role", "created")
    list_filter = ("role",)
    search_fields = ("user__email", "company__legal_name", "company__tax_id")
    autocomplete_fields = ("user", "company")


@admin.action(description=_("Revoke the selected API keys"))
def revoke_keys(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    for api_key in queryset:
        do_revoke_api_key(
            api_key=api_key,
            actor=request.user if request.user.is_authenticated else None,
            source=Source.WEB,
        )
    messages.success(request, _("The selected API keys are revoked."))


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Read-only view of API keys (no hash); the only change is the revoke action."""

    list_display = ("name", "company", "prefix", "scopes", "created", "last_used", "revoked")
    list_filter = ("revoked",)
    search_fields = ("name", "prefix", "company__legal_name", "company__tax_id")
    fields = (
        "company",
        "name",
        "prefix",
        "scopes",
        "created_by",
        "created",
        "last_used",
        "revoked",
    )
    readonly_fields = fields
    actions = (revoke_keys,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False
