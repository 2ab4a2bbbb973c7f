"""``efactura manage check_certificates``: the daily certificate check, run at once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from efactura.signing.choices import EXPIRY_WARNING_DAYS


class Command(BaseCommand):
    help = (
        "Report certificates in use that expire within --days (default 30) or have expired, "
        "and the platform seal's expiry. Run it daily (cron, systemd)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=EXPIRY_WARNING_DAYS)

    def handle(self, *args: Any, **options: Any) -> None:
        from efactura.signing.tasks import check_signing_certificates

        result = check_signing_certificates.call(options["days"])
        self.stdout.write(
            f"expiring: {len(result['expiring'])}; expired but in use: "  # type: ignore[arg-type]
            f"{len(result['expired'])}; platform seal days left: "  # type: ignore[arg-type]
            f"{result['seal_days_left']}"
        )
