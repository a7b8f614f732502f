"""Locating, validating, switching and garbage-collecting index generations.

`CURRENT` holds the name of the serving generation. It is replaced atomically
(temp file + os.replace) only after a generation's manifest is written, so a build
that dies at any point leaves the previous generation serving; the temp file of a build
killed between the two is removed by the next build's cleanup.

A process that loads a generation (a server, `policykb search`, a notebook) holds a
`GenerationLease` on it: a shared `flock` on `<generation>/LEASE`. Cleanup takes that
file's lock exclusively before it deletes a generation, and skips every generation it
cannot lock, so a generation is never deleted while any live process serves it. The
kernel drops a lease when its process ends, however it ends; the next build's cleanup
then removes the generation.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from policykb.index.lock import try_flock
from policykb.index.manifest import MANIFEST, Manifest, file_sha256, read_manifest

CURRENT = "CURRENT"
# The files of a generation (index/reader.py opens them): the clause store, the FAISS index, bm25s's folder.
STORE, DENSE, LEXICAL = "store.sqlite", "dense.faiss", "lexical"
GENERATIONS = "generations"
LEASE = "LEASE"
KEEP = 2
log = logging.getLogger("policykb.index")


class IndexLoadError(Exception):
    """Base of the index errors; the message says what to do."""


class IndexNotFound(IndexLoadError):
    pass


class IndexCorrupt(IndexLoadError):
    pass


@dataclass
class Generation:
    """A complete, checked generation: its folder and manifest."""

    path: Path
    manifest: Manifest

    @property
    def name(self) -> str:
        return self.path.name


def new_generation_dir(index_dir: Path) -> Path:
    """A fresh, uniquely named folder under index_dir/generations/ (sortable by time)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = index_dir / GENERATIONS / f"{stamp}-{os.getpid()}"
    path.mkdir(parents=True)
    (path / LEASE).touch()  # so that a server without write access can still take its lease
    return path


def current_name(index_dir: Path) -> str | None:
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        return None
    return pointer.read_text(encoding="utf-8").strip() or None


def switch_current(index_dir: Path, generation: Path) -> None:
    """Point CURRENT at `generation` atomically."""
    tmp = index_dir / f"{CURRENT}.{os.getpid()}.tmp"
    tmp.write_text(generation.name + "\n", encoding="utf-8")
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / CURRENT)


def open_generation(index_dir: Path | str, verify: bool = True) -> Generation:
    """The serving generation, with every file checked against its manifest.

    Raises IndexNotFound when there is no built index, IndexCorrupt naming the file
    when a file is missing or its checksum differs (or the manifest cannot be read);
    the message names an intact older generation on disk, if there is one, and the
    command that switches back to it.
    """
    index_dir = Path(index_dir)
    name = current_name(index_dir)
    if name is None:
        raise IndexNotFound(
            f"No index at {index_dir} (no {CURRENT} file). "
            f"Run `policykb ingest PATH... --index {index_dir}` to build one.")
    path = index_dir / GENERATIONS / name
    manifest, problem = _checked(path, verify)
    if problem is not None:
        raise IndexCorrupt(f"The index at {index_dir} cannot be served: {problem}. "
                           + repair_advice(index_dir, name))
    assert manifest is not None  # _checked gives a manifest whenever it finds no problem
    return Generation(path, manifest)


def repair_advice(index_dir: Path, damaged: str) -> str:
    """What to do about the damaged generation `damaged`: switch back to the newest intact
    older one (named, with the command) if there is one, or rebuild from the source files."""
    rebuild = (f"rebuild it from the source files with `policykb ingest PATH... --index {index_dir} --reparse` "
               f"(the damaged generation is not read)")
    good = newest_intact_generation(index_dir, exclude=damaged)
    if good is None:
        return f"No intact older generation is on disk: {rebuild}."
    return (f"An intact older generation is on disk: {good.name} (built {good.manifest.build_time}, "
            f"{describe_counts(good.manifest)}). Switch back to it with "
            f"`policykb ingest --restore {good.name} --index {index_dir}`, or {rebuild}.")


def describe_counts(manifest: Manifest) -> str:
    """「2 documents, 73 clauses」 as the manifest records them."""
    counts = manifest.counts
    return ", ".join(f"{counts[key]} {key if counts[key] != 1 else key[:-1]}"
                     for key in ("documents", "clauses") if key in counts) or "counts not recorded"


def newest_intact_generation(index_dir: Path, exclude: str | None = None) -> Generation | None:
    """The newest complete generation on disk (other than `exclude`) whose files all match its
    manifest, or None. Older ones are checked only until one is found."""
    root = Path(index_dir) / GENERATIONS
    if not root.is_dir():
        return None
    for path in sorted((p for p in root.iterdir() if p.is_dir() and p.name != exclude),
                       key=lambda p: p.name, reverse=True):
        if not (path / MANIFEST).is_file():
            continue  # an unfinished build
        manifest, problem = _checked(path, verify=True)
        if problem is None:
            assert manifest is not None  # _checked gives a manifest whenever it finds no problem
            return Generation(path, manifest)
    return None


def _checked(path: Path, verify: bool, only: tuple[str, ...] | None = None) -> tuple[Manifest | None, str | None]:
    """(manifest, None) when generation `path` is whole, else (manifest or None, what is wrong).

    With `verify` every file listed in the manifest (or only those in `only`) is checksummed."""
    if not (path / MANIFEST).is_file():
        return None, f"its generation {path.name} has no manifest ({path / MANIFEST} is missing)"
    try:
        manifest = read_manifest(path)
    except (OSError, UnicodeDecodeError, ValueError, TypeError) as exc:
        return None, f"the manifest {path / MANIFEST} cannot be read ({exc})"
    if not verify:
        return manifest, None
    for rel, expected in manifest.files.items():
        if only is not None and rel not in only:
            continue
        file = path / rel
        if not file.is_file():
            return manifest, f"index file {file} is missing (listed in {path / MANIFEST})"
        if file_sha256(file) != expected:
            return manifest, (f"index file {file} does not match its checksum in {path / MANIFEST}: "
                              f"it was damaged or changed after the build")
    return manifest, None


def previous_generation(index_dir: Path, say=None, reads: tuple[str, ...] | None = None) -> Generation | None:
    """The generation a new build merges with: the serving one when the files a build
    reads (`reads`, relative paths; None: all) match their checksums, else the newest intact older generation, else
    None (first build, or nothing intact: the build holds only the files it reads).

    `say` hears why a damaged serving generation was passed over and what that means.
    """
    index_dir = Path(index_dir)
    name = current_name(index_dir)
    if name is None:
        return None
    path = index_dir / GENERATIONS / name
    manifest, problem = _checked(path, verify=True, only=reads)
    if problem is None:
        assert manifest is not None  # _checked gives a manifest whenever it finds no problem
        return Generation(path, manifest)
    older = newest_intact_generation(index_dir, exclude=name)
    if say:
        if older is not None:
            say(f"the serving generation {name} is damaged ({problem}), so it is not read: this build "
                f"starts from {older.name}, the newest intact generation (built "
                f"{older.manifest.build_time}); files indexed only in {name} and not named in this run "
                f"must be ingested again")
        else:
            say(f"the serving generation {name} is damaged ({problem}) and no intact older generation is "
                f"on disk, so nothing is read from it: the new generation holds only the files named in "
                f"this run")
    return older


def restore_generation(index_dir: Path, name: str) -> Generation:
    """Serve generation `name` again (CURRENT points at it) after checking all its files.

    Raises IndexNotFound when there is no such generation and IndexCorrupt when it is
    not whole; the caller holds the index's write lock."""
    index_dir = Path(index_dir)
    path = index_dir / GENERATIONS / name
    if not name or "/" in name or not path.is_dir():
        on_disk = sorted((p.name for p in (index_dir / GENERATIONS).glob("*") if (p / MANIFEST).is_file()),
                         reverse=True) if (index_dir / GENERATIONS).is_dir() else []
        raise IndexNotFound(f"No generation {name!r} in {index_dir / GENERATIONS}; the complete ones on disk "
                            f"are: {', '.join(on_disk) or 'none'}.")
    manifest, problem = _checked(path, verify=True)
    if problem is not None:
        raise IndexCorrupt(f"Generation {name} cannot be restored: {problem}. " + repair_advice(index_dir, name))
    assert manifest is not None  # _checked gives a manifest whenever it finds no problem
    switch_current(index_dir, path)
    return Generation(path, manifest)


class GenerationLease:
    """A shared lock on a generation that keeps `collect_garbage` (in any process) from deleting it.

    Held until `release()`, until the object is garbage-collected, or until the process
    ends. Raises IndexCorrupt when the generation is gone (removed before the lease was
    taken). Where the lease file cannot be created (an index on a read-only disk, built
    before leases existed) it holds nothing, says so in the log, and `held` is False.
    """

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        try:
            fd = os.open(self.path / LEASE, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except FileNotFoundError:
            raise IndexCorrupt(f"Index generation {self.path} is gone: it was removed before it could be "
                               f"opened. Open the index again to load its current generation.") from None
        except OSError as exc:
            log.warning("cannot lease index generation %s (%s): a build's cleanup could delete it while "
                        "it is served", self.path, exc.strerror or exc)
            return
        deadline = time.monotonic() + timeout
        while not try_flock(fd, fcntl.LOCK_SH):  # a cleanup is deleting it this moment
            if time.monotonic() >= deadline:
                os.close(fd)
                raise IndexCorrupt(f"Index generation {self.path} stayed locked for removal for {timeout:g} s; "
                                   f"open the index again to load its current generation.")
            time.sleep(0.05)
        self._fd = fd
        if not (self.path / MANIFEST).is_file():
            self.release()
            raise IndexCorrupt(f"Index generation {self.path} is gone: another build's cleanup removed it "
                               f"while it was being opened. Open the index again to load its current generation.")

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __del__(self) -> None:
        try:
            self.release()
        except Exception:  # interpreter shutdown
            pass


def collect_garbage(index_dir: Path, keep: int = KEEP, building: Path | None = None,
                    say=None) -> list[str]:
    """Delete all but the newest `keep` complete generations (always keeping CURRENT),
    and unfinished ones and CURRENT temp files left by killed builds, but never one that a live process has
    leased (it is removed by a later build once no process holds it). Returns the names
    removed; `say` hears about the generations kept because they are in use."""
    _remove_stale_pointers(index_dir)
    root = index_dir / GENERATIONS
    if not root.is_dir():
        return []
    current = current_name(index_dir)
    folders = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name)
    complete = [p for p in folders if (p / MANIFEST).is_file()]
    keep_names = {p.name for p in complete[-keep:]} | {current}
    if building is not None:
        keep_names.add(building.name)
    removed = []
    for p in folders:
        if p.name in keep_names or _build_running(p):
            continue
        if _remove_unless_leased(p):
            removed.append(p.name)
        elif say:
            say(f"kept generation {p.name}: a running process (a server?) still has it loaded")
    return removed


def _remove_stale_pointers(index_dir: Path) -> None:
    """Remove CURRENT.<pid>.tmp files of builds killed inside `switch_current` (their process is gone)."""
    for tmp in index_dir.glob(f"{CURRENT}.*.tmp"):
        pid = tmp.name[len(CURRENT) + 1:-len(".tmp")]
        if pid.isdigit() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def _remove_unless_leased(folder: Path) -> bool:
    """Delete `folder` unless a process holds its lease; the lease file is locked while deleting,
    so a process that opens the generation meanwhile waits and then finds it gone."""
    try:  # O_CREAT: a generation built before leases gets its file now, and is locked like any other
        fd = os.open(folder / LEASE, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        fd = None
    try:
        if fd is not None and not try_flock(fd, fcntl.LOCK_EX):
            return False
        shutil.rmtree(folder, ignore_errors=True)
        return True
    finally:
        if fd is not None:
            os.close(fd)


def _build_running(folder: Path) -> bool:
    """An unfinished generation whose building process is still alive (named <stamp>-<pid>)."""
    if (folder / MANIFEST).is_file():
        return False
    pid = folder.name.rsplit("-", 1)[-1]
    return pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid))
