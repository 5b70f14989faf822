"""Prompt templates: Jinja2 files under ``leadq/ai/prompts/``, one per task and version.

A template is named ``<task>.v<N>.j2`` and has two blocks, ``system`` and
``user``. The highest version is used; the version is part of every cache key,
so editing a prompt means adding a new version, and old answers are not reused
for it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import jinja2

PROMPTS_DIR = Path(__file__).parent / "prompts"
_NAME = re.compile(r"^(?P<task>[a-z_]+)\.v(?P<version>\d+)\.j2$")


@dataclass(frozen=True)
class Prompt:
    task: str
    version: int
    system: str
    user: str


def _to_json(value) -> str:
    """Facts go into prompts as JSON, so scraped text cannot pose as instructions' structure."""
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROMPTS_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text for a model, not HTML
        keep_trailing_newline=False,
    )
    env.filters["json"] = _to_json
    return env


@cache
def latest_version(task: str) -> int:
    versions = [
        int(match["version"])
        for path in PROMPTS_DIR.glob(f"{task}.v*.j2")
        if (match := _NAME.match(path.name)) and match["task"] == task
    ]
    if not versions:
        raise LookupError(f"no prompt template for task {task!r} in {PROMPTS_DIR}")
    return max(versions)


def render(task: str, **context) -> Prompt:
    """The newest version of ``task``'s prompt, filled in."""
    version = latest_version(task)
    template = _environment().get_template(f"{task}.v{version}.j2")
    parts = {}
    for block in ("system", "user"):
        parts[block] = "".join(template.blocks[block](template.new_context(context))).strip()
    return Prompt(task, version, parts["system"], parts["user"])
