"""The files the fuzz suite feeds to ingest: generated documents in every format, byte-level
mutations of real fixtures, and the known bombs and loops.

Generated documents carry Chinese clause numbering (第X章, 第X条, 一、, （一）, 1., (1), ①) around
real sentences of the bundled corpus mixed with hypothesis-drawn text, and are written as
.txt (several encodings and line ends, sometimes mixed), .md with YAML front matter, .html,
.docx, .rtf, .pdf, .odt, .png and .zip/.tar archives of them. Mutations flip, insert, delete,
repeat and splice bytes of the real files under tests/fixtures/ and corpus/, or of a zip
package's member so the change reaches the XML parser behind a valid CRC.
"""

from __future__ import annotations

import html
import io
import random
import re
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
FIXTURE_DIRS = (REPO / "tests" / "fixtures", REPO / "tests" / "data", REPO / "corpus")
FIXTURE_SUFFIXES = {".txt", ".md", ".html", ".htm", ".docx", ".doc", ".wps", ".odt", ".rtf", ".pdf", ".ofd",
                    ".zip", ".7z", ".tar", ".png"}
# Formats read through LibreOffice or Tesseract: seconds a file, so drawn rarely.
SLOW_SUFFIXES = (".doc", ".wps", ".odt", ".png", ".jpg", ".tif")


@dataclass(frozen=True)
class FuzzCase:
    """One file to ingest: its name (the suffix picks the reader), bytes, and where it came from."""

    name: str
    data: bytes
    origin: str  # "generated:docx", "mutated:plan_002.ofd", "bomb:docx-style-based-on-itself"
    literal_fffd: bool = False  # the input itself holds U+FFFD, so finding one in a clause is no loss
    must_keep: str | None = None  # text a clause must hold if the file is accepted (a bomb's own words)


# -- text ------------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 15 → 十五, 23 → 二十三, 105 → 一百零五 (up to 9999)."""
    if n < 10:
        return _DIGITS[n]
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero:
                out += "零"
            out += ("" if (unit == "十" and digit == 1 and n < 20) else _DIGITS[digit]) + unit
            zero = False
        elif out:
            zero = True
    return out


def corpus_sentences() -> list[str]:
    """Real sentences of the bundled corpus (cut at 。；), the body text generated clauses draw from."""
    sentences: list[str] = []
    for path in sorted((REPO / "corpus").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            sentences.extend(s for s in re.split(r"(?<=[。；])", line.strip()) if len(s) > 4)
    return sentences


SENTENCES = corpus_sentences()
# Text of every kind a policy file may hold, without U+FFFD (finding one would then be no loss)
# and without surrogates (no encoder writes them).
_ODD = "\u3000\u00a0\u200b\ufeff\t\x0c\u2028\u00ad\u0301\uff10\uff11①②Ⅻ【】《》“”—…·"
_TEXT = st.text(alphabet=st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.sampled_from(_ODD),
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffd\n\r"),
), max_size=40)
BODY = st.lists(st.one_of(st.sampled_from(SENTENCES), _TEXT), min_size=1, max_size=4).map("".join)


@st.composite
def clause_lines(draw) -> list[str]:
    """The lines of one policy text: a title, maybe an issuer and 文号, then numbered parts."""
    lines = [draw(st.sampled_from(["关于加强干部教育培训工作的意见", "中华人民共和国某某法", "培训管理办法"])) + draw(_TEXT)]
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["中共中央组织部", "国务院办公厅", "人事部"])))
    if draw(st.booleans()):
        lines.append(f"{draw(st.sampled_from(['国办发', '中组发', '人发']))}〔{draw(st.integers(1990, 2030))}〕"
                     f"{draw(st.integers(1, 99))}号")
    chapter = article = 0
    for _ in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(["chapter", "article", "article", "item", "sub", "arabic", "paren", "circled",
                                     "plain", "blank"]))
        body = draw(BODY)
        if kind == "chapter":
            chapter += 1
            lines.append(f"第{chinese_number(chapter)}章 {body[:12]}")
        elif kind == "article":
            article += 1
            lines.append(f"第{chinese_number(article)}条 {body}")
        elif kind == "item":
            lines.append(f"{chinese_number(draw(st.integers(1, 30)))}、{body}")
        elif kind == "sub":
            lines.append(f"（{chinese_number(draw(st.integers(1, 30)))}）{body}")
        elif kind == "arabic":
            lines.append(f"{draw(st.integers(1, 40))}.{body}")
        elif kind == "paren":
            lines.append(f"({draw(st.integers(1, 20))}){body}")
        elif kind == "circled":
            lines.append(f"{chr(0x2460 + draw(st.integers(0, 19)))}{body}")
        elif kind == "plain":
            lines.append(body)
        else:
            lines.append(draw(st.sampled_from(["", " ", "\u3000"])))
    return lines


# -- formats ---------------------------------------------------------------------------------

def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


@st.composite
def txt_file(draw) -> FuzzCase:
    lines = draw(clause_lines())
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "gbk", "big5", "utf-16", "utf-16-le", "mixed"]))
    if encoding == "mixed":  # a file pasted together from a UTF-8 and a GBK file
        data = newline.encode().join(
            line.encode("gbk") if i % 2 and _encodable(line, "gbk") else line.encode("utf-8")
            for i, line in enumerate(lines))
    else:
        data = text.encode(encoding if _encodable(text, encoding) else "utf-8")
    return FuzzCase("generated.txt", data, f"generated:txt:{encoding}")


@st.composite
def markdown_file(draw) -> FuzzCase:
    import yaml

    lines = draw(clause_lines())
    meta = {"title": lines[0], "issuer": draw(st.sampled_from(["国务院", "人事部", "", None])),
            "doc_number": draw(st.one_of(st.none(), _TEXT)),
            "date": draw(st.sampled_from(["2024-05-01", "2024-13-45", "二〇二四年五月一日", 2024, None]))}
    front = yaml.safe_dump(meta, allow_unicode=True) if draw(st.booleans()) else draw(
        st.sampled_from(["title: [unclosed", "title: 《办法》\nissuer: : :", "- a\n- b", "title: !!python/name:os.system"]))
    body = [(f"{'#' * draw(st.integers(1, 3))} {line}" if draw(st.integers(0, 5)) == 0 else line) for line in lines[1:]]
    text = "---\n" + front + "\n---\n" + "\n".join(body) + "\n"
    return FuzzCase("generated.md", text.encode("utf-8"), "generated:md")


# Character references a page may carry, the invalid ones included (NUL, a lone surrogate, past U+10FFFF).
ENTITIES = ["&nbsp;", "&amp;", "&#12288;", "&#x4E00;", "&#0;", "&#xD800;", "&#xDFFF;", "&#x110000;", "&#99999999999;",
            "&bogus;", "&#65533;", "&lt;script&gt;"]


@st.composite
def html_file(draw) -> FuzzCase:
    lines = draw(clause_lines())
    parts = []
    literal = False
    for line in lines[1:]:
        text = html.escape(line)
        if draw(st.integers(0, 4)) == 0:
            entity = draw(st.sampled_from(ENTITIES))
            literal |= entity == "&#65533;"
            text += entity
        tag = draw(st.sampled_from(["p", "p", "div", "li", "h2", "h3", "td", "span"]))
        block = f"<{tag}>{text}</{tag}>"
        if tag == "td":
            block = f"<table><tr>{block}<td>{html.escape(draw(_TEXT))}</td></tr></table>"
        depth = draw(st.integers(0, 3)) ** 3  # now and then 27 nested divs
        parts.append("<div>" * depth + block + "</div>" * depth)
    charset = draw(st.sampled_from(["utf-8", "gbk", "big5", None]))
    head = f'<meta charset="{charset}">' if charset else ""
    page = (f"<!doctype html><html><head>{head}<title>{html.escape(lines[0])}</title></head><body>"
            f"<h1>{html.escape(lines[0])}</h1>{''.join(parts)}</body></html>")
    encoding = charset if charset and _encodable(page, charset) else "utf-8"
    return FuzzCase("generated.html", page.encode(encoding), "generated:html", literal_fffd=literal)


_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def docx_bytes(lines: list[str], headings: dict[int, int] | None = None) -> bytes:
    """A Word document with one paragraph per line (Heading N styles where `headings` says)."""
    import docx

    document = docx.Document()
    for number, line in enumerate(lines, start=1):
        level = (headings or {}).get(number)
        document.add_paragraph(_XML_UNSAFE.sub("", line), style=f"Heading {level}" if level else None)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@st.composite
def docx_file(draw) -> FuzzCase:
    lines = draw(clause_lines())
    headings = {n: draw(st.integers(1, 3)) for n in range(1, len(lines) + 1) if draw(st.integers(0, 6)) == 0}
    return FuzzCase("generated.docx", docx_bytes(lines, headings), "generated:docx")


def _rtf_escape(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "\\{}":
            out.append("\\" + ch)
        elif code < 128:
            out.append(ch)
        elif code > 0xFFFF:  # RTF \u is a signed 16-bit number: astral characters as a surrogate pair
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10) - 65536}?\\u{0xDC00 + (code & 0x3FF) - 65536}?")
        else:
            out.append(f"\\u{code if code < 32768 else code - 65536}?")
    return "".join(out)


@st.composite
def rtf_file(draw) -> FuzzCase:
    lines = draw(clause_lines())
    body = "\\par\n".join(_rtf_escape(_XML_UNSAFE.sub("", line)) for line in lines)
    text = "{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0 SimSun;}}\\f0\\fs24\n" + body + "\\par\n}"
    return FuzzCase("generated.rtf", text.encode("ascii"), "generated:rtf")


def pdf_bytes(lines: list[str]) -> bytes | None:
    """An A4 PDF with the lines as text (lines over ~55 characters cut); None without a CJK font."""
    import tempfile

    from tests.fixture_builders import find_cjk_font, write_pdf

    if find_cjk_font() is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.pdf"
        write_pdf([_XML_UNSAFE.sub("", line)[:55] for line in lines], path)
        return path.read_bytes()


@st.composite
def pdf_file(draw) -> FuzzCase:
    lines = draw(clause_lines())
    data = pdf_bytes(lines)
    if data is None:
        return FuzzCase("generated.txt", "\n".join(lines).encode(), "generated:txt:utf-8")
    return FuzzCase("generated.pdf", data, "generated:pdf")


def odt_bytes(lines: list[str]) -> bytes:
    """An OpenDocument text with one paragraph per line (read through LibreOffice)."""
    paragraphs = "".join(f"<text:p>{html.escape(_XML_UNSAFE.sub('', line))}</text:p>" for line in lines)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f"<office:body><office:text>{paragraphs}</office:text></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        package.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return out.getvalue()


@st.composite
def odt_file(draw) -> FuzzCase:
    return FuzzCase("generated.odt", odt_bytes(draw(clause_lines())), "generated:odt")


@st.composite
def png_file(draw) -> FuzzCase:
    from PIL import Image

    width, height = draw(st.integers(8, 300)), draw(st.integers(8, 300))
    image = Image.frombytes("L", (width, height), random.Random(draw(st.integers(0, 2**32))).randbytes(width * height))
    out = io.BytesIO()
    image.save(out, "PNG")
    return FuzzCase("generated.png", out.getvalue(), "generated:png")


MEMBER_FORMATS = st.one_of(txt_file(), markdown_file(), html_file(), docx_file(), rtf_file())


@st.composite
def archive_file(draw) -> FuzzCase:
    members = draw(st.lists(MEMBER_FORMATS, min_size=1, max_size=3))
    kind = draw(st.sampled_from(["zip", "zip-gbk-names", "tar", "nested-zip"]))
    names = [f"附件{i + 1}{Path(m.name).suffix}" for i, m in enumerate(members)]
    out = io.BytesIO()
    if kind == "tar":
        with tarfile.open(fileobj=out, mode="w") as archive:
            for name, member in zip(names, members):
                info = tarfile.TarInfo(name)
                info.size = len(member.data)
                archive.addfile(info, io.BytesIO(member.data))
        return FuzzCase("generated.tar", out.getvalue(), "generated:tar")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, member in zip(names, members):
            info = zipfile.ZipInfo(name)
            if kind == "zip-gbk-names":  # as Chinese Windows writes them: GBK bytes, no UTF-8 flag
                info.filename = name.encode("gbk").decode("cp437")
            archive.writestr(info, member.data, zipfile.ZIP_DEFLATED)
    if kind == "nested-zip":
        inner, out = out.getvalue(), io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("内层.zip", inner)
    literal = any(m.literal_fffd for m in members)
    return FuzzCase("generated.zip", out.getvalue(), f"generated:{kind}", literal_fffd=literal)


def kinds(slow_formats: bool = True) -> dict[str, tuple[float, st.SearchStrategy[FuzzCase]]]:
    """Kind of case → (its share of the cases, its strategy); shares sum to 1 with the slow formats."""
    table = {"txt": (0.14, txt_file()), "md": (0.08, markdown_file()), "html": (0.12, html_file()),
             "docx": (0.12, docx_file()), "rtf": (0.05, rtf_file()), "pdf": (0.04, pdf_file()),
             "archive": (0.05, archive_file()), "mutated": (0.39, mutated_files(fixture_files()))}
    if slow_formats:
        table.update({"odt": (0.003, odt_file()), "png": (0.002, png_file()),
                      "mutated-slow": (0.005, mutated_files(fixture_files(slow=True)))})
    return table


# -- mutations -------------------------------------------------------------------------------

def fixture_files(slow: bool = False) -> list[tuple[str, bytes]]:
    """(name, bytes) of the real fixtures mutations start from, plus a .docx, .pdf, .html and .zip
    built from a corpus file (the fixtures hold none of their own); `slow`: only the fixtures
    read through LibreOffice or Tesseract."""
    found = []
    for folder in FIXTURE_DIRS:
        for path in sorted(folder.rglob("*")):
            suffix = path.suffix.lower()
            if path.is_file() and suffix in FIXTURE_SUFFIXES and (suffix in SLOW_SUFFIXES) == slow:
                found.append((path.name, path.read_bytes()))
    if slow:
        return found
    lines = (REPO / "corpus" / "002_e058e02591a1b2b6.txt").read_text(encoding="utf-8").splitlines()[:60]
    found.append(("plan_002.docx", docx_bytes(lines)))
    found.append(("plan_002.html", ("<html><body>" + "".join(f"<p>{html.escape(x)}</p>" for x in lines)
                                    + "</body></html>").encode()))
    pdf = pdf_bytes(lines)
    if pdf is not None:
        found.append(("plan_002.pdf", pdf))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("附件1.docx", found[-2 if pdf is None else -3][1])
        archive.writestr("附件2.txt", "\n".join(lines).encode("gb18030"))
    found.append(("plan_002.zip", out.getvalue()))
    return found


_INTERESTING = [b"\x00", b"\xff", b"\x80", b"\x7f", b"\xef\xbf", b"\xe4\xb8", b"<", b"&#", b"\\u", b"{", b"\r"]


def mutate(data: bytes, rng: random.Random, rounds: int) -> bytes:
    """`rounds` byte-level edits: flip a bit, write an interesting byte, insert, delete, repeat or truncate."""
    buf = bytearray(data)
    for _ in range(rounds):
        if not buf:
            buf = bytearray(rng.choice(_INTERESTING))
        at = rng.randrange(len(buf))
        span = min(len(buf) - at, rng.choice([1, 2, 8, 64, 1024]))
        op = rng.randrange(6)
        if op == 0:
            buf[at] ^= 1 << rng.randrange(8)
        elif op == 1:
            buf[at:at + 1] = rng.choice(_INTERESTING)
        elif op == 2:
            buf[at:at] = rng.randbytes(rng.choice([1, 3, 16]))
        elif op == 3:
            del buf[at:at + span]
        elif op == 4:
            buf[at:at] = buf[at:at + span] * rng.choice([2, 16])
        else:
            del buf[at + rng.randrange(1, 4096):]
    return bytes(buf)


def mutate_package(data: bytes, rng: random.Random, rounds: int) -> bytes | None:
    """The zip package with one member's bytes mutated and stored again (valid CRC), or None if not a zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = [(info, package.read(info)) for info in package.infolist()]
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        return None
    if not members:
        return None
    chosen = rng.randrange(len(members))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for i, (info, content) in enumerate(members):
            package.writestr(info.filename, mutate(content, rng, rounds) if i == chosen else content)
    return out.getvalue()


def mutated_files(fixtures: list[tuple[str, bytes]]) -> st.SearchStrategy[FuzzCase]:
    """A real fixture with a few byte-level edits (of the file, or of one member of a zip package)."""
    @st.composite
    def build(draw) -> FuzzCase:
        name, data = draw(st.sampled_from(fixtures))
        rng = random.Random(draw(st.integers(0, 2**32)))
        rounds = draw(st.sampled_from([1, 1, 2, 4, 16]))
        if draw(st.booleans()):
            data = mutate_package(data, rng, rounds) or mutate(data, rng, rounds)
        elif draw(st.integers(0, 5)) == 0:  # splice another fixture in
            _, other = draw(st.sampled_from(fixtures))
            at = rng.randrange(len(data) + 1)
            data = data[:at] + other[rng.randrange(len(other) + 1):]
        else:
            data = mutate(data, rng, rounds)
        return FuzzCase(name, data, f"mutated:{name}", literal_fffd="\ufffd".encode() in data)

    return build()


# -- bombs and loops -------------------------------------------------------------------------

def _replace_member(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            package.writestr(info.filename, content if info.filename == name else source.read(info))
    return out.getvalue()


def _docx_with_styles(transform) -> bytes:
    base = docx_bytes(["第一条 本办法适用于全体干部。", "第二条 本办法自发布之日起施行。"])
    with zipfile.ZipFile(io.BytesIO(base)) as package:
        styles = package.read("word/styles.xml").decode("utf-8")
    return _replace_member(base, "word/styles.xml", transform(styles).encode("utf-8"))


def _self_based(styles: str) -> str:
    return re.sub(r'(<w:style [^>]*w:styleId="Normal"[^>]*>)', r'\1<w:basedOn w:val="Normal"/>', styles, count=1)


def _cycle(styles: str) -> str:
    """Normal based on Heading1, which the template bases on Normal: a loop of two."""
    return re.sub(r'(<w:style [^>]*w:styleId="Normal"[^>]*>)', r'\1<w:basedOn w:val="Heading1"/>', styles, count=1)


def _xml_bomb_docx(target_bytes: int) -> bytes:
    """A .docx whose document.xml unpacks to about `target_bytes` of paragraphs (about 2,500:1)."""
    base = docx_bytes(["第一条 本办法适用于全体干部。"])
    paragraph = "<w:p><w:r><w:t>第一条 本办法适用于全体干部。</w:t></w:r></w:p>".encode("utf-8") * 1000
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                                       compresslevel=9) as package:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                package.writestr(info.filename, source.read(info))
        xml = source.read("word/document.xml").decode("utf-8")
        head, tail = xml.split("<w:body>", 1)
        with package.open("word/document.xml", "w", force_zip64=True) as member:
            member.write((head + "<w:body>").encode("utf-8"))
            for _ in range(target_bytes // len(paragraph)):
                member.write(paragraph)
            member.write(tail.encode("utf-8"))
    return out.getvalue()


def _alias_bomb(levels: int) -> bytes:
    """Markdown front matter whose title is a YAML alias bomb: 9**levels strings from a few hundred bytes."""
    rows = ['a0: &a0 ["干部培训办法"]']
    for level in range(1, levels + 1):
        rows.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    rows.append(f"title: *a{levels}")
    return ("---\n" + "\n".join(rows) + "\n---\n第一条 本办法适用于全体干部。\n").encode("utf-8")


def bomb_cases() -> list[FuzzCase]:
    """The inputs issue 17 names (a loop, bombs, pathological lengths and encodings), one case each."""
    article = "第一条 本办法适用于全体干部，培训时间累计一般不少于100学时。"
    letters = "".join(random.Random(8000).choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8000))
    long_clause = "第一条 " + "各级党委要把干部教育培训工作摆上重要位置，" * (5 * 1024 * 1024 // 60)
    mixed = "\n".join(f"第{chinese_number(i)}条 干部教育培训工作必须坚持以人为本。".encode("utf-8" if i % 2 else "gbk")
                      .decode("latin-1") for i in range(1, 40)).encode("latin-1")
    return [
        FuzzCase("style-loop.docx", _docx_with_styles(_self_based), "bomb:docx-style-based-on-itself"),
        FuzzCase("style-cycle.docx", _docx_with_styles(_cycle), "bomb:docx-styles-based-on-each-other"),
        FuzzCase("alias-bomb.md", _alias_bomb(8), "bomb:yaml-alias-bomb-in-front-matter"),
        FuzzCase("xml-bomb.docx", _xml_bomb_docx(290 * 1024 * 1024), "bomb:docx-290MB-of-xml"),
        FuzzCase("letters.txt", f"{article}\n第二条 {letters}\n".encode(), "bomb:8000-latin-letters-in-a-row"),
        FuzzCase("many-clauses.txt", "\n".join(f"{i}.第{i}项培训内容。" for i in range(1, 20_001)).encode(),
                 "bomb:20k-one-line-clauses"),
        FuzzCase("long-clause.txt", long_clause.encode("utf-8"), "bomb:5MB-one-line-clause"),
        FuzzCase("mixed-encoding.txt", mixed, "bomb:utf8-and-gbk-lines-in-one-file", must_keep="以人为本"),
        FuzzCase("references.html", ("<html><body><h1>培训办法</h1><p>第一条 空字符&#0;与代理项&#xD800;&#xDFFF;"
                                     "及越界&#x110000;。</p></body></html>").encode(), "bomb:html-nul-and-surrogate-references",
                 must_keep="及越界"),
        FuzzCase("nested-300.html", ("<html><body>" + "<div>" * 300 + "<p>第一条 嵌套三百层。</p>" + "</div>" * 300
                                     + "</body></html>").encode(), "bomb:html-nested-300-levels",
                 must_keep="嵌套三百层"),
        FuzzCase("nested-100k.html", ("<html><body>" + "<div>" * 100_000 + "<p>第一条 嵌套十万层。</p>"
                                      + "</body></html>").encode(), "bomb:html-nested-100k-levels-unclosed",
                 must_keep="嵌套十万层"),
        FuzzCase("zip-bomb.zip", _zip_bomb(), "bomb:zip-member-unpacking-to-1GB"),
        FuzzCase("deep.zip", _nested_zip(6), "bomb:zip-nested-6-deep"),
    ]


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("大文件.txt", "w", force_zip64=True) as member:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(1024):
                member.write(chunk)
    return out.getvalue()


def _nested_zip(depth: int) -> bytes:
    data = "第一条 最里层的文件。".encode("utf-8")
    name = "内容.txt"
    for level in range(depth):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr(name, data)
        data, name = out.getvalue(), f"第{level + 1}层.zip"
    return data
