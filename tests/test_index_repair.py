"""A researcher's index store gets damaged on disk: the errors say what to do, and doing it works."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policykb.service.cli import main

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SEEDS = ("000_3adddd7c9c291dd6.txt", "002_e058e02591a1b2b6.txt")


def _damage(file: Path) -> None:
    """What a bad disk block or an interrupted copy leaves: the file's head overwritten."""
    data = bytearray(file.read_bytes())
    data[:4096] = b"\x00garbage" * 512
    file.write_bytes(bytes(data))


@pytest.fixture
def two_generations(tmp_path, tiny_model_path, capsys) -> tuple[Path, Path, str, str]:
    """An index built twice (the second run adds a file): (folder, index, older, newer generation)."""
    from policykb.index.generation import current_name

    folder = tmp_path / "plans"
    folder.mkdir()
    shutil.copy(CORPUS / SEEDS[0], folder)
    index = tmp_path / "index"
    assert main(["ingest", str(folder), "--index", str(index), "--model", tiny_model_path]) == 0
    older = current_name(index)
    shutil.copy(CORPUS / SEEDS[1], folder)
    assert main(["ingest", str(folder), "--index", str(index), "--model", tiny_model_path]) == 0
    newer = current_name(index)
    assert older != newer
    capsys.readouterr()
    return folder, index, older, newer


def test_a_damaged_store_is_refused_on_load_and_the_intact_older_generation_is_offered(two_generations, capsys):
    from policykb.index.generation import IndexCorrupt
    from policykb.search.knowledge_base import KnowledgeBase

    _folder, index, older, newer = two_generations
    _damage(index / "generations" / newer / "store.sqlite")
    with pytest.raises(IndexCorrupt) as err:
        KnowledgeBase.load(index)
    message = str(err.value)
    assert "store.sqlite" in message and "checksum" in message
    assert f"policykb ingest --restore {older} --index {index}" in message

    assert main(["ingest", "--restore", older, "--index", str(index)]) == 0
    assert older in capsys.readouterr().out
    kb = KnowledgeBase.load(index)  # the older generation serves again
    assert {d.file for d in kb.documents.values()} == {SEEDS[0]}


def test_restoring_a_damaged_or_unknown_generation_is_refused_and_changes_nothing(two_generations, capsys):
    from policykb.index.generation import current_name

    _folder, index, older, newer = two_generations
    _damage(index / "generations" / older / "store.sqlite")
    assert main(["ingest", "--restore", older, "--index", str(index)]) == 1
    assert "cannot be restored" in capsys.readouterr().err
    assert main(["ingest", "--restore", "no-such-generation", "--index", str(index)]) == 1
    err = capsys.readouterr().err
    assert "No generation 'no-such-generation'" in err and newer in err
    assert current_name(index) == newer


@pytest.mark.parametrize("reparse", [True, False], ids=["reparse", "plain"])
def test_ingest_over_a_damaged_store_rebuilds_from_the_files_without_reading_it(
        two_generations, tiny_model_path, capsys, reparse):
    from policykb.search.knowledge_base import KnowledgeBase

    folder, index, older, newer = two_generations
    _damage(index / "generations" / newer / "store.sqlite")
    args = ["ingest", str(folder), "--index", str(index), "--model", tiny_model_path]
    assert main(args + (["--reparse"] if reparse else [])) == 0
    err = capsys.readouterr().err
    assert f"the serving generation {newer} is damaged" in err and f"starts from {older}" in err
    kb = KnowledgeBase.load(index)  # checksums verified
    assert {d.file for d in kb.documents.values()} == set(SEEDS)
    assert kb.search("党员教育培训", k=1, mode="lexical").results


def test_with_no_intact_generation_the_error_says_to_rebuild_and_the_rebuild_works(
        two_generations, tiny_model_path, capsys):
    from policykb.search.knowledge_base import KnowledgeBase

    folder, index, older, newer = two_generations
    shutil.rmtree(index / "generations" / older)
    _damage(index / "generations" / newer / "store.sqlite")
    assert main(["search", "党员", "--index", str(index)]) != 0
    err = capsys.readouterr().err
    assert "No intact older generation" in err and "--reparse" in err

    assert main(["ingest", str(folder), "--index", str(index), "--model", tiny_model_path, "--reparse"]) == 0
    assert "holds only the files named in this run" in capsys.readouterr().err
    assert {d.file for d in KnowledgeBase.load(index).documents.values()} == set(SEEDS)


def test_an_unchanged_corpus_over_a_damaged_generation_is_rebuilt_not_reported_up_to_date(
        two_generations, tiny_model_path, capsys):
    from policykb.search.knowledge_base import KnowledgeBase

    folder, index, _older, newer = two_generations
    _damage(index / "generations" / newer / "dense.faiss")  # the store is intact: the merge reads it
    assert main(["ingest", str(folder), "--index", str(index), "--model", tiny_model_path]) == 0
    assert "up to date" not in capsys.readouterr().out
    assert {d.file for d in KnowledgeBase.load(index).documents.values()} == set(SEEDS)


def test_an_unreadable_manifest_is_reported_as_damage_and_the_build_starts_from_the_older_generation(
        two_generations, tiny_model_path, capsys):
    from policykb.index.generation import IndexCorrupt
    from policykb.search.knowledge_base import KnowledgeBase

    folder, index, older, newer = two_generations
    (index / "generations" / newer / "manifest.json").write_text('{"model_id": "cut off', encoding="utf-8")
    with pytest.raises(IndexCorrupt, match=f"manifest .* cannot be read.*--restore {older}"):
        KnowledgeBase.load(index)
    assert main(["ingest", str(folder), "--index", str(index), "--model", tiny_model_path]) == 0
    assert f"starts from {older}" in capsys.readouterr().err
    assert {d.file for d in KnowledgeBase.load(index).documents.values()} == set(SEEDS)
