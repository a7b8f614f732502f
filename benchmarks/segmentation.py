"""Segmentation: jieba (policykb's default) vs rjieba (jieba-rs): speed and agreement.

Both get the policy dictionary (rjieba via add_word) and HMM on; lines are real
sentences of the corpora in search form (the sentence pool, no embedding needed),
repeated to `--lines`. Reports the best of `--repeat` timings per mode and the share
of lines cut identically. policykb keeps jieba (docs/normalization.md): switching needs
the seed-eval lexical figures to hold, which this script does not judge.

    /work/venv/bin/python -m benchmarks.segmentation
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks.common import print_table, real_sentences, write_result


def best_of(fn, lines: list[str], repeat: int) -> tuple[float, list[list[str]]]:
    best, out = float("inf"), []
    for _ in range(repeat):
        started = time.perf_counter()
        out = [fn(line) for line in lines]
        best = min(best, time.perf_counter() - started)
    return best, out


def rjieba_with_policy_dict():
    import rjieba

    from ingest.tokens import _DICT_FILE, _data_text

    rj = rjieba.Jieba()
    for line in _data_text(_DICT_FILE).splitlines():
        parts = line.split()
        if len(parts) >= 2:
            rj.add_word(parts[0], int(parts[1]), parts[2] if len(parts) > 2 else None)
    return rj


def main(argv: list[str] | None = None) -> dict:
    from ingest.normalize import search_form
    from ingest.tokens import segmenter

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=5000, help="lines to cut (real sentences, repeated if needed)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    sentences = [search_form(s) for s in real_sentences()]
    lines = (sentences * (args.lines // max(len(sentences), 1) + 1))[:args.lines]
    jb = segmenter().tokenizer
    rj = rjieba_with_policy_dict()
    rows = []
    for mode in ("cut", "cut_for_search"):
        tj, a = best_of(lambda s: list(getattr(jb, mode)(s, HMM=True)), lines, args.repeat)
        tr, b = best_of(lambda s: list(getattr(rj, mode)(s, True)), lines, args.repeat)
        same = sum(x == y for x, y in zip(a, b))
        rows.append({"mode": mode, "lines": len(lines), "chars": sum(map(len, lines)), "jieba_s": round(tj, 3),
                     "rjieba_s": round(tr, 3), "speedup": round(tj / tr, 1) if tr else None,
                     "identical_share": round(same / len(lines), 4)})
    print_table(rows, ["mode", "lines", "chars", "jieba_s", "rjieba_s", "speedup", "identical_share"],
                "jieba vs rjieba (best of repeats)")
    write_result("segmentation", vars(args), rows, args.out)
    return {"rows": rows}


if __name__ == "__main__":
    main()
