"""``efactura manage reencrypt_certificates``: re-encrypt stored certificates with the
current (first) ``EFACTURA_ENCRYPTION_KEY`` after rotating it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Re-encrypt every certificate in use with the first EFACTURA_ENCRYPTION_KEY; afterwards "
        "the older keys can be removed from the list."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        from efactura.signing.services import do_reencrypt_certificates

        count = do_reencrypt_certificates()
        self.stdout.write(f"certificates re-encrypted: {count}")
