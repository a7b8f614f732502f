"""The researcher's notebook runs top to bottom on the bundled corpus (executed by the tests) and is
committed without outputs, so its diffs show only what changed in the code."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "01_search_and_cite.ipynb"


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


def test_the_committed_notebook_carries_no_outputs():
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
