"""The browser payload suite at CI size (benchmarks/reliability/browser_payloads.py): XSS payloads in
titles, issuers, 文号, headings, clauses and queries, in every view of the page and the embeddable box."""

from __future__ import annotations

from pathlib import Path

import pytest

try:
    import selenium
except ImportError:  # pragma: no cover - reported by the skip below
    selenium = None

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(selenium is None, reason="selenium is not installed (pip install selenium)"),
    pytest.mark.skipif(not (Path("/usr/bin/chromium").exists() and Path("/usr/bin/chromedriver").exists()),
                       reason="Debian's chromium and chromium-driver are not installed "
                              "(apt-get install chromium chromium-driver)"),
]


def test_no_payload_runs_or_becomes_markup_in_any_view_and_each_is_shown_as_written(tmp_path, tiny_model_path):
    from benchmarks.reliability import browser_payloads

    # a spread of the corpus: script, img onerror, svg, javascript: link, attribute breakout, unicode tricks
    chosen = [0, 5, 9, 25, 36, 47, 51, 56]
    result = browser_payloads.main(["--only", ",".join(map(str, chosen)), "--model", tiny_model_path,
                                    "--out", str(tmp_path / "browser.json")])
    assert result["totals"]["payloads"] == len(chosen) and result["totals"]["views"] >= 8
    failing = [f"{c.view} #{c.payload}: ran={c.ran} markup={c.markup} shown={c.shown}" for c in result["failures"]]
    assert not failing, "\n".join(failing)
