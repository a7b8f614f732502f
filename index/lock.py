"""Locks that keep processes sharing one index directory from losing each other's work.

**One writer per index.** A build holds an exclusive `flock` on `<index>/LOCK` from the
moment it reads the serving generation (to merge on top of it) until it has switched
`CURRENT` and cleaned up. A second build waits for the lock, then merges on top of the
first one's generation, so both runs' files end up in the index. While it waits it says
so, naming the holder's pid (written into the lock file), and it gives up after a
bounded time with `IndexBusy`. The kernel drops a `flock` when its process ends, however
it ends, so a killed build never leaves the index locked.

(Generation leases, which keep a served generation from being deleted, are in
`index.generation`.)
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

LOCK = "LOCK"
DEFAULT_LOCK_TIMEOUT = 600.0  # seconds a build waits for another build of the same index
POLL_SECONDS = 0.2


class IndexBusy(Exception):
    """Another process kept the index locked for longer than this build would wait."""


def try_flock(fd: int, mode: int) -> bool:
    """Take `flock(mode)` without waiting; False when another open file holds a conflicting lock."""
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise


def lock_holder(index_dir: Path) -> str:
    """Who holds (or last held) the write lock, as written in the lock file: 'pid N, since T'."""
    try:
        text = (Path(index_dir) / LOCK).read_text(encoding="utf-8").split()
    except OSError:
        text = []
    if len(text) >= 2 and text[0].isdigit():
        return f"pid {text[0]}, building since {text[1]}"
    return "pid unknown"


@contextmanager
def index_write_lock(index_dir: str | Path, timeout: float = DEFAULT_LOCK_TIMEOUT,
                     say: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the index's write lock for the `with` block, waiting up to `timeout` s for it.

    Raises IndexBusy naming the index and the holder when the wait runs out.
    """
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        if not try_flock(fd, fcntl.LOCK_EX):
            holder = lock_holder(index_dir)
            if say:
                say(f"waiting for another build of the index {index_dir} to finish ({holder}); "
                    f"giving up after {timeout:g} s")
            deadline = time.monotonic() + timeout
            while not try_flock(fd, fcntl.LOCK_EX):
                if time.monotonic() >= deadline:
                    raise IndexBusy(
                        f"The index {index_dir} is still being built by another process "
                        f"({lock_holder(index_dir)}) after waiting {timeout:g} s, so nothing was built. "
                        f"Run this ingest again once that build has finished; the lock {path} is "
                        f"released as soon as that process ends.")
                time.sleep(POLL_SECONDS)
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {stamp}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # no stale pid once the build is over
    finally:
        os.close(fd)  # releases the flock
