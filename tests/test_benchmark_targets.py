"""benchmarks/targets.py judges each performance target from a run's JSON files, never from guesses."""

from __future__ import annotations

import json

from benchmarks import targets


def write(folder, name, benchmark, rows, **extra):
    (folder / f"{name}.json").write_text(json.dumps({"benchmark": benchmark, "machine": {}, "parameters": {},
                                                     "rows": rows, **extra}), encoding="utf-8")


def find(rows, words):
    """The one target whose name contains `words`."""
    (row,) = [r for r in rows if words in r["target"]]
    return row


def test_a_slow_tail_or_an_error_fails_the_load_target_and_missing_runs_are_not_measured(tmp_path):
    write(tmp_path, "http_load", "http_load", [
        {"size": "100k", "clients": 4, "p50": 12.0, "p99": 140.0, "errors": 0, "rps": 300, "server_rss_mib": 900}])
    rows = targets.check(targets.load_results(tmp_path))
    load = find(rows, "100k, 4 clients")
    assert load["status"] == "not met" and "p99 140.0 ms" in load["measured"]
    assert find(rows, "1M clauses: p99")["status"] == "not measured"  # no 1M run in the folder: nothing claimed
    assert find(rows, "1M clauses: server RSS")["status"] == "not measured"


def test_targets_met_by_the_figures_of_one_run(tmp_path):
    write(tmp_path, "http_load", "http_load",
          [{"size": "100k", "clients": 4, "p50": 14.0, "p99": 60.0, "errors": 0, "rps": 250, "server_rss_mib": 800},
           {"size": "1m", "clients": 1, "p50": 30.0, "p99": 90.0, "errors": 0, "rps": 30, "server_rss_mib": 2500}],
          modes=[{"size": "1m", "mode": m, "p50": 20.0, "p99": 80.0, "errors": 0} for m in ("lexical", "dense", "hybrid")])
    write(tmp_path, "query_latency", "query_latency",
          [{"size": "100k", "mode": "hybrid", "p50": 10.0, "plain_p50": 400.0, "p50_ratio": 40.0}])
    write(tmp_path, "memory_disk", "memory_disk", [{"size": "1m", "server_rss_mib": 3000}])
    rows = targets.check(targets.load_results(tmp_path))
    assert find(rows, "100k, 4 clients")["status"] == "met"
    plain = find(rows, "plain stack")
    assert plain["status"] == "met" and "28.6x" in plain["measured"]
    assert find(rows, "1M clauses: p99")["status"] == "met"  # one-client p99 of every mode
    rss = find(rows, "1M clauses: server RSS")
    assert rss["status"] == "met" and rss["measured"].startswith("3,000 MiB")
