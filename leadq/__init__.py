"""leadq: a lead-generation work engine on Dramatiq and Redis."""

from pathlib import Path

__version__ = "0.1.0"

# In a source checkout actors/ and cli/ sit beside leadq/ and are installed as
# leadq.actors and leadq.cli (package-dir in pyproject.toml). When the checkout
# itself is on sys.path (`python -m leadq` from the repo root) Python finds this
# directory before the installed mapping, so point the package at its siblings.
_checkout = Path(__file__).resolve().parent.parent
if (_checkout / "actors" / "__init__.py").is_file() and (_checkout / "cli" / "__init__.py").is_file():
    __path__.append(str(_checkout))  # type: ignore[name-defined]  # noqa: F821
