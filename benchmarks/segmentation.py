"""Segmentation: policykb's segmenter (rjieba) against the same rules on Python jieba.

Both engines get the policy dictionary, HMM on, and policykb's token rules
(`ingest.tokens.Segmenter`: stopwords, sub-word widening, jieba's split of Latin/digit
runs). Lines are the clause texts (search form, one per line) of the real corpora
(bundled + laws-and-policies) as policykb's ingest reads them, repeated to `--lines`.
Reports the best of `--repeat` timings of `cut` and of `tokenize` (what the index
stores), and the share of distinct lines whose tokens are identical, with examples of
the lines that differ. No embedding is needed.

    .venv/bin/python -m benchmarks.segmentation
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks.common import SOURCE_CORPORA, print_table, write_result


class JiebaEngine:
    """Python jieba (a private Tokenizer with the policy dictionary) behind `ingest.tokens.Engine`."""

    def __init__(self) -> None:
        import logging

        import jieba

        from policykb.text.tokens import policy_dictionary

        jieba.setLogLevel(logging.WARNING)
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()
        for word, freq, tag in policy_dictionary():
            self.tokenizer.add_word(word, freq, tag)

    def cut(self, text: str, hmm: bool = True) -> list[str]:
        return list(self.tokenizer.cut(text, HMM=hmm))

    def has_word(self, word: str) -> bool:
        return bool(self.tokenizer.FREQ.get(word))


def jieba_segmenter():
    """policykb's token rules on Python jieba: the reference the rjieba segmenter is held to."""
    from policykb.text.tokens import Segmenter, stopwords

    return Segmenter(engine=JiebaEngine(), stopwords=stopwords())


def corpus_lines(paths: list[Path] | None = None) -> list[str]:
    """Distinct non-empty lines of every clause's search form in the real corpora."""
    from policykb.ingest.pipeline import ingest_paths

    run = ingest_paths([p for p in (paths or SOURCE_CORPORA) if p.is_dir()])
    lines = (line.strip() for d in run.documents for c in d.clauses for line in c.search_text.split("\n"))
    return list(dict.fromkeys(line for line in lines if line))


def best_of(fn, lines: list[str], repeat: int) -> tuple[float, list[list[str]]]:
    best, out = float("inf"), []
    for _ in range(repeat):
        started = time.perf_counter()
        out = [fn(line) for line in lines]
        best = min(best, time.perf_counter() - started)
    return best, out


def compare(lines: list[str], repeat: int = 3, examples: int = 5) -> tuple[list[dict], list[dict]]:
    """Timing/agreement rows per function (cut, tokenize) and examples of differing lines."""
    from policykb.text.tokens import Segmenter

    ours, ref = Segmenter.load(), jieba_segmenter()
    rows, diffs = [], []
    for name in ("cut", "tokenize"):
        tr, a = best_of(getattr(ours, name), lines, repeat)
        tj, b = best_of(getattr(ref, name), lines, repeat)
        same = sum(x == y for x, y in zip(a, b))
        rows.append({"function": name, "lines": len(lines), "chars": sum(map(len, lines)), "jieba_s": round(tj, 3),
                     "rjieba_s": round(tr, 3), "speedup": round(tj / tr, 1) if tr else None,
                     "identical_share": round(same / len(lines), 4) if lines else None})
        if name == "tokenize":
            for line, x, y in zip(lines, a, b):
                if x != y and len(diffs) < examples:
                    diffs.append({"line": line[:80], "rjieba_only": [t for t in x if t not in y],
                                  "jieba_only": [t for t in y if t not in x]})
    return rows, diffs


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=0,
                        help="lines to cut (default: every distinct corpus line once; more repeats them)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    distinct = corpus_lines()
    lines = distinct if not args.lines else (distinct * (args.lines // max(len(distinct), 1) + 1))[:args.lines]
    rows, diffs = compare(lines, args.repeat)
    print_table(rows, ["function", "lines", "chars", "jieba_s", "rjieba_s", "speedup", "identical_share"],
                "policykb tokens: rjieba vs Python jieba, same rules (best of repeats)")
    for d in diffs:
        print(f"differs: {d['line']!r}: rjieba only {d['rjieba_only']}, jieba only {d['jieba_only']}")
    write_result("segmentation", vars(args) | {"distinct_lines": len(distinct)}, rows, args.out, differences=diffs)
    return {"rows": rows, "differences": diffs}


if __name__ == "__main__":
    main()
