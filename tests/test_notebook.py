"""The researcher's notebooks run top to bottom on the bundled corpus (executed by the tests).
Every notebook is committed without outputs, so its diffs show only what changed in the code; the
tests execute each one and check what it shows."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "01_search_and_cite.ipynb"
EXPORT_NOTEBOOK = REPO / "notebooks" / "04_export_and_cite.ipynb"


def shown_text(outputs: list[dict]) -> str:
    def joined(value) -> str:
        return "".join(value) if isinstance(value, list) else str(value or "")

    return "".join(joined(o.get("data", {}).get("text/html")) + joined(o.get("text")) for o in outputs)


def table_rows(shown: str) -> list[list[str]]:
    """The answer table's rows (question, rank, clause, citation, file:lines, confidence), unescaped."""
    rows = re.findall(r"<tr>(.*?)</tr>", shown, re.S)
    return [[html.unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows[1:]]


def assert_whole_clauses(shown: str) -> None:
    rows = table_rows(shown)
    assert rows, "the notebook shows no answer table"
    for _question, _rank, clause, _citation, where, _confidence in rows:
        file, _, span = where.rpartition(":")
        start, end = (int(n) for n in span.split("-"))
        source = "".join((REPO / "corpus" / file).read_text(encoding="utf-8").splitlines()[start - 1:end])
        assert "".join(clause.split()) == "".join(source.split()), f"{where}: the clause is not shown whole"


@pytest.mark.slow
def test_the_search_and_cite_notebook_runs_and_shows_citations():
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=1800, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    shown = shown_text(outputs)
    assert "<table>" in shown and "file:lines" in shown
    # the trainer's first question is answered by a clause on yearly training hours, cited to its lines
    assert "学时" in shown and ("000_3adddd7c9c291dd6.txt:" in shown or "001_cb65ab459c5c236d.txt:" in shown)
    assert_whole_clauses(shown)


def printed(notebook) -> list[str]:
    """What each code cell printed (its stream and text outputs), one string per cell."""
    return [shown_text(cell.get("outputs", [])) for cell in notebook.cells if cell.cell_type == "code"]


COMPARE_NOTEBOOK = REPO / "notebooks" / "02_compare_versions.ipynb"
TIMELINE_NOTEBOOK = REPO / "notebooks" / "03_requirement_timeline.ipynb"
ALLOWED_TAGS = {"p", "b", "del", "ins", "br", "table", "tr", "th", "td", "svg", "title", "line", "text", "circle"}


@pytest.mark.parametrize("path", [NOTEBOOK, COMPARE_NOTEBOOK, TIMELINE_NOTEBOOK, EXPORT_NOTEBOOK], ids=lambda p: p.stem)
def test_each_notebook_is_committed_without_outputs(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code and not [cell for cell in code if cell["outputs"] or cell["execution_count"]], \
        f"strip {path.relative_to(REPO)}'s outputs before committing (the tests execute it and check what it shows)"


_RUNS: dict[Path, str] = {}


def run_afresh(path: Path) -> str:
    """Everything the notebook prints when executed now (once per test session), with no errors."""
    if path not in _RUNS:
        import nbformat
        from nbclient import NotebookClient

        fresh = nbformat.read(path, as_version=4)
        NotebookClient(fresh, timeout=1800, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        shown = printed(fresh)
        assert all(shown), f"a code cell of {path.relative_to(REPO)} shows nothing"
        assert not [o for c in fresh.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        _RUNS[path] = "".join(shown)
    return _RUNS[path]


@pytest.mark.slow
def test_the_export_notebook_writes_the_handout_ris_and_citations():
    """It reuses the index the first notebook builds, so it takes seconds after it."""
    from docx import Document

    text = run_afresh(EXPORT_NOTEBOOK)
    assert "[1] 中共中央办公厅. 2009—2013年全国党员教育培训工作规划" in text and "参考文献" in text
    assert "'type_of_reference': 'STAT'" in text and "永久链接" in text and "&v=" in text
    handout = Document(str(REPO / ".policykb" / "exports" / "新任培训.docx"))
    assert any(p.text.startswith("——《2009—2013年全国党员教育培训工作规划》") for p in handout.paragraphs)


@pytest.mark.slow
def test_the_compare_notebook_shows_counts_marked_pairs_and_an_escaped_redline():
    text = run_afresh(COMPARE_NOTEBOOK)
    assert re.search(r"unchanged +未改 +1\n", text) and re.search(r"split +拆分 +1\n", text)
    assert "[split] 第二十四条 → 第三十三条+第三十四条" in text and "【删】实施科教兴国战略，发展【/删】" in text
    tags = set(re.findall(r"</?([a-z]+)", text))
    assert tags <= ALLOWED_TAGS, f"the notebook's HTML has markup beyond its own: {tags - ALLOWED_TAGS}"
    # the redline of 第一条 without what it deletes reads as the 2022 article, word for word
    redline = re.search(r"<p><b>第一条 → 第一条（修改）</b></p><p>(.*?)</p>", text).group(1)
    kept = html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<del[^>]*>.*?</del>", "", redline)))
    law = (REPO / "tests" / "fixtures" / "compare" / "职业教育法(2022-04-20).md").read_text(encoding="utf-8")
    assert "第一条 " + kept in law


@pytest.mark.slow
def test_the_timeline_notebook_shows_rows_by_date_and_a_chart_of_each_figure_its_clauses_state():
    text = run_afresh(TIMELINE_NOTEBOOK)
    assert "<table>" in text and "<svg" in text and "日期不详" in text and "据标题推断" in text
    tags = set(re.findall(r"</?([a-z]+)", text))
    assert tags <= ALLOWED_TAGS, f"the notebook's HTML has markup beyond its own: {tags - ALLOWED_TAGS}"
    # every dot of the chart is a 学时 figure as written in one of the clauses the notebook prints in full
    dots = re.findall(r"<circle [^>]*><title>(.*?) · (.*?)</title>", text)
    assert dots and all(unit.endswith("学时") for unit, _ in dots)
    assert all(html.unescape(written) in text.split("<svg")[0] for _, written in dots)
    assert "≥100 学时" in text and "≥90 学时" in text
