"""URLs of the federation endpoints, included under ``/federation/``."""

from __future__ import annotations

from django.urls import path

from efactura.federation import views

app_name = "federation"

urlpatterns = [
    path("v1/messages", views.receive_message, name="messages"),
    path("v1/participants/<str:participant_id>", views.participant, name="participant"),
]
