"""Fuzz ingest: hypothesis-generated and mutated files in every format, and the known bombs.

Each case is read by the real per-file path of ingest (`formats.read_bytes`, then
`pipeline.documents_from_source`; archives through `pipeline.ingest_archive`) in a worker
process under a time and memory budget (benchmarks/reliability/watchdog.py). Properties:

- no crash: a reader either gives documents or raises IngestError, a named failure that
  says why; any other exception (which ingest_file's catch-all would turn into a generic
  "could not ingest this file" failure) is counted as a crash, and so is a killed worker;
- no case over its budget: BUDGET_SECONDS + BUDGET_SECONDS_PER_MB × size of wall time
  (SLOW_EXTRA_SECONDS more for formats read through LibreOffice or Tesseract), and
  BUDGET_MB + BUDGET_MEMORY_FACTOR × size of memory above the worker's resting size;
- no silent U+FFFD: a clause or title holds U+FFFD only if the input did or a warning says so;
- nothing lost or doubled: every non-empty source line after the front matter is in
  exactly one clause, and each clause's text is its lines joined (as tests/test_ingest_seeds
  checks for the seeds); a bomb's own words (FuzzCase.must_keep) are in a clause if accepted.

    python -m benchmarks.reliability.fuzz --cases 10000 --out .policykb/bench/results/fuzz.json

prints a table per origin and the failing cases, writes JSON, and with --save-failures DIR
writes each failing input there so `policykb ingest DIR/<file>` reproduces it.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

BUDGET_SECONDS = 10.0
BUDGET_SECONDS_PER_MB = 5.0
SLOW_EXTRA_SECONDS = 60.0
BUDGET_MB = 512.0
BUDGET_MEMORY_FACTOR = 50
_WARNS_OF_FFFD = re.compile(r"\ufffd|U\+FFFD|replac|乱码|无法解码", re.I)


@dataclass
class CaseResult:
    """What ingest made of one case, and which properties it broke."""

    outcome: str  # "accepted" (documents), "refused" (a named IngestError) or "crash" (another exception)
    reason: str | None = None
    documents: int = 0
    clauses: int = 0
    violations: list[str] = field(default_factory=list)


def check_case(case) -> CaseResult:
    """Ingest one FuzzCase in this process and check the properties (runs in the watchdog's worker)."""
    from policykb.ingest.archives import is_archive
    from policykb.ingest.errors import IngestError
    from policykb.ingest.formats import DEFAULT_MAX_BYTES, read_bytes
    from policykb.ingest.pipeline import documents_from_source, ingest_archive, unexpected_failure

    if is_archive(case.name):
        results = ingest_archive(None, case.name, DEFAULT_MAX_BYTES, data=case.data)
        crashes = [r.failure.reason for r in results if r.failure and "could not ingest this file" in r.failure.reason]
        documents = [d for r in results for d in r.documents]
        warnings = [w for r in results for w in r.warnings]
        violations = fffd_violations(case, documents, warnings)
        if crashes:
            return CaseResult("crash", crashes[0], len(documents), sum(len(d.clauses) for d in documents), violations)
        if not documents:
            return CaseResult("refused", "; ".join(r.failure.reason for r in results if r.failure)[:500])
        return CaseResult("accepted", None, len(documents), sum(len(d.clauses) for d in documents), violations)
    try:
        source = read_bytes(case.name, case.data, DEFAULT_MAX_BYTES)
        documents = documents_from_source(source, case.name)
    except IngestError as exc:
        return CaseResult("refused", str(exc)[:500])
    except Exception as exc:  # what the property is about: a reader bug, not a named failure
        return CaseResult("crash", unexpected_failure(case.name, exc))
    violations = fffd_violations(case, documents, source.warnings) + line_violations(source, documents)
    if case.must_keep and not any(case.must_keep in c.text for d in documents for c in d.clauses):
        violations.append(f"accepted, but no clause holds {case.must_keep!r}: text was lost")
    return CaseResult("accepted", None, len(documents), sum(len(d.clauses) for d in documents), violations)


def fffd_violations(case, documents, warnings: list[str]) -> list[str]:
    """U+FFFD in a clause or title that neither the input held nor a warning mentions."""
    if case.literal_fffd or any(_WARNS_OF_FFFD.search(w) for w in warnings + [w for d in documents for w in d.warnings]):
        return []
    found = [f"U+FFFD in {c.label or c.kind} (line {c.line_start}) with no warning: {c.text[:60]!r}"
             for d in documents for c in d.clauses if "\ufffd" in c.text]
    found += [f"U+FFFD in the title with no warning: {d.title[:60]!r}" for d in documents if d.title and "\ufffd" in d.title]
    return found[:3]


def line_violations(source, documents) -> list[str]:
    """Source lines in no clause or in two, and clauses whose text is not their lines joined."""
    from policykb.ingest.numbering.markup import is_markup_only, read_line

    markdown = source.format in ("md", "txt")
    content: dict[int, str] = {}
    for number in range(source.body_start, len(source.lines) + 1):
        raw = source.lines[number - 1]
        if not is_markup_only(raw):
            text = read_line(raw, markdown).text
            if text:
                content[number] = text
    owners: Counter[int] = Counter()
    problems = []
    for document in documents:
        for clause in document.clauses:
            inside = [n for n in range(clause.line_start, clause.line_end + 1) if n in content]
            owners.update(inside)
            if "\n".join(content[n] for n in inside) != clause.text and len(problems) < 2:
                problems.append(f"clause {clause.label or clause.kind} (lines {clause.line_start}-{clause.line_end}) "
                                f"text is not its lines: {clause.text[:50]!r}")
    lost = [n for n in content if owners[n] == 0]
    doubled = [n for n, count in owners.items() if count > 1]
    if lost:
        problems.append(f"{len(lost)} line(s) in no clause, first line {lost[0]}: {content[lost[0]][:50]!r}")
    if doubled:
        problems.append(f"{len(doubled)} line(s) in two clauses or more, first line {doubled[0]}")
    return problems


def budget_for(case):
    from benchmarks.reliability.fuzz_cases import SLOW_SUFFIXES
    from benchmarks.reliability.watchdog import Budget

    mb = len(case.data) / 2**20
    slow = SLOW_EXTRA_SECONDS if Path(case.name).suffix.lower() in (*SLOW_SUFFIXES, ".7z") else 0
    return Budget(BUDGET_SECONDS + BUDGET_SECONDS_PER_MB * mb + slow, BUDGET_MB + BUDGET_MEMORY_FACTOR * mb)


@dataclass
class Row:
    """One case as the report lists it."""

    origin: str
    name: str
    bytes: int
    outcome: str  # accepted | refused | crash | killed:time | killed:memory | worker died ...
    seconds: float
    peak_mb: float
    over_budget: list[str]
    violations: list[str]
    reason: str | None
    saved: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome not in ("accepted", "refused") or bool(self.over_budget or self.violations)


def run_case(dog, case, save_dir: Path | None, index: int) -> Row:
    budget = budget_for(case)
    measured = dog.run(case, budget)
    result = measured.result
    if measured.killed:
        outcome, reason = f"killed:{measured.killed}", None
    elif measured.escaped:
        outcome, reason = "crash", measured.escaped
    else:
        outcome, reason = result.outcome, result.reason
    over = []
    if measured.seconds > budget.seconds:
        over.append(f"{measured.seconds:.1f} s > {budget.seconds:.0f} s")
    if measured.peak_mb > budget.memory_mb:
        over.append(f"{measured.peak_mb:.0f} MB > {budget.memory_mb:.0f} MB")
    row = Row(case.origin, case.name, len(case.data), outcome, round(measured.seconds, 3), measured.peak_mb, over,
              result.violations if result else [], reason)
    if row.failed and save_dir is not None:
        save_dir.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^\w.-]+", "_", case.origin)
        path = save_dir / f"{index:05d}-{slug}{_suffix(case.name)}"
        path.write_bytes(case.data)
        row.saved = str(path)
    return row


def _suffix(name: str) -> str:
    return ".tar.gz" if name.endswith(".tar.gz") else Path(name).suffix


def fuzz(cases: int, seed: int, bombs: bool, slow_formats: bool, save_dir: Path | None,
         progress=print) -> list[Row]:
    """Run the bombs (if asked) and `cases` hypothesis-drawn cases, half generated, half mutated."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from benchmarks.reliability.fuzz_cases import FuzzCase, bomb_cases, kinds
    from benchmarks.reliability.watchdog import Watchdog

    rows: list[Row] = []
    with Watchdog(check_case) as dog:
        dog.run(FuzzCase("warm-up.txt", "第一条 预热。".encode(), "warm-up"), budget_for(FuzzCase("w.txt", b"", "")))
        if bombs:
            for case in bomb_cases():
                rows.append(run_case(dog, case, save_dir, len(rows)))
                progress(f"  {case.origin}: {rows[-1].outcome} in {rows[-1].seconds:.1f} s, {rows[-1].peak_mb:.0f} MB"
                         + (f" OVER {rows[-1].over_budget}" if rows[-1].over_budget else "")
                         + (f" {rows[-1].violations}" if rows[-1].violations else ""))
        if cases <= 0:
            return rows
        started = time.perf_counter()
        for kind, (share, strategy) in kinds(slow_formats).items():
            count = max(1, round(share * cases))
            before = len(rows)

            @hypothesis_seed(seed)
            @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck), print_blob=False)
            @given(strategy)
            def explore(case) -> None:
                rows.append(run_case(dog, case, save_dir, len(rows)))

            explore()
            bad = sum(r.failed for r in rows[before:])
            progress(f"  {kind}: {len(rows) - before} cases, {bad} failing ({time.perf_counter() - started:.0f} s)")
    return rows


def summarize(rows: list[Row]) -> tuple[list[dict], dict]:
    """A row per origin kind (generated:docx, mutated:plan_002.ofd → mutated:.ofd, each bomb) and the totals."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        kind = row.origin if row.origin.startswith("bomb:") else (
            ":".join(row.origin.split(":")[:2]) if row.origin.startswith("generated") else f"mutated:{_suffix(row.name)}")
        groups[kind].append(row)
    table = []
    for kind, members in sorted(groups.items()):
        table.append({
            "kind": kind, "cases": len(members),
            "accepted": sum(r.outcome == "accepted" for r in members),
            "refused": sum(r.outcome == "refused" for r in members),
            "crashes": sum(r.outcome not in ("accepted", "refused") for r in members),
            "over_budget": sum(bool(r.over_budget) for r in members),
            "fffd": sum(any("U+FFFD" in v for v in r.violations) for r in members),
            "lines": sum(any("U+FFFD" not in v for v in r.violations) for r in members),  # lost, doubled or altered
            "max_s": round(max(r.seconds for r in members), 2),
            "max_mb": round(max(r.peak_mb for r in members), 1)})
    totals = {key: sum(t[key] for t in table) for key in ("cases", "accepted", "refused", "crashes", "over_budget",
                                                          "fffd", "lines")}
    totals["failing_cases"] = sum(r.failed for r in rows)
    return table, totals


def refusal_reasons(rows: list[Row], top: int = 25) -> list[tuple[str, int]]:
    """The commonest reasons files were refused (file name cut off, numbers blanked), to show each is named."""
    reasons = Counter(re.sub(r"\d+", "N", (r.reason or "").split(": ", 1)[-1])[:90] for r in rows if r.outcome == "refused")
    return reasons.most_common(top)


def main(argv: list[str] | None = None) -> dict:
    from benchmarks.common import print_table, write_result

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="hypothesis-drawn cases (besides the bombs)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--no-bombs", action="store_true", help="skip the fixed bomb and loop cases")
    parser.add_argument("--no-slow-formats", action="store_true",
                        help="leave out formats read through LibreOffice or Tesseract (.doc, .wps, .odt, .png)")
    parser.add_argument("--save-failures", type=Path, help="write each failing input into this folder")
    parser.add_argument("--out", type=Path, help="JSON results (default .policykb/bench/results/fuzz.json)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    rows = fuzz(args.cases, args.seed, not args.no_bombs, not args.no_slow_formats, args.save_failures)
    table, totals = summarize(rows)
    print_table(table, ["kind", "cases", "accepted", "refused", "crashes", "over_budget", "fffd", "lines", "max_s",
                        "max_mb"], title="fuzz: outcomes and properties by kind of case")
    failing = [r for r in rows if r.failed]
    for row in failing[:40]:
        print(f"FAIL {row.origin} ({row.bytes} bytes): {row.outcome} {row.over_budget or ''} "
              f"{row.violations or ''} {(row.reason or '')[:300]} {row.saved or ''}")
    print(f"{totals['cases']} cases in {time.perf_counter() - started:.0f} s: {totals['crashes']} crashes, "
          f"{totals['over_budget']} over budget, {totals['fffd']} silent U+FFFD, {totals['lines']} lost or doubled "
          f"lines; {totals['failing_cases']} failing cases", flush=True)
    parameters = {"cases": args.cases, "seed": args.seed, "bombs": not args.no_bombs,
                  "slow_formats": not args.no_slow_formats,
                  "budget": {"seconds": BUDGET_SECONDS, "seconds_per_mb": BUDGET_SECONDS_PER_MB,
                             "slow_extra_seconds": SLOW_EXTRA_SECONDS, "memory_mb": BUDGET_MB,
                             "memory_factor": BUDGET_MEMORY_FACTOR}}
    path = write_result("fuzz", parameters, table, args.out, totals=totals, refusals=refusal_reasons(rows),
                        seconds=round(time.perf_counter() - started, 1), failures=[asdict(r) for r in failing])
    return {"path": str(path), "totals": totals, "table": table, "failures": failing}


if __name__ == "__main__":
    sys.exit(main() and 0)
