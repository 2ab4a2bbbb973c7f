"""Command-line subcommands that need only the standards library (no database).

Each module listed in ``COMMANDS`` exposes ``register(subparsers) -> None``, which adds one
``argparse`` sub-parser and sets ``func`` on it to a callable ``(args) -> int`` returning the
exit status.  ``efactura.cli`` registers them all beside its Django-backed commands.
"""

from __future__ import annotations

import argparse
import importlib

COMMANDS: tuple[str, ...] = (
    "einvoice.commands.validate",
    "einvoice.commands.convert",
    "einvoice.commands.sign",
    "einvoice.commands.verify",
)


def register_all(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add every library subcommand to ``subparsers``; a module not written yet is skipped."""
    for dotted in COMMANDS:
        try:
            module = importlib.import_module(dotted)
        except ModuleNotFoundError as exc:
            if exc.name == dotted:
                continue
            raise
        module.register(subparsers)
