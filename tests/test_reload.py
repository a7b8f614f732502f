"""Switching a running server to a new index generation: no failed requests, three triggers."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.fixture_builders import ENGINES, engine_settings
from tests.fixture_builders import build_generation as _build
from fastapi.testclient import TestClient

from policykb.service.api.main import create_app
from policykb.service.config import Settings
from policykb.service.reload import IndexHolder, install_sighup

REPO = Path(__file__).resolve().parents[1]
SEEDS = ["002_e058e02591a1b2b6.txt", "004_85b088c42286e0b9.txt"]
NEW_DOCUMENT = """《城建档案馆经费投入办法》

第一条 城建档案馆每年经费投入不少于一百学时培训。
"""
NEW_PHRASE = "城建档案馆每年经费投入"
ADMIN = {"Authorization": "Bearer admin-secret"}  # POST /api/admin/reload needs POLICYKB_ADMIN_KEY

pytestmark = pytest.mark.slow  # builds real index generations (tiny model)


@pytest.fixture(params=ENGINES)
def engine(request, tmp_path) -> dict:
    """The Settings fields of the engine the test serves through (both, one run each)."""
    return engine_settings(request.param, tmp_path)


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in SEEDS:
        shutil.copy(REPO / "corpus" / name, folder / name)
    return folder




def build(corpus: Path, index_dir: Path, model: str, engine: dict | None = None) -> str:
    """A new generation of `index_dir`, written to the engine's Milvus too when it has one."""
    return _build(corpus, index_dir, model, (engine or {}).get("milvus_uri"))


def found_new_document(client) -> bool:
    body = client.get("/api/search", params={"q": NEW_PHRASE, "k": 3, "mode": "lexical"}).json()
    return any(NEW_PHRASE in r["text"] for r in body["results"])


def test_queries_keep_succeeding_while_the_index_is_rebuilt_and_switched(corpus, tmp_path, tiny_model_path, engine):
    index_dir = tmp_path / "index"
    first = build(corpus, index_dir, tiny_model_path, engine)
    app = create_app(Settings(index=index_dir, reload_check_seconds=0.2, request_timeout=300, **engine))
    statuses: list[int] = []
    generations: list[str] = []
    stop = threading.Event()
    with TestClient(app) as client:
        assert client.get("/api/search", params={"q": "党员教育培训"}).status_code == 200  # first load done

        def ask() -> None:
            queries = ["党员教育培训", "幹部教育培訓", "集中培训学时"]
            for i in range(5000):  # bounded; stops as soon as the main thread has seen the switch
                if stop.is_set():
                    return
                response = client.get("/api/search", params={"q": queries[i % 3], "k": 5})
                statuses.append(response.status_code)
                generations.append(response.headers.get("X-Policykb-Generation", ""))

        asker = threading.Thread(target=ask)
        asker.start()
        try:
            (corpus / "new.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
            second = build(corpus, index_dir, tiny_model_path, engine)
            for _ in range(3000):  # wait (bounded) until answers come from the new generation
                if generations and generations[-1] == second or not asker.is_alive():
                    break
                time.sleep(0.1)
            count = len(statuses)
            for _ in range(600):  # and a few more answers after the switch
                if len(statuses) >= count + 5 or not asker.is_alive():
                    break
                time.sleep(0.1)
        finally:
            stop.set()
            asker.join()
        assert statuses and set(statuses) == {200}, f"failed requests during the reload: {set(statuses)}"
        assert generations[0] == first and generations[-1] == second
        assert client.get("/readyz").json()["generation"] == second
        assert found_new_document(client)


def test_admin_reload_switches_at_once_and_says_from_what_to_what(corpus, tmp_path, tiny_model_path, engine):
    index_dir = tmp_path / "index"
    first = build(corpus, index_dir, tiny_model_path, engine)
    app = create_app(Settings(index=index_dir, reload_check_seconds=0, request_timeout=300, admin_key="admin-secret",
                              **engine))
    with TestClient(app) as client:
        assert not found_new_document(client)
        (corpus / "new.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
        second = build(corpus, index_dir, tiny_model_path, engine)
        assert client.get("/readyz").json()["generation"] == first  # no polling: still the old one
        body = client.post("/api/admin/reload", headers=ADMIN).json()
        assert body == {"generation": second, "previous": first, "switched": True}
        assert found_new_document(client)
        assert client.post("/api/admin/reload", headers=ADMIN).json()["switched"] is False


def test_sighup_makes_the_server_load_the_new_generation(corpus, tmp_path, tiny_model_path):
    index_dir = tmp_path / "index"
    build(corpus, index_dir, tiny_model_path)
    holder = IndexHolder(index_dir, check_seconds=0)
    holder.reload()
    restore = install_sighup(holder)
    assert restore is not None, "pytest runs tests in the main thread, where signals can be handled"
    try:
        (corpus / "new.txt").write_text(NEW_DOCUMENT, encoding="utf-8")
        second = build(corpus, index_dir, tiny_model_path)
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(1200):  # the handler starts a reload in the background; wait for it (bounded)
            if holder.loaded.generation == second:
                break
            time.sleep(0.1)
    finally:
        restore()
    assert holder.loaded.generation == second


def test_a_generation_that_fails_to_load_is_not_switched_to_and_readyz_says_why(corpus, tmp_path, tiny_model_path):
    index_dir = tmp_path / "index"
    first = build(corpus, index_dir, tiny_model_path)
    app = create_app(Settings(index=index_dir, reload_check_seconds=0, request_timeout=300, admin_key="admin-secret"))
    with TestClient(app) as client:
        assert client.get("/api/search", params={"q": "党员"}).status_code == 200
        (index_dir / "CURRENT").write_text("no-such-generation\n", encoding="utf-8")
        error = client.post("/api/admin/reload", headers=ADMIN).json()["error"]
        assert error["code"] == "unavailable" and first in error["message"]
        ready = client.get("/readyz").json()
        assert ready["generation"] == first and "no-such-generation" in ready["last_error"]
        assert client.get("/api/search", params={"q": "党员"}).status_code == 200
