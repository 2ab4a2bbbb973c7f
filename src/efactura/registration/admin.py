"""Operators can see (never the clear value of) registration codes and lift lockouts."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from efactura.registration.models import InvitationCode, IssuerCode, RegistrationThrottle
from efactura.registration.services import do_unlock_registration


@admin.register(InvitationCode)
class InvitationCodeAdmin(admin.ModelAdmin):
    list_display = ("tax_id", "issuer", "email", "created", "expires", "used_at")
    search_fields = ("tax_id", "email")
    exclude = ("code_hash",)
    readonly_fields = (
        "tax_id",
        "issuer",
        "invoice",
        "email",
        "created",
        "expires",
        "used_at",
        "used_by",
    )


@admin.register(IssuerCode)
class IssuerCodeAdmin(admin.ModelAdmin):
    list_display = ("tax_id", "issuer", "created", "expires", "revoked_at", "used_at")
    search_fields = ("tax_id",)
    exclude = ("code_hash",)
    readonly_fields = (
        "issuer",
        "tax_id",
        "created",
        "created_by",
        "expires",
        "revoked_at",
        "used_at",
        "used_by",
    )


class LockedNowFilter(admin.SimpleListFilter):
    """Show the keys (tax ID or client address) that are locked at this moment."""

    title = _("Locked now")
    parameter_name = "locked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", str(_("Yes"))), ("no", str(_("No")))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[RegistrationThrottle]
    ) -> QuerySet[RegistrationThrottle]:
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(locked_until__gt=now)
        if self.value() == "no":
            return queryset.exclude(locked_until__gt=now)
        return queryset


@admin.register(RegistrationThrottle)
class RegistrationThrottleAdmin(admin.ModelAdmin):
    """Registration lockouts (two-code registration): who is locked, until when; lift them."""

    list_display = ("key", "failures", "locks", "window_start", "locked_until")
    list_filter = (LockedNowFilter,)
    search_fields = ("key",)
    actions = ("unlock",)

    @admin.action(description=_("Unlock: forget these wrong registration attempts"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[RegistrationThrottle]) -> None:
        count = do_unlock_registration(
            throttle_ids=list(queryset.values_list("pk", flat=True)),
            actor=request.user if request.user.is_authenticated else None,
        )
        self.message_user(
            request,
            ngettext("%(count)d lockout lifted.", "%(count)d lockouts lifted.", count)
            % {"count": count},
            messages.SUCCESS,
        )
