"""The configuration reference, generated from the settings model.

``python -m leadq.settings_doc > docs/configuration.md`` writes every setting
with its variable, type, default, description and the parts of leadq that
read it, one section per settings mixin. A test fails when the committed file
is stale, so adding a field is: give it a ``description=``, run the command.

"Read by" comes from the source itself: a module reads a setting when it
says ``settings.<name>`` (or ``s.<name>``, ``get_settings().<name>``), or
uses a ``Settings`` property built on it (``uses_redis`` reads ``broker`` and
``redis_url``). A setting nothing reads is listed as such.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from leadq.settings import Settings

COMMAND = "python -m leadq.settings_doc > docs/configuration.md"
#: Packages whose modules may read settings: leadq itself and the two that ship inside it.
SOURCE_PACKAGES = ("leadq", "leadq.cli", "leadq.actors")
#: Modules that show every setting generically (or define them) rather than read one.
NOT_READERS = {"config_view", "settings_doc", "settings"}
_READ = re.compile(r"(?<![\w.])(?:self\.)?(?:settings|s|get_settings\(\))\.([a-z_][a-z0-9_]*)\b")
_SELF_READ = re.compile(r"\bself\.([a-z_][a-z0-9_]*)\b")
#: A setting named by an actor's ``periodic=CronSetting("…")``, read by the scheduler through getattr.
_NAMED_READ = re.compile(r'\bCronSetting\("([a-z_][a-z0-9_]*)"\)')
_TYPE_NAMES = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean (1/0, true/false)",
    Path: "path",
    SecretStr: "string (secret)",
}


def sections() -> list[tuple[str, str, list[str]]]:
    """(title, summary, field names) per settings mixin, in the order ``Settings`` lists them."""
    found = []
    seen: set[str] = set()
    for cls in Settings.__bases__:
        if not issubclass(cls, BaseModel) or cls is BaseSettings:
            continue
        names = [name for name in cls.model_fields if name not in seen]
        seen.update(names)
        found.append((cls.__name__.removesuffix("Settings"), _summary(cls), names))
    own = [name for name in Settings.model_fields if name not in seen]
    if own:
        found.append(("Other", "Settings declared on the settings object itself.", own))
    return found


def env_name(name: str) -> str:
    """The environment variable a setting is read from, e.g. ``LEADQ_REDIS_URL``."""
    return f"{Settings.model_config['env_prefix']}{name}".upper()


def type_name(annotation: Any) -> str:
    """A reader's name for a field's type; ``None`` (unset) is the default column's business."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return " or ".join(f"`{value}`" for value in args)
    if origin in (Union, types.UnionType):
        return " or ".join(type_name(arg) for arg in args if arg is not type(None))
    if origin is list:
        return f'list of {type_name(args[0])}s (JSON, e.g. `["a", "b"]`)'
    return _TYPE_NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def default_text(field: FieldInfo) -> str:
    """The default as a user would write it; a named factory is described by its docstring."""
    factory: Callable[[], Any] | None = field.default_factory  # type: ignore[assignment]
    if factory is not None:
        if inspect.isfunction(factory) and factory.__name__ != "<lambda>" and factory.__doc__:
            return _summary(factory)
        value = factory()
    else:
        value = field.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list | dict):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def readers() -> dict[str, set[str]]:
    """Setting name → the components (``core``, ``cli.worker``…) whose code reads it."""
    fields = set(Settings.model_fields)
    derived = {
        name: set(_SELF_READ.findall(inspect.getsource(member.fget))) & fields
        for name, member in vars(Settings).items()
        if isinstance(member, property)
    }
    found: dict[str, set[str]] = {name: set() for name in fields}
    for component, source in _sources():
        for name in set(_READ.findall(source)) | set(_NAMED_READ.findall(source)):
            for field in derived.get(name, {name} & fields):
                found[field].add(component)
    return found


def _sources() -> Iterator[tuple[str, str]]:
    for package in SOURCE_PACKAGES:
        spec = importlib.util.find_spec(package)
        root = Path(next(iter(spec.submodule_search_locations)))
        prefix = package.removeprefix("leadq").lstrip(".")
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if NOT_READERS & set(parts) or (prefix == "" and parts[0] in ("cli", "actors")):
                continue
            # Domain packages read as one component; top-level and cli/actor modules by name.
            name = parts[0] if prefix == "" else ".".join((prefix, *parts))
            yield name, path.read_text(encoding="utf-8")


def render() -> str:
    """The whole of docs/configuration.md."""
    read_by = readers()
    lines = [
        "# Configuration reference",
        "",
        f"Generated from leadq's settings model by `{COMMAND}`; do not edit it by hand",
        "(`tests/test_settings_doc.py` fails when it is stale).",
        "",
        "Every setting is read from the environment variable shown, then from `.env` in the",
        "working directory, then the default. `leadq config show [--json]` prints the values in",
        "effect (secrets masked) with these descriptions. Lists are written as JSON.",
    ]
    for title, summary, names in sections():
        lines += ["", f"## {title}", "", summary, "", "| Variable | Type | Default | Description | Read by |"]
        lines.append("|---|---|---|---|---|")
        for name in names:
            field = Settings.model_fields[name]
            cells = (
                f"`{env_name(name)}`",
                type_name(field.annotation),
                default_text(field),
                field.description or "",
                ", ".join(sorted(read_by[name])) or "nothing (unused)",
            )
            lines.append("| " + " | ".join(_table_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _table_cell(text: str) -> str:
    """Markdown for one table cell: ``|`` always escaped, ``<`` outside code spans (not a tag)."""
    pieces = text.replace("|", "\\|").split("`")
    return "`".join(piece if index % 2 else piece.replace("<", "\\<") for index, piece in enumerate(pieces))


def _summary(obj: object) -> str:
    return inspect.getdoc(obj).split("\n\n")[0].replace("\n", " ")


if __name__ == "__main__":
    print(render(), end="")  # noqa: T201 (the command's output is the document)
