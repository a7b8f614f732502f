"""The API fuzz suite at CI size (benchmarks/reliability/api_fuzz.py): schemathesis with every
check against the app on 127.0.0.1, serving the bundled corpus indexed with the tiny real model."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_response_that_breaks_the_schema(tmp_path, tiny_model_path):
    from benchmarks.reliability import api_fuzz

    result = api_fuzz.main(["--max-examples", "5", "--model", tiny_model_path, "--out", str(tmp_path / "api.json")])
    found = [f"{f.type} {f.code} on {', '.join(f.operations)}: {f.title}" for f in result["failures"]
             if f.kind != "other"]
    assert result["server_errors"] == 0 and result["schema_mismatches"] == 0, "\n".join(found)
