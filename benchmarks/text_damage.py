"""Damaged text: how many hand-built mixed-encoding files are ingested silently, and how many
clean files get a damage warning (false alarms). See docs/formats.md, "damaged text".

Three sets, read as ingest reads a .txt (ingest.formats.read_bytes), each file counted as
silent (no warning), warned, or refused:

- **mixed**: 15 files mixing UTF-8 with GBK or Big5 lines (one line, several, half and half,
  in the middle of a line, CRLF), mojibake saved into a file, U+FFFD;
- **pasted**: 15 GBK files with 1-3 UTF-8 lines of the corpus whose bytes also decode as
  GB18030 without an error (the silent kind: 「锛堜竴锛夋満鏋…」 for 「（一）机构…」);
- **clean**: every .txt/.md/.html of the corpora as it is, and re-encoded as GB18030 and Big5
  where it can be; any damage warning here is a false alarm.

    .venv/bin/python -m benchmarks.text_damage
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from benchmarks.common import SHARED, print_table

REPO = Path(__file__).resolve().parents[1]
SIMPLIFIED = ["（一）丢失或者损坏他人财物的，应当依法赔偿损失。",
              "第二条 各级人民政府应当加强对本行政区域内安全生产工作的领导。",
              "第三条 本办法自发布之日起施行，由市人民政府办公厅负责解释。",
              "各地要把基层干部教育培训纳入干部教育培训总体规划，统筹安排，整体推进。",
              "培训经费列入本级财政预算，确保工作正常开展。",
              "第四条 违反本办法规定的，由有关部门责令改正，并处以罚款。"]
TRADITIONAL = ["（一）遺失或者損壞他人財物的，應當依法賠償損失。",
               "第二條 各級人民政府應當加強對本行政區域內安全生產工作的領導。",
               "第三條 本辦法自發布之日起施行，由市人民政府辦公廳負責解釋。",
               "各地要把基層幹部教育培訓納入幹部教育培訓總體規劃，統籌安排，整體推進。"]
DAMAGE = ("mixes encodings", "looks like mojibake", "look like mojibake", "U+FFFD")


def _lines(codec_of, source=SIMPLIFIED, count=12) -> bytes:
    return b"".join(source[i % len(source)].encode(codec_of(i)) + b"\n" for i in range(count))


def _split_line(first: str, second: str) -> bytes:
    """12 lines in `first`, line 5 half in `first`, half in `second`."""
    return b"".join((p[:8].encode(first) + p[8:].encode(second) if i == 4 else p.encode(first)) + b"\n"
                    for i, p in enumerate(SIMPLIFIED[i % 6] for i in range(12)))


def mixed_files() -> Iterator[tuple[str, bytes]]:
    misread = [p.encode("utf-8").decode("gbk", errors="replace") for p in SIMPLIFIED]
    yield "utf8 + 1 gbk line", _lines(lambda i: "gbk" if i == 5 else "utf-8")
    yield "utf8 + 3 gbk lines", _lines(lambda i: "gbk" if i in (2, 3, 4) else "utf-8")
    yield "gbk + 1 utf8 line", _lines(lambda i: "utf-8" if i == 0 else "gbk")
    yield "gbk + 2 utf8 lines", _lines(lambda i: "utf-8" if i in (3, 9) else "gbk")
    yield "gbk + 5 utf8 lines", _lines(lambda i: "utf-8" if i < 5 else "gbk")
    yield "half gbk, half utf8", _lines(lambda i: "utf-8" if i % 2 else "gbk")
    yield "big5 + 1 utf8 line", _lines(lambda i: "utf-8" if i == 1 else "big5", TRADITIONAL)
    yield "utf8 + 1 big5 line", _lines(lambda i: "big5" if i == 1 else "utf-8", TRADITIONAL)
    yield "gb18030 + utf8 last line", _lines(lambda i: "utf-8" if i == 11 else "gb18030")
    yield "gbk, utf8 mid-line", _split_line("gbk", "utf-8")
    yield "utf8, gbk mid-line", _split_line("utf-8", "gbk")
    yield "utf8 + saved mojibake line", b"".join((misread[i % 6] if i == 2 else SIMPLIFIED[i % 6]).encode("utf-8")
                                                 + b"\n" for i in range(12))
    yield "gbk + saved mojibake line", b"".join((misread[i % 6] if i == 2 else SIMPLIFIED[i % 6]).encode("gb18030")
                                                + b"\n" for i in range(12))
    yield "utf8 with U+FFFD", b"".join((SIMPLIFIED[i % 6].replace("损坏", "\ufffd\ufffd") if i == 0
                                        else SIMPLIFIED[i % 6]).encode("utf-8") + b"\n" for i in range(12))
    yield "gbk + utf8 line, CRLF", _lines(lambda i: "utf-8" if i == 6 else "gbk").replace(b"\n", b"\r\n")


def pasted_files() -> Iterator[tuple[str, bytes]]:
    corpus = sorted((REPO / "corpus").glob("0*.txt"))
    silent_kind = []
    for path in corpus:
        for line in path.read_text(encoding="utf-8").splitlines():
            if len(line) >= 8 and not line.isascii():
                try:
                    (line + "\n").encode("utf-8").decode("gb18030")
                except UnicodeDecodeError:
                    continue
                silent_kind.append(line)
    base = [line for line in corpus[3].read_text(encoding="utf-8").splitlines() if line.strip()][:40]
    for k in range(15):
        lines = [line.encode("gb18030") for line in base]
        for j in range(1 + k % 3):
            lines.insert(3 + 7 * j, silent_kind[(k + j) % len(silent_kind)].encode("utf-8"))
        yield f"gbk + {1 + k % 3} pasted utf8 line(s) #{k + 1}", b"\n".join(lines) + b"\n"


def clean_files() -> Iterator[tuple[str, bytes]]:
    roots = [REPO / "corpus", SHARED / "corpora"]
    for path in sorted(p for root in roots if root.is_dir() for p in root.rglob("*")
                       if p.suffix in (".txt", ".md", ".html", ".htm")):
        data = path.read_bytes()
        yield path.name, data
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        yield path.name + " as gb18030", text.encode("gb18030")
        try:
            yield path.name + " as big5", text.encode("big5")
        except UnicodeEncodeError:
            pass


def outcome(name: str, data: bytes) -> tuple[str, str]:
    """("silent" | "warned" | "refused", the first warning or reason)."""
    from policykb.ingest.errors import IngestError
    from policykb.ingest.formats import read_bytes

    suffix = Path(name.split(" as ")[0]).suffix if "." in name else ".txt"
    try:
        source = read_bytes(f"file{suffix}", data)
    except IngestError as exc:
        return "refused", str(exc)
    damage = [w for w in source.warnings if any(d in w for d in DAMAGE)]
    return ("warned", damage[0]) if damage else ("silent", "")


def main() -> None:
    rows = []
    for label, files in (("mixed", mixed_files()), ("pasted", pasted_files())):
        counts = {"silent": 0, "warned": 0, "refused": 0}
        for name, data in files:
            kind, why = outcome(name, data)
            counts[kind] += 1
            print(f"{label:7} {name:32} {kind:8} {why[:110]}")
        rows.append({"set": label, **counts})
    clean = {"silent": 0, "warned": 0, "refused": 0}
    for name, data in clean_files():
        kind, why = outcome(name, data)
        clean[kind] += 1
        if kind == "warned":
            print(f"false alarm: {name}: {why[:200]}")
    rows.append({"set": "clean (warned = false alarm)", **clean})
    print_table(rows, ("set", "silent", "warned", "refused"), "text damage")


if __name__ == "__main__":
    main()
