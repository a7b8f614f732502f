"""Build real .txt/.docx/.html/.pdf files from a list of lines, for tests.

Each writer puts the same lines into its format the way such files are found in the
wild (HTML with navigation, scripts and a footer around the body; PDF with an embedded
CJK font), so tests can check that every reader gives back the same text. Also: a corpus folder
of given files and texts, and an index built from it with the tiny model (build_corpus_index).
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

# About fifteen lines of seed 002 (shortened to fit one PDF line each), with its
# 一、 / （一） / １． numbering and a —— bullet: the same text written in every format.
SAMPLE_POLICY_LINES: list[str] = [
    "《2009—2013年全国党员教育培训工作规划》",
    "中共中央办公厅（2009年23号）",
    "\u3000\u3000党员教育培训工作是党的建设的一项基础性工程。",
    "\u3000\u3000一、指导思想和基本要求",
    "\u3000\u3000（一）指导思想",
    "\u3000\u3000高举中国特色社会主义伟大旗帜，以邓小平理论为指导。",
    "\u3000\u3000（二）基本要求",
    "\u3000\u3000１．坚持把增强党性作为第一任务，将理想信念教育贯穿始终。",
    "\u3000\u3000２．坚持以人为本，增强教育培训的针对性和实效性。",
    "\u3000\u3000３．坚持统筹协调，做到经常性教育与集中培训并重。",
    "\u3000\u3000二、工作目标和主要任务",
    "\u3000\u3000（一）工作目标",
    "\u3000\u3000从２００９年起，用５年时间，对广大基层党员普遍进行培训。",
    "\u3000\u3000（二）主要任务",
    "\u3000\u3000——农村党组织书记培训工程。每年至少一次，不少于４０学时。",
]
# The heading lines of SAMPLE_POLICY_LINES (1-based) and their levels, for docx/html.
SAMPLE_HEADINGS: dict[int, int] = {4: 1, 5: 2, 7: 2, 11: 1, 12: 2, 14: 2}

# CJK TrueType fonts from Debian packages that reportlab can embed (CFF/OTF fonts it cannot).
CJK_FONT_CANDIDATES: tuple[tuple[str, str, int], ...] = (
    ("fonts-wqy-zenhei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("fonts-wqy-microhei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("fonts-droid-fallback", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("fonts-arphic-uming", "/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)
PDF_FONT_SIZE = 9
PDF_LINE_HEIGHT = 13


def _register_cjk_font() -> None:
    """Register a CJK TrueType font with reportlab as "PolicyCJK" (RuntimeError if none is installed)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = find_cjk_font()
    if font is None:
        raise RuntimeError(cjk_font_missing_reason())
    font_path, index = font
    pdfmetrics.registerFont(TTFont("PolicyCJK", font_path, subfontIndex=index))


def find_cjk_font() -> tuple[str, int] | None:
    """(font file, sub-font index) of an installed CJK TrueType font, or None."""
    for _package, font_path, index in CJK_FONT_CANDIDATES:
        if Path(font_path).exists():
            return font_path, index
    return None


def cjk_font_missing_reason() -> str:
    packages = " or ".join(p for p, _, _ in CJK_FONT_CANDIDATES[:2])
    return f"no CJK TrueType font installed for building PDF fixtures (apt-get install {packages})"


def write_txt(lines: list[str], path: Path, encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write lines as a text file in `encoding` (e.g. "gb18030", "big5", "utf-16", "utf-8-sig")."""
    path = Path(path)
    path.write_bytes("".join(line + newline for line in lines).encode(encoding))
    return path


def write_docx(lines: list[str], path: Path, headings: dict[int, int] | None = None) -> Path:
    """Write one paragraph per line; `headings` maps a 1-based line to a Word heading level."""
    import docx

    headings = headings or {}
    document = docx.Document()
    for number, line in enumerate(lines, start=1):
        if number in headings:
            document.add_heading(line, level=headings[number])
        else:
            document.add_paragraph(line)
    document.save(str(path))
    return Path(path)


def write_html(lines: list[str], path: Path, headings: dict[int, int] | None = None,
               encoding: str = "utf-8", declared: str | None = None) -> Path:
    """Write a government-site-like page: head, nav, scripts, a share bar, the body lines
    as <p> (or <hN> for `headings`), related links and a footer. The page declares
    `declared` as its charset (default: `encoding`), as sites do, rightly or not."""
    headings = headings or {}
    body = []
    for number, line in enumerate(lines, start=1):
        tag = f"h{headings[number]}" if number in headings else "p"
        style = ' style="text-indent: 2em; font-family: 仿宋"' if tag == "p" else ""
        body.append(f"<{tag}{style}>{html.escape(line)}</{tag}>")
    page = PAGE_TEMPLATE.format(charset=declared or encoding, body="\n      ".join(body))
    Path(path).write_bytes(page.encode(encoding))
    return Path(path)


PAGE_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta http-equiv="Content-Type" content="text/html; charset={charset}">
  <title>政策文件_中国政府网</title>
  <style>.nav {{ color: red; }} p {{ line-height: 2; }}</style>
  <script>var _hmt = _hmt || []; document.write("统计代码");</script>
</head>
<body>
  <div class="header">
    <div class="topbar"><a href="/">首页</a> | <a href="/en">English</a> | <a href="/m">手机版</a></div>
  </div>
  <nav class="navbar">
    <ul><li><a href="/zhengce">政策</a></li><li><a href="/hudong">互动</a></li>
      <li><a href="/fuwu">服务</a></li><li><a href="/shuju">数据</a></li>
      <li><a href="/guoqing">国情</a></li></ul>
  </nav>
  <div class="BreadcrumbNav"><a href="/">首页</a> &gt; <a href="/zhengce">政策</a> &gt; 文件库</div>
  <div class="article oneColumn">
    <div class="share-bar">分享到：<a href="#">微信</a><a href="#">微博</a></div>
    <div class="pages_content" id="UCAP-CONTENT">
      {body}
    </div>
    <script type="text/javascript">window.print_page = function () {{ return "打印本页"; }};</script>
  </div>
  <div class="related">
    <h3>相关文件</h3>
    <ul><li><a href="/a">关于加强干部教育培训的通知</a></li><li><a href="/b">人才发展规划</a></li>
      <li><a href="/c">党员教育培训条例</a></li><li><a href="/d">公务员培训规定</a></li>
      <li><a href="/e">干部教育培训工作条例</a></li></ul>
  </div>
  <footer class="footer">
    <p>版权所有：中国政府网 | 中文域名：中国政府网.政务</p>
    <p>网站标识码bm01000001 京ICP备05070218号</p>
  </footer>
  <script>document.getElementById("UCAP-CONTENT").style.fontSize = "16px";</script>
</body>
</html>
"""


def write_pdf(lines: list[str], path: Path) -> Path:
    """Write each line as one text line of an A4 PDF with an embedded CJK font.

    Lines must fit the page width (about 55 CJK characters at this size); raises
    RuntimeError when no CJK font is installed (see cjk_font_missing_reason()).
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    _register_cjk_font()
    width, height = A4
    pdf = canvas.Canvas(str(path), pagesize=A4)
    y = height - 60
    for line in lines:
        if y < 60:
            pdf.showPage()
            y = height - 60
        if line.strip():
            pdf.setFont("PolicyCJK", PDF_FONT_SIZE)
            pdf.drawString(50, y, line)
        y -= PDF_LINE_HEIGHT
    pdf.save()
    return Path(path)


def write_scanned_pdf(path: Path) -> Path:
    """Write a PDF that looks like a scan: drawings only, no text layer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    for y in range(700, 100, -20):  # grey bars where a scan would show lines of text
        pdf.setFillGray(0.3)
        pdf.rect(60, y, 420, 8, stroke=0, fill=1)
    pdf.showPage()
    pdf.save()
    return Path(path)


# Word's multi-level Chinese list: 一、 / （一） / 1. (the ladder of a plan).
CHINESE_LIST_LEVELS: tuple[tuple[str, str], ...] = (
    ("chineseCounting", "%1、"),
    ("chineseCounting", "（%2）"),
    ("decimal", "%3."),
)


def write_numbered_docx(items: list[tuple[int | str | None, str]], path: Path,
                        levels: tuple[tuple[str, str], ...] = CHINESE_LIST_LEVELS,
                        level_ids: tuple[str, ...] | None = None) -> Path:
    """Write paragraphs numbered by Word's automatic list numbering, as Word saves them.

    `items` are (list level or None for an unnumbered paragraph, text); the numbers are
    not in the text, only in the numbering definition (numbering.xml). `level_ids` are
    the definitions' w:ilvl values as written (default "0", "1", ...); a str level in
    `items` is written into the paragraph's w:ilvl as is (damaged files have "x").
    """
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    numbering = document.part.numbering_part.element
    lvl_xml = "".join(
        f'<w:lvl w:ilvl="{level_ids[i] if level_ids else i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/><w:suff w:val="nothing"/><w:lvlJc w:val="left"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels))
    numbering.append(parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        f'<w:multiLevelType w:val="multilevel"/>{lvl_xml}</w:abstractNum>'))
    numbering.append(parse_xml(
        f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for level, text in items:
        paragraph = document.add_paragraph(text)
        if level is not None:
            paragraph._p.get_or_add_pPr().append(parse_xml(
                f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))
    document.save(str(path))
    return Path(path)


def write_docx_table(rows: list[list[str]], path: Path, grid_span: str | None = None,
                     before: list[str] | None = None) -> Path:
    """Write the paragraphs `before`, then a table of `rows` (one paragraph per cell). With
    `grid_span`, the first cell carries <w:gridSpan w:val="..."> as written (damaged files
    have "x")."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    for line in before or []:
        document.add_paragraph(line)
    table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    if grid_span is not None:
        table.cell(0, 0)._tc.get_or_add_tcPr().append(parse_xml(f'<w:gridSpan {nsdecls("w")} w:val="{grid_span}"/>'))
    document.save(str(path))


def corpus_paragraphs(path: Path, count: int | None = None, start: int = 0) -> list[str]:
    """The non-empty lines of a corpus text file, stripped (U+3000 indents too)."""
    lines = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines[start:start + count] if count is not None else lines[start:]


def write_paged_pdf(paragraphs: list[str], path: Path, header: str | None = None,
                    page_numbers: bool = True, chars_per_line: int = 30, font_size: float = 14,
                    lines_per_page: int = 26) -> Path:
    """Typeset paragraphs as a 公文 is printed: each opens with a two-character indent and
    is wrapped (hard line breaks) at `chars_per_line` full-width characters; every page
    has a running `header` and a centred 「— N —」 page number at the foot.

    Lines are cut by character count, so every full line reaches the right margin (a
    half-width digit counts as half a character). Needs a CJK font (find_cjk_font()).
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    _register_cjk_font()
    width, height = A4
    left = (width - chars_per_line * font_size) / 2
    pitch = font_size * 1.75
    printed: list[tuple[float, str]] = []  # (x, text) of each printed line
    for paragraph in paragraphs:
        rest, first = paragraph, True
        while rest:
            room = chars_per_line - (2 if first else 0)
            cut, used = 0, 0.0
            while cut < len(rest) and used + _advance(rest[cut]) <= room:
                used += _advance(rest[cut])
                cut += 1
            printed.append((left + (2 * font_size if first else 0), rest[:cut]))
            rest, first = rest[cut:], False
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pages = [printed[i:i + lines_per_page] for i in range(0, len(printed), lines_per_page)]
    for number, lines in enumerate(pages, start=1):
        if header:
            pdf.setFont("PolicyCJK", font_size * 0.75)
            pdf.drawCentredString(width / 2, height - 50, header)
        pdf.setFont("PolicyCJK", font_size)
        y = height - 90
        for x, text in lines:
            pdf.drawString(x, y, text)
            y -= pitch
        if page_numbers:
            pdf.setFont("PolicyCJK", font_size * 0.75)
            pdf.drawCentredString(width / 2, 40, f"— {number} —")
        pdf.showPage()
    pdf.save()
    return Path(path)


def _advance(char: str) -> float:
    """Width of a character in full-width character units (Latin letters and digits: half)."""
    return 0.5 if char.isascii() else 1.0


def write_image_pdf(source_pdf: Path, path: Path, dpi: int = 300) -> Path:
    """Render every page of `source_pdf` to a greyscale image and write them as an
    image-only PDF (no text layer): a clean scan of the printed pages."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(source_pdf))
    images = [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(len(pdf))]
    pdf.close()
    images[0].save(str(path), "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return Path(path)


def build_generation(corpus: Path, index_dir: Path, model: str, milvus_uri: str | None = None) -> str:
    """Build (or update) `index_dir` from the files of `corpus` with `model`; the new generation's name.
    With `milvus_uri` the generation is also written to that Milvus before it is switched to, as
    `policykb ingest --backend milvus` does."""
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths

    export = None
    if milvus_uri:
        from policykb.index.milvus import connect, export_generation

        client = connect(milvus_uri)

        def export(generation) -> None:
            export_generation(client, generation, Path(index_dir))

    return build_index(ingest_paths([corpus]), index_dir, model=model, progress=None,
                       before_switch=export).generation


# The engines the search, API and reload tests run on (tests/test_milvus.py compares them directly).
ENGINES = ["embedded", "milvus"]


def engine_settings(engine: str, folder: Path) -> dict:
    """Settings fields that serve through `engine`: for milvus a milvus-lite file in `folder` (skipped
    with the reason when pymilvus is not installed)."""
    if engine == "embedded":
        return {}
    import pytest

    pytest.importorskip("pymilvus", reason="the Milvus engine needs pymilvus[milvus_lite] (.ci/run installs it)")
    return {"backend": "milvus", "milvus_uri": str(folder / "milvus.db")}


def fill_corpus(folder: Path, files: Iterable[Path] = (), extra: Mapping[str, str] | None = None) -> Path:
    """`folder`, holding a copy of each of `files` and, for each name in `extra`, a file of that name with its text."""
    for path in files:
        shutil.copy(path, folder / path.name)
    for name, text in (extra or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def build_corpus_index(tmp_path_factory, model: str, name: str, files: Iterable[Path] = (),
                       extra: Mapping[str, str] | None = None) -> Path:
    """A new index folder (`{name}-index`) built with `model` from a new corpus folder (`{name}-corpus`) holding
    `files` and `extra` (see fill_corpus)."""
    corpus = fill_corpus(tmp_path_factory.mktemp(f"{name}-corpus"), files, extra)
    index = tmp_path_factory.mktemp(f"{name}-index")
    build_generation(corpus, index, model)
    return index
