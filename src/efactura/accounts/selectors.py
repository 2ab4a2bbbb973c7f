"""Reads on users."""

from __future__ import annotations

from efactura.accounts.models import User, normalise_email


def access_user_by_email(*, email: str) -> User | None:
    """The user whose login is ``email`` (case-insensitive), or ``None``."""
    return User.objects.filter(email=normalise_email(email)).first()
