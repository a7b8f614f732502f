"""`policykb search`, `eval` and `inspect` as a new user types them: default index, help, misses, pipes."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policykb.service.cli import main

REPO = Path(__file__).resolve().parents[1]
SEED_002 = "002_e058e02591a1b2b6.txt"
SEED_QUERIES = REPO / "tests" / "data" / "seed_queries.jsonl"
SHARED_QUERIES = REPO.parent / "shared" / "eval" / "seed_queries.jsonl"
ANSWER = "使每名新党员在入党后一年内至少参加一次集中培训"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, tiny_model_path) -> Path:
    """A folder where `policykb ingest corpus --model TINY` was run with no --index."""
    folder = tmp_path_factory.mktemp("workdir")
    (folder / "corpus").mkdir()
    shutil.copy(REPO / "corpus" / SEED_002, folder / "corpus" / SEED_002)
    here = Path.cwd()
    os.chdir(folder)
    try:
        assert main(["ingest", "corpus", "--model", tiny_model_path]) == 0
    finally:
        os.chdir(here)
    return folder


def test_search_and_eval_without_index_use_the_index_ingest_built(workdir, monkeypatch, capsys):
    monkeypatch.delenv("POLICYKB_INDEX", raising=False)
    monkeypatch.chdir(workdir)
    assert (workdir / ".policykb" / "index" / "CURRENT").is_file()
    capsys.readouterr()
    assert main(["search", ANSWER, "--mode", "lexical", "--json", "--k", "1"]) == 0
    assert ANSWER in json.loads(capsys.readouterr().out)["results"][0]["text"]
    assert main(["eval", str(SEED_QUERIES), "--mode", "lexical"]) == 0
    assert "R@5" in capsys.readouterr().out


def test_search_follows_policykb_index_like_serve(workdir, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no .policykb here
    monkeypatch.setenv("POLICYKB_INDEX", str(workdir / ".policykb" / "index"))
    assert main(["search", ANSWER, "--mode", "lexical", "--k", "1"]) == 0
    assert ANSWER in capsys.readouterr().out


def test_eval_help_documents_the_query_file_format():
    done = subprocess.run([sys.executable, "-m", "policykb.service.cli", "eval", "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    for field in ('"id"', '"query"', '"gold"', '"file"', '"must_contain"', '"group"', '"kind"', '"gold": []'):
        assert field in done.stdout, field
    assert "tests/data/seed_queries.jsonl" in done.stdout and (REPO / "tests/data/seed_queries.jsonl").is_file()


def test_eval_misses_lists_the_queries_that_missed_and_only_those(workdir, tmp_path, capsys):
    queries = tmp_path / "queries.jsonl"
    rows = [
        {"id": "found", "query": ANSWER, "kind": "keyword", "gold": [{"file": SEED_002, "must_contain": ANSWER}]},
        {"id": "lost", "query": "新党员集中培训", "kind": "paraphrase",
         "gold": [{"file": SEED_002, "must_contain": "这句话不在任何文件里出现"}]},
        {"id": "answered-negative", "query": ANSWER, "kind": "negative", "gold": []},
        {"id": "abstained-negative", "query": "zzqx voluptas", "kind": "negative", "gold": []},
    ]
    queries.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    index = str(workdir / ".policykb" / "index")
    capsys.readouterr()
    assert main(["eval", str(queries), "--index", index, "--mode", "lexical", "--json", "--misses"]) == 0
    misses = json.loads(capsys.readouterr().out)["misses"]
    assert [m["id"] for m in misses] == ["lost", "answered-negative"]
    assert misses[0]["query"] == "新党员集中培训"
    assert misses[0]["expected"] == [{"file": SEED_002, "must_contain": "这句话不在任何文件里出现"}]
    assert misses[1]["top"]["file"] == SEED_002

    assert main(["eval", str(queries), "--index", index, "--mode", "lexical", "--misses"]) == 0
    out = capsys.readouterr().out
    assert "misses: 2 of 4" in out
    assert "lost" in out and "这句话不在任何文件里出现" in out and "answered-negative" in out
    assert "abstained-negative" not in out and "  found " not in out


@pytest.mark.parametrize("command", [
    ["search", ANSWER, "--index", ".policykb/index", "--mode", "lexical", "--json"],
    ["eval", str(SEED_QUERIES), "--index", ".policykb/index", "--mode", "lexical", "--json"],
    ["inspect", str(REPO / "corpus" / SEED_002), "--json"],
], ids=["search", "eval", "inspect"])
def test_piping_json_into_a_reader_that_stops_early_ends_without_a_traceback(workdir, command):
    """As `policykb … --json | head`: the reader has gone before the output is written."""
    proc = subprocess.Popen([sys.executable, "-m", "policykb.service.cli", *command], cwd=workdir,
                            env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # head has read its lines and exited
    err = proc.stderr.read().decode("utf-8", "replace")
    status = proc.wait(300)
    assert "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err, err
    assert status in (0, 141), err


def test_make_eval_uses_the_query_set_in_the_repository():
    done = subprocess.run(["make", "-n", "eval"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    files = [line.split("policykb eval ", 1)[1].split()[0] for line in done.stdout.splitlines()
             if "policykb eval " in line]
    assert files
    for name in files:
        path = (REPO / name).resolve()
        assert path.is_relative_to(REPO) and path.is_file(), f"make eval reads {name}, which is not in the repository"


@pytest.mark.skipif(not SHARED_QUERIES.is_file(), reason="../shared/eval is absent: nothing to compare the copy with")
def test_the_repositorys_seed_queries_are_the_shared_eval_set():
    assert SEED_QUERIES.read_bytes() == SHARED_QUERIES.read_bytes()


@pytest.mark.parametrize("target", ["test", "test-fast"])
def test_make_test_says_why_each_skipped_test_was_skipped(target, tmp_path):
    done = subprocess.run(["make", "-n", target], cwd=REPO, capture_output=True, text=True, timeout=60)
    command = next(line for line in done.stdout.splitlines() if "pytest" in line)
    (tmp_path / "test_probe.py").write_text(
        "import pytest\n\n@pytest.mark.skip(reason='chromium is not installed')\ndef test_probe():\n    pass\n")
    argv = [str(REPO / a) if a.startswith(".venv/") else a for a in shlex.split(command)]
    ran = subprocess.run([*argv, "-p", "no:cacheprovider", "test_probe.py"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert "chromium is not installed" in ran.stdout, ran.stdout
