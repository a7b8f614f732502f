"""Concurrency: two or four `policykb ingest` runs on one index at once lose nothing.

For each number of simultaneous ingests K (--ingests 2,4) and each round: the six real
files (four bundled seeds, two law excerpts) are dealt into K folders, and K real
`policykb ingest FOLDER --index IDX` processes are started at once (each after a
random delay of up to --stagger s, so they overlap at different points of their
builds). Every run must exit 0, and the index must then hold exactly the clauses
(file, clause id and text) of one ingest of all K folders, and load with its
checksums verified. Rounds alternate between an empty index and one that already
holds the first folder's files in an older version (one of them has an extra line), so
the runs update, not create, and every run builds. Every round's index
starts with the reference build's embedding cache, so the runs spend their time on
reading, merging, writing and switching (where they can collide), not on the embedder.

    .venv/bin/python -m benchmarks.reliability.concurrency --ingests 2,4 --rounds 3
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.common import print_table, write_result
from benchmarks.reliability.harness import Watched, copy_files, ingest_command, run_ingest, small_corpus_files, \
    with_warm_cache


OLDER_LINE = "\n附：本文件自印发之日起施行。\n"  # what the older copy of a file has in addition


@dataclass
class Round:
    ingests: int
    round: int
    start: str  # empty | existing
    exit_codes: list[int]
    waited: int  # runs that said they were waiting for another build
    clauses_expected: int
    clauses_found: int
    clauses_lost: int
    clauses_extra: int
    files_lost: list[str]
    seconds: float
    ok: bool


def clause_set(index: Path) -> set[tuple[str, str, str]]:
    """(file, clause id, clause text) of every clause the index's current generation holds,
    read after verifying its checksums."""
    from policykb.index.generation import STORE
    from policykb.index.generation import open_generation
    from policykb.index.store import load_documents

    generation = open_generation(index, verify=True)
    documents, _ = load_documents(generation.path / STORE)
    return {(d.file, c.id, c.text) for d in documents for c in d.clauses}


def deal(files: list[Path], k: int, root: Path) -> list[Path]:
    """The files dealt round-robin into k folders under root."""
    return [copy_files(files[i::k], root / f"src-{i}") for i in range(k)]


def run_round(k: int, n: int, root: Path, reference: Path, model: str | None, rng: random.Random,
              stagger: float) -> Round:
    folders = deal(small_corpus_files(), k, root / f"k{k}-round{n}")
    index = with_warm_cache(root / f"k{k}-round{n}" / "index", reference)
    expected = clause_set(reference)
    start = "existing" if n % 2 else "empty"
    if start == "existing":  # the index already holds the first folder's files, one of them older
        older = copy_files(sorted(folders[0].iterdir()), index.parent / "older")
        first = sorted(older.iterdir())[0]
        first.write_text(first.read_text(encoding="utf-8") + OLDER_LINE, encoding="utf-8")
        run_ingest([older], index, model)
    started = time.perf_counter()
    runs = []
    delays = sorted((rng.uniform(0, stagger), i) for i in range(k))
    for delay, i in delays:
        time.sleep(max(0.0, delay - (time.perf_counter() - started)))
        runs.append(Watched.start(ingest_command([folders[i]], index, model)))
    codes = [w.wait() for w in runs]
    seconds = time.perf_counter() - started
    found = clause_set(index)
    lost, extra = expected - found, found - expected
    return Round(k, n, start, codes, sum("waiting for another build" in w.text() for w in runs), len(expected),
                 len(found), len(lost), len(extra), sorted({f for f, _, _ in lost}), round(seconds, 1),
                 codes == [0] * k and not lost and not extra)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ingests", default="2,4", help="simultaneous ingests per round, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per number of ingests (default 3)")
    parser.add_argument("--stagger", type=float, default=0.5,
                        help="each ingest starts after a random delay of up to this many seconds (default 0.5)")
    parser.add_argument("--model", default=None, help="embedder (default: policykb's default)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temporary one, removed)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory(prefix="policykb-concurrency-", dir=args.workdir) as tmp:
        reference = Path(tmp) / "reference"  # one ingest of every file: what each round must end with
        run_ingest([copy_files(small_corpus_files(), Path(tmp) / "all")], reference, args.model)
        for k in (int(x) for x in args.ingests.split(",")):
            for n in range(args.rounds):
                r = run_round(k, n, Path(tmp), reference, args.model, rng, args.stagger)
                rounds.append(r)
                print(f"{k} ingests, round {n + 1}/{args.rounds} ({r.start} index): exits {r.exit_codes}, "
                      f"{r.waited} waited, clauses {r.clauses_found}/{r.clauses_expected}, lost {r.clauses_lost}"
                      f"{'' if r.ok else '  FAILED'}", flush=True)
    rows = [asdict(r) for r in rounds]
    table = [{"ingests": k, "rounds": len(rs), "runs": k * len(rs), "waited": sum(r.waited for r in rs),
              "clauses_expected": sum(r.clauses_expected for r in rs), "clauses_lost": sum(r.clauses_lost for r in rs),
              "clauses_extra": sum(r.clauses_extra for r in rs),
              "nonzero_exits": sum(c != 0 for r in rs for c in r.exit_codes),
              "max_s": max(r.seconds for r in rs), "failed_rounds": sum(not r.ok for r in rs)}
             for k in sorted({r.ingests for r in rounds}) for rs in [[r for r in rounds if r.ingests == k]]]
    print_table(table, ["ingests", "rounds", "runs", "waited", "clauses_expected", "clauses_lost", "clauses_extra",
                        "nonzero_exits", "max_s", "failed_rounds"], "simultaneous ingests into one index")
    summary = {"rounds": len(rounds), "failed": sum(not r.ok for r in rounds),
               "clauses_lost": sum(r.clauses_lost for r in rounds), "by_ingests": table}
    write_result("reliability_concurrency", vars(args), rows, args.out, summary=summary)
    return summary


if __name__ == "__main__":
    main()
