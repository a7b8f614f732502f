"""Runaway files (issue 17, item 4): seconds and peak memory to read each hostile file.

Builds each file in a temporary folder and ingests it in a child process of its own (so
peak memory is that file's), printing one row per case. Run it on two checkouts to
compare before and after a change:

    .venv/bin/python -m benchmarks.runaway_files [--only clauses,tokens] [--timeout 300]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path


def _docx(paragraphs: int, padding_mb: float = 0) -> bytes:
    import docx

    plain = io.BytesIO()
    document = docx.Document()
    for i in range(paragraphs):
        document.add_paragraph(f"第{i + 1}段：各级党委应当把干部教育培训纳入工作规划。")
    document.save(plain)
    if not padding_mb:
        return plain.getvalue()
    source, out = zipfile.ZipFile(io.BytesIO(plain.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                head, tail = data.split(b"</w:body>")
                paragraph = "<w:p><w:r><w:t>正文</w:t></w:r></w:p>".encode()
                data = head + paragraph * int(padding_mb * 1024 * 1024 / len(paragraph)) + b"</w:body>" + tail
            package.writestr(item, data)
    return out.getvalue()


def _alias_bomb(levels: int) -> str:
    names = "abcdefghij"[:levels]
    lines = ['a: &a ["哈哈","哈哈","哈哈","哈哈","哈哈","哈哈","哈哈","哈哈","哈哈"]']
    lines += [f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]" for p, c in zip(names, names[1:])]
    return "---\n" + "\n".join(lines + [f"title: *{names[-1]}"]) + "\n---\n# 通知\n\n一、总体要求\n"


CASES = {
    "docx-style-loop": "a .docx whose heading style is based on itself",
    "alias-bomb": "a markdown file whose front matter is a 6-level YAML alias bomb",
    "docx-60mb-xml": "a .docx whose document.xml unpacks to 60 MB of short paragraphs",
    "docx-10k-paragraphs": "a real .docx of 10,000 paragraphs",
    "tokens-8000": "8,000 Latin letters in a row",
    "tokens-5mb": "5,000,000 Latin letters in a row",
    "clauses-20k": "20,000 one-line paragraphs (.txt)",
    "long-clause-embedding-texts": "a 1 MB one-line clause: texts sent to the embedder",
}


def build(case: str, folder: Path) -> Path:
    """The hostile file of `case`, written into `folder`."""
    if case == "docx-style-loop":
        import docx
        from docx.enum.style import WD_STYLE_TYPE

        document = docx.Document()
        style = document.styles.add_style("自环", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = style
        document.add_paragraph("一、总体要求", style=style)
        document.save(str(folder / "loop.docx"))
        return folder / "loop.docx"
    if case == "alias-bomb":
        (folder / "bomb.md").write_text(_alias_bomb(6), encoding="utf-8")
        return folder / "bomb.md"
    if case == "docx-60mb-xml":
        (folder / "bomb.docx").write_bytes(_docx(1, padding_mb=60))
        return folder / "bomb.docx"
    if case == "docx-10k-paragraphs":
        (folder / "long.docx").write_bytes(_docx(10_000))
        return folder / "long.docx"
    if case.startswith("tokens-"):
        size = 8000 if case == "tokens-8000" else 5_000_000
        (folder / "run.txt").write_text("一、总体要求\n" + "abcdefghij" * (size // 10) + "\n", encoding="utf-8")
        return folder / "run.txt"
    if case == "clauses-20k":
        lines = [f"第{i}名学员按期完成培训，成绩合格。" for i in range(20_000)]
        (folder / "lines.txt").write_text("\n".join(lines), encoding="utf-8")
        return folder / "lines.txt"
    if case == "long-clause-embedding-texts":
        text = "一、总体要求\n" + "各级党委应当把干部教育培训纳入工作规划，保证经费投入。" * 38_000 + "\n"
        (folder / "clause.txt").write_text(text, encoding="utf-8")
        return folder / "clause.txt"
    raise ValueError(case)


def measure(case: str, path: Path) -> dict:
    """Ingest `path` in this process; what came out, the seconds and the peak memory (MB)."""
    import resource
    import time

    from policykb.ingest.pipeline import ingest_file

    started = time.perf_counter()
    result = ingest_file(path)
    row = {"case": case, "seconds": round(time.perf_counter() - started, 2),
           "failure": result.failure.reason[:160] if result.failure else None,
           "clauses": sum(len(d.clauses) for d in result.documents),
           "title_chars": max((len(d.meta.title.value) for d in result.documents if d.meta.title), default=0)}
    if case == "long-clause-embedding-texts":
        from policykb.index.units import embedding_texts

        started = time.perf_counter()
        texts, _ = embedding_texts(result.documents)
        row.update(texts=len(texts), longest_text_chars=max(map(len, texts)),
                   units_seconds=round(time.perf_counter() - started, 2))
    row["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated cases (default: all): " + ", ".join(CASES))
    parser.add_argument("--timeout", type=float, default=300, help="seconds before a case is stopped")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # the child process: measure one case
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(measure(args.case, Path(args.path)), ensure_ascii=False))
        return 0
    for case in [c for c in args.only.split(",") if c] or list(CASES):
        with tempfile.TemporaryDirectory(prefix="policykb-runaway-") as folder:
            path = build(case, Path(folder))
            command = [sys.executable, "-m", "benchmarks.runaway_files", "--case", case, "--path", str(path)]
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
                line = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
            except subprocess.TimeoutExpired:
                line = json.dumps({"case": case, "seconds": f"> {args.timeout:.0f} (stopped)"})
            print(f"{case:30} {path.stat().st_size / 1024:9.1f} KB  {line}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
