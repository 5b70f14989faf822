"""A demo's package: its directory (site, screenshots, manifest.json) and the same as one zip.

The manifest says what the package is without opening it: which lead and
template, and every file with its size and SHA-256, so a copy on the web
server or in a mailbox can be checked against it.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_files(root: Path) -> list[Path]:
    """Every file of the package directory except the manifest and the zip, sorted."""
    return sorted(
        path for path in root.rglob("*") if path.is_file() and path.name != MANIFEST and path.suffix != ".zip"
    )


def write_manifest(root: Path, *, lead_id: int, token: str, template: str, extra: dict[str, Any]) -> dict:
    """Write ``manifest.json`` listing every file of ``root`` with size and checksum; return it."""
    files = [
        {"path": path.relative_to(root).as_posix(), "bytes": path.stat().st_size, "sha256": sha256_of(path)}
        for path in package_files(root)
    ]
    manifest = {
        "lead_id": lead_id,
        "token": token,
        "template": template,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": files,
        "total_bytes": sum(entry["bytes"] for entry in files),
        **extra,
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def write_zip(root: Path, destination: Path) -> int:
    """Zip the package directory (manifest included) to ``destination``; its size in bytes.

    Written beside and renamed, so a reader never sees half a zip.
    """
    partial = destination.with_suffix(".zip.part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in [*package_files(root), root / MANIFEST]:
            # PNG and MP4 are compressed already: deflating them again costs time for nothing.
            stored = path.suffix in (".png", ".mp4", ".jpg")
            archive.write(
                path,
                path.relative_to(root).as_posix(),
                compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED,
            )
    partial.replace(destination)
    return destination.stat().st_size
