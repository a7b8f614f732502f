"""Reliability suites (issue 17, docs/reliability.md): one script per guarantee.

Each runs real `policykb` processes on a small real corpus, prints its figures and
writes a JSON result the way the speed benchmarks do (benchmarks.common.write_result).
"""
