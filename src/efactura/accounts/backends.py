"""Authentication backends: django-axes' lockout check, for web requests only."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):  # type: ignore[misc]  # untyped library
    """Refuses logins of a locked-out account or client (django-axes), first in the chain.

    Axes insists on the request; ``authenticate()`` called without one comes from code on the
    server (the command line, a shell, tests), not from someone guessing passwords over the
    network, so it is passed on to the next backend instead of raising.
    """

    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
