"""Daily job: announce certificates about to expire and requeue emails whose task was lost.

Both are jobs of the periodic-job registry (``efactura.housekeeping.JOBS``) that every worker
runs; this command runs just these two at once (cron, systemd, by hand).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from efactura.housekeeping import run_housekeeping


class Command(BaseCommand):
    help = (
        "Email companies whose signing certificate expires soon (once per certificate) and "
        "hand again to the worker any email whose task was lost. Workers run this daily; the "
        "command runs it now."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        results = run_housekeeping(only=["certificate_expiry_warnings", "email_requeue"])
        self.stdout.write(
            f"certificates announced: {results['certificate_expiry_warnings']}; "
            f"emails requeued: {results['email_requeue']}"
        )
        if any(result.startswith("error:") for result in results.values()):
            raise CommandError("a job failed (see the log)")
