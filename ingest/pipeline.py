"""Files in, documents and clauses out: the composition of the ingest stages.

read (formats/) → split documents (documents.py) → header metadata (metadata.py) →
clauses (clauses.py) → search form (normalize.py) → tokens (tokens.py) → passages
(passages.py) → near-duplicate groups across the run (duplicates.py).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ingest.clauses import BodyLine, parse_clauses
from ingest.documents import split_documents
from ingest.errors import IngestError
from ingest.metadata import HeaderLine, read_header
from ingest.model import Clause, Document, FileFailure, FileResult, SourceText
from ingest.numbering.markup import is_markup_only, read_line

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Bump when parsing changes what a file yields, so re-ingests parse files again.
INGEST_VERSION = "2"  # 2: a year inferred from the 文号 or title (DocumentMeta.year)


@dataclass
class IngestRun:
    """What one ingest run produced: per-file results, and where each file lives."""

    root_by_file: dict[str, str] = field(default_factory=dict)  # relative file -> absolute path
    results: list[FileResult] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)  # relative file -> fingerprint
    unchanged: list[str] = field(default_factory=list)  # files skipped: same fingerprint as indexed

    @property
    def documents(self) -> list[Document]:
        return [d for r in self.results for d in r.documents]

    @property
    def failures(self) -> list[FileFailure]:
        return [r.failure for r in self.results if r.failure is not None]


def discover(paths: Sequence[str | Path]) -> list[tuple[Path, str]]:
    """(absolute path, path relative to its ingest root) for every file under `paths`.

    A folder is its own root (its files are named relative to it); a file's root is its
    folder. Hidden files and folders are skipped. Order is stable (sorted).
    """
    from ingest.formats import SUPPORTED_SUFFIXES

    found: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw).expanduser().resolve()
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.startswith(".") or name.lower().endswith((".json", ".jsonl", ".yml", ".yaml")):
                        continue
                    full = Path(dirpath) / name
                    if name.lower() in ("readme.md", "catalogue.md", "catalog.md") and \
                            full.suffix.lower() in SUPPORTED_SUFFIXES:
                        continue  # a folder's own description is not a policy document
                    found.append((full, full.relative_to(path).as_posix()))
        else:
            found.append((path, path.name))
    return found


def fingerprint(path: str | Path) -> str | None:
    """What a file's parse depends on: its bytes and the ingest, normalization and
    segmentation versions. None when the file cannot be read (it is then parsed, and fails)."""
    from ingest.normalize import NORMALIZATION_VERSION
    from ingest.tokens import dictionary_hash

    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None
    return f"{digest}:{INGEST_VERSION}:{NORMALIZATION_VERSION}:{dictionary_hash()}"


# Parse in worker processes only when there is at least this much to parse: starting a
# worker (imports, OpenCC and segmenter dictionaries) costs about a second.
PARALLEL_MIN_FILES = 8
PARALLEL_MIN_BYTES = 2 * 1024 * 1024


def auto_jobs(sizes: Sequence[int]) -> int:
    """Worker processes worth using for files of these byte sizes: 1 for a small run
    (fewer than PARALLEL_MIN_FILES files or PARALLEL_MIN_BYTES in all), else every core."""
    if len(sizes) < PARALLEL_MIN_FILES or sum(sizes) < PARALLEL_MIN_BYTES:
        return 1
    from index.threads import available_cores  # stdlib only: no native library is loaded

    return max(1, min(available_cores(), len(sizes)))


def ingest_paths(paths: Sequence[str | Path], max_bytes: int = DEFAULT_MAX_BYTES,
                 indexed: dict[str, str] | None = None, jobs: int | None = 1,
                 near_duplicates: bool = True) -> IngestRun:
    """Ingest files and folders (recursively). A file that fails is recorded, not raised.

    `indexed` maps files to the fingerprints an existing index recorded; a file whose
    fingerprint is the same is not parsed again and is listed in `run.unchanged`.
    `jobs` worker processes parse the files (None: `auto_jobs`); results are in file
    order and identical to a one-process run. `near_duplicates=False` skips linking
    near-identical clauses across the run (every `duplicate_group` stays None), for
    callers that group them another way.
    """
    from ingest.duplicates import group_near_duplicates

    run = IngestRun()
    todo: list[tuple[Path, str]] = []
    for absolute, relative in discover(paths):
        run.root_by_file[relative] = str(absolute)
        stamp = fingerprint(absolute)
        if stamp is not None:
            run.fingerprints[relative] = stamp
        if indexed and stamp is not None and indexed.get(relative) == stamp:
            run.unchanged.append(relative)
            continue
        todo.append((absolute, relative))
    if jobs is None:
        jobs = auto_jobs([_size(absolute) for absolute, _ in todo])
    run.results = parse_files(todo, max_bytes, jobs)
    if near_duplicates:
        group_near_duplicates([c for d in run.documents for c in d.clauses])
    return run


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _ingest_item(item: tuple[Path, str, int]) -> FileResult:
    absolute, relative, max_bytes = item
    return ingest_file(absolute, relative, max_bytes=max_bytes)


def parse_files(files: Sequence[tuple[Path, str]], max_bytes: int = DEFAULT_MAX_BYTES,
                jobs: int = 1) -> list[FileResult]:
    """`ingest_file` for each (absolute, relative) pair, in order, in up to `jobs` processes.

    Workers are spawned (not forked: the caller may hold threads of an embedding runtime).
    A file's failure is its result's `failure`, as in one process.
    """
    items = [(absolute, relative, max_bytes) for absolute, relative in files]
    jobs = max(1, min(jobs, len(items)))
    if jobs == 1:
        return [_ingest_item(item) for item in items]
    import multiprocessing
    import warnings
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # Small chunks keep both workers busy to the end; several files per chunk save round trips.
    chunk = max(1, min(16, len(items) // (jobs * 8)))
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            return list(pool.map(_ingest_item, items, chunksize=chunk))
    except BrokenProcessPool as exc:
        # A worker died (out of memory, or a caller whose main module cannot be re-imported,
        # such as a script read from stdin): parse in this process instead.
        warnings.warn(f"parsing in {jobs} processes failed ({exc}); parsing {len(items)} files in one process",
                      RuntimeWarning, stacklevel=2)
        return [_ingest_item(item) for item in items]


def ingest_file(path: str | Path, relative: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> FileResult:
    """Read one file into documents. Whatever goes wrong with this one file (an IngestError,
    or any other exception from its reader or the later stages) becomes the result's
    failure, so one bad file never stops a run."""
    from ingest.formats import read_source

    relative = relative or Path(path).name
    result = FileResult(file=relative)
    try:
        if not Path(path).exists():
            raise IngestError(f"{path}: no such file")
        source = read_source(path, max_bytes=max_bytes)
        result.warnings.extend(source.warnings)
        result.documents = documents_from_source(source, relative)
    except IngestError as exc:
        result.failure = FileFailure(relative, str(exc))
    except OSError as exc:
        result.failure = FileFailure(relative, f"{path}: cannot be read ({exc.strerror or exc}); check the file's permissions")
    except Exception as exc:  # a reader or stage bug, or a file shaped in a way nobody foresaw
        result.failure = FileFailure(relative, unexpected_failure(path, exc))
        result.documents = []
    return result


def unexpected_failure(path: str | Path, exc: BaseException) -> str:
    """The reason given for a file whose reading raised something other than IngestError:
    what failed and where, and what the person can do."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    detail = " ".join(str(exc).split())[:300] or "no message"
    kind = Path(path).suffix.lower().lstrip(".") or "this"
    return (f"{path}: policykb could not ingest this file: {type(exc).__name__} ({detail}){where}, "
            f"while reading it as {kind}. The file may be "
            f"damaged or written in a way policykb does not handle: re-save it (from Word, LibreOffice or "
            f"an editor) or convert it to .txt and ingest it again, and report the file to policykb's "
            f"maintainers.")


def document_id(relative: str, index: int) -> str:
    """Stable id of the index-th document of a file (survives re-ingesting the file)."""
    return hashlib.sha1(f"{relative}#{index}".encode("utf-8")).hexdigest()[:12]


def documents_from_source(source: SourceText, relative: str) -> list[Document]:
    """Split, read metadata and parse clauses for every document in one source text."""
    from ingest.normalize import search_form
    from ingest.passages import cut_passages
    from ingest.tokens import tokenize

    # Plain-text files often carry markdown markup too (seed 000 does).
    markdown = source.format in ("md", "txt")
    fm_lines = []
    if source.front_matter_lines:
        first, last = source.front_matter_lines
        fm_lines = [(n, source.lines[n - 1]) for n in range(first, last + 1)]
    documents = []
    for span in split_documents(source.lines, source.body_start):
        content = []
        for number in range(span.line_start, span.line_end + 1):
            raw = source.lines[number - 1]
            if is_markup_only(raw):
                continue
            markup = read_line(raw, markdown)
            if not markup.text:
                continue
            content.append(BodyLine(number, markup, source.heading_levels.get(number)))
        if not content:
            continue
        header = read_header(
            [HeaderLine(bl.line, bl.markup.text, bl.markup.md_level or bl.heading_level) for bl in content],
            source.front_matter if span.index == 0 else {},
            fm_lines if span.index == 0 else [],
        )
        doc_id = document_id(relative, span.index)
        preamble = [bl for bl in content if bl.line <= header.header_end]
        body = [bl for bl in content if bl.line > header.header_end]
        clauses: list[Clause] = []
        if preamble:
            clauses.append(Clause(
                id=f"{doc_id}-preamble", document_id=doc_id, ordinal=0, kind="preamble", label=None,
                heading=None, section_path=[], text="\n".join(bl.markup.text for bl in preamble),
                search_text="", line_start=preamble[0].line, line_end=preamble[-1].line))
        for clause in parse_clauses(doc_id, body):
            clause.ordinal = len(clauses)
            clauses.append(clause)
        warnings = list(header.warnings)
        if body and not any(c.kind in ("heading", "item", "article") for c in clauses):
            warnings.append("no numbering found: each paragraph is a clause of its own")
        for clause in clauses:
            clause.search_text = search_form(clause.text)
            clause.tokens = tokenize(clause.search_text)
            clause.passages = cut_passages(clause)
        digest = hashlib.sha256("\n".join(c.text for c in clauses).encode("utf-8")).hexdigest()
        documents.append(Document(
            id=doc_id, file=relative, index_in_file=span.index, format=source.format, encoding=source.encoding,
            meta=header.meta, line_start=content[0].line, line_end=content[-1].line,
            body_start=body[0].line if body else content[-1].line + 1, clauses=clauses,
            warnings=warnings, content_hash=digest))
    return documents
