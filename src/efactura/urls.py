"""Top-level URL map: the web pages, authentication, Django admin for the bank's operators."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from efactura.api.handlers import api
from efactura.health import healthz
from efactura.sso.views import LogoutView as SsoLogoutView
from efactura.web.urls import auth_patterns

admin.site.site_header = "efactura"
admin.site.site_title = "efactura"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("efactura.interconnection.urls")),
    path("sso/", include("efactura.sso.urls")),
    # Logout also ends the bank session when the person came from online banking; it takes
    # the place of Django's view at the same address.
    path("accounts/logout/", SsoLogoutView.as_view(), name="logout"),
    *auth_patterns,
    path("", include("efactura.web.urls")),
]
