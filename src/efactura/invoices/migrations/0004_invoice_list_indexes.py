"""Indexes for what the invoice lists offer, so they stay fast at a million invoices.

On every database: (company, updated, id) for the ERP change feed.  On PostgreSQL only:

- (company, total, created, id) for the sort by total.  Not on SQLite, whose planner then
  prefers it for amount-range filters and sorts the whole range by date (see the model).
- The ``pg_trgm`` extension and one trigram GIN index per side over the invoice number and
  the other party's tax ID and name, upper-cased, exactly as
  ``efactura.invoices.selectors.SearchText`` writes it, so searching inside a number or a
  name looks up a few rows instead of reading the company's every invoice.
"""

from django.db import migrations, models

_POSTGRESQL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS inv_issuer_total ON invoices_invoice "
    "(issuer_id, total DESC, created DESC, id DESC)",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS inv_recipient_total ON invoices_invoice "
    "(recipient_id, total DESC, created DESC, id DESC)",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS inv_issued_search ON invoices_invoice USING gin "
    "((UPPER((full_number || ' ' || buyer_tax_id || ' ' || buyer_name)::text)) gin_trgm_ops) "
    "WHERE issuer_id IS NOT NULL",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS inv_received_search ON invoices_invoice USING gin "
    "((UPPER((full_number || ' ' || seller_tax_id || ' ' || seller_name)::text)) gin_trgm_ops) "
    "WHERE recipient_id IS NOT NULL",
)
_POSTGRESQL_REVERSE = (
    "DROP INDEX CONCURRENTLY IF EXISTS inv_received_search",
    "DROP INDEX CONCURRENTLY IF EXISTS inv_issued_search",
    "DROP INDEX CONCURRENTLY IF EXISTS inv_recipient_total",
    "DROP INDEX CONCURRENTLY IF EXISTS inv_issuer_total",
)


def _run(statements: tuple[str, ...]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    # PostgreSQL builds these indexes CONCURRENTLY (outside a transaction), so upgrading a
    # platform that already holds a million invoices does not block writes while they build.
    atomic = False

    dependencies = [
        ("companies", "0001_initial"),
        ("invoices", "0003_archive_head"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["issuer", "updated", "id"], name="inv_issuer_feed"),
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["recipient", "updated", "id"], name="inv_recipient_feed"),
        ),
        migrations.RunPython(_run(_POSTGRESQL), _run(_POSTGRESQL_REVERSE), elidable=False),
    ]
