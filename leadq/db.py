"""Database engine, sessions and migrations (SQLite by default, Postgres by URL).

Every command that touches the database calls ``ensure_schema`` first, so a
fresh install works without a separate migrate step; `leadq db upgrade` exists
for operators who prefer to run it explicitly.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from leadq.errors import ConfigError
from leadq.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

_engines: dict[str, Engine] = {}
_migrated: set[str] = set()
_lock = threading.RLock()  # get_engine takes it again inside ensure_schema


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the CLI read history while workers write it; the busy timeout
    # makes concurrent writers wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def get_engine(settings: Settings) -> Engine:
    """One engine per database URL per process."""
    url = settings.effective_database_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                settings.data_dir.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                try:
                    engine = create_engine(url, pool_pre_ping=True)
                except Exception as exc:  # bad URL or missing driver
                    raise ConfigError(f"cannot use database URL: {exc}") from None
            _engines[url] = engine
    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["engine"] = engine
    return config


def current_heads(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


@contextmanager
def _migration_lock(settings: Settings) -> Iterator[None]:
    """One migrating process at a time. Postgres takes an advisory lock in
    env.py; for SQLite a file lock beside the database does the same."""
    if not settings.effective_database_url.startswith("sqlite"):
        yield
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.data_dir / ".migrate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(settings: Settings) -> list[str]:
    """Apply every pending migration; returns the revisions now applied."""
    engine = get_engine(settings)
    config = alembic_config(engine)
    try:
        with _migration_lock(settings):
            command.upgrade(config, "heads")
        heads = current_heads(engine)
    except OperationalError as exc:
        raise ConfigError(f"database {engine.url!r} is not reachable: {exc.orig}") from None
    return sorted(heads)


def pending_migrations(settings: Settings) -> list[str]:
    """Revisions in the code that the database does not have yet."""
    engine = get_engine(settings)
    script = ScriptDirectory.from_config(alembic_config(engine))
    applied = current_heads(engine)
    wanted = set(script.get_heads())
    if wanted <= applied:
        return []
    return sorted(wanted - applied)


def ensure_schema(settings: Settings) -> Engine:
    """Migrate once per process and database; cheap after the first call.

    The lock covers check and upgrade: worker threads of a fresh install all
    reach this at once, and two concurrent Alembic runs trip over each other.
    """
    url = settings.effective_database_url
    if url not in _migrated:
        with _lock:
            if url not in _migrated:
                if pending_migrations(settings):
                    upgrade(settings)
                _migrated.add(url)
    return get_engine(settings)


@contextmanager
def session_scope(settings: Settings) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(ensure_schema(settings), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
