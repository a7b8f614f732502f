"""`policykb serve` as a user runs it: a real process on 127.0.0.1, asked over real sockets.

What only the running server shows: the 400 its HTTP parser gives a URL with raw Chinese
(before FastAPI sees the request), the docs' curl example, and the log line of an index
generation switch.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = ["002_e058e02591a1b2b6.txt", "004_85b088c42286e0b9.txt"]
NEW_DOCUMENT = """《城建档案馆经费投入办法》

第一条 城建档案馆每年经费投入不少于一百学时培训。
"""
WAIT = 180  # seconds; a bound for a shared 2-core machine, not a timing assertion

pytestmark = pytest.mark.slow  # starts a server process over a real (tiny-model) index


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(corpus: Path, index_dir: Path, model: str) -> str:
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths

    return build_index(ingest_paths([corpus]), index_dir, model=model, progress=None).generation


class Server:
    def __init__(self, base: str, port: int, log: Path, corpus: Path, index_dir: Path, first: str) -> None:
        self.base, self.port, self.log, self.corpus, self.index_dir, self.first = base, port, log, corpus, index_dir, first

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_model_path):
    root = tmp_path_factory.mktemp("serve")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in SEEDS:
        shutil.copy(REPO / "corpus" / name, corpus / name)
    index_dir = root / "index"
    first = build(corpus, index_dir, tiny_model_path)
    port = free_port()
    log = root / "server.log"
    env = {**os.environ, "POLICYKB_RELOAD_CHECK_SECONDS": "0", "POLICYKB_REQUEST_TIMEOUT": "300",
           "POLICYKB_ADMIN_KEY": "admin-secret"}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "policykb.service.cli", "serve", "--index", str(index_dir),
                                 "--host", "127.0.0.1", "--port", str(port)],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text(encoding="utf-8", errors="replace")
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail("server did not become ready:\n" + log.read_text(encoding="utf-8", errors="replace"))
        yield Server(base, port, log, corpus, index_dir, first)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(30)


def raw_request(port: int, request_line: bytes, host: bytes = b"127.0.0.1") -> tuple[int, dict[str, str], bytes]:
    """Send one request exactly as given (no client encoding it) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request_line + b"\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def test_a_url_with_raw_chinese_gets_a_json_400_that_says_to_percent_encode(server):
    status, headers, body = raw_request(server.port, "GET /api/search?q=新党员集中培训&k=3 HTTP/1.1".encode())
    assert status == 400
    assert headers["content-type"].startswith("application/json")
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message", "detail"} and error["code"] == "bad_request"
    assert "--data-urlencode" in error["message"] and "ASCII" in error["message"]

    status, headers, body = raw_request(server.port, b"GET /api/search?q= HTTP/1.1 junk HTTP/1.1")
    assert status == 400 and json.loads(body)["error"]["code"] == "bad_request"


def test_a_url_too_long_to_read_gets_a_json_400_that_says_so(server):
    status, headers, body = raw_request(server.port, b"GET /api/search?q=" + b"a" * 100_000 + b" HTTP/1.1")
    assert status == 400 and headers["content-type"].startswith("application/json")
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message", "detail"} and error["code"] == "bad_request"
    assert "too long" in error["message"] and "64 KB" in error["message"]


def test_head_dot_dot_paths_and_the_host_header_over_a_real_socket(server):
    status, headers, body = raw_request(server.port, b"HEAD /api/documents HTTP/1.1")
    assert (status, body) == (200, b"") and int(headers["content-length"]) > 0
    status, headers, body = raw_request(server.port, b"GET /api/documents/%2e%2e%2f HTTP/1.1", host=b"evil.example")
    assert status == 404 and "location" not in headers
    assert json.loads(body)["error"]["code"] == "not_found"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_example_in_the_api_guide_answers(server, tmp_path):
    lines = [line for line in (REPO / "docs" / "api.md").read_text(encoding="utf-8").splitlines()
             if line.startswith("curl ")]
    assert lines, "docs/api.md has no curl example"
    for line in lines:
        command = shlex.split(line.split(" | ")[0].replace("http://127.0.0.1:8000", server.base))
        done = subprocess.run(command, capture_output=True, timeout=120, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        if "-o" in command:  # the export example: a Word file of the search's results
            from docx import Document

            handout = Document(str(tmp_path / command[command.index("-o") + 1]))
            assert handout.paragraphs[0].text == "新党员集中培训" and "参考文献" in [p.text for p in handout.paragraphs]
            continue
        body = json.loads(done.stdout)
        assert body["results"], line
        assert body["query"] == "新党员集中培训"


def test_the_server_log_names_each_switch_to_a_new_index_generation(server, tiny_model_path):
    assert f"serving index generation {server.first}" in server.log_text()
    (server.corpus / "new.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
    second = build(server.corpus, server.index_dir, tiny_model_path)
    request = urllib.request.Request(f"{server.base}/api/admin/reload", method="POST",
                                     headers={"Authorization": "Bearer admin-secret"})
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        assert json.loads(response.read())["generation"] == second
    deadline = time.monotonic() + 30
    pattern = re.compile(rf"switched to index generation {re.escape(second)} .*\(was {re.escape(server.first)}\)")
    while not pattern.search(server.log_text()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert pattern.search(server.log_text()), server.log_text()



def test_with_h11_as_the_http_parser_the_400_is_the_same_json():
    """Where httptools is not installed uvicorn parses with h11; its 400 is JSON too."""
    import threading

    import uvicorn

    from policykb.service.api.protocol import JsonErrorH11Protocol

    async def app(scope, receive, send):  # never reached: the parser refuses the request first
        raise AssertionError("the request reached the app")

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, http=JsonErrorH11Protocol,
                                           lifespan="off", log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(300):
            if server.started:
                break
            time.sleep(0.05)
        status, headers, body = raw_request(port, "GET /api/search?q=新党员 HTTP/1.1".encode())
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(b"GET /api/search?q=" + b"a" * 20_000)  # h11 refuses a head still incomplete at 16 KB
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
    finally:
        server.should_exit = True
        thread.join(30)
    assert status == 400 and headers["content-type"].startswith("application/json")
    error = json.loads(body)["error"]
    assert error["code"] == "bad_request" and "--data-urlencode" in error["message"]
    head, _, long_body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"application/json" in head
    assert "too long" in json.loads(long_body)["error"]["message"]
