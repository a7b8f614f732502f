"""Two people (or two cron jobs) run `policykb ingest` against the same index at once."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
POLICYKB = Path(sys.executable).with_name("policykb")

NOTICE_A = """《城建档案馆经费投入办法》

第一条 城建档案馆每年经费投入不少于一百万元。
第二条 经费投入情况每年向社会公布。
"""
NOTICE_B = """《基层干部教育培训学时规定》

第一条 基层干部每年参加各类学习培训的时间累计一般不少于九十六学时。
第二条 培训学时由组织部门登记。
"""
PHRASE_A = "城建档案馆每年经费投入"
PHRASE_B = "基层干部每年参加各类学习培训"

pytestmark = pytest.mark.slow  # real `policykb ingest` processes (tiny model)


def ingest(paths: list[Path], index: Path, model: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([str(POLICYKB), "ingest", *map(str, paths), "--index", str(index), "--model", model,
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)


def files_answering(index: Path, phrase: str) -> set[str]:
    from policykb.search.knowledge_base import KnowledgeBase

    kb = KnowledgeBase.load(index)
    return {r.file for r in kb.search(phrase, k=5, mode="lexical").results if phrase in r.text}


@pytest.fixture
def two_notices(tmp_path) -> tuple[Path, Path]:
    a, b = tmp_path / "a" / "a.txt", tmp_path / "b" / "b.txt"
    for path, text in ((a, NOTICE_A), (b, NOTICE_B)):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    return a, b


def test_two_ingests_started_at_once_both_end_up_in_the_index(two_notices, tmp_path, tiny_model_path):
    a, b = two_notices
    index = tmp_path / "index"
    procs = [ingest([a], index, tiny_model_path), ingest([b], index, tiny_model_path)]
    outputs = [p.communicate(timeout=600) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, f"ingest failed:\n{out}\n{err}"
    assert files_answering(index, PHRASE_A) == {"a.txt"}, outputs
    assert files_answering(index, PHRASE_B) == {"b.txt"}, outputs


class Lines:
    """A process's stderr lines as they come (read on a thread, so the pipe never fills)."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self.ended = False
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, args=(proc.stderr,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, *needles: str, timeout: float = 300) -> str | None:
        """The first new line containing one of `needles` (None at end of output or after `timeout`)."""
        deadline = time.monotonic() + timeout
        while not self.ended and time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:
                self.ended = True
                return None
            self.lines.append(line)
            if any(n in line for n in needles):
                return line
        return None

    def rest(self) -> str:
        """Everything the process wrote, once it has closed its stderr (or 60 s have passed)."""
        while self.wait_for("\0", timeout=60) is not None:
            pass
        return "".join(self.lines)


def test_an_ingest_started_while_another_is_midway_through_its_build_adds_to_it(
        two_notices, tmp_path, tiny_model_path):
    """The first ingest is paused (SIGSTOP) right after it has read the index to merge on;
    the second starts then, and the first goes on once the second has finished or says it
    is waiting. Before the write lock the second built on the same old index and the first
    then switched over it: b.txt was lost every time."""
    a, b = two_notices
    index = tmp_path / "index"
    first = ingest([a], index, tiny_model_path)
    first_err = Lines(first)
    assert first_err.wait_for("embedding ") is not None, first_err.rest()
    os.kill(first.pid, signal.SIGSTOP)  # midway: merged with the old index, not yet switched
    try:
        second = ingest([b], index, tiny_model_path)
        second_err = Lines(second)
        if second_err.wait_for("waiting for another build") is None:
            second.wait(timeout=300)  # no lock: it ran to its end
    finally:
        os.kill(first.pid, signal.SIGCONT)
    for proc, err in ((first, first_err), (second, second_err)):
        assert proc.wait(timeout=600) == 0, err.rest()
    assert files_answering(index, PHRASE_A) == {"a.txt"}
    assert files_answering(index, PHRASE_B) == {"b.txt"}, "the second ingest's file was lost"
    assert f"waiting for another build of the index {index}" in second_err.rest()
    assert f"pid {first.pid}" in second_err.rest()


def test_an_ingest_waits_for_a_running_build_and_gives_up_after_its_timeout_naming_the_holder(
        two_notices, tmp_path, tiny_model_path):
    from policykb.index.lock import index_write_lock

    a, b = two_notices
    index = tmp_path / "index"
    index.mkdir()
    with index_write_lock(index):  # this test process is "the other build"
        proc = ingest([a], index, tiny_model_path, "--lock-timeout", "2")
        out, err = proc.communicate(timeout=600)
    assert proc.returncode == 3, f"{out}\n{err}"
    assert f"waiting for another build of the index {index}" in err and f"pid {os.getpid()}" in err
    message = err.strip().splitlines()[-1]
    assert message.startswith("error: ") and str(index) in message and f"pid {os.getpid()}" in message
    assert "--lock-timeout" in message  # says what to do
    assert not (index / "CURRENT").exists(), "nothing was built while the other build held the index"
