"""Append-only audit log of every legally relevant action."""
