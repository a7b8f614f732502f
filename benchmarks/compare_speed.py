"""How long 新旧对照 (service/compare.py) takes on real pairs of documents, and a large synthetic one.

Compares each pair of ../shared/corpora/versions-and-regions (versions of a law, a national law and
a local 实施办法; skipped where that folder is absent) and, with --articles N, a law of N articles
against a copy with every fifth article reworded; prints clauses on either side and seconds.

    .venv/bin/python -m benchmarks.compare_speed [--articles 1000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from policykb.ingest.pipeline import ingest_file
from policykb.service.compare import compare_documents, comparable_clauses

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "versions-and-regions"
PAIRS = [("职业教育法(1996-05-15).md", "职业教育法(2022-04-20).md"),
         ("妇女权益保障法(2018-10-26).md", "妇女权益保障法(2022-10-30).md"),
         ("未成年人保护法(2020-10-17).md", "未成年人保护法(2024-04-26).md"),
         ("海洋环境保护法(2017-11-04).md", "海洋环境保护法(2023-10-24).md"),
         ("档案法(2020-06-20).md", "浙江省实施《档案法》办法(2017-11-30).md"),
         ("职业教育法(1996-05-15).md", "河南省实施《职业教育法》办法(2010-07-30).md")]
DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 15 → 十五, 230 → 二百三十 (what 第X条 labels use, up to 9999)."""
    out, units = "", [(1000, "千"), (100, "百"), (10, "十")]
    for value, name in units:
        q, n = divmod(n, value)
        if q:
            out += ("" if value == 10 and q == 1 and not out else DIGITS[q]) + name
        elif out and n:
            out += "零" if not out.endswith("零") else ""
    return out + (DIGITS[n] if n else "")


def synthetic_law(path: Path, articles: int, reworded: bool) -> Path:
    """A law of `articles` articles made of the 职业教育法 2022's sentences, each article two of them."""
    source = (SHARED / PAIRS[0][1]) if SHARED.is_dir() else None
    sentences = [s for s in (source.read_text(encoding="utf-8") if source else "").replace("\n", "").split("。") if
                 len(s) > 8] or [f"有关部门应当依法履行第{i}项职责" for i in range(200)]
    lines = ["# 合成法", ""]
    for k in range(1, articles + 1):
        text = sentences[k % len(sentences)] + "。" + sentences[(k * 7) % len(sentences)] + "。"
        if reworded and k % 5 == 0:
            text = text.replace("应当", "必须").replace("国家", "各级人民政府")
        lines += [f"第{chinese_number(k)}条 {text}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def timed(a_path: Path, b_path: Path) -> tuple[int, int, float]:
    a, b = ingest_file(a_path).documents[0], ingest_file(b_path).documents[0]
    start = time.perf_counter()
    compare_documents(a, b)
    return len(comparable_clauses(a)), len(comparable_clauses(b)), time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=0, help="also a synthetic law of this many articles")
    args = parser.parse_args(argv)
    rows = [(f"{a} → {b}", *timed(SHARED / a, SHARED / b)) for a, b in PAIRS] if SHARED.is_dir() else []
    if args.articles:
        with tempfile.TemporaryDirectory() as tmp:
            old = synthetic_law(Path(tmp) / "old.md", args.articles, reworded=False)
            new = synthetic_law(Path(tmp) / "new.md", args.articles, reworded=True)
            rows.append((f"synthetic {args.articles} articles, every fifth reworded", *timed(old, new)))
    for name, n_a, n_b, seconds in rows:
        print(f"{seconds:7.2f} s  {n_a:5d} × {n_b:5d} clauses  {name}")


if __name__ == "__main__":
    main()
