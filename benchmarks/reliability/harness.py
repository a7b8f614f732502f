"""What the reliability suites share: the small real corpus, the fixed query set, real
`policykb` processes whose stderr is read as it comes, and the answers an index gives.

The corpus is a few of the bundled seeds (corpus/) and the two law excerpts of
tests/data; the queries are the seed eval set (tests/data/seed_queries.jsonl). Nothing
here is a stand-in: every build is a `policykb ingest` process, every check loads the
index the way a server does (checksums verified).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import EVAL_QUERIES, REPO

SEEDS = REPO / "corpus"
LAW_EXCERPTS = (REPO / "tests" / "data" / "civil_servant_law_excerpt.md",
                REPO / "tests" / "data" / "public_officials_sanctions_law_excerpt.md")
# The seeds without 001 (97 KB, five times the others), so builds stay a few seconds long;
# 002 and 003 first: the smallest start (about 130 texts to embed).
SMALL_SEEDS = ("002_e058e02591a1b2b6.txt", "003_4324baae79f107ff.txt", "000_3adddd7c9c291dd6.txt",
               "004_85b088c42286e0b9.txt")
POLICYKB = (sys.executable, "-m", "policykb.service.cli")
CACHE = "cache"  # an index folder's embedding cache (index.build.CACHE's folder)


def small_corpus_files() -> list[Path]:
    """The real files the suites ingest: four bundled seeds, then two law excerpts."""
    return [SEEDS / name for name in SMALL_SEEDS] + list(LAW_EXCERPTS)


def fixed_queries(limit: int | None = None) -> list[tuple[str, str]]:
    """(id, query) of the seed eval set, in file order."""
    rows = [json.loads(line) for line in EVAL_QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(r["id"], r["query"]) for r in rows][:limit]


def with_warm_cache(index: Path, warm: Path) -> Path:
    """A new, empty index folder holding only a copy of `warm`'s embedding cache, so a first
    build into it embeds nothing already embedded there (the suites time locks and switches,
    not the embedder)."""
    index.mkdir(parents=True)
    shutil.copytree(warm / CACHE, index / CACHE)
    return index


def copy_files(files: list[Path], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy(f, folder / f.name)
    return folder


def ingest_command(paths: list[Path], index: Path, model: str | None, *extra: str) -> list[str]:
    cmd = [*POLICYKB, "ingest", *map(str, paths), "--index", str(index)]
    return cmd + (["--model", model] if model else []) + list(extra)


def run_ingest(paths: list[Path], index: Path, model: str | None, *extra: str, timeout: float = 900) -> float:
    """Run one `policykb ingest` to its end; its wall time in seconds. RuntimeError with its output if it fails."""
    started = time.perf_counter()
    done = subprocess.run(ingest_command(paths, index, model, *extra), cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"policykb ingest {' '.join(map(str, paths))} failed with exit {done.returncode}:\n"
                           f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


@dataclass
class Watched:
    """A running process whose stderr lines are collected on a thread (so its pipe never fills).

    `kill_on(needle, delay)` SIGKILLs it `delay` s after the first line containing `needle`,
    from the reading thread itself, so the kill lands milliseconds after the line is written.
    """

    proc: subprocess.Popen
    started: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    killed_at: float | None = None
    _kill_on: tuple[str, float] | None = None
    _done: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def start(cls, cmd: list[str], kill_on: tuple[str, float] | None = None) -> "Watched":
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        watched = cls(proc, time.monotonic(), _kill_on=kill_on)
        threading.Thread(target=watched._read, daemon=True).start()
        return watched

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append((time.monotonic() - self.started, line.rstrip("\n")))
            if self._kill_on and self._kill_on[0] in line:
                needle, delay = self._kill_on
                self._kill_on = None
                if delay:
                    time.sleep(delay)
                self.kill()
        self._done.set()

    def kill(self) -> None:
        """SIGKILL now (no-op once the process has ended on its own)."""
        if self.proc.poll() is None:
            self.killed_at = time.monotonic() - self.started
            os.kill(self.proc.pid, signal.SIGKILL)

    def wait(self, timeout: float = 900) -> int:
        code = self.proc.wait(timeout=timeout)
        self._done.wait(timeout=30)
        return code

    def last_line_before(self, seconds: float | None) -> str:
        """The last stderr line written before `seconds` (after the start); '' when none."""
        seen = [text for t, text in self.lines if seconds is None or t <= seconds]
        return seen[-1] if seen else ""

    def text(self) -> str:
        return "\n".join(text for _, text in self.lines)


def phase_of(line: str) -> str:
    """Which part of a build a stderr progress line belongs to (index/build.py's messages)."""
    for prefix, phase in (("switching", "switch"), ("writing generation", "write"), ("kept generation", "cleanup"),
                          ("embedding", "embed"), ("  embedded", "embed"), ("waiting for", "lock")):
        if line.lstrip().startswith(prefix.strip()):
            return phase
    return "start" if not line else "other"


class IndexReader:
    """Loads an index the way a server does (CURRENT, every checksum verified) and answers the
    fixed queries with one embedder loaded once."""

    def __init__(self, model: str | None) -> None:
        self.model = model
        self._embedders: dict = {}

    def answers(self, index: Path, queries: list[tuple[str, str]], k: int = 10) -> tuple[str, dict[str, str]]:
        """(generation name, {query id: the results as JSON text}); raises IndexLoadError."""
        from policykb.index.generation import open_generation
        from policykb.search.knowledge_base import KnowledgeBase

        generation = open_generation(index, verify=True)
        embedder = self._embedder(generation.manifest)
        kb = KnowledgeBase(generation, embedder)
        try:
            out = {qid: json.dumps([r.to_dict() for r in kb.search(q, k=k).results], ensure_ascii=False,
                                   sort_keys=True) for qid, q in queries}
        finally:
            kb.index.close()
        return generation.name, out

    def _embedder(self, manifest):
        from policykb.index.embedders import load_embedder

        key = manifest.model_id
        if key not in self._embedders:
            self._embedders[key] = load_embedder(self.model)
        return self._embedders[key]


def differing(a: dict[str, str], b: dict[str, str]) -> list[str]:
    """Query ids whose answers differ between two answer sets."""
    return sorted(q for q in a.keys() | b.keys() if a.get(q) != b.get(q))
