"""Switching the served index to a new generation without downtime.

`IndexHolder` owns the loaded index (`Loaded`: KnowledgeBase + Catalog of one
generation). A request takes the current `Loaded` once and uses only that object,
so a switch never disturbs a request in flight: the old generation stays in memory
until its last request lets go of it.

A new generation is picked up when one of these happens:

1. **On requests (default):** at most every `check_seconds`, a request looks at the
   index's CURRENT pointer (its mtime, size and text). When it names another
   generation, a background thread loads and warms it (model loaded, one query run),
   then swaps it in; requests meanwhile are answered from the old one. So
   `policykb ingest ... --index DIR` against a running server's DIR is enough.
2. **POST /api/admin/reload:** loads CURRENT now and answers when it serves.
3. **SIGHUP** to the server process (one worker): same as 2, in the background.

A generation that fails to load (corrupt, model missing) is not switched to; the
old one keeps serving and `/readyz` reports the error. It is not loaded again until
CURRENT or its manifest changes, or `RETRY_FAILED_SECONDS` have passed.

The served generation is leased (`index.generation.GenerationLease`, held by its
KnowledgeBase), so no build's cleanup deletes it while it is served. Should its files
disappear all the same (removed by hand, or by a policykb from before leases), the
holder stops serving it at once: requests get 503 `unavailable` and `/readyz` says not
ready and why, and the index's current generation is loaded in its place.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from policykb.index.generation import CURRENT, GENERATIONS, IndexLoadError, current_name, open_generation
from policykb.index.manifest import MANIFEST, file_sha256
from policykb.index.reader import IndexReader
from policykb.service.catalog import Catalog

if TYPE_CHECKING:
    from policykb.search.knowledge_base import KnowledgeBase

log = logging.getLogger("policykb.reload")
WARM_QUERY = "党员教育培训"
# A generation that failed to load is tried again after this long even if nothing changed
# (the cause may have been outside it: memory, a model folder); before that, only once it changes.
RETRY_FAILED_SECONDS = 300.0


@dataclass(frozen=True)
class Loaded:
    """One loaded generation; immutable, shared by all requests that picked it."""

    kb: KnowledgeBase
    catalog: Catalog
    generation: str
    loaded_at: float

    def files_present(self) -> bool:
        return self.kb.files_present()


def load_generation(index_dir: Path, previous: Loaded | None = None, warm: bool = True,
                    embed_threads: int | None = None, engine: str = "embedded", milvus_uri: str | None = None) -> Loaded:
    """Load the generation CURRENT names, reusing `previous`'s model when it is the same one.

    `embed_threads`: threads per query embedding (None: the engine's default). `engine` "milvus" retrieves
    from the generation's collection at `milvus_uri`; a generation without a complete one fails to load, and
    the one served before stays.
    """
    from policykb.search.knowledge_base import KnowledgeBase

    generation = open_generation(index_dir, verify=True)
    embedder = None
    if previous is not None:
        old = previous.kb.manifest
        if (old.model_id, old.dim) == (generation.manifest.model_id, generation.manifest.dim):
            embedder = previous.kb.embedder  # a model load is the slow part of a reload
    index = IndexReader.open(generation)  # one reader of the generation's files for search and catalog
    try:
        kb = KnowledgeBase(generation, embedder, embed_threads=embed_threads, index=index, engine=engine,
                           milvus_uri=milvus_uri)
    except Exception:
        index.close()
        raise
    catalog = Catalog(index)
    if warm:
        kb.search(WARM_QUERY, k=1)  # loads the model, jieba and OpenCC before real requests arrive
    return Loaded(kb, catalog, generation.name, time.time())


class UnchangedSinceFailure(IndexLoadError):
    """CURRENT's generation failed to load and has not changed since, so it was not loaded again."""


def _pointer_state(index_dir: Path) -> tuple | None:
    try:
        st = (index_dir / CURRENT).stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino, current_name(index_dir)


def _generation_state(index_dir: Path, pointer: tuple | None) -> tuple:
    """What a load of CURRENT's generation depends on: the pointer (it names the generation) and
    the checksum of that generation's manifest (None when it has none)."""
    name = pointer[3] if pointer else None
    try:
        manifest = file_sha256(index_dir / GENERATIONS / name / MANIFEST) if name else None
    except OSError:
        manifest = None
    return pointer, manifest


class IndexHolder:
    """Holds the served generation and switches it; thread-safe."""

    def __init__(self, index_dir: Path, check_seconds: float = 2.0, warm: bool = True,
                 loader: Callable[[Path, Loaded | None, bool], Loaded] = load_generation) -> None:
        self.index_dir = Path(index_dir)
        self.check_seconds = check_seconds
        self.warm = warm
        self._loader = loader
        self._loaded: Loaded | None = None
        self._lock = threading.Lock()  # one load at a time
        self._thread: threading.Thread | None = None
        self._pointer: tuple | None = None
        self._next_check = 0.0
        self.last_error: str | None = None
        self.loading_since: float | None = None
        self._lost_retry: tuple | None = None  # CURRENT's state when a lost generation was last replaced
        self._failed: tuple | None = None  # (_generation_state, monotonic time) of the last failed load

    @property
    def loaded(self) -> Loaded | None:
        """The generation held in memory (even one whose files are gone: see `lost`)."""
        return self._loaded

    def get(self) -> Loaded | None:
        """The generation to answer this request with (may start a background reload);
        None when nothing can answer: not loaded yet, or the served generation is `lost`."""
        if self.check_seconds > 0 and time.monotonic() >= self._next_check:
            self._next_check = time.monotonic() + self.check_seconds
            if _pointer_state(self.index_dir) != self._pointer:
                self.reload_in_background()
        loaded = self._loaded
        if loaded is not None and not loaded.files_present():
            self._replace_lost()
            return None
        return loaded

    def lost(self) -> str | None:
        """Why the generation held in memory cannot answer (its files are gone), else None."""
        loaded = self._loaded
        if loaded is None or loaded.files_present():
            return None
        return (f"The index generation {loaded.generation} this server loaded is gone from disk "
                f"({loaded.kb.generation.path} no longer holds its files), so the server no longer answers "
                f"from it and loads the index's current generation instead. Check what removed it.")

    def _replace_lost(self) -> None:
        """Load CURRENT in the background, once per state of CURRENT (a broken one is not retried
        on every request)."""
        pointer = _pointer_state(self.index_dir)
        if pointer != self._lost_retry:
            self._lost_retry = pointer
            log.error("%s", self.lost())
            self.reload_in_background()

    def wait_ready(self, timeout: float) -> Loaded | None:
        """The generation to answer with, waiting up to `timeout` s for a load under way (None if
        none can answer)."""
        loaded = self.get()
        if loaded is None:
            self.join(timeout)
            loaded = self.get()
        return loaded

    def reload(self) -> Loaded:
        """Load CURRENT now (unless it is already served) and switch to it. Raises IndexLoadError."""
        with self._lock:
            pointer = _pointer_state(self.index_dir)
            current = self._loaded
            if current is not None and pointer is not None and pointer[3] == current.generation \
                    and current.files_present():
                self._pointer = pointer
                return current
            state = _generation_state(self.index_dir, pointer)
            if self._failed is not None and self._failed[0] == state \
                    and time.monotonic() - self._failed[1] < RETRY_FAILED_SECONDS:
                # a full checksummed load of the same broken generation would fail the same way
                raise UnchangedSinceFailure(
                    f"{self.last_error} (Not loaded again: it has not changed since it failed. A new build, which "
                    f"changes CURRENT, is loaded at once; this one is tried again {RETRY_FAILED_SECONDS / 60:g} "
                    "minutes after it failed, or when the server restarts.)")
            self.loading_since = time.time()
            try:
                loaded = self._loader(self.index_dir, current, self.warm)
            except Exception as exc:
                self._pointer = pointer  # do not retry a broken generation on every request
                self._failed = (state, time.monotonic())
                self.last_error = str(exc) if isinstance(exc, IndexLoadError) else f"{type(exc).__name__}: {exc}"
                log.error("index reload failed, still serving %s: %s",
                          current.generation if current and current.files_present() else "nothing",
                          self.last_error)
                raise
            finally:
                self.loading_since = None
            self._pointer = pointer
            self._loaded = loaded  # the switch: one reference assignment
            self.last_error = None
            self._failed = None
            if current is None:
                log.info("serving index generation %s of %s", loaded.generation, self.index_dir)
            else:
                log.info("switched to index generation %s of %s (was %s)", loaded.generation, self.index_dir,
                         current.generation)
            return loaded

    def reload_in_background(self) -> None:
        """Start a reload in a thread unless one is running."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._reload_quietly, name="policykb-reload", daemon=True)
        self._thread.start()

    def _reload_quietly(self) -> None:
        try:
            self.reload()
        except Exception:  # recorded in last_error and logged by reload()
            pass

    def join(self, timeout: float | None = None) -> None:
        """Wait for a background reload to finish (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)


def install_sighup(holder: IndexHolder) -> Callable[[], None] | None:
    """Reload on SIGHUP; returns a function restoring the previous handler, or None where
    signals cannot be set (not the main thread, or no SIGHUP on this platform)."""
    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.signal(signal.SIGHUP, lambda _sig, _frame: holder.reload_in_background())

    def restore() -> None:
        signal.signal(signal.SIGHUP, previous)

    return restore
