"""A researcher points `policykb ingest` at a folder of downloaded files, some of them bad."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from policykb.service.cli import main
from tests.fixture_builders import write_docx_table, write_numbered_docx, write_scanned_pdf

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SEED_002 = CORPUS / "002_e058e02591a1b2b6.txt"

PLAIN_PARAGRAPHS = [
    "为加强基层干部教育培训工作，现就有关事项通知如下。",
    "各地要把基层干部教育培训纳入干部教育培训总体规划，统筹安排，整体推进。",
    "培训经费列入本级财政预算，确保工作正常开展。",
]


@pytest.fixture
def downloads(tmp_path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(SEED_002, folder / "party_member_plan.txt")
    (folder / "notice_without_numbering.txt").write_text("\n".join(PLAIN_PARAGRAPHS) + "\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "picture.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2048))
    (folder / "cut_off.txt").write_bytes("干部教育培训工作规划".encode("gb18030")[:-1])
    (folder / "huge.txt").write_bytes(("干部教育培训。" * 20 + "\n").encode("utf-8") * 50_000)  # ~21 MB
    write_scanned_pdf(folder / "scanned.pdf")
    return folder


def test_bad_files_are_named_with_their_reason_and_the_rest_is_ingested(downloads, tmp_path, tiny_model_path, capsys):
    index = tmp_path / "index"
    status = main(["ingest", str(downloads), "--index", str(index), "--model", tiny_model_path])
    out, err = capsys.readouterr()
    assert status == 1, "the exit status reports that some files failed"
    failures = {line.split(":")[0].removeprefix("FAILED ") : line for line in err.splitlines() if line.startswith("FAILED")}
    assert set(failures) == {"empty.txt", "picture.txt", "cut_off.txt", "huge.txt", "scanned.pdf"}
    assert "empty" in failures["empty.txt"]
    assert "binary" in failures["picture.txt"]
    assert "cut off" in failures["cut_off.txt"] or "truncated" in failures["cut_off.txt"]
    assert "--max-file-mb" in failures["huge.txt"]
    assert "OCR" in failures["scanned.pdf"]
    assert "read 2/7 files" in out
    assert "no numbering found" in err  # the plain notice is ingested, one clause per paragraph

    from policykb.search.knowledge_base import KnowledgeBase

    kb = KnowledgeBase.load(index)
    files = {r.file for r in kb.search("培训经费列入本级财政预算", k=20, mode="lexical").results}
    assert files == {"notice_without_numbering.txt", "party_member_plan.txt"} or \
        "notice_without_numbering.txt" in files


def test_a_file_that_breaks_its_reader_is_named_and_the_rest_of_the_run_is_indexed(tmp_path, tiny_model_path, capsys):
    """Each of these files once stopped the whole run with a traceback and nothing indexed."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "notice.txt").write_text("\n".join(PLAIN_PARAGRAPHS) + "\n", encoding="utf-8")
    (folder / "bad_date.md").write_text("---\ntitle: 城建档案馆经费投入办法\ndate: 2024-13-45\n---\n\n"
                                        "第一条 城建档案馆每年经费投入不少于一百万元。\n", encoding="utf-8")
    write_numbered_docx([(None, "干部学习制度"), ("x", "干部每年参加集中学习不少于十二天。"), (0, "学习情况年底考核。")],
                        folder / "bad_level.docx")
    # python-docx itself raises on this table (int("x") deep in its XML layer): an error no reader foresaw
    write_docx_table([["学时登记", "每年九十六学时"]], folder / "bad_table.docx", grid_span="x",
                     before=["党员学时登记表"])
    index = tmp_path / "index"
    status = main(["ingest", str(folder), "--index", str(index), "--model", tiny_model_path])
    out, err = capsys.readouterr()
    assert status == 1, "one file failed"
    assert "Traceback" not in err
    (failed,) = [line for line in err.splitlines() if line.startswith("FAILED")]
    assert failed.startswith("FAILED bad_table.docx: ") and "ValueError" in failed and "re-save" in failed
    assert "read 3/4 files" in out
    assert "bad_date.md" in err and "2024-13-45" in err and "not a valid date" in err
    assert "bad_level.docx" in err and 'w:ilvl="x"' in err

    from policykb.search.knowledge_base import KnowledgeBase

    kb = KnowledgeBase.load(index)
    for phrase, file in (("培训经费列入本级财政预算", "notice.txt"), ("城建档案馆每年经费投入", "bad_date.md"),
                         ("干部每年参加集中学习", "bad_level.docx")):
        assert file in {r.file for r in kb.search(phrase, k=5, mode="lexical").results if phrase in r.text}
    dated = kb.search("城建档案馆每年经费投入", k=1, mode="lexical").results[0]
    assert dated.file == "bad_date.md" and dated.citation.date is None


def test_a_folder_with_only_good_files_exits_zero(tmp_path, tiny_model_path, capsys):
    folder = tmp_path / "good"
    folder.mkdir()
    shutil.copy(SEED_002, folder)
    status = main(["ingest", str(folder), "--index", str(tmp_path / "index"), "--model", tiny_model_path])
    out, _ = capsys.readouterr()
    assert status == 0
    assert "clauses/s" in out and "1/1 files" in out


def test_inspect_prints_metadata_with_lines_and_the_outline(capsys):
    assert main(["inspect", str(SEED_002)]) == 0
    out = capsys.readouterr().out
    assert "title       2009—2013年全国党员教育培训工作规划   (line 1)" in out
    assert "doc_number  中共中央办公厅（2009年23号）   (line 3)" in out
    assert "date        null" in out
    assert "encoding utf-8" in out
    assert "  一、指导思想和基本要求  [" in out and "      （二）基本要求  [" in out


def test_inspect_names_a_file_it_cannot_read(tmp_path, capsys):
    bad = tmp_path / "cut_off.txt"
    bad.write_bytes("干部教育培训工作规划".encode("gb18030")[:-1])
    assert main(["inspect", str(bad)]) == 1
    assert "FAILED cut_off.txt" in capsys.readouterr().out


@pytest.mark.parametrize("seed", sorted(p.name for p in CORPUS.glob("0*.txt")))
def test_inspect_prints_a_readable_outline_for_every_seed(seed, capsys):
    assert main(["inspect", str(CORPUS / seed)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{seed}: ") and "encoding utf-8" in out
    assert "  title       " in out and "  outline (" in out
    assert "一、" in out, "the top-level sections are listed"


def test_reingesting_skips_unchanged_files_and_parses_only_the_changed_one(tmp_path, tiny_model_path, capsys):
    from policykb.index.generation import open_generation

    folder = tmp_path / "plans"
    folder.mkdir()
    for seed in ("000_3adddd7c9c291dd6.txt", "002_e058e02591a1b2b6.txt"):
        shutil.copy(CORPUS / seed, folder)
    index = tmp_path / "index"
    args = ["ingest", str(folder), "--index", str(index), "--model", tiny_model_path]
    assert main(args) == 0
    first = open_generation(index).path
    capsys.readouterr()

    assert main(args) == 0
    out = capsys.readouterr().out
    assert "2 file(s) unchanged" in out and "up to date" in out
    assert open_generation(index).path == first, "nothing changed, so no new generation"

    plan = folder / "002_e058e02591a1b2b6.txt"
    plan.write_text(plan.read_text(encoding="utf-8") + "\n各地要结合实际抓好落实。\n", encoding="utf-8")
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "read 1/1 files" in out and "1 file(s) unchanged" in out
    assert "embedded 2," in out  # the new clause: its text, and its text under title and section path
    from policykb.search.knowledge_base import KnowledgeBase

    kb = KnowledgeBase.load(index)
    assert {d.file for d in kb.documents.values()} == {"000_3adddd7c9c291dd6.txt", "002_e058e02591a1b2b6.txt"}
    found = kb.search("各地要结合实际抓好落实", k=1, mode="lexical").results
    assert found and "各地要结合实际抓好落实" in found[0].text


def _indexed_clauses(index: Path) -> list[tuple]:
    from policykb.index.generation import STORE
    from policykb.index.generation import open_generation
    from policykb.index.store import load_documents

    documents, _sources = load_documents(open_generation(index, verify=False).path / STORE)
    return sorted((c.id, c.text, tuple(c.tokens), c.duplicate_group) for d in documents for c in d.clauses)


def test_parsing_in_two_processes_indexes_the_same_clauses_and_reports_the_same_failures(
        downloads, tmp_path, tiny_model_path, capsys):
    shutil.copy(CORPUS / "000_3adddd7c9c291dd6.txt", downloads)
    statuses, failed = [], []
    for jobs in ("1", "2"):
        status = main(["ingest", str(downloads), "--index", str(tmp_path / f"index-{jobs}"),
                       "--model", tiny_model_path, "--jobs", jobs])
        out, err = capsys.readouterr()
        statuses.append(status)
        failed.append(sorted(line.split(":")[0] for line in err.splitlines() if line.startswith("FAILED")))
        assert "read 3/8 files" in out
    assert statuses == [1, 1]
    assert failed[0] == failed[1] and len(failed[0]) == 5
    assert _indexed_clauses(tmp_path / "index-1") == _indexed_clauses(tmp_path / "index-2")


def test_jobs_must_be_a_positive_number(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["ingest", str(CORPUS), "--index", str(tmp_path / "index"), "--jobs", "0"])
    assert "--jobs takes a whole number of processes, 1 or more" in capsys.readouterr().err
