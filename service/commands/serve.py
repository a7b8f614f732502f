"""`policykb serve [--index DIR] [--host H] [--port P]`: the search page, the API and the widget.

With no --index it serves the default index (.policykb/index, or POLICYKB_INDEX); when
that has never been built, it first builds it from the bundled corpus (<repo>/corpus),
printing progress. Settings not given as options come from POLICYKB_* variables
(service/config.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from policykb.service.config import Settings, SettingsError, describe_settings

BUNDLED_CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def register(subparsers) -> None:
    settings_help = "\n".join(f"  {var} (default {default}): {text}" for var, default, text in describe_settings())
    p = subparsers.add_parser(
        "serve", help="serve the search page, JSON API and embeddable search box",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Serve the search page (/), the JSON API (/api, documented at /docs) and the embeddable "
                    "search box (/static/embed.js). With no --index, the bundled corpus is served, and its "
                    "index is built on first use.",
        epilog="Environment settings (options above win over them):\n" + settings_help)
    p.add_argument("--index", metavar="DIR", help="index directory built by `policykb ingest` "
                   "(default: POLICYKB_INDEX or .policykb/index, built from the bundled corpus if absent)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--backend", choices=["embedded", "milvus"], help="the engine that retrieves (default "
                   "POLICYKB_BACKEND or embedded); milvus reads the served generation's collection")
    p.add_argument("--milvus-uri", metavar="URI", help="Milvus for --backend milvus (default POLICYKB_MILVUS_URI)")
    p.add_argument("--workers", type=int, help="server processes (default POLICYKB_WORKERS or 1)")
    p.add_argument("--threads", type=int, help="concurrent searches per process (default POLICYKB_THREADS or 2)")
    p.add_argument("--cors-origin", action="append", metavar="ORIGIN",
                   help="allow browser calls from this origin, e.g. the portal embedding the box (repeatable)")
    p.set_defaults(handler=run)


def build_bundled(index_dir: Path) -> bool:
    """Build `index_dir` from the bundled corpus, with progress on stderr. False if there is no corpus."""
    from policykb.index.build import build_index
    from policykb.index.embedders import ModelNotFound
    from policykb.ingest.pipeline import ingest_paths

    if not BUNDLED_CORPUS.is_dir():
        print(f"error: no index at {index_dir} and no bundled corpus at {BUNDLED_CORPUS}. "
              f"Build one with `policykb ingest PATH... --index {index_dir}`, or pass --index DIR.", file=sys.stderr)
        return False
    say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    say(f"First run: building the index of the bundled corpus ({BUNDLED_CORPUS}) into {index_dir}.")
    run = ingest_paths([BUNDLED_CORPUS])
    clauses = sum(len(d.clauses) for d in run.documents)
    say(f"read {len(run.results)} files: {len(run.documents)} documents, {clauses} clauses")
    for failure in run.failures:
        say(f"FAILED {failure.file}: {failure.reason}")
    try:
        report = build_index(run, index_dir, progress=say)
    except ModelNotFound as exc:
        say(f"error: {exc}")
        return False
    say(f"built generation {report.generation} in {report.seconds:.0f} s")
    return True


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from policykb.index.generation import current_name

    try:
        settings = Settings.from_env(index=Path(args.index) if args.index else None, workers=args.workers,
                                     threads=args.threads, backend=args.backend, milvus_uri=args.milvus_uri,
                                     cors_origins=tuple(o.rstrip("/") for o in args.cors_origin) if args.cors_origin else None)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if current_name(settings.index) is None:
        if args.index:
            print(f"error: no index at {settings.index} (no CURRENT file). Build it with "
                  f"`policykb ingest PATH... --index {settings.index}`, or leave out --index to serve "
                  "the bundled corpus.", file=sys.stderr)
            return 1
        if not build_bundled(settings.index):
            return 1
    print(f"Serving {settings.index} at http://{args.host}:{args.port}/ (API docs: /docs; Ctrl+C stops)",
          file=sys.stderr, flush=True)
    options = uvicorn_options(args.host, args.port)
    if settings.workers == 1:
        from policykb.service.api.main import create_app

        uvicorn.run(create_app(settings), **options)
    else:  # worker processes import the app themselves and read the same settings from the environment
        import os

        os.environ.update(settings.to_env())
        uvicorn.run("policykb.service.api.main:create_app_from_env", factory=True, workers=settings.workers, **options)
    return 0


def uvicorn_options(host: str, port: int) -> dict:
    """How `serve` runs uvicorn: its HTTP parser's 400 in the one JSON error shape (service/api/protocol.py),
    and policykb's own log lines (index generation switches, failed reloads) next to uvicorn's."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    from policykb.service.api.protocol import json_error_protocol

    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["loggers"]["policykb"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return {"host": host, "port": port, "log_level": "info", "log_config": log_config, "http": json_error_protocol()}
