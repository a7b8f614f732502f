"""Generation switches on Milvus under load: `policykb serve --backend milvus` with 0 failed requests.

A milvus-lite gRPC server bound to 127.0.0.1 holds the collections; a real `policykb serve
--backend milvus` on 127.0.0.1 serves a small real index (two bundled seeds) while `--clients`
threads search it back to back (the seed eval questions, hybrid, k = 10, keep-alive connections).
Each switch is a real `policykb ingest --backend milvus` that adds one notice file: it writes the
new generation's collection, moves the alias, then switches CURRENT; the script waits until the
clients are answered from the new generation. Every response that is not 200, or no response,
counts as a failed request; a (generation, question) pair must always get the same result ids.

    .venv/bin/python -m benchmarks.reliability.milvus_switches --clients 16 --switches 5
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.common import percentiles, print_table, write_result
from benchmarks.http_load import server
from benchmarks.reliability.harness import copy_files, fixed_queries, run_ingest, small_corpus_files
from benchmarks.reliability.reload_load import NOTICE, Clients, Keys


def milvus_lite_server(data_dir: Path) -> tuple[subprocess.Popen, str]:
    """`milvus-lite server` on a free loopback port; (its process, its URI) once it accepts connections."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(Path(sys.executable).parent / "milvus-lite"), "server", "--data-dir", str(data_dir),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("milvus-lite server did not start") from None
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> dict:
    from policykb.index.generation import current_name

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--switches", type=int, default=5)
    parser.add_argument("--switch-timeout", type=float, default=120)
    parser.add_argument("--model", default=None, help="embedder (default: policykb's default)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="policykb-milvus-switches-") as tmp:
        root = Path(tmp)
        milvus, uri = milvus_lite_server(root / "milvus")
        try:
            corpus = copy_files(small_corpus_files()[:2], root / "corpus")
            index = root / "index"
            backend = ("--backend", "milvus", "--milvus-uri", uri)
            run_ingest([corpus], index, args.model, *backend)
            env = {"POLICYKB_BACKEND": "milvus", "POLICYKB_MILVUS_URI": uri, "POLICYKB_RELOAD_CHECK_SECONDS": "1"}
            switches = []
            with server(str(index), env=env) as (base, _proc):
                clients = Clients(base, args.clients, [q for _, q in fixed_queries()], Keys())
                time.sleep(3)
                for n in range(1, args.switches + 1):
                    (corpus / f"notice_{n:03d}.txt").write_text(NOTICE.format(n=n), encoding="utf-8")
                    seconds = run_ingest([corpus], index, args.model, *backend)
                    name = current_name(index) or ""
                    waited = clients.wait_for_generation(name, args.switch_timeout)
                    switches.append({"generation": name, "ingest_s": round(seconds, 1),
                                     "switch_s": None if waited is None else round(waited, 2)})
                time.sleep(3)
                answers = clients.stop()
        finally:
            milvus.kill()
            milvus.wait(timeout=30)
    failed = [a for a in answers if a.status != 200]
    seen: dict[tuple[str, str], set] = defaultdict(set)
    for a in answers:
        if a.status == 200:
            seen[(a.generation, a.query)].add(a.ids)
    torn = sum(len(v) > 1 for v in seen.values())
    generations = {a.generation for a in answers if a.status == 200}
    latency = percentiles([a.ms for a in answers if a.status == 200])
    print_table(switches, ["generation", "ingest_s", "switch_s"], "switches (ingest --backend milvus)")
    summary = {"clients": args.clients, "switches": len(switches), "requests": len(answers), "failed": len(failed),
               "generations_answered": len(generations), "inconsistent_pairs": torn,
               "p50_ms": latency["p50"], "p99_ms": latency["p99"]}
    print_table([summary], list(summary), "load")
    if failed:
        print("failed:", [(a.status, a.error[:120]) for a in failed[:5]])
    write_result("milvus_switches", vars(args) | {"out": str(args.out) if args.out else None}, [summary], args.out,
                 switch_rows=switches)
    return summary


if __name__ == "__main__":
    main()
