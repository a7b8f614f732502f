"""Fuzz the HTTP API with schemathesis: every operation of /openapi.json, every check.

A real server (uvicorn on 127.0.0.1, in a thread) serves an index of the bundled corpus;
`schemathesis run` (its CLI, in a subprocess) generates valid and invalid requests from the
schema for each operation (phases examples, coverage, fuzzing and stateful; `--max-examples`
bounds each) and checks every response with all its checks: no 5xx (not_a_server_error),
status codes, content types, headers and bodies as the schema documents them, invalid input
rejected with a 4xx and valid input accepted. Figures: requests sent, server errors, schema
mismatches (the conformance checks) and the other failed checks, each with the curl command
schemathesis gives to reproduce it.

    python -m benchmarks.reliability.api_fuzz --max-examples 100 --out .policykb/bench/results/api_fuzz.json
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# schemathesis failure types (schemathesis.failure_codes) by what they mean for a user of the API
SERVER_ERRORS = {"ServerError", "ContentTypeServerError"}
SCHEMA_MISMATCHES = {"UndefinedStatusCode", "MissingContentType", "UndefinedContentType", "MalformedMediaType",
                     "MissingHeaders", "JsonSchemaError", "MalformedJson", "ContentDeserializationError",
                     "DiscriminatorMismatch", "AllowHeaderMismatch"}
PHASES = "examples,coverage,fuzzing,stateful"


@dataclass
class ApiFailure:
    """One kind of failed check: its schemathesis type and code, the operations, and how to repeat it."""

    type: str  # e.g. ServerError, JsonSchemaError, RejectedPositiveData
    code: str  # e.g. ST202
    title: str
    count: int
    operations: list[str]
    kind: str  # "server error", "schema mismatch" or "other"


def kind_of(failure_type: str) -> str:
    if failure_type in SERVER_ERRORS:
        return "server error"
    return "schema mismatch" if failure_type in SCHEMA_MISMATCHES else "other"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_corpus_index(index_dir: Path, model: str | None) -> None:
    """An index of the bundled corpus (corpus/*.txt) at `index_dir`, with `model` (None: the default)."""
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths

    build_index(ingest_paths([REPO / "corpus"]), index_dir, model=model, progress=None)


class Server:
    """`with Server(index_dir) as base_url:` the policykb app served by uvicorn on 127.0.0.1."""

    def __init__(self, index_dir: Path, api_key: str | None = None, port: int | None = None,
                 cors_origins: tuple[str, ...] = (), wait: float = 300, admin_key: str | None = None) -> None:
        self.index_dir, self.api_key, self.admin_key, self.wait = index_dir, api_key, admin_key, wait
        self.port, self.cors_origins = port or free_port(), cors_origins

    def __enter__(self) -> str:
        import uvicorn

        from policykb.service.api.main import create_app
        from policykb.service.config import Settings

        port = self.port
        app = create_app(Settings(index=self.index_dir, api_key=self.api_key, admin_key=self.admin_key,
                                  cors_origins=self.cors_origins, request_timeout=60))
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        holder = app.state.holder
        deadline = time.monotonic() + self.wait
        while time.monotonic() < deadline and not (self.server.started and holder.loaded is not None):
            time.sleep(0.1)
        if holder.loaded is None:
            raise RuntimeError(f"the server did not load {self.index_dir}: {holder.last_error}")
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def run_schemathesis(base_url: str, max_examples: int, seed: int, report: Path, api_key: str | None = None,
                     max_time: int | None = None) -> subprocess.CompletedProcess:
    """`schemathesis run` against the server's /openapi.json with all checks; its JSON report goes to `report`."""
    program = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    command = [program, "run", f"{base_url}/openapi.json", "--checks", "all", "--phases", PHASES,
               "--max-examples", str(max_examples), "--seed", str(seed), "--workers", "1",
               "--request-timeout", "60", "--no-color", "--report", "json", "--report-json-path", str(report),
               "--suppress-health-check", "all", "--continue-on-failure"]
    if api_key:
        command += ["--header", f"Authorization: Bearer {api_key}"]
    if max_time:
        command += ["--max-time", str(max_time)]
    # real ids for the path parameters; schemathesis reads schemathesis.toml from its working folder
    ids = known_ids(base_url, api_key)
    (report.parent / "schemathesis.toml").write_text(
        "[parameters]\n" + "".join(f'{name} = "{value}"\n' for name, value in ids.items()), encoding="utf-8")
    return subprocess.run(command, capture_output=True, text=True, cwd=report.parent)


def read_report(report: Path) -> tuple[dict, list[ApiFailure]]:
    """(totals, failures) from schemathesis's JSON run report."""
    data = json.loads(report.read_text(encoding="utf-8"))
    failures = [ApiFailure(f["type"], f.get("code", ""), f.get("title", ""), f.get("count", 1), f.get("operations", []),
                           kind_of(f["type"])) for f in data.get("failures", [])]
    totals = {"operations": data.get("operations", {}), "test_cases": data.get("test_cases", {}),
              "errors": data.get("errors", []), "phases": {k: v.get("status") for k, v in data.get("phases", {}).items()},
              "warnings": {k: v for k, v in data.get("warnings", {}).items() if v}}
    return totals, failures


def failures_section(stdout: str) -> str:
    """The FAILURES part of schemathesis's output: each failure with the response and a curl to reproduce it."""
    match = re.search(r"^=+ FAILURES =+$(.*?)^=+ (?:WARNINGS|SUMMARY) =+$", stdout, re.S | re.M)
    return match.group(1).strip() if match else ""


def known_ids(base_url: str, api_key: str | None) -> dict[str, str]:
    """A real document id and clause id of the served index, so those operations get past 404."""
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    documents = httpx.get(f"{base_url}/api/documents", headers=headers, timeout=60).json()["documents"]
    document_id = documents[0]["id"]
    clauses = httpx.get(f"{base_url}/api/documents/{document_id}", headers=headers, timeout=60).json()["clauses"]
    return {"document_id": document_id, "clause_id": clauses[0]["id"]}


def main(argv: list[str] | None = None) -> dict:
    from benchmarks.common import print_table, write_result

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=100, help="examples per operation and phase")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--model", help="embedding model for the corpus index (default: policykb's default)")
    parser.add_argument("--index", type=Path, help="serve this index instead of building one of corpus/")
    parser.add_argument("--api-key", help="run the server with this API key, as its admin key too (and send it), so "
                                          "the API and POST /api/admin/reload are tested behind their keys")
    parser.add_argument("--max-time", type=int, help="stop schemathesis after this many seconds")
    parser.add_argument("--out", type=Path, help="JSON results (default .policykb/bench/results/api_fuzz.json)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="policykb-api-fuzz-") as folder:
        index_dir = args.index
        if index_dir is None:
            index_dir = Path(folder) / "index"
            build_corpus_index(index_dir, args.model)
        report = Path(folder) / "schemathesis.json"
        with Server(index_dir, args.api_key, admin_key=args.api_key) as base_url:
            done = run_schemathesis(base_url, args.max_examples, args.seed, report, args.api_key, args.max_time)
        if not report.exists():
            raise SystemExit(f"schemathesis wrote no report (exit code {done.returncode}):\n{done.stdout[-3000:]}"
                             f"\n{done.stderr[-3000:]}")
        totals, failures = read_report(report)
    server_errors = sum(f.count for f in failures if f.kind == "server error")
    mismatches = sum(f.count for f in failures if f.kind == "schema mismatch")
    others = sum(f.count for f in failures if f.kind == "other")
    rows = [{"type": f.type, "code": f.code, "kind": f.kind, "count": f.count, "operations": ", ".join(f.operations),
             "title": f.title} for f in failures]
    details = failures_section(done.stdout)
    print(details[:20000])
    print_table(rows or [{"type": "(none)", "count": 0}], ["type", "code", "kind", "count", "operations", "title"],
                title="api fuzz: failed checks (schemathesis, all checks)")
    print(f"{totals['test_cases'].get('generated')} test cases: {server_errors} server errors, {mismatches} schema "
          f"mismatches, {others} other failures; schemathesis exit code {done.returncode}", flush=True)
    parameters = {"max_examples": args.max_examples, "seed": args.seed, "phases": PHASES, "checks": "all",
                  "model": args.model or "default", "api_key": bool(args.api_key), "max_time": args.max_time}
    path = write_result("api_fuzz", parameters, rows, args.out, server_errors=server_errors,
                        schema_mismatches=mismatches, other_failures=others, exit_code=done.returncode, totals=totals,
                        seconds=round(time.perf_counter() - started, 1), failures=[asdict(f) for f in failures],
                        reproductions=details)
    return {"path": str(path), "server_errors": server_errors, "schema_mismatches": mismatches,
            "failures": failures, "exit_code": done.returncode}


if __name__ == "__main__":
    main()
