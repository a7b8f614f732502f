"""Reliability suites: scripts that print figures and write JSON, as the benchmarks do (docs/reliability*.md)."""
