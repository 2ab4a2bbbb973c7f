"""Constants of the companies app: roles and API-key scopes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a member may do for a company.

    - admin: everything, including members, API keys, certificates and set-up;
    - accountant: issue, import, accept/reject and mark invoices paid;
    - viewer: read only.
    """

    ADMIN = "admin", _("Administrator")
    ACCOUNTANT = "accountant", _("Accountant")
    VIEWER = "viewer", _("Viewer")


class ApiScope(models.TextChoices):
    """What an ERP holding an API key may do."""

    SEND = "send", _("Send invoices")
    RECEIVE = "receive", _("Receive invoices")
    STATUS = "status", _("Read and report status")


API_KEY_PREFIX = "efk"
"""Every clear key starts with ``efk_`` so secret scanners and people recognise it."""

API_KEY_LOOKUP_LENGTH = 12
"""Characters of the key after ``efk_`` stored in clear to find the key row (not secret)."""

API_KEY_LAST_USED_RESOLUTION_SECONDS = 60
"""``last_used`` is refreshed at most once a minute per key, to avoid a write per request."""
