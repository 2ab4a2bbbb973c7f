"""Daily job: announce certificates about to expire and requeue emails whose task was lost."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from efactura.notifications.services import (
    do_requeue_stalled_notifications,
    do_warn_expiring_certificates,
)


class Command(BaseCommand):
    help = (
        "Email companies whose signing certificate expires soon (once per certificate) and "
        "hand again to the worker any email whose task was lost. Run it daily (cron, systemd)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        warned = do_warn_expiring_certificates()
        requeued = do_requeue_stalled_notifications()
        self.stdout.write(f"certificates announced: {warned}; emails requeued: {requeued}")
