"""Files in, documents and clauses out: the composition of the ingest stages.

read (formats/; archives' members via archives.py) → split documents (documents.py) → header metadata (metadata.py) →
clauses (clauses.py) → search form (normalize.py) → tokens (tokens.py) → passages
(passages.py) → near-duplicate groups across the run (duplicates.py).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from policykb.ingest.clauses import BodyLine, parse_clauses
from policykb.ingest.documents import split_documents
from policykb.ingest.errors import IngestError
from policykb.ingest.metadata import HeaderLine, read_header
from policykb.ingest.model import Clause, Document, FileFailure, FileResult, SourceText, TextSource
from policykb.ingest.numbering.markup import is_markup_only, read_line

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Bump when parsing changes what a file yields, so re-ingests parse files again.
# 2: a year inferred from the 文号 or title; 3: pages and paragraph numbers, PDF reflow and OCR, office formats, archives
INGEST_VERSION = "3"


@dataclass
class IngestRun:
    """What one ingest run produced: per-file results, and where each file lives."""

    root_by_file: dict[str, str] = field(default_factory=dict)  # relative file -> absolute path
    results: list[FileResult] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)  # relative file -> fingerprint
    unchanged: list[str] = field(default_factory=list)  # files skipped: same fingerprint as indexed
    archives: set[str] = field(default_factory=set)  # archives opened in this run: their members were all read

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
    found: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw).expanduser().resolve()
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if skipped_name(name):
                        continue
                    full = Path(dirpath) / name
                    found.append((full, full.relative_to(path).as_posix()))
        else:
            found.append((path, path.name))
    return found


def skipped_name(name: str) -> bool:
    """Files a folder (or archive) holds that are not policy documents: hidden files,
    metadata (.json, .yaml) and the folder's own description (README.md, CATALOGUE.md)."""
    from policykb.ingest.formats import SUPPORTED_SUFFIXES

    lower = name.lower()
    if lower.startswith(".") or lower.endswith((".json", ".jsonl", ".yml", ".yaml")):
        return True
    return lower in ("readme.md", "catalogue.md", "catalog.md") and Path(lower).suffix in SUPPORTED_SUFFIXES


def fingerprint(path: str | Path) -> str | None:
    """What a file's parse depends on: its bytes and the ingest, normalization and
    segmentation versions. None when the file cannot be read (it is then parsed, and fails)."""
    from policykb.text.normalize import NORMALIZATION_VERSION
    from policykb.text.tokens import dictionary_hash

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
    try:  # the cores this process may run on (taskset/cgroup affinity), as index/threads.py counts them
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, len(sizes)))


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
    from policykb.ingest.archives import SEPARATOR, is_archive
    from policykb.ingest.duplicates import group_near_duplicates

    run = IngestRun()
    todo: list[tuple[Path, str]] = []
    for absolute, relative in discover(paths):
        run.root_by_file[relative] = str(absolute)
        stamp = fingerprint(absolute)
        if stamp is not None:
            run.fingerprints[relative] = stamp
        if indexed and stamp is not None and (indexed.get(relative) == stamp or (is_archive(relative) and any(
                f.startswith(relative + SEPARATOR) and v == stamp for f, v in indexed.items()))):
            run.unchanged.append(relative)
            continue
        todo.append((absolute, relative))
    if jobs is None:
        jobs = auto_jobs([_size(absolute) for absolute, _ in todo])
    run.results = parse_files(todo, max_bytes, jobs)
    for result in run.results:
        if result.archive is not None and result.file != result.archive:
            # a member is found again through its archive, and changes when the archive does
            run.archives.add(result.archive)
            run.root_by_file[result.file] = run.root_by_file[result.archive]
            if result.archive in run.fingerprints:
                run.fingerprints[result.file] = run.fingerprints[result.archive]
    if near_duplicates:
        group_near_duplicates([c for d in run.documents for c in d.clauses])
    return run


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _ingest_item(item: tuple[Path, str, int]) -> list[FileResult]:
    from policykb.ingest.archives import is_archive

    absolute, relative, max_bytes = item
    if is_archive(relative):
        return ingest_archive(absolute, relative, max_bytes=max_bytes)
    return [ingest_file(absolute, relative, max_bytes=max_bytes)]


def parse_files(files: Sequence[tuple[Path, str]], max_bytes: int = DEFAULT_MAX_BYTES,
                jobs: int = 1) -> list[FileResult]:
    """`ingest_file` for each (absolute, relative) pair, in order, in up to `jobs` processes.

    Workers are spawned (not forked: the caller may hold threads of an embedding runtime).
    A file's failure is its result's `failure`, as in one process.
    """
    items = [(absolute, relative, max_bytes) for absolute, relative in files]
    jobs = max(1, min(jobs, len(items)))
    if jobs == 1:
        return [r for item in items for r in _ingest_item(item)]
    import multiprocessing
    import warnings
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # Small chunks keep both workers busy to the end; several files per chunk save round trips.
    chunk = max(1, min(16, len(items) // (jobs * 8)))
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            return [r for results in pool.map(_ingest_item, items, chunksize=chunk) for r in results]
    except BrokenProcessPool as exc:
        # A worker died (out of memory, or a caller whose main module cannot be re-imported,
        # such as a script read from stdin): parse in this process instead.
        warnings.warn(f"parsing in {jobs} processes failed ({exc}); parsing {len(items)} files in one process",
                      RuntimeWarning, stacklevel=2)
        return [r for item in items for r in _ingest_item(item)]


def ingest_file(path: str | Path, relative: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> FileResult:
    """Read one file into documents. Whatever goes wrong with this one file (an IngestError,
    or any other exception from its reader or the later stages) becomes the result's
    failure, so one bad file never stops a run."""
    from policykb.ingest.formats import read_source
    from policykb.ingest.time_budget import file_seconds, time_budget

    relative = relative or Path(path).name
    result = FileResult(file=relative)
    try:
        if not Path(path).exists():
            raise IngestError(f"{path}: no such file")
        with time_budget(str(path), file_seconds()):  # a file nobody foresaw costs itself, not the run
            source = read_source(path, max_bytes=max_bytes)
            result.warnings.extend(source.warnings)
            result.documents = documents_from_source(source, relative)
    except IngestError as exc:
        result.documents = []
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


# An archive may be larger than one document may: it is only unpacked, member by member.
MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024


def ingest_archive(path: str | Path | None, relative: str, max_bytes: int = DEFAULT_MAX_BYTES,
                   data: bytes | None = None, top: str | None = None, depth: int = 0) -> list[FileResult]:
    """One result per member of an archive (read from `path`, or `data` for an archive
    inside an archive), named 「relative!member」; a member that fails is a failure of its
    own and the others are still read. A whole archive that cannot be opened is one failure."""
    from policykb.ingest.archives import MAX_DEPTH, SEPARATOR, is_archive, members
    from policykb.ingest.formats import _read_bytes, read_bytes
    from policykb.ingest.time_budget import file_seconds, time_budget

    top = top or relative
    results: list[FileResult] = []
    try:
        if data is None:
            data = _read_bytes(Path(cast(str | Path, path)), MAX_ARCHIVE_BYTES)  # no data: path is given
        for member in members(relative, data, max_bytes):
            name = f"{relative}{SEPARATOR}{member.name}"
            if skipped_name(Path(member.name).name):
                continue
            if member.error is not None:
                results.append(FileResult(name, failure=FileFailure(name, f"{name}: {member.error}"), archive=top))
            elif is_archive(member.name):
                if depth + 1 >= MAX_DEPTH:
                    results.append(FileResult(name, archive=top, failure=FileFailure(
                        name, f"{name}: an archive nested {MAX_DEPTH} deep; unpack it and ingest the folder")))
                else:
                    results.extend(ingest_archive(None, name, max_bytes, member.data, top, depth + 1))
            else:
                result = FileResult(name, archive=top)
                try:
                    with time_budget(name, file_seconds()):  # each member has a file's budget
                        # a member without an error has its bytes
                        source = read_bytes(name, cast(bytes, member.data), max_bytes=max_bytes)
                        result.warnings.extend(source.warnings)
                        result.documents = documents_from_source(source, name)
                except IngestError as exc:
                    result.failure = FileFailure(name, str(exc))
                    result.documents = []
                except Exception as exc:  # as for a file on disk: this member fails alone (ingest_file)
                    result.failure = FileFailure(name, unexpected_failure(name, exc))
                    result.documents = []
                results.append(result)
    except IngestError as exc:
        results.append(FileResult(relative, failure=FileFailure(relative, str(exc)), archive=top))
    except OSError as exc:
        results.append(FileResult(relative, archive=top, failure=FileFailure(
            relative, f"{path or relative}: cannot be read ({exc.strerror or exc}); check the file's permissions")))
    if not results:
        results.append(FileResult(relative, archive=top, failure=FileFailure(
            relative, f"{relative}: the archive holds no files policykb could read (it is empty, or holds only "
                      f"folders and hidden files)")))
    return results


def document_id(relative: str, index: int) -> str:
    """Stable id of the index-th document of a file (survives re-ingesting the file)."""
    return hashlib.sha1(f"{relative}#{index}".encode()).hexdigest()[:12]


def documents_from_source(source: SourceText, relative: str) -> list[Document]:
    """Split, read metadata and parse clauses for every document in one source text."""
    from policykb.ingest.passages import cut_passages
    from policykb.text.normalize import search_form
    from policykb.text.tokens import tokenize

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
            locate(clause, source)
        digest = hashlib.sha256("\n".join(c.text for c in clauses).encode("utf-8")).hexdigest()
        documents.append(Document(
            id=doc_id, file=relative, index_in_file=span.index, format=source.format, encoding=source.encoding,
            meta=header.meta, line_start=content[0].line, line_end=content[-1].line,
            body_start=body[0].line if body else content[-1].line + 1, clauses=clauses,
            warnings=warnings, content_hash=digest, text_source=_text_source(source, content),
            ocr=source.ocr, converter=source.converter, page_count=source.page_count))
    return documents


def locate(clause: Clause, source: SourceText) -> None:
    """Fill in the clause's pages, paragraph numbers and OCR confidences from its lines."""
    if source.line_pages:
        clause.page_start = source.line_pages[clause.line_start - 1][0]
        clause.page_end = source.line_pages[clause.line_end - 1][1]
    if source.line_paragraphs:
        clause.paragraph_start = source.line_paragraphs[clause.line_start - 1]
        clause.paragraph_end = source.line_paragraphs[clause.line_end - 1]
    if source.char_confidence:
        confidence: list[int] = []
        for number in range(clause.line_start, clause.line_end + 1):
            line = source.lines[number - 1].strip()
            if not line:
                continue
            if confidence:
                confidence.append(100)  # the "\n" between lines
            confidence.extend(source.char_confidence.get(number, [100] * len(line)))
        if any(n in source.char_confidence for n in range(clause.line_start, clause.line_end + 1)):
            clause.char_confidence = confidence if len(confidence) == len(clause.text) else None


def _text_source(source: SourceText, content: list[BodyLine]) -> TextSource:
    """"ocr", "text" or "mixed" for one document of a source (a file may hold several)."""
    if source.text_source != "mixed" or not source.ocr or not source.line_pages:
        return source.text_source
    pages = {p for bl in content for p in range(source.line_pages[bl.line - 1][0], source.line_pages[bl.line - 1][1] + 1)}
    ocr = pages & set(source.ocr.pages)
    return "mixed" if ocr and pages - ocr else ("ocr" if ocr else "text")
