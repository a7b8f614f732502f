"""The reliability suites (benchmarks/reliability/, docs/reliability.md) at their small sizes.

Each runs real `policykb` processes with the default model on a small real corpus, as
the full runs do, only fewer times: 5 killed builds, one round of 2 and of 4
simultaneous ingests, ~10 s of load with three switches. The full-size figures are in
docs/reliability.md (`make reliability`).
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow  # real ingest and serve processes, the default model


def result(path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {"benchmark", "machine", "parameters", "rows", "summary"} <= data.keys()
    return data


def test_builds_killed_at_random_moments_and_in_the_switch_leave_an_index_that_answers_as_before_or_after(tmp_path):
    from benchmarks.reliability import crash

    out = tmp_path / "crash.json"
    summary = crash.main(["--n", "5", "--switch-share", "0.4", "--write-share", "0.2", "--first-share", "0.2",
                          "--queries", "20", "--workdir", str(tmp_path), "--out", str(out)])
    trials = result(out)["rows"]
    assert summary["failed"] == 0, [t for t in trials if not t["ok"]]
    assert {t["outcome"] for t in trials} <= {"before", "after", "none"}
    assert all(t["recovered"] and not t["leftovers"] for t in trials)
    assert {"switch", "write", "random"} <= {t["aim"] for t in trials}
    assert summary["killed"] >= 3, "kills aimed at a progress line always land while the build runs"


def test_two_and_four_simultaneous_ingests_lose_no_clause(tmp_path):
    from benchmarks.reliability import concurrency

    out = tmp_path / "concurrency.json"
    summary = concurrency.main(["--ingests", "2,4", "--rounds", "1", "--workdir", str(tmp_path), "--out", str(out)])
    rounds = result(out)["rows"]
    assert summary["failed"] == 0 and summary["clauses_lost"] == 0, rounds
    assert [r["exit_codes"] for r in rounds] == [[0, 0], [0, 0, 0, 0]]
    assert sum(r["waited"] for r in rounds) >= 1, "the ingests were meant to overlap"


def test_a_server_under_load_switches_by_file_change_sighup_and_admin_route_with_no_failed_request(tmp_path):
    from benchmarks.reliability import reload_load

    out = tmp_path / "reload.json"
    summary = reload_load.main(["--clients", "4", "--seconds", "10", "--switches", "3", "--idle-builds", "1",
                                "--workdir", str(tmp_path), "--out", str(out)])
    assert summary["requests"] > 0 and summary["failed"] == 0, summary["first_failures"]
    assert summary["events_failed"] == [], summary["events_failed"]
    assert summary["switches_by_trigger"] == {"file change": 1, "SIGHUP": 1, "admin": 1}
    assert summary["torn_answers"] == 0
    assert summary["idle_first_failed"] == 0
