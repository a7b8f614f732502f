"""Measure which OpenCC config shows a text in traditional characters without changing its wording.

The 繁 view must show the same words in other characters, never a translation. For every
line of the bundled corpus (corpus/) and of ../shared/corpora/laws-and-policies (every
file, decoded the way ingest decodes it), each candidate config converts the line, and
we count the *wording changes*: the characters changed beyond a one-to-one character
mapping. Precisely, for a line `a` and its conversion `b`:

  allowed(c)  c itself, its traditional forms in OpenCC's character table
              (STCharacters: 发 → 發 髮, 了 → 了 瞭, 复 → 復 複 覆), and the Taiwan and
              Hong Kong variants of those (TWVariants, HKVariants: 爲 → 為, 裏 → 裡);
  matched     the longest sequence of pairs (a[i], b[j]), i and j both increasing,
              with b[j] in allowed(a[i]) (an LCS under that relation);
  changed     max(len(a), len(b)) − matched.

A per-character conversion (whichever candidate it picks) counts 0; a phrase rule that
swaps words (程序→程式, 数据→資料) or changes the length (权限→許可權) counts its
characters. This is the count the t2s side uses (docs/measure_opencc.py:
max length − difflib's matched characters), with "the same character" widened to "a
traditional form of the character". Also reported: `t2s back`, the characters where
t2s(view) differs from t2s(line) (difflib, as on the t2s side), which also counts
character choices that do not come back (a 简 reader switching 繁 → 简).

The tables are read from the opencc wheel's own dictionaries with its `opencc_dict` tool.

Run from the repository root:  .venv/bin/python docs/measure_opencc_display.py
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
import tempfile
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np
import opencc

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from policykb.ingest.encoding import decode_bytes  # noqa: E402

CANDIDATES = ["s2t", "s2hk", "s2tw", "s2twp"]
SPOT = ["程序", "权限", "数据", "对象", "社区", "文件", "信息", "网络", "软件", "项目", "支持",
        "了解", "什么", "里面", "为了", "着力", "干部"]
_convs = {name: opencc.OpenCC(name) for name in CANDIDATES + ["t2s"]}


def _table(name: str) -> dict[str, list[str]]:
    """An OpenCC .ocd2 dictionary of the wheel, as key -> candidates (dumped with opencc_dict)."""
    clib = Path(opencc.__file__).parent / "clib"
    env = {**os.environ, "LD_LIBRARY_PATH": f"{clib / 'lib64'}:{clib / 'lib'}"}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{name}.txt"
        subprocess.run([str(clib / "bin" / "opencc_dict"), "-i", str(clib / "share" / "opencc" / f"{name}.ocd2"),
                        "-o", str(out), "-f", "ocd2", "-t", "text"], check=True, env=env)
        rows = (line.split("\t") for line in out.read_text(encoding="utf-8").splitlines() if "\t" in line)
        return {key: values.split() for key, values in rows}


@lru_cache(maxsize=1)
def _tables() -> tuple[dict, dict]:
    chars = _table("STCharacters")
    variants: dict[str, set[str]] = {}
    for name in ("TWVariants", "HKVariants"):
        for key, values in _table(name).items():
            variants.setdefault(key, set()).update(values)
    return chars, variants


@lru_cache(maxsize=None)
def allowed(ch: str) -> frozenset[str]:
    """ch, its traditional forms (STCharacters) and their Taiwan/Hong Kong variants."""
    chars, variants = _tables()
    forms = {ch, *chars.get(ch, ())}
    for form in list(forms):
        forms |= variants.get(form, set())
    return frozenset(forms)


def _lcs(a: str, b: str) -> int:
    """Longest common subsequence of a and b where b[j] matches a[i] when b[j] is in allowed(a[i])."""
    row = np.zeros(len(b) + 1, dtype=np.int32)
    bs = np.array(list(b), dtype=object) if b else np.array([], dtype=object)
    for ch in a:
        ok = np.fromiter((x in allowed(ch) for x in bs), dtype=bool, count=len(bs))
        step = np.maximum(row[1:], row[:-1] + ok)
        row = np.concatenate(([0], np.maximum.accumulate(step)))
    return int(row[-1])


def wording_changes(a: str, b: str) -> int:
    """Characters the conversion b of line a changes beyond a one-to-one character mapping (module doc)."""
    # a common one-to-one prefix and suffix match whatever lies between them
    i = 0
    while i < min(len(a), len(b)) and b[i] in allowed(a[i]):
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and b[-1 - j] in allowed(a[-1 - j]):
        j += 1
    a_mid, b_mid = a[i:len(a) - j], b[i:len(b) - j]
    if not a_mid or not b_mid:
        return max(len(a_mid), len(b_mid))
    return max(len(a_mid), len(b_mid)) - _lcs(a_mid, b_mid)


def changed_chars(a: str, b: str) -> int:
    """The t2s side's count: max length minus difflib's matched characters."""
    if a == b:
        return 0
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return max(len(a), len(b)) - sum(block.size for block in sm.get_matching_blocks())


def _differences(a: str, b: str) -> list[tuple[str, str]]:
    """The stretches where b is not a one-to-one conversion of a (for the examples listed)."""
    fold = lambda text: [_convs["t2s"].convert(ch) for ch in text]  # noqa: E731
    sm = difflib.SequenceMatcher(None, fold(a), fold(b), autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal" or (i2 - i1 == j2 - j1 and all(y in allowed(x) for x, y in zip(a[i1:i2], b[j1:j2]))):
            continue
        if max(i2 - i1, j2 - j1) < 2:  # 网络→網路 aligns 网=網: show the word, not 络→路
            i1, j1 = max(i1 - 1, 0), max(j1 - 1, 0)
        out.append((a[i1:i2], b[j1:j2]))
    return out


def corpus_files() -> dict[str, list[Path]]:
    laws = REPO.parent / "shared" / "corpora" / "laws-and-policies"
    return {"corpus/": sorted(p for p in (REPO / "corpus").iterdir() if p.suffix in (".txt", ".md")
                              and p.name != "CATALOGUE.md"),
            "laws-and-policies": sorted(laws.iterdir()) if laws.is_dir() else []}


def lines_of(path: Path) -> list[str]:
    text, _ = decode_bytes(path.read_bytes(), str(path))
    return text.splitlines()


def measure(files: list[Path]) -> tuple[int, dict[str, dict]]:
    total = 0
    stats = {c: {"changed": 0, "lines": 0, "back": 0, "examples": Counter()} for c in CANDIDATES}
    for path in files:
        for line in lines_of(path):
            total += len(line)
            simple = _convs["t2s"].convert(line)
            for c in CANDIDATES:
                out = _convs[c].convert(line)
                n = wording_changes(line, out)
                s = stats[c]
                s["changed"] += n
                s["lines"] += n > 0
                s["back"] += changed_chars(simple, _convs["t2s"].convert(out))
                if n:
                    s["examples"].update(_differences(line, out))
    return total, stats


def main() -> None:
    for name, files in corpus_files().items():
        if not files:
            print(f"{name}: absent, skipped\n")
            continue
        total, stats = measure(files)
        print(f"{name}: {len(files)} files, {total} characters\n")
        print("| config | wording changes: chars (per 10k) | lines | t2s back: chars differing |")
        print("|---|---|---|---|")
        for c in CANDIDATES:
            s = stats[c]
            print(f"| {c} | {s['changed']} ({s['changed'] / total * 1e4:.1f}) | {s['lines']} | {s['back']} |")
        for c in CANDIDATES:
            top = stats[c]["examples"].most_common(12)
            if top:
                print(f"\n{c} most frequent:", ", ".join(f"{a}→{b} ×{n}" for (a, b), n in top))
        print()
    print("| word | " + " | ".join(CANDIDATES) + " |")
    print("|---|" + "---|" * len(CANDIDATES))
    for w in SPOT:
        print(f"| {w} | " + " | ".join(_convs[c].convert(w) for c in CANDIDATES) + " |")


if __name__ == "__main__":
    sys.exit(main())
