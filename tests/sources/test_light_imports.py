"""A source parser is light: importing one loads no broker, database or browser library."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = {"redis", "sqlalchemy", "sqlmodel", "selenium", "periodiq", "alembic"}


def test_importing_a_parser_loads_no_redis_database_or_selenium():
    code = "import json, sys; import leadq.sources.craigslist; print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    )
    assert not {name.split(".")[0] for name in loaded} & HEAVY
