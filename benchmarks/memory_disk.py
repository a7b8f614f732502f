"""Server memory and index disk use at each size.

For each size: the benchmark index's bytes on disk by part (store, FAISS, BM25 folder,
manifest; the shared embedding cache apart), per clause; then `policykb serve` on
127.0.0.1 over it, warmed with a few searches of every mode, and its resident memory
(RSS) — what a deployment must provision. The FAISS type is the one the build chose
(index.dense.choose_index_spec), read from the manifest.

    .venv/bin/python -m benchmarks.memory_disk --sizes 10k,100k
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.common import latency_queries, load_embedder, print_table, sentence_pool, size_of, write_result


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def disk_use(index_dir: Path) -> dict:
    """Bytes of the serving generation by part, and of the embedding cache."""
    from policykb.index.build import CACHE
    from policykb.index.generation import DENSE, LEXICAL, STORE
    from policykb.index.generation import open_generation

    gen = open_generation(index_dir, verify=False)
    parts = {"store": (gen.path / STORE).stat().st_size, "faiss": (gen.path / DENSE).stat().st_size,
             "bm25": folder_bytes(gen.path / LEXICAL)}
    parts["generation_total"] = folder_bytes(gen.path)
    parts["embedding_cache"] = (index_dir / CACHE).stat().st_size if (index_dir / CACHE).exists() else 0
    return {"parts": parts, "index_kind": gen.manifest.index_kind, "index_params": gen.manifest.index_params}


def main(argv: list[str] | None = None) -> dict:
    import httpx

    from benchmarks.bench_index import bench_index
    from benchmarks.http_load import search_paths, server

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k")
    parser.add_argument("--model", default=None, help="embedder (default: policykb's default)")
    parser.add_argument("--warm-queries", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    embedder = load_embedder(args.model)
    pool = sentence_pool(embedder)
    queries = latency_queries(pool, args.warm_queries)
    rows = []
    for name in args.sizes.split(","):
        info = bench_index(pool, embedder, size_of(name))
        disk = disk_use(Path(info.index))
        with server(info.index) as (base, proc):
            for mode in ("lexical", "dense", "hybrid"):
                for path in search_paths(queries, mode):
                    httpx.get(base + path, timeout=120).raise_for_status()
            rss = proc.memory_info().rss
        p = disk["parts"]
        rows.append({"size": name, "clauses": info.clauses, "vectors": info.vectors, "index_kind": disk["index_kind"],
                     "index_params": disk["index_params"], "server_rss_mib": round(rss / 2**20),
                     "generation_mib": round(p["generation_total"] / 2**20, 1),
                     "bytes_per_clause": round(p["generation_total"] / info.clauses),
                     "store_bpc": round(p["store"] / info.clauses), "faiss_bpc": round(p["faiss"] / info.clauses),
                     "bm25_bpc": round(p["bm25"] / info.clauses),
                     "cache_bpc": round(p["embedding_cache"] / info.clauses), "parts": p})
    print_table(rows, ["size", "clauses", "vectors", "index_kind", "server_rss_mib", "generation_mib",
                       "bytes_per_clause", "store_bpc", "faiss_bpc", "bm25_bpc", "cache_bpc"],
                "server memory and index disk (bpc = bytes per clause)")
    write_result("memory_disk", vars(args) | {"model_id": embedder.model_id}, rows, args.out)
    return {"rows": rows}


if __name__ == "__main__":
    main()
