"""``efactura manage federation_requeue``: resend federation messages whose task was lost.

Run it periodically (e.g. every 10 minutes from cron); it is harmless when nothing stalled.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Hand again to the worker federation messages that stalled (worker stopped mid-send)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than", type=int, default=10, help="minutes without progress (default 10)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from efactura.federation.services import do_requeue_stalled_messages

        count = do_requeue_stalled_messages(older_than=dt.timedelta(minutes=options["older_than"]))
        self.stdout.write(f"{count} federation messages handed to the worker again.")
