"""manifest.json: what built a generation, written last, with a checksum of every file.

A generation without a manifest is an unfinished build and is never served.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT_VERSION = 2  # 2: pages, paragraph numbers, OCR and converter columns (1 still loads)


@dataclass
class Manifest:
    model_id: str
    dim: int
    normalization_version: str
    opencc_config: str
    dictionary_hash: str
    index_kind: str
    embedding_unit: str
    counts: dict[str, int]
    package_version: str
    build_time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    format_version: int = FORMAT_VERSION
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    index_params: dict = field(default_factory=dict)  # FAISS parameters of index_kind (index/dense.py)
    # What queries are read with, recorded so an index is queried as it was built (None: not used;
    # manifests written before these existed read as None too):
    query_adapter: dict | None = None  # {"name", "sha256"} of index/embedders/query_adapter.py's adapter
    lexicon: dict | None = None  # {"name", "sha256"} of service/lexicon.py's lay-to-legal lexicon


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def checksums(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` except the manifest, by relative POSIX path."""
    return {p.relative_to(folder).as_posix(): file_sha256(p)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Checksum the folder and write manifest.json (via a temp file, so it appears whole)."""
    manifest.files = checksums(folder)
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(asdict(manifest), ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(folder / MANIFEST)


def read_manifest(folder: Path) -> Manifest:
    data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return Manifest(**data)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("policykb")
    except PackageNotFoundError:
        return "0+unknown"
