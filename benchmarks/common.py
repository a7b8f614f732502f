"""What every benchmark shares: machine facts, tables and JSON, real sentences and their vectors.

Data rules (docs/performance.md): large corpora are recombined from REAL sentences of
the bundled corpus and ../shared/corpora/laws-and-policies; vectors of clauses too many
to embed here are mixtures of real sentence embeddings made once with the chosen
embedder and cached under .policykb/bench/ (gitignored), never random vectors.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import statistics
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BENCH_DIR = REPO / ".policykb" / "bench"
SOURCE_CORPORA = (REPO / "corpus", SHARED / "corpora" / "laws-and-policies")
EVAL_QUERIES = REPO / "tests" / "data" / "seed_queries.jsonl"
SIZES = {"tiny": 300, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}

# A sentence ends at 。！？； (full or half width); clause labels are cut off the front.
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
_LABEL = re.compile(r"^\s*(第[一二三四五六七八九十百千零〇\d]+[章节条款]|[（(]?[一二三四五六七八九十\d]+[）)、．.]|[①-⑳])\s*")


def size_of(name: str) -> int:
    """Clauses for a size name (10k, 100k, 1m, tiny) or a plain number."""
    key = name.strip().lower()
    return SIZES[key] if key in SIZES else int(key.replace("_", ""))


# -- machine and output ----------------------------------------------------------------------

def machine_info() -> dict:
    """Cores, memory, load average, CPU model, Python and the UTC time of the run."""
    import psutil

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"cores": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "load_average": [round(x, 2) for x in os.getloadavg()], "cpu": cpu,
            "python": platform.python_version(), "platform": platform.platform(),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 and mean of latencies in milliseconds (nearest-rank on the sorted list)."""
    if not samples_ms:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "mean": float("nan"), "n": 0}
    xs = sorted(samples_ms)

    def rank(p: float) -> float:
        return round(xs[min(len(xs) - 1, max(0, int(np.ceil(p / 100 * len(xs))) - 1))], 2)

    return {"p50": rank(50), "p95": rank(95), "p99": rank(99), "mean": round(statistics.fmean(xs), 2), "n": len(xs)}


def print_table(rows: list[dict], columns: Sequence[str], title: str = "") -> str:
    """A markdown table of `columns` from `rows`, printed and returned."""
    def cell(v) -> str:
        if isinstance(v, float):
            return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
        return str(v)

    lines = ([f"### {title}", ""] if title else []) + ["| " + " | ".join(columns) + " |",
                                                       "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    text = "\n".join(lines)
    print(text, flush=True)
    return text


def write_result(name: str, parameters: dict, rows: list[dict], out: Path | None = None, **extra) -> Path:
    """Write {benchmark, machine, parameters, rows, ...} as JSON; returns the file written."""
    out = Path(out) if out else BENCH_DIR / "results" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "machine": machine_info(), "parameters": parameters, "rows": rows, **extra}
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    print(f"wrote {out}", flush=True)
    return out


class Timer:
    """`with Timer() as t: ...; t.seconds`."""

    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start


# -- real sentences and their vectors --------------------------------------------------------

def sentence_key(sentence: str) -> str:
    """A sentence without its closing punctuation (titles drop it), for lookups."""
    return sentence.rstrip("。！？；!?;").strip()


def strip_label(sentence: str) -> str:
    return _LABEL.sub("", sentence, count=1).strip()


def split_sentences(text: str) -> list[str]:
    """Sentences of a clause text, cut after 。！？；, labels and blank pieces dropped."""
    out = []
    for line in text.splitlines():
        for piece in _SENTENCE_END.split(line):
            piece = strip_label(piece)
            if piece:
                out.append(piece)
    return out


def real_sentences(min_chars: int = 8, max_chars: int = 120) -> list[str]:
    """Distinct sentences of the real corpora (bundled corpus + laws-and-policies), in corpus order.

    Read through policykb's own ingest, so every encoding and format it reads counts.
    """
    from policykb.ingest.pipeline import ingest_paths

    roots = [p for p in SOURCE_CORPORA if p.is_dir()]
    if not roots:
        raise FileNotFoundError(f"No source corpus found at {', '.join(map(str, SOURCE_CORPORA))}.")
    seen: dict[str, None] = {}
    for doc in ingest_paths(roots).documents:
        for clause in doc.clauses:
            if clause.kind in ("heading", "toc", "preamble"):
                continue
            for s in split_sentences(clause.text):
                if min_chars <= len(s) <= max_chars and s[-1] in "。！？；!?;":
                    seen.setdefault(s, None)
    return list(seen)


@dataclass
class SentencePool:
    """Real sentences and their embeddings by one model (row i of `vectors` is `texts[i]`)."""

    model_id: str
    texts: list[str]
    vectors: np.ndarray

    def lookup(self) -> dict[str, int]:
        """Row of each sentence by its search form (what the index embeds)."""
        from policykb.text.normalize import search_form

        return {sentence_key(search_form(t)): i for i, t in enumerate(self.texts)}


def _slug(model_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", model_id).strip("-")[:40] + "-" + hashlib.sha1(model_id.encode()).hexdigest()[:8]


def sentence_pool(embedder, limit: int = 5000, seed: int = 7, cache_dir: Path = BENCH_DIR,
                  progress=print) -> SentencePool:
    """`limit` real sentences (seeded sample) embedded once by `embedder`, cached on disk.

    The cache file is keyed by the embedder's model id, the limit and the seed, and is
    reused by every benchmark; delete .policykb/bench/ to re-embed.
    """
    from policykb.text.normalize import search_form

    path = Path(cache_dir) / f"sentences-{_slug(embedder.model_id)}-{limit}-{seed}.npz"
    if path.exists():
        data = np.load(path, allow_pickle=False)
        return SentencePool(embedder.model_id, [str(t) for t in data["texts"]], data["vectors"])
    texts = real_sentences()
    rng = np.random.default_rng(seed)
    if len(texts) > limit:
        texts = [texts[i] for i in sorted(rng.choice(len(texts), limit, replace=False))]
    progress(f"embedding {len(texts)} real sentences with {embedder.model_id} (once; cached at {path})")
    chunks = []
    for start in range(0, len(texts), 256):
        chunks.append(embedder.embed_passages([search_form(t) for t in texts[start:start + 256]], batch_size=32))
        progress(f"  {min(start + 256, len(texts))}/{len(texts)}")
    vectors = np.ascontiguousarray(np.vstack(chunks), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, texts=np.array(texts), vectors=vectors)
    return SentencePool(embedder.model_id, texts, vectors)


def eval_queries() -> list[str]:
    """The real seed-eval queries (tests/data/seed_queries.jsonl)."""
    if not EVAL_QUERIES.exists():
        return []
    return [json.loads(line)["query"] for line in EVAL_QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]


def latency_queries(pool: SentencePool, n: int = 200, seed: int = 11) -> list[str]:
    """Real queries for latency runs: every seed-eval query, then corpus sentences (seeded) up to n."""
    queries = eval_queries()[:n]
    rng = np.random.default_rng(seed)
    extra = max(0, n - len(queries))
    queries += [pool.texts[i] for i in rng.choice(len(pool.texts), min(extra, len(pool.texts)), replace=False)]
    return queries


def load_embedder(model: str | None):
    """The embedder named on the command line (None = policykb's default)."""
    from policykb.index.embedders import load_embedder as load

    return load(model)


def query_vectors(embedder, queries: list[str], cache_dir: Path = BENCH_DIR) -> np.ndarray:
    """The embedder's query vectors of `queries` (search form), cached on disk by model and query list."""
    from policykb.text.normalize import search_form

    key = hashlib.sha1("\n".join(queries).encode()).hexdigest()[:12]
    path = Path(cache_dir) / f"queries-{_slug(embedder.model_id)}-{key}.npy"
    if path.exists():
        return np.load(path)
    vectors = np.vstack([embedder.embed_queries([search_form(q)]) for q in queries]).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors
