"""Measure which OpenCC config brings Taiwan-style text back to simplified best.

Round trip: every simplified UTF-8 file of ../shared/seeds (except 004) and of
../shared/corpora/laws-and-policies (except the _zh-tw and non-UTF-8 files) is turned
into Taiwan style with s2twp (how the corpus's _zh-tw files were made), then back with
each candidate; we count the characters that differ, line by line (difflib, since
phrase conversions change lengths):
  round trip  candidate(s2twp(original)) vs original;
  both sides  candidate(s2twp(original)) vs candidate(original), which is what matching
              sees, since queries and documents both go through search_form;
  self        candidate(original) vs original: how much it rewrites simplified text. Then seed 004, a real
machine-converted Taiwan-style text, is spot-checked for the words each config gives.

Run from the repository root:  .venv/bin/python docs/measure_opencc.py
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import opencc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from policykb.text.normalize import OPENCC_CONFIG, _converter  # noqa: E402

CANDIDATES = ["t2s", "tw2s", "tw2sp", "hk2s", OPENCC_CONFIG]
SPOT = ["資訊", "網路", "社群", "物件", "最佳化", "聯絡實際", "軟體", "支援", "檔案", "建立", "執行", "菜單"]


def changed_chars(a: str, b: str) -> int:
    if a == b:
        return 0
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    same = sum(block.size for block in sm.get_matching_blocks())
    return max(len(a), len(b)) - same


def simplified_files(shared: Path) -> list[Path]:
    files = [p for p in sorted((shared / "seeds").iterdir()) if not p.name.startswith("004")]
    for p in sorted((shared / "corpora" / "laws-and-policies").iterdir()):
        if "_zh-tw" in p.name:
            continue
        try:
            p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        files.append(p)
    return files


def main() -> None:
    shared = Path(__file__).resolve().parents[1].parent / "shared"
    files = simplified_files(shared)
    to_tw = opencc.OpenCC("s2twp")
    back = {c: _converter(c) for c in CANDIDATES}
    total = 0
    wrong = {c: 0 for c in CANDIDATES}
    wrong_lines = {c: 0 for c in CANDIDATES}
    both = {c: 0 for c in CANDIDATES}
    self_ = {c: 0 for c in CANDIDATES}
    examples: dict[str, dict[tuple[str, str], int]] = {c: {} for c in CANDIDATES}
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            total += len(line)
            tw = to_tw.convert(line)
            for c, conv in back.items():
                out = conv.convert(tw)
                n = changed_chars(line, out)
                wrong[c] += n
                wrong_lines[c] += n > 0
                direct = conv.convert(line)
                both[c] += changed_chars(direct, out)
                self_[c] += changed_chars(line, direct)
                if n:
                    sm = difflib.SequenceMatcher(None, line, out, autojunk=False)
                    for op, i1, i2, j1, j2 in sm.get_opcodes():
                        if op != "equal":
                            key = (line[i1:i2], out[j1:j2])
                            examples[c][key] = examples[c].get(key, 0) + 1
    print(f"{len(files)} files, {total} characters (round trip s2twp -> candidate)\n")
    print("| config | round trip: chars differing (per 10k) | lines differing | both sides | self |")
    print("|---|---|---|---|---|")
    for c in CANDIDATES:
        print(f"| {c} | {wrong[c]} ({wrong[c] / total * 1e4:.1f}) | {wrong_lines[c]} | {both[c]} | {self_[c]} |")
    for c in CANDIDATES:
        top = sorted(examples[c].items(), key=lambda kv: -kv[1])[:10]
        print(f"\n{c} most frequent differences (original -> back):",
              ", ".join(f"{a}->{b} x{n}" for (a, b), n in top))
    print("\nSpot check of Taiwan wording (seed 004 style):\n")
    print("| word | " + " | ".join(CANDIDATES) + " |")
    print("|---|" + "---|" * len(CANDIDATES))
    for w in SPOT:
        print(f"| {w} | " + " | ".join(back[c].convert(w) for c in CANDIDATES) + " |")
    seed004 = next((shared / "seeds").glob("004_*")).read_text(encoding="utf-8")
    print("\nseed 004: characters where the candidate differs from t2s (what the eval gold uses):")
    base = back["t2s"].convert(seed004)
    for c in CANDIDATES[1:]:
        out = back[c].convert(seed004)
        sm = difflib.SequenceMatcher(None, base, out, autojunk=False)
        diffs = [(base[i1:i2], out[j1:j2]) for op, i1, i2, j1, j2 in sm.get_opcodes() if op != "equal"]
        counts: dict[tuple[str, str], int] = {}
        for d in diffs:
            counts[d] = counts.get(d, 0) + 1
        print(f"  {c}: {changed_chars(base, out)} chars;",
              ", ".join(f"{a}->{b} x{n}" for (a, b), n in sorted(counts.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    sys.exit(main())
