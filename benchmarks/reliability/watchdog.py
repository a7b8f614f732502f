"""Run one check at a time in a worker process, under a time and a memory budget per case.

The worker (spawned, so it starts as a user's process does) receives a case, calls
`check(case)` and sends back its result with how long it took and the peak memory it
reached: the worker's own peak (Linux VmHWM, reset before each case) and, polled every
20 ms by the parent, the memory of the worker with its children (LibreOffice, Tesseract).
A case still running past `kill_factor` times its time budget, or over `kill_factor` times
its memory budget, is killed with the worker's whole process tree and a fresh worker takes
the next case: a loop or a bomb costs one case, not the run.
"""

from __future__ import annotations

import multiprocessing
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable

import psutil

POLL_SECONDS = 0.02


@dataclass
class Budget:
    """What one case may take: seconds of wall time and MB of memory above the worker's resting size."""

    seconds: float
    memory_mb: float


@dataclass
class Measured:
    """What a case took, and the check's result (None if it was killed or the worker died)."""

    result: Any
    seconds: float
    peak_mb: float  # growth above the worker's resting size, worker and children together
    killed: str | None = None  # "time", "memory", or "worker died (exit code N)"
    escaped: str | None = None  # a BaseException that got past `check`, with its traceback


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    try:  # Linux >= 4.0: "5" resets VmHWM, the peak resident size, to the current size
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        pass


def _serve(conn, check: Callable[[Any], Any]) -> None:
    while True:
        case = conn.recv()
        if case is None:
            return
        _reset_peak()
        resting = _status_kb("VmRSS")
        start = time.perf_counter()
        escaped = result = None
        try:
            result = check(case)
        except BaseException as exc:  # noqa: B036 - what escapes the check is the finding
            escaped = "".join(traceback.format_exception(exc))[-3000:]
        seconds = time.perf_counter() - start
        conn.send((result, seconds, (_status_kb("VmHWM") - resting) / 1024, escaped))


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        total += process.memory_info().rss
        for child in process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total


class Watchdog:
    """`with Watchdog(check) as dog: dog.run(case, budget)`: `check` must be a module-level function."""

    def __init__(self, check: Callable[[Any], Any], kill_factor: float = 2.0, max_kill_mb: float = 4096) -> None:
        self.check = check
        self.kill_factor = kill_factor
        self.max_kill_mb = max_kill_mb
        self.context = multiprocessing.get_context("spawn")
        self.process = None
        self.conn = None
        self.restarts = 0

    def __enter__(self) -> "Watchdog":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _start(self) -> None:
        self.conn, child = self.context.Pipe()
        self.process = self.context.Process(target=_serve, args=(child, self.check), daemon=True)
        self.process.start()
        child.close()
        self.watched = psutil.Process(self.process.pid)

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            self.conn.send(None)
            self.process.join(5)
        except (OSError, BrokenPipeError):
            pass
        self._kill()

    def _kill(self) -> None:
        if self.process is None:
            return
        try:
            for child in self.watched.children(recursive=True):
                child.kill()
        except psutil.Error:
            pass
        if self.process.is_alive():
            self.process.kill()
        self.process.join(10)
        self.conn.close()
        self.process = None

    def run(self, case: Any, budget: Budget) -> Measured:
        """Check `case` in the worker; kill the worker if it runs far over `budget`."""
        if self.process is None:
            self._start()
        resting = _tree_rss(self.watched)
        kill_seconds = budget.seconds * self.kill_factor
        kill_bytes = min(budget.memory_mb * self.kill_factor, self.max_kill_mb) * 1024 * 1024
        start = time.perf_counter()
        peak = 0
        try:
            self.conn.send(case)
        except (OSError, BrokenPipeError):
            self._kill()
            self._start()
            self.conn.send(case)
        while True:
            try:
                if self.conn.poll(POLL_SECONDS):
                    result, seconds, own_peak_mb, escaped = self.conn.recv()
                    return Measured(result, seconds, round(max(own_peak_mb, peak / 2**20), 1), escaped=escaped)
            except (EOFError, OSError):
                pass
            elapsed = time.perf_counter() - start
            peak = max(peak, _tree_rss(self.watched) - resting)
            killed = None
            if not self.process.is_alive():
                killed = f"worker died (exit code {self.process.exitcode})"
            elif elapsed > kill_seconds:
                killed = "time"
            elif peak > kill_bytes:
                killed = "memory"
            if killed:
                self._kill()
                self.restarts += 1
                return Measured(None, round(elapsed, 2), round(peak / 2**20, 1), killed=killed)
