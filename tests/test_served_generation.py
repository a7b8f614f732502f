"""A running server keeps answering while builds come and go, and /readyz tells the truth.

Each test starts a real `policykb serve` on 127.0.0.1 and talks HTTP to it; the builds
run in this process, as a separate `policykb ingest` would.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.fixture_builders import build_generation as build

REPO = Path(__file__).resolve().parents[1]
POLICYKB = Path(sys.executable).with_name("policykb")
SEEDS = ["002_e058e02591a1b2b6.txt", "004_85b088c42286e0b9.txt"]
QUERY = "党员教育培训"

pytestmark = pytest.mark.slow  # a real server process and real index builds (tiny model)




def add_notice(corpus: Path, n: int) -> None:
    (corpus / f"notice_{n}.txt").write_text(
        f"《第{n}号通知》\n\n第一条 城建档案馆第{n}号库房每年经费投入不少于一百万元。\n", encoding="utf-8")


def generation_on_disk(index_dir: Path, name: str) -> bool:
    return (index_dir / "generations" / name / "manifest.json").is_file()


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in SEEDS:
        shutil.copy(REPO / "corpus" / name, folder / name)
    return folder


class Server:
    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log

    def request(self, method: str, path: str, headers: dict | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, headers=headers or {})
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"null")
        finally:
            conn.close()

    def search(self) -> tuple[int, dict]:
        from urllib.parse import quote

        return self.request("GET", f"/api/search?q={quote(QUERY)}&k=3")

    def wait_ready(self, timeout: float = 300) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status, body = self.request("GET", "/readyz")
                if status == 200:
                    return body
            except OSError:
                pass  # not listening yet
            time.sleep(0.3)
        raise AssertionError(f"server not ready after {timeout} s:\n{self.log.read_text(errors='replace')}")


@contextmanager
def serving(index_dir: Path, tmp_path: Path, **settings: str):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / f"server-{port}.log"
    env = {**os.environ, **{f"POLICYKB_{k.upper()}": v for k, v in settings.items()}}
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(POLICYKB), "serve", "--index", str(index_dir), "--host", "127.0.0.1",
                                 "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    try:
        yield Server(port, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_an_idle_server_keeps_its_generation_through_two_builds_and_answers(corpus, tmp_path, tiny_model_path):
    """Reload check off: the server serves its first generation through two builds. Before
    leases the second build's cleanup deleted it: searches got 500 while /readyz said ready."""
    index_dir = tmp_path / "index"
    first = build(corpus, index_dir, tiny_model_path)
    with serving(index_dir, tmp_path, reload_check_seconds="0", admin_key="admin-secret") as server:
        assert server.wait_ready()["generation"] == first
        add_notice(corpus, 1)
        build(corpus, index_dir, tiny_model_path)
        add_notice(corpus, 2)
        third = build(corpus, index_dir, tiny_model_path)

        status, body = server.search()
        assert status == 200, body
        status, ready = server.request("GET", "/readyz")
        assert (status, ready["ready"], ready["generation"]) == (200, True, first)
        assert generation_on_disk(index_dir, first), "cleanup deleted the generation the server serves"

        # once the server has moved on, the next build's cleanup removes the old generation
        status, body = server.request("POST", "/api/admin/reload", {"Authorization": "Bearer admin-secret"})
        assert (status, body["generation"]) == (200, third), body
        add_notice(corpus, 3)
        build(corpus, index_dir, tiny_model_path)
        assert not generation_on_disk(index_dir, first), "the lease outlived the server's use of it"
        assert generation_on_disk(index_dir, third)


def test_a_server_whose_generation_is_removed_by_hand_says_so_and_recovers(corpus, tmp_path, tiny_model_path):
    """Leases stop builds, not `rm -rf`: with its files gone the server must not claim to be
    ready nor answer 500, and it serves the next build."""
    index_dir = tmp_path / "index"
    first = build(corpus, index_dir, tiny_model_path)
    with serving(index_dir, tmp_path, reload_check_seconds="0") as server:
        server.wait_ready()
        assert server.search()[0] == 200
        shutil.rmtree(index_dir / "generations" / first)

        status, ready = server.request("GET", "/readyz")
        assert (status, ready["ready"]) == (503, False), ready
        assert first in ready["last_error"] and "gone" in ready["last_error"]
        status, body = server.search()
        assert status == 503, body
        assert body["error"]["code"] == "unavailable" and first in body["error"]["message"]

        add_notice(corpus, 1)
        second = build(corpus, index_dir, tiny_model_path)
        assert server.wait_ready(timeout=120)["generation"] == second
        status, body = server.search()
        assert status == 200 and body["generation"] == second, body


def test_with_the_default_reload_check_the_first_search_after_two_builds_answers(corpus, tmp_path, tiny_model_path):
    index_dir = tmp_path / "index"
    first = build(corpus, index_dir, tiny_model_path)
    with serving(index_dir, tmp_path) as server:
        assert server.wait_ready()["generation"] == first
        add_notice(corpus, 1)
        build(corpus, index_dir, tiny_model_path)
        add_notice(corpus, 2)
        build(corpus, index_dir, tiny_model_path)
        status, body = server.search()
        assert status == 200, body
        status, ready = server.request("GET", "/readyz")
        assert status == 200 and generation_on_disk(index_dir, ready["generation"]), ready
