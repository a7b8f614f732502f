"""The researcher's notebooks run top to bottom on the bundled corpus (executed by the tests).
01 is committed without outputs, so its diffs show only what changed in the code; 02 (新旧对照 of the
职业教育法), 03 (a requirement over time) and 04 (export and cite) are committed with their outputs, so a
reader sees the comparison, the timeline and its chart, the handout and the citations without running
them, and the tests check those outputs are what a fresh run prints."""

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


def test_the_search_notebook_is_committed_without_outputs():
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code and not [cell for cell in code if cell["outputs"] or cell["execution_count"]], \
        "strip the notebook's outputs before committing (the tests execute it and check what it shows)"


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


def test_the_export_notebook_is_committed_with_its_outputs_and_no_errors():
    import nbformat

    notebook = nbformat.read(EXPORT_NOTEBOOK, as_version=4)
    shown = printed(notebook)
    assert all(shown), "run notebooks/04_export_and_cite.ipynb and commit it with its outputs (see its first cell)"
    assert not [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    text = "".join(shown)
    assert "[1] 中共中央办公厅. 2009—2013年全国党员教育培训工作规划" in text and "参考文献" in text
    assert "'type_of_reference': 'STAT'" in text and "永久链接" in text and "&v=" in text


@pytest.mark.slow
def test_the_export_notebook_prints_what_is_committed_when_run_afresh(tmp_path):
    """Its outputs are the handout, RIS and citations a fresh run prints (it reuses the index the
    first notebook builds, so it takes seconds after it)."""
    import nbformat
    from docx import Document
    from nbclient import NotebookClient

    committed = nbformat.read(EXPORT_NOTEBOOK, as_version=4)
    fresh = nbformat.read(EXPORT_NOTEBOOK, as_version=4)
    NotebookClient(fresh, timeout=1800, kernel_name="python3",
                   resources={"metadata": {"path": str(EXPORT_NOTEBOOK.parent)}}).execute()
    assert printed(fresh) == printed(committed), \
        "the committed outputs are stale: re-run notebooks/04_export_and_cite.ipynb and commit it"
    handout = Document(str(REPO / ".policykb" / "exports" / "新任培训.docx"))
    assert any(p.text.startswith("——《2009—2013年全国党员教育培训工作规划》") for p in handout.paragraphs)


COMPARE_NOTEBOOK = REPO / "notebooks" / "02_compare_versions.ipynb"
TIMELINE_NOTEBOOK = REPO / "notebooks" / "03_requirement_timeline.ipynb"
ALLOWED_TAGS = {"p", "b", "del", "ins", "br", "table", "tr", "th", "td", "svg", "title", "line", "text", "circle"}


def run_afresh(path: Path):
    import nbformat
    from nbclient import NotebookClient

    fresh = nbformat.read(path, as_version=4)
    NotebookClient(fresh, timeout=1800, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return fresh


def committed(path: Path):
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    shown = printed(notebook)
    assert all(shown), f"run {path.relative_to(REPO)} and commit it with its outputs (see its first cell)"
    assert not [o for c in notebook.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    return "".join(shown)


def test_the_compare_notebook_shows_counts_marked_pairs_and_an_escaped_redline():
    text = committed(COMPARE_NOTEBOOK)
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
def test_the_compare_notebook_prints_what_is_committed_when_run_afresh():
    import nbformat

    assert printed(run_afresh(COMPARE_NOTEBOOK)) == printed(nbformat.read(COMPARE_NOTEBOOK, as_version=4)), \
        "the committed outputs are stale: re-run notebooks/02_compare_versions.ipynb and commit it"


def test_the_timeline_notebook_shows_rows_by_date_and_a_chart_of_each_figure_its_clauses_state():
    text = committed(TIMELINE_NOTEBOOK)
    assert "<table>" in text and "<svg" in text and "日期不详" in text and "据标题推断" in text
    tags = set(re.findall(r"</?([a-z]+)", text))
    assert tags <= ALLOWED_TAGS, f"the notebook's HTML has markup beyond its own: {tags - ALLOWED_TAGS}"
    # every dot of the chart is a 学时 figure as written in one of the clauses the notebook prints in full
    dots = re.findall(r"<circle [^>]*><title>(.*?) · (.*?)</title>", text)
    assert dots and all(unit.endswith("学时") for unit, _ in dots)
    assert all(html.unescape(written) in text.split("<svg")[0] for _, written in dots)
    assert "≥100 学时" in text and "≥90 学时" in text


@pytest.mark.slow
def test_the_timeline_notebook_prints_what_is_committed_when_run_afresh():
    import nbformat

    assert printed(run_afresh(TIMELINE_NOTEBOOK)) == printed(nbformat.read(TIMELINE_NOTEBOOK, as_version=4)), \
        "the committed outputs are stale: re-run notebooks/03_requirement_timeline.ipynb and commit it"
