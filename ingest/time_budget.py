"""How long reading one file may take before it is given up as that file's failure.

Every stage is bounded in size (ingest/limits.py, the metadata caps) and linear, so a file
that runs for minutes is one nobody foresaw; it must cost that file, not the run. The
budget is a real-time alarm (SIGALRM) around the file's reading, in whichever process reads
it (the CLI's, or each parsing worker's): when it rings, the reading stops with an
IngestError naming the file and the setting, and the run goes on with the next file. A
converter run as a subprocess (LibreOffice, Tesseract) is killed by subprocess when the
alarm interrupts its wait. Python runs the alarm's handler between bytecodes, so a single C
call (one lxml parse) finishes first; the size limits keep those short.

Setting (environment, so the parsing workers see it too): `POLICYKB_FILE_SECONDS`, default
900 (a scanned PDF of many pages is OCR'd page by page within it; raise it for longer scans);
0 turns the budget off. Where no alarm can be set (not the main thread, or no SIGALRM), no
budget applies.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from policykb.ingest.errors import IngestError

FILE_SECONDS_ENV = "POLICYKB_FILE_SECONDS"
DEFAULT_FILE_SECONDS = 900.0


class FileTimeBudgetExceeded(IngestError):
    """Reading one file took longer than its budget."""


def file_seconds(environ: Mapping[str, str] | None = None) -> float:
    """The budget in seconds (0: none): POLICYKB_FILE_SECONDS, else the default."""
    raw = (os.environ if environ is None else environ).get(FILE_SECONDS_ENV, "").strip()
    if not raw:
        return DEFAULT_FILE_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if seconds < 0:
        raise IngestError(f"{FILE_SECONDS_ENV}={raw!r} is not a number of seconds; set it to a number such as "
                          f"1800, 0 for no limit, or unset it for the default of {DEFAULT_FILE_SECONDS:.0f}")
    return seconds


@contextmanager
def time_budget(path: str, seconds: float) -> Iterator[None]:
    """Raise FileTimeBudgetExceeded inside the block once `seconds` have passed (0: never)."""
    can_alarm = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if seconds <= 0 or not can_alarm or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield  # no budget, or someone else's alarm is set: leave it alone
        return

    rang = False

    def over_budget() -> FileTimeBudgetExceeded:
        return FileTimeBudgetExceeded(
            f"{path}: reading it took longer than {seconds:g} s, the per-file limit, and was stopped; "
            f"the rest of the run goes on. If the file is sound but slow (a long scan to OCR), raise the "
            f"limit: {FILE_SECONDS_ENV}={seconds * 4:g} policykb ingest …")

    def ring(_signum, _frame):
        nonlocal rang
        rang = True
        raise over_budget()

    previous = signal.signal(signal.SIGALRM, ring)
    # it rings again every `interval` s until the block ends: a reader that swallows the exception
    # (a broad `except` around a decode attempt) is interrupted again, not let run to the end
    interval = min(seconds, 1.0)
    signal.setitimer(signal.ITIMER_REAL, seconds, interval)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if rang:  # it rang and someone swallowed it: what was read may be cut short, so the file fails
        raise over_budget()
