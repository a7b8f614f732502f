"""HTML reader: the main text of a page, one line per block.

Line numbers are the lines of the *extracted text*, not of the HTML source: each block
element (p, div text, li, h1-h6, table row, ...) and each <br>-separated piece becomes
one line; empty blocks are skipped. Table rows become one line with the cells joined
by a space. <h1>..<h6> levels are recorded in `heading_levels`.

Dropped as boilerplate: head, scripts, styles, comments, forms, frames, hidden
elements, nav/aside, header/footer (unless they hold the page's <h1>), elements whose
class or id names navigation, footers, sharing bars and the like, and link lists
(blocks that are mostly the text of five or more links).

Bytes are decoded by ingest.encoding's detection (strict); a declared <meta> charset
breaks a tie between GB18030 and Big5, and one that contradicts the bytes gives a warning.
"""

from __future__ import annotations

import re
from pathlib import Path

from policykb.ingest.encoding import MIN_PLAUSIBILITY, decode_bytes, plausibility
from policykb.ingest.errors import DecodeError, IngestError
from policykb.ingest.model import SourceText

# Declared charsets and the encoding family (ingest.encoding names) they belong to.
DECLARED_CHARSETS: dict[str, tuple[str, tuple[str, ...]]] = {
    **{name: ("gb18030", ("gb18030",)) for name in
       ("gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "gb_2312-80", "csgb2312")},
    **{name: ("big5", ("big5", "cp950", "big5hkscs")) for name in
       ("big5", "big5-hkscs", "cp950", "x-x-big5", "csbig5")},
    **{name: ("utf-8", ("utf-8",)) for name in ("utf-8", "utf8")},
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_WHITESPACE = re.compile(r"[ \t\n\r\f]+")  # HTML whitespace; U+3000 and NBSP are text

BOILERPLATE_TAGS = frozenset({"nav", "aside", "form", "button", "select", "textarea", "noscript",
                              "template", "svg", "canvas", "dialog", "menu"})
LANDMARK_TAGS = frozenset({"header", "footer"})
# Matched anywhere in class/id (gov sites write "BreadcrumbNav", "pages_print", "footer_box").
BOILERPLATE_NAMES = re.compile(
    r"nav|menu|breadcrumb|crumb|header|footer|sidebar|share|toolbar|copyright|topbar|login|"
    r"search|banner|related|advert|print|cookie|skip-?link", re.I)
BOILERPLATE_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary"})
BLOCK_TAGS = frozenset({
    "address", "article", "blockquote", "body", "caption", "center", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "main", "ol", "p", "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
})
HEADINGS = {f"h{n}": n for n in range(1, 7)}
LINK_LIST_MIN_LINKS = 5
LINK_LIST_MIN_SHARE = 0.8


def read(path: Path, data: bytes) -> SourceText:
    """Decode the page, drop boilerplate and return its main text as lines."""
    import lxml.html
    from lxml.etree import ParserError

    warnings: list[str] = []
    text, encoding = _decode(data, path, warnings)
    text = _XML_DECL.sub("", text, count=1)  # lxml refuses str input with an encoding declaration
    try:
        root = lxml.html.document_fromstring(text)
    except (ParserError, ValueError) as err:
        raise IngestError(f"{path}: cannot be parsed as HTML ({err})") from None
    _drop_boilerplate(root)
    body = root.find("body")
    lines, levels = _extract_lines(body if body is not None else root)
    if not lines:
        warnings.append(f"{path}: no text found in the page body after dropping scripts, "
                        f"navigation and other boilerplate")
    return SourceText(path=str(path), format="html", lines=lines, encoding=encoding,
                      heading_levels=levels, warnings=warnings)


def _decode(data: bytes, path: Path, warnings: list[str]) -> tuple[str, str]:
    """Detect the encoding; the declared charset decides only where detection cannot.

    Pages often declare gb2312 and are UTF-8 (or the reverse), so the bytes are checked
    first (see ingest.encoding); a declared GB or Big5 charset wins over the other legacy
    family when its strict decoding is plausible text too (very short pages).
    """
    match = _META_CHARSET.search(data[:4096])
    declared = match.group(1).decode("ascii").lower() if match else None
    family = DECLARED_CHARSETS.get(declared or "")
    try:
        text, found = decode_bytes(data, str(path))
    except DecodeError as err:
        raise DecodeError(f"{err} (the page declares charset {declared})" if declared else str(err)) from None
    if declared is None or found.startswith(family[0] if family else declared.replace("_", "-")):
        return text, found
    if family and found in ("gb18030", "big5") and family[0] in ("gb18030", "big5"):
        declared_text = _strict(data, family[1])
        if declared_text is not None and plausibility(declared_text, family[0]) >= MIN_PLAUSIBILITY:
            return declared_text, family[0]
    if not text.isascii():
        warnings.append(f"{path}: the page declares charset {declared} but its bytes are {found}; "
                        f"decoded as {found}")
    return text, found


def _strict(data: bytes, codecs: tuple[str, ...]) -> str | None:
    for codec in codecs:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return None


def _drop_boilerplate(root) -> None:
    from lxml_html_clean import Cleaner

    doomed = [el for el in root.iter() if isinstance(el.tag, str) and _is_boilerplate(el)]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the tail text, which belongs to the parent
    head = root.find("head")
    if head is not None:
        head.drop_tree()
    cleaner = Cleaner(scripts=True, javascript=True, comments=True, style=True, inline_style=False,
                      links=True, meta=True, page_structure=False, processing_instructions=True,
                      embedded=True, frames=True, forms=True, annoying_tags=True,
                      remove_unknown_tags=False, safe_attrs_only=False)
    cleaner(root)


def _is_boilerplate(el) -> bool:
    tag = el.tag.lower()
    if tag in ("html", "body", "main", "article"):
        return False
    style = (el.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style or el.get("hidden") is not None:
        return True
    if tag in BOILERPLATE_TAGS or (el.get("role") or "").lower() in BOILERPLATE_ROLES:
        return True
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    if tag in LANDMARK_TAGS or BOILERPLATE_NAMES.search(names):
        # A page header that holds the document's title is kept: the title is content.
        return not el.findall(".//h1") and not _inside(el, ("article", "main"))
    if tag in ("ul", "ol", "div", "table", "p", "section", "dl"):
        return _is_link_list(el)
    return False


def _inside(el, tags: tuple[str, ...]) -> bool:
    return any(isinstance(a.tag, str) and a.tag.lower() in tags for a in el.iterancestors())


def _is_link_list(el) -> bool:
    links = el.findall(".//a")
    if len(links) < LINK_LIST_MIN_LINKS:
        return False
    total = len(_WHITESPACE.sub("", el.text_content()))
    linked = sum(len(_WHITESPACE.sub("", a.text_content())) for a in links)
    return total > 0 and linked / total >= LINK_LIST_MIN_SHARE


class _Lines:
    """Accumulates inline text into lines; a block boundary or <br> ends a line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.levels: dict[int, int] = {}
        self._buffer: list[str] = []

    def add(self, text: str | None) -> None:
        if text:
            self._buffer.append(text)

    def add_raw_line(self, line: str, level: int | None) -> None:
        self.end_line(None)
        if line.strip():
            self.lines.append(line.rstrip())
            if level:
                self.levels[len(self.lines)] = level

    def end_line(self, level: int | None) -> None:
        line = _WHITESPACE.sub(" ", "".join(self._buffer)).strip(" ")
        self._buffer = []
        if line.strip():
            self.lines.append(line)
            if level:
                self.levels[len(self.lines)] = level


def _extract_lines(root) -> tuple[list[str], dict[int, int]]:
    out = _Lines()
    _walk(root, out, None)
    out.end_line(None)
    return out.lines, out.levels


def _walk(el, out: _Lines, outer_level: int | None) -> None:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    level = HEADINGS.get(tag, outer_level)
    if tag == "pre":
        out.end_line(outer_level)
        for line in el.text_content().splitlines():
            out.add_raw_line(line, level)
        return
    block = tag in BLOCK_TAGS
    if block:
        out.end_line(outer_level)  # text before this block belongs to the enclosing element
    elif tag in ("td", "th") and el.getprevious() is not None:
        out.add(" ")
    out.add(el.text)
    for child in el:
        if isinstance(child.tag, str):
            if child.tag.lower() == "br":
                out.end_line(level)
                out.add(child.tail)
                continue
            _walk(child, out, level)
        out.add(child.tail)
    if block:
        out.end_line(level)

