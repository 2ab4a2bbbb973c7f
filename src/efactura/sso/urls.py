"""URLs of the online-banking sign-in (mounted at ``/sso/``)."""

from __future__ import annotations

from django.urls import path

from efactura.sso import views

app_name = "sso"

urlpatterns = [
    path("login", views.sso_login, name="login"),
    path("callback", views.sso_callback, name="callback"),
    path("backchannel-logout", views.backchannel_logout, name="backchannel_logout"),
]
