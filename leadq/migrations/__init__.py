"""Alembic migrations; each domain adds its tables in its own revision branch."""
