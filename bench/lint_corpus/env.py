"""Offline-only environment for the lint benchmark corpus: renders PostgreSQL SQL."""

from alembic import context

context.configure(
    url=context.config.get_main_option("sqlalchemy.url") or "postgresql://",
    literal_binds=True,
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
