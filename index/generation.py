"""Locating, validating, switching and garbage-collecting index generations.

`CURRENT` holds the name of the serving generation. It is replaced atomically
(temp file + os.replace) only after a generation's manifest is written, so a build
that dies at any point leaves the previous generation serving.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from index.manifest import MANIFEST, Manifest, file_sha256, read_manifest

CURRENT = "CURRENT"
GENERATIONS = "generations"
KEEP = 2


class IndexLoadError(Exception):
    """Base of the index errors; the message says what to do."""


class IndexNotFound(IndexLoadError):
    pass


class IndexCorrupt(IndexLoadError):
    pass


@dataclass
class Generation:
    """A complete, checked generation: its folder and manifest."""

    path: Path
    manifest: Manifest

    @property
    def name(self) -> str:
        return self.path.name


def new_generation_dir(index_dir: Path) -> Path:
    """A fresh, uniquely named folder under index_dir/generations/ (sortable by time)."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = index_dir / GENERATIONS / f"{stamp}-{os.getpid()}"
    path.mkdir(parents=True)
    return path


def current_name(index_dir: Path) -> str | None:
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        return None
    return pointer.read_text(encoding="utf-8").strip() or None


def switch_current(index_dir: Path, generation: Path) -> None:
    """Point CURRENT at `generation` atomically."""
    tmp = index_dir / f"{CURRENT}.{os.getpid()}.tmp"
    tmp.write_text(generation.name + "\n", encoding="utf-8")
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / CURRENT)


def open_generation(index_dir: Path | str, verify: bool = True) -> Generation:
    """The serving generation, with every file checked against its manifest.

    Raises IndexNotFound when there is no built index, IndexCorrupt naming the file
    when a file is missing or its checksum differs.
    """
    index_dir = Path(index_dir)
    name = current_name(index_dir)
    if name is None:
        raise IndexNotFound(
            f"No index at {index_dir} (no {CURRENT} file). "
            f"Run `policykb ingest PATH... --index {index_dir}` to build one.")
    path = index_dir / GENERATIONS / name
    if not (path / MANIFEST).is_file():
        raise IndexCorrupt(
            f"The index at {index_dir} points to generation {name}, but {path / MANIFEST} "
            f"is missing. Rebuild with `policykb ingest PATH... --index {index_dir}`.")
    manifest = read_manifest(path)
    if verify:
        for rel, expected in manifest.files.items():
            file = path / rel
            if not file.is_file():
                raise IndexCorrupt(f"Index file {file} is missing (listed in {path / MANIFEST}). "
                                   f"Rebuild with `policykb ingest PATH... --index {index_dir}`.")
            if file_sha256(file) != expected:
                raise IndexCorrupt(f"Index file {file} does not match its checksum in "
                                   f"{path / MANIFEST}: it changed after the build. "
                                   f"Rebuild with `policykb ingest PATH... --index {index_dir}`.")
    return Generation(path, manifest)


def previous_generation(index_dir: Path) -> Generation | None:
    """The serving generation if there is one that loads, else None (first build)."""
    try:
        return open_generation(index_dir, verify=False)
    except IndexLoadError:
        return None


def collect_garbage(index_dir: Path, keep: int = KEEP, building: Path | None = None) -> list[str]:
    """Delete all but the newest `keep` complete generations (always keeping CURRENT),
    and unfinished ones left by killed builds. Returns the names removed."""
    root = index_dir / GENERATIONS
    if not root.is_dir():
        return []
    current = current_name(index_dir)
    folders = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name)
    complete = [p for p in folders if (p / MANIFEST).is_file()]
    keep_names = {p.name for p in complete[-keep:]} | {current}
    if building is not None:
        keep_names.add(building.name)
    removed = []
    for p in folders:
        if p.name not in keep_names and not _build_running(p):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return removed


def _build_running(folder: Path) -> bool:
    """An unfinished generation whose building process is still alive (named <stamp>-<pid>)."""
    if (folder / MANIFEST).is_file():
        return False
    pid = folder.name.rsplit("-", 1)[-1]
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True
