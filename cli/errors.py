"""Turning an exception into the one line a user sees, and its exit code.

The root group (cli/app.py) calls ``one_line`` for anything a command raises.
leadq's own errors carry their message; the library errors that bad input or
a broken environment cause (unreachable Redis or database, a corrupt SQLite
file, an unwritable path, a port in use, a missing module) are named here.
A library is only consulted when it is already imported, so the boundary
itself loads nothing: an exception cannot come from a module never loaded.

Exit codes: 2 when the command line itself is wrong, 1 for every failure.
"""

from __future__ import annotations

import errno
import sys

from leadq.redact import mask_url

USAGE = 2
FAILURE = 1


def one_line(exc: BaseException) -> tuple[str, int] | None:
    """(message, exit code) for an error a user can act on; None for a bug."""
    for describe in (_leadq, _redis, _database, _settings, _system):
        described = describe(exc)
        if described is not None:
            return described
    return None


def _leadq(exc: BaseException) -> tuple[str, int] | None:
    errors = sys.modules.get("leadq.errors")
    if errors is not None and isinstance(exc, errors.Deferred):
        # In a worker the job would just run later; at the terminal, say when to try again.
        return f"{exc}; try again in {max(1, round(exc.delay / 1000))} s", FAILURE
    if errors is None or not isinstance(exc, errors.LeadqError):
        return None
    # Messages quote URLs (a Redis or database URL, a lead's website): never their passwords.
    return mask_url(str(exc)), USAGE if isinstance(exc, errors.UsageError) else FAILURE


def _redis(exc: BaseException) -> tuple[str, int] | None:
    redis = sys.modules.get("redis")
    if redis is None or not isinstance(exc, redis.exceptions.RedisError):
        return None
    from leadq.settings import DEFAULT_REDIS_URL

    url = _configured_url(lambda settings: settings.redis_url or DEFAULT_REDIS_URL)
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        return (
            f"cannot reach Redis at {url} ({exc}). Start it (`sudo apt-get install redis-server` or "
            "`redis-server --daemonize yes`), set LEADQ_REDIS_URL, or run with --inline.",
            FAILURE,
        )
    return f"Redis at {url} refused the command: {exc}", FAILURE


def _database(exc: BaseException) -> tuple[str, int] | None:
    sqlalchemy = sys.modules.get("sqlalchemy")
    if sqlalchemy is None or not isinstance(exc, sqlalchemy.exc.SQLAlchemyError):
        return None
    url = _configured_url(lambda settings: settings.effective_database_url)
    if isinstance(exc, sqlalchemy.exc.ArgumentError):
        return f"LEADQ_DATABASE_URL {url!r} is not a database URL leadq can use: {exc}", FAILURE
    # DBAPI errors carry the driver's own message; its first line says it all
    # ("file is not a database", "connection refused").
    cause = getattr(exc, "orig", None) or exc
    reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return f"database {url}: {reason}", FAILURE


def _configured_url(pick) -> str:
    """The URL a message names, password masked; a placeholder if even that cannot be read."""
    from leadq.settings import get_settings

    try:
        return mask_url(pick(get_settings()))
    except Exception:  # the message about the real error matters more than the URL
        return "(the configured URL)"


def _settings(exc: BaseException) -> tuple[str, int] | None:
    pydantic = sys.modules.get("pydantic")
    if pydantic is None or not isinstance(exc, pydantic.ValidationError):
        return None
    from leadq.settings import describe_invalid

    return describe_invalid(exc), FAILURE


def _system(exc: BaseException) -> tuple[str, int] | None:
    if isinstance(exc, ModuleNotFoundError):
        return (
            f"cannot import module {exc.name!r}: check LEADQ_ACTOR_MODULES and that the module is "
            "installed in leadq's environment",
            FAILURE,
        )
    if isinstance(exc, OverflowError):
        return f"a number is out of range: {exc}", USAGE
    if isinstance(exc, OSError):
        return _os_error(exc), FAILURE
    return None


def _os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.errno == errno.EADDRINUSE:
        return f"cannot listen: {reason} (another process has the port; pick another with --port)"
    if exc.filename is not None:
        target = exc.filename if exc.filename2 is None else f"{exc.filename} -> {exc.filename2}"
        return f"{target}: {reason}"
    return reason
