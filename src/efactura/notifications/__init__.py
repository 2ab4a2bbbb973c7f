"""Emails sent by the platform; for now the embedded outbox used when no mail server is set."""
