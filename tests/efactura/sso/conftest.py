"""Fixtures of the sign-in tests: a real local OpenID provider (see ``bank_support``)."""

from __future__ import annotations

from tests.efactura.sso.bank_support import (
    _bank_process,
    _proxied_bank_process,
    bank,
    proxied_bank,
)

__all__ = ["_bank_process", "_proxied_bank_process", "bank", "proxied_bank"]
