"""Operators manage users in Django admin (email login, no username)."""

from __future__ import annotations

from typing import Any, ClassVar

from axes import admin as axes_admin  # imported first: it registers axes' own admin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group, Permission
from django.db.models import ManyToManyField, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from efactura.accounts.models import User
from efactura.accounts.services import do_unlock_logins
from efactura.audit.choices import Source
from efactura.audit.services import record

_PERMISSION_ACTIONS = {
    "add": _("Can add %(name)s"),
    "change": _("Can change %(name)s"),
    "delete": _("Can delete %(name)s"),
    "view": _("Can view %(name)s"),
}


def permission_label(permission: Permission) -> str:
    """A permission in the reader's language ("Empresas | empresa | Puede ver empresa").

    Django stores permission names in English when it migrates; the label is rebuilt from the
    app's and the model's translated names.  Permissions of other kinds keep their name."""
    model = permission.content_type.model_class()
    action = permission.codename.partition("_")[0]
    if model is None or action not in _PERMISSION_ACTIONS:
        return str(permission)
    name = str(model._meta.verbose_name)
    label = str(_PERMISSION_ACTIONS[action]) % {"name": name}
    return f"{model._meta.app_config.verbose_name} | {name} | {label}"


def _permission_field(db_field: ManyToManyField[Any, Any], field: Any) -> Any:
    """The same form field, its choices labelled by :func:`permission_label`."""
    if field is not None and db_field.related_model is Permission:
        field.label_from_instance = permission_label
    return field


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "full_name", "language", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "language")
    search_fields = ("email", "full_name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    filter_horizontal: ClassVar[tuple[str, ...]] = ("groups", "user_permissions")

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        return _permission_field(
            db_field, super().formfield_for_manytomany(db_field, request, **kwargs)
        )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Save, and record who created or changed the user (never the password itself)."""
        super().save_model(request, obj, form, change)
        record(
            action="accounts.user.changed" if change else "accounts.user.created",
            actor=request.user if request.user.is_authenticated else None,
            obj=obj,
            source=Source.WEB,
            data={
                "email": obj.email,
                "fields": [f for f in form.changed_data if "password" not in f],
            },
        )


if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Django's group page, with the permissions named in the reader's language."""

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> Any:
        return _permission_field(
            db_field, super().formfield_for_manytomany(db_field, request, **kwargs)
        )


# -- Login lockouts (django-axes) ------------------------------------------------------------
# axes registers its own admin for AccessAttempt; ours adds an audited unlock action and makes
# deleting rows (which also unlocks) go through the same service.
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LoginAttemptAdmin(axes_admin.AccessAttemptAdmin):  # type: ignore[misc]  # untyped library
    """Failed logins per account and client; "Unlock" lifts a lockout before its cool-off."""

    actions: ClassVar[list[str]] = ["unlock", "cleanup_expired_attempts"]

    @admin.action(description=_("Unlock: forget these failed logins"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        count = do_unlock_logins(
            attempt_ids=list(queryset.values_list("pk", flat=True)),
            actor=request.user if request.user.is_authenticated else None,
        )
        self.message_user(
            request,
            ngettext("%(count)d lockout lifted.", "%(count)d lockouts lifted.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def delete_model(self, request: HttpRequest, obj: AccessAttempt) -> None:
        do_unlock_logins(attempt_ids=[obj.pk], actor=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        do_unlock_logins(
            attempt_ids=list(queryset.values_list("pk", flat=True)),
            actor=request.user,  # type: ignore[arg-type]
        )
