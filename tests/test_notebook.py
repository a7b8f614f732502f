"""The researcher's notebook runs top to bottom on the bundled corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_search_and_cite.ipynb"


@pytest.mark.slow
def test_the_search_and_cite_notebook_runs_and_shows_citations():
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=1800, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    shown = "".join(str(o.get("data", {}).get("text/html", "")) + o.get("text", "") for o in outputs)
    assert "<table>" in shown and "file:lines" in shown
    # the trainer's first question is answered by a clause on yearly training hours, cited to its lines
    assert "学时" in shown and ("000_3adddd7c9c291dd6.txt:" in shown or "001_cb65ab459c5c236d.txt:" in shown)
