"""Crash: builds SIGKILLed at random moments, the switch included, never break the index.

N trials, each on a fresh copy of one of two starting points:
  * update: an index of two bundled seeds, updated with a law excerpt and one seed changed;
  * first build: an empty index folder (its embedding cache pre-filled, so the build is
    short like the updates) built to the two-seed index.
Each trial starts a real `policykb ingest` and SIGKILLs it at a moment drawn uniformly
over a whole build's wall time, or (shares of the trials) up to 0.5 s after it prints
"writing generation …" (the store, BM25, FAISS files and manifest being written), or up
to 5 ms after "switching CURRENT to generation …" (the new generation complete, CURRENT
about to be replaced, then old generations cleaned up). Then the index must load with
every checksum verified and the fixed query set (the 60 seed queries, hybrid, k=10) must
answer exactly as the index before the build or after it (every result compared as
JSON: ids, text, scores, citations, highlights); for a first build, "no index" (with
its "run ingest" message) is the before. Finally the same ingest is run again: it must
finish, answer exactly as the reference after-build, and leave no file of the killed
build behind (unfinished generation folders, CURRENT temp files).

    .venv/bin/python -m benchmarks.reliability.crash --n 50
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.common import print_table, write_result
from benchmarks.reliability.harness import IndexReader, Watched, copy_files, differing, fixed_queries, \
    ingest_command, phase_of, run_ingest, small_corpus_files, with_warm_cache

SWITCH_LINE = "switching CURRENT to generation"  # index/build.py, just before gen.switch_current
WRITE_LINE = "writing generation"  # index/build.py, before the store, BM25, FAISS and manifest are written
CHANGED_LINE = "\n\n附则补充：本规划自印发之日起施行，由中央组织部负责解释。\n"


@dataclass
class Trial:
    n: int
    kind: str  # update | first
    aim: str  # random | switch
    planned_s: float | None
    killed_at_s: float | None  # None: the build ended before the kill
    phase: str  # the build's last progress line before the kill (switch: switch, cleanup or exit)
    mid_switch: bool  # a CURRENT temp file was left: the kill landed inside the switch itself
    outcome: str  # before | after | none | broken
    load_error: str | None
    differing_queries: int
    recovered: bool
    leftovers: list[str]
    ok: bool


class Scenario:
    """The corpora, the reference indexes and their answers, built once."""

    def __init__(self, root: Path, model: str | None, queries: list[tuple[str, str]]) -> None:
        seeds, law = small_corpus_files()[:2], small_corpus_files()[4]
        self.before_src = copy_files(seeds, root / "before-src")
        self.after_src = copy_files(seeds + [law], root / "after-src")
        changed = self.after_src / seeds[0].name
        changed.write_text(changed.read_text(encoding="utf-8") + CHANGED_LINE, encoding="utf-8")
        self.model, self.queries, self.reader = model, queries, IndexReader(model)
        self.before_index = root / "before-index"
        run_ingest([self.before_src], self.before_index, model)
        # what a first build takes when its embeddings are cached, as in the trials (with_warm_cache)
        self.first_seconds = run_ingest([self.before_src], with_warm_cache(root / "first-index", self.before_index),
                                        model)
        after_index = root / "after-index"
        shutil.copytree(self.before_index, after_index)
        self.update_seconds = run_ingest([self.after_src], after_index, model)
        _, self.before = self.reader.answers(self.before_index, queries)
        _, self.after = self.reader.answers(after_index, queries)
        if not differing(self.before, self.after):
            raise RuntimeError("the update does not change any answer, so before and after cannot be told apart")

    def start(self, kind: str, index: Path) -> tuple[list[str], dict[str, str] | None, dict[str, str], float]:
        """(ingest command, answers before, answers after, a whole build's seconds) for a trial of `kind`."""
        if kind == "first":
            with_warm_cache(index, self.before_index)
            return ingest_command([self.before_src], index, self.model), None, self.before, self.first_seconds
        shutil.copytree(self.before_index, index)
        return ingest_command([self.after_src], index, self.model), self.before, self.after, self.update_seconds


def leftovers(index: Path, serving: str) -> list[str]:
    """Files of killed builds still in the index after a complete build: unfinished generation
    folders and CURRENT temp files."""
    out = [p.name for p in index.iterdir() if p.name.startswith("CURRENT.")]
    generations = index / "generations"
    out += [f"generations/{p.name}" for p in generations.iterdir()
            if p.name != serving and not (p / "manifest.json").is_file()]
    return sorted(out)


def plan(n: int, switch_share: float, write_share: float, first_share: float, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, aim) of each trial: the shares rounded to whole trials, shuffled (so a small N still
    has kills of every aim)."""
    switch, write = round(n * switch_share), round(n * write_share)
    aims = ["switch"] * switch + ["write"] * write + ["random"] * max(0, n - switch - write)
    first = round(n * first_share)
    kinds = ["first"] * first + ["update"] * (n - first)
    rng.shuffle(aims)
    rng.shuffle(kinds)
    return list(zip(kinds, aims[:n]))


def run_trial(n: int, scenario: Scenario, root: Path, rng: random.Random, kind: str, aim: str) -> Trial:
    from policykb.index.generation import IndexLoadError, IndexNotFound

    index = root / f"trial-{n:03d}"
    cmd, before, after, seconds = scenario.start(kind, index)
    planned = rng.uniform(0, seconds) if aim == "random" else None
    kill_on = {"switch": (SWITCH_LINE, rng.uniform(0, 0.005)), "write": (WRITE_LINE, rng.uniform(0, 0.5))}.get(aim)
    build = Watched.start(cmd, kill_on=kill_on)
    if planned is not None:
        time.sleep(max(0.0, planned - (time.monotonic() - build.started)))
        build.kill()
    build.wait()
    phase = "ended" if build.killed_at is None else phase_of(build.last_line_before(build.killed_at))
    mid_switch = any(p.name.startswith("CURRENT.") for p in index.iterdir())  # killed inside switch_current

    load_error, outcome, diff = None, "broken", 0
    try:
        _, answers = scenario.reader.answers(index, scenario.queries)
        outcome = "after" if answers == after else "before" if answers == before else "broken"
        diff = len(differing(answers, after if before is None else before))
    except IndexNotFound as exc:
        outcome = "none" if before is None else "broken"
        load_error = str(exc)
    except IndexLoadError as exc:
        load_error = str(exc)

    recovered, left = False, []
    try:
        build_again = Watched.start(cmd)
        if build_again.wait() == 0:
            serving, answers = scenario.reader.answers(index, scenario.queries)
            recovered = answers == after
            left = leftovers(index, serving)
    except Exception as exc:  # noqa: BLE001 - recorded as a failed recovery, with its reason
        load_error = (load_error or "") + f" recovery: {exc}"
    ok = outcome != "broken" and recovered and not left
    shutil.rmtree(index, ignore_errors=True)
    return Trial(n, kind, aim, None if planned is None else round(planned, 3),
                 None if build.killed_at is None else round(build.killed_at, 3), phase, mid_switch, outcome, load_error,
                 diff if outcome == "broken" else 0, recovered, left, ok)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50, help="killed builds (default 50; CI runs 5)")
    parser.add_argument("--switch-share", type=float, default=0.3,
                        help="share of the kills aimed at the switch (default 0.3)")
    parser.add_argument("--write-share", type=float, default=0.2,
                        help="share of the kills aimed at the writing of the generation's files: up to 0.5 s after "
                             "'writing generation' (default 0.2); the rest fall uniformly over a whole build")
    parser.add_argument("--first-share", type=float, default=0.2,
                        help="share of the trials that are a first build into an empty folder (default 0.2)")
    parser.add_argument("--model", default=None, help="embedder (default: policykb's default)")
    parser.add_argument("--queries", type=int, default=None, help="first N seed queries (default: all 60)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temporary one, removed)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="policykb-crash-", dir=args.workdir) as tmp:
        root = Path(tmp)
        scenario = Scenario(root, args.model, fixed_queries(args.queries))
        print(f"reference builds: first {scenario.first_seconds:.1f} s, update {scenario.update_seconds:.1f} s; "
              f"{len(differing(scenario.before, scenario.after))}/{len(scenario.queries)} queries answer "
              f"differently after the update", flush=True)
        trials = []
        for n, (kind, aim) in enumerate(plan(args.n, args.switch_share, args.write_share, args.first_share, rng)):
            trial = run_trial(n, scenario, root, rng, kind, aim)
            trials.append(trial)
            print(f"trial {n + 1}/{args.n}: {trial.kind} build, kill {trial.aim} at "
                  f"{trial.killed_at_s if trial.killed_at_s is not None else 'none (ended first)'} s, "
                  f"phase {trial.phase}: index {trial.outcome}, recovered {trial.recovered}"
                  f"{', LEFT ' + ' '.join(trial.leftovers) if trial.leftovers else ''}"
                  f"{'' if trial.ok else '  FAILED ' + (trial.load_error or '')}", flush=True)
    rows = [asdict(t) for t in trials]
    summary = {
        "trials": len(trials), "killed": sum(t.killed_at_s is not None for t in trials),
        "killed_in_switch": sum(t.phase == "switch" for t in trials),
        "killed_inside_switch_current": sum(t.mid_switch for t in trials),
        "failed": sum(not t.ok for t in trials),
        "outcomes": dict(Counter(t.outcome for t in trials)), "phases": dict(Counter(t.phase for t in trials)),
        "recovered": sum(t.recovered for t in trials), "with_leftovers": sum(bool(t.leftovers) for t in trials),
        "queries": len(scenario.queries), "first_build_s": round(scenario.first_seconds, 1),
        "update_build_s": round(scenario.update_seconds, 1), "seconds": round(time.perf_counter() - started, 1)}
    table = [{"phase": phase, "trials": sum(t.phase == phase for t in trials),
              **{o: sum(t.phase == phase and t.outcome == o for t in trials) for o in ("before", "after", "none", "broken")},
              "failed": sum(t.phase == phase and not t.ok for t in trials)}
             for phase in sorted({t.phase for t in trials})]
    print_table(table, ["phase", "trials", "before", "after", "none", "broken", "failed"],
                f"{summary['trials']} builds SIGKILLed ({summary['killed']} killed, {summary['killed_in_switch']} in "
                f"the switch): {summary['failed']} failed")
    write_result("reliability_crash", vars(args), rows, args.out, summary=summary, by_phase=table)
    return summary


if __name__ == "__main__":
    main()
