"""jieba (Python) vs rjieba (jieba-rs binding): speed and agreement on real lines.

Every non-empty line of ../shared/seeds and ../shared/corpora/laws-and-policies, in
search form, is cut by both with the same policy dictionary (rjieba via add_word),
HMM on. Reports the best of 3 timings and the share of lines cut identically.

Run from the repository root:  /work/venv/bin/python docs/measure_segmenters.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ingest.normalize import search_form  # noqa: E402
from ingest.tokens import segmenter  # noqa: E402


def corpus_lines(shared: Path) -> list[str]:
    lines = []
    for path in sorted((shared / "seeds").iterdir()) + sorted((shared / "corpora" / "laws-and-policies").iterdir()):
        raw = path.read_bytes()
        for enc in ("utf-8", "gb18030", "big5"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        lines += [search_form(line) for line in text.splitlines() if line.strip()]
    return lines


def best_of(fn, lines, repeat=3) -> tuple[float, list[list[str]]]:
    best, out = float("inf"), []
    for _ in range(repeat):
        t = time.perf_counter()
        out = [fn(line) for line in lines]
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    import rjieba

    lines = corpus_lines(Path(__file__).resolve().parents[1].parent / "shared")
    chars = sum(map(len, lines))
    jb = segmenter().tokenizer
    rj = rjieba.Jieba()
    dict_path = Path(__file__).resolve().parents[1] / "ingest" / "data" / "policy_dict.txt"
    for line in dict_path.read_text(encoding="utf-8").splitlines():
        word, freq, tag = line.split()
        rj.add_word(word, int(freq), tag)
    print(f"{len(lines)} lines, {chars} characters\n")
    print("| mode | jieba s | rjieba s | speed-up | lines identical |")
    print("|---|---|---|---|---|")
    for mode in ("cut", "cut_for_search"):
        tj, a = best_of(lambda s: list(getattr(jb, mode)(s, HMM=True)), lines)
        tr, b = best_of(lambda s: getattr(rj, mode)(s, True), lines)
        same = sum(x == y for x, y in zip(a, b))
        print(f"| {mode} | {tj:.3f} | {tr:.3f} | {tj / tr:.1f}x | {same}/{len(lines)} ({same / len(lines):.1%}) |")
        if mode == "cut":
            diffs = [(x, y) for x, y in zip(a, b) if x != y]
    print("\nsome lines cut differently (tokens only one side has):")
    for x, y in diffs[:5]:
        print("  jieba:", " ".join(sorted(set(x) - set(y)))[:60], "| rjieba:", " ".join(sorted(set(y) - set(x)))[:60])


if __name__ == "__main__":
    main()
