"""What keeping old clause versions (index/history.py) costs a build: time and store growth.

Copies a generation's store twice and runs `carry_history` for the two ends: no document
changed (the usual re-ingest), and every document changed (all its clauses kept as old
versions: the worst case). Prints the figures; asserts nothing.

    .venv/bin/python -m benchmarks.permalink_history --store .policykb/bench/index-100000-…/generations/…/store.sqlite
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from policykb.index.history import carry_history


def measure(store: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        old, same, changed = (Path(tmp) / name for name in ("old.sqlite", "same.sqlite", "changed.sqlite"))
        for copy in (old, same, changed):
            shutil.copy(store, copy)
        con = sqlite3.connect(changed)
        con.execute("UPDATE documents SET content_hash = 'ff' || content_hash")  # every document has a new version
        con.commit()
        con.close()
        before = changed.stat().st_size
        started = time.perf_counter()
        unchanged_carried = carry_history(same, old, "bench")
        unchanged_seconds = time.perf_counter() - started
        started = time.perf_counter()
        carried = carry_history(changed, old, "bench")
        changed_seconds = time.perf_counter() - started
        return {"unchanged_seconds": unchanged_seconds, "unchanged_carried": unchanged_carried,
                "changed_seconds": changed_seconds, "changed_carried": carried,
                "store_mb_before": before / 1e6, "store_mb_after": changed.stat().st_size / 1e6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a generation's store.sqlite (it is copied, not changed)")
    args = parser.parse_args(argv)
    figures = measure(args.store)
    print(f"no document changed:    {figures['unchanged_carried']} clauses carried in {figures['unchanged_seconds']:.2f} s")
    print(f"every document changed: {figures['changed_carried']} clauses carried in {figures['changed_seconds']:.2f} s; "
          f"store {figures['store_mb_before']:.1f} MB -> {figures['store_mb_after']:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
