"""URLs of the AS4 endpoint (``/as4``) and the SMP (``/smp/…``), included at the root."""

from __future__ import annotations

from django.urls import path

from efactura.interconnection import views

app_name = "interconnection"

urlpatterns = [
    path("as4", views.receive, name="as4"),
    path("smp/<str:participant>/services/<path:document>", views.service_metadata, name="metadata"),
    path("smp/<str:participant>", views.service_group, name="service-group"),
]
