"""Alembic environment: runs on the engine leadq.db hands over (never from alembic.ini)."""

from alembic import context
from sqlalchemy import text

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    if connection.dialect.name == "postgresql":
        # Two workers starting at once must not both create the same tables.
        connection.execute(text("SELECT pg_advisory_lock(7143900001)"))
        connection.commit()
    context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_unlock(7143900001)"))
        connection.commit()
