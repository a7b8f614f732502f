"""Measure the converters docs/formats.md compares, on files made from the bundled corpus.

    .venv/bin/python docs/measure_converters.py [--ocr]

Word 97 (.doc): LibreOffice (→ .docx, read by policykb's .docx reader) against antiword
and catdoc (Debian packages, if installed). RTF: striprtf against LibreOffice. Files:
corpus/002 as plain paragraphs, and its numbered headings written with Word's automatic
list numbering (the numbers live in the list definition, not in the text). For each:
paragraphs equal to the source, character similarity, and seconds per file (median of 3).
With --ocr: Tesseract's character accuracy on 300-dpi scans of corpus/002 (simplified)
and corpus/004 (traditional) for each language setting.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fixture_builders import (corpus_paragraphs, write_docx, write_image_pdf, write_numbered_docx,  # noqa: E402
                              write_paged_pdf)
from fixtures.formats.make_fixtures import LIST_002  # noqa: E402

SEED_002 = REPO / "corpus" / "002_e058e02591a1b2b6.txt"
SEED_004 = REPO / "corpus" / "004_85b088c42286e0b9.txt"
LIST_TEXT = ["2009—2013年全国党员教育培训工作规划", "一、指导思想和基本要求", "（一）指导思想", "（二）基本要求",
             "1.坚持把增强党性作为第一任务，将理想信念教育与能力建设贯穿始终。",
             "2.坚持以人为本，增强教育培训的针对性和实效性。", "二、工作目标和主要任务", "（一）工作目标",
             "（二）主要任务", "三、重点工程"]


def timed(fn, runs: int = 3):
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return out, statistics.median(times)


def compare(expected: list[str], lines: list[str]) -> tuple[int, float]:
    got = [line.strip() for line in lines if line.strip()]
    equal = sum(a == b for a, b in zip(expected, got)) if len(got) == len(expected) else \
        sum(1 for a in expected if a in got)
    ratio = difflib.SequenceMatcher(None, "".join(expected), "".join(got), autojunk=False).ratio()
    return equal, ratio


def soffice_convert(source: Path, target: str, out: Path, profile: str) -> Path:
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", target,
                    "--outdir", str(out), str(source)], check=True, capture_output=True)
    return out / f"{source.stem}.{target.split(':')[0]}"


def run_tool(command: list[str]) -> list[str]:
    done = subprocess.run(command, capture_output=True)
    return done.stdout.decode("utf-8", "replace").split("\n") if done.returncode == 0 else \
        [f"(failed: {done.stderr.decode('utf-8', 'replace').strip()[:60]})"]


def converters(work: Path) -> None:
    from policykb.ingest.formats import read_source

    profile = str(work / "profile")
    plain = corpus_paragraphs(SEED_002)
    files = {"plain": (write_docx(plain, work / "plain.docx"), plain),
             "numbered": (write_numbered_docx(LIST_002, work / "numbered.docx"), LIST_TEXT)}
    print("| file | converter | paragraphs equal | similarity | s/file |")
    print("| --- | --- | --- | --- | --- |")
    for name, (docx, expected) in files.items():
        doc = soffice_convert(docx, "doc", work, profile)
        rtf = soffice_convert(docx, "rtf", work, profile)
        rows = []
        if shutil.which("antiword"):
            rows.append((".doc", "antiword -w 0", lambda: run_tool(["antiword", "-m", "UTF-8.txt", "-w", "0", str(doc)])))
        if shutil.which("catdoc"):
            rows.append((".doc", "catdoc -w", lambda: run_tool(["catdoc", "-d", "utf-8", "-w", str(doc)])))
        rows.append((".doc", "LibreOffice → .docx reader", lambda: read_source(doc).lines))
        rows.append((".rtf", "striprtf (policykb's .rtf reader)", lambda: read_source(rtf).lines))

        def rtf_via_libreoffice():
            out = work / "rtf-lo"
            return read_source(soffice_convert(rtf, 'docx:MS Word 2007 XML', out, profile)).lines

        rows.append((".rtf", "LibreOffice → .docx reader", rtf_via_libreoffice))
        for kind, label, fn in rows:
            lines, seconds = timed(fn)
            equal, ratio = compare(expected, lines)
            print(f"| {name}{kind} ({len(expected)} ¶) | {label} | {equal}/{len(expected)} | {ratio:.4f} | {seconds:.3f} |")


def ocr(work: Path) -> None:
    from policykb.ingest.formats import read_source

    print("\n| scan | languages | accuracy per page | all | s/page |")
    print("| --- | --- | --- | --- | --- |")
    for seed, count in ((SEED_002, 30), (SEED_004, 40)):
        printed = write_paged_pdf(corpus_paragraphs(seed, count), work / f"{seed.stem}.pdf")
        scan = write_image_pdf(printed, work / f"{seed.stem}_scan.pdf")
        truth = read_source(printed)
        for langs in ("auto", "chi_sim", "chi_tra", "chi_sim+chi_tra"):
            os.environ["POLICYKB_OCR_LANGS"] = langs
            start = time.perf_counter()
            read = read_source(scan)
            seconds = (time.perf_counter() - start) / read.page_count
            per_page, errors, total = [], 0, 0
            for page in range(1, truth.page_count + 1):
                a = "".join(l for l, (p, _) in zip(truth.lines, truth.line_pages) if p == page)
                b = "".join(l for l, (p, _) in zip(read.lines, read.line_pages) if p == page)
                if len(a) < 100:
                    continue
                ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
                e = sum(max(i2 - i1, j2 - j1) for t, i1, i2, j1, j2 in ops if t != "equal")
                per_page.append(f"{1 - e / len(a):.2%}")
                errors, total = errors + e, total + len(a)
            print(f"| {seed.name[:3]} | {langs} | {', '.join(per_page)} | {1 - errors / total:.2%} | {seconds:.1f} |")
    os.environ.pop("POLICYKB_OCR_LANGS", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ocr", action="store_true", help="also measure OCR accuracy per language setting")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        converters(Path(work))
        if args.ocr:
            ocr(Path(work))


if __name__ == "__main__":
    main()
