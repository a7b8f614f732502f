"""HTTP latency and load on loopback: `policykb serve` on 127.0.0.1, driven by wrk.

For each size: start `policykb serve --index <bench index>` on a free 127.0.0.1 port,
wait for /readyz, then
  1. one client per mode (lexical, dense, hybrid) for `--mode-seconds`: p50/p99;
  2. hybrid with 1, 4 and 16 concurrent connections for `--seconds` each:
     requests/s, p50/p99, errors (socket errors, non-2xx, timeouts);
and record the server's RSS after the runs. Requests cycle through real queries
(seed-eval queries and corpus sentences). wrk (Debian package `wrk`) is the load
generator; without it a bounded Python loop (httpx, one thread per client) stands in,
and the JSON says which was used. Every run stops by itself; only 127.0.0.1 is called.

    .venv/bin/python -m benchmarks.http_load --sizes 10k,100k
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from benchmarks.common import REPO, latency_queries, load_embedder, percentiles, print_table, sentence_pool, \
    size_of, write_result

HOST = "127.0.0.1"
WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p90_us": %%d, ' ..
    '"p99_us": %%d, "max_us": %%d, "connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@contextmanager
def server(index: str, threads: int | None = None, ready_timeout: float = 900, env: dict[str, str] | None = None,
           log_path: Path | None = None):
    """A `policykb serve` process on 127.0.0.1 serving `index`; yields (base_url, psutil.Process).

    `env`: extra environment variables (POLICYKB_* settings); `log_path`: where the server's
    output goes and stays (default: a temporary file, removed).
    """
    import httpx
    import psutil

    port = free_port()
    cmd = [sys.executable, "-m", "policykb.service.cli", "serve", "--index", index, "--host", HOST, "--port", str(port)]
    if threads:
        cmd += ["--threads", str(threads)]
    log = open(log_path, "w+") if log_path else \
        tempfile.NamedTemporaryFile("w+", prefix="policykb-serve-", suffix=".log", delete=False)
    # rate limit off: wrk (and the reliability suites) send thousands of requests from one address on purpose
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                            env=os.environ | {"PYTHONPATH": str(REPO), "POLICYKB_RATE_LIMIT": "0"} | (env or {}))
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"policykb serve exited with {proc.returncode} before it was ready:\n{log.read()[-3000:]}")
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"policykb serve did not become ready in {ready_timeout:.0f} s (log: {log.name})")
            time.sleep(0.5)
        yield base, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if not log_path:
            os.unlink(log.name)


def search_paths(queries: list[str], mode: str) -> list[str]:
    return [f"/api/search?q={quote(q)}&k=10&mode={mode}" for q in queries]


def run_wrk(base: str, paths: list[str], clients: int, seconds: float) -> dict:
    """wrk with `clients` connections for `seconds`; requests/s, p50/p99 ms, errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    try:
        out = subprocess.run(["wrk", f"-t{min(clients, 2)}", f"-c{clients}", f"-d{max(1, round(seconds))}s",
                              "--timeout", "10s", "-s", f.name, base], capture_output=True, text=True,
                             timeout=seconds + 60, check=True).stdout
    finally:
        os.unlink(f.name)
    line = next(line for line in out.splitlines() if line.startswith("WRKJSON "))
    r = json.loads(line[len("WRKJSON "):])
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return {"requests": r["requests"], "rps": round(r["requests"] / (r["duration_us"] / 1e6), 1),
            "p50": round(r["p50_us"] / 1000, 1), "p90": round(r["p90_us"] / 1000, 1),
            "p99": round(r["p99_us"] / 1000, 1), "max": round(r["max_us"] / 1000, 1), "errors": errors,
            "error_detail": {k: r[k] for k in ("connect", "read", "write", "status", "timeout")}}


def run_python(base: str, paths: list[str], clients: int, seconds: float) -> dict:
    """The fallback load loop: `clients` threads, each one request at a time, until `seconds` pass."""
    import httpx

    stop = time.monotonic() + seconds
    samples: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(offset: int) -> None:
        with httpx.Client(base_url=base, timeout=10) as http:
            i = offset
            while time.monotonic() < stop:
                t = time.perf_counter()
                try:
                    ok = http.get(paths[i % len(paths)]).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    samples.append((time.perf_counter() - t) * 1000)
                    errors[0] += not ok
                i += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n * 7,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    p = percentiles(samples)
    return {"requests": len(samples), "rps": round(len(samples) / (time.perf_counter() - started), 1),
            "p50": p["p50"], "p90": None, "p99": p["p99"], "max": max(samples, default=None), "errors": errors[0]}


def measure(base: str, proc, queries: list[str], clients: list[int], seconds: float, mode_seconds: float,
            tool: str) -> tuple[list[dict], list[dict]]:
    """(per-mode single-client rows, hybrid load rows) against a running server."""
    import httpx

    run = run_wrk if tool == "wrk" else run_python
    for q in queries[:5]:  # warm-up: the first dense query loads the model
        httpx.get(base + search_paths([q], "hybrid")[0], timeout=120)
    modes = [{"mode": m, **run(base, search_paths(queries, m), 1, mode_seconds)} for m in ("lexical", "dense", "hybrid")]
    load = [{"clients": c, **run(base, search_paths(queries, "hybrid"), c, seconds)} for c in clients]
    rss = proc.memory_info().rss
    for row in modes + load:
        row["server_rss_mib"] = round(rss / 2**20)
    return modes, load


def main(argv: list[str] | None = None) -> dict:
    from benchmarks.bench_index import bench_index

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k")
    parser.add_argument("--model", default=None, help="embedder (default: policykb's default)")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--seconds", type=float, default=30, help="duration of each load run")
    parser.add_argument("--mode-seconds", type=float, default=10, help="duration of each single-client mode run")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, help="POLICYKB_THREADS for the server (default: its default)")
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "python")

    embedder = load_embedder(args.model)
    pool = sentence_pool(embedder)
    queries = latency_queries(pool, args.queries)
    clients = [int(c) for c in args.clients.split(",")]
    mode_rows, load_rows = [], []
    for name in args.sizes.split(","):
        info = bench_index(pool, embedder, size_of(name))
        with server(info.index, args.threads) as (base, proc):
            modes, load = measure(base, proc, queries, clients, args.seconds, args.mode_seconds, tool)
        common = {"size": name, "clauses": info.clauses, "index_kind": info.index_kind}
        mode_rows += [common | r for r in modes]
        load_rows += [common | r for r in load]
    print_table(mode_rows, ["size", "clauses", "mode", "requests", "p50", "p99", "errors", "server_rss_mib"],
                f"HTTP /api/search, 1 client, ms ({tool})")
    print_table(load_rows, ["size", "clauses", "clients", "requests", "rps", "p50", "p99", "errors", "server_rss_mib"],
                f"HTTP /api/search hybrid under load, ms ({tool})")
    params = vars(args) | {"tool": tool, "model_id": embedder.model_id, "host": HOST, "k": 10}
    write_result("http_load", params, load_rows, args.out, modes=mode_rows)
    return {"modes": mode_rows, "load": load_rows}


if __name__ == "__main__":
    main()
