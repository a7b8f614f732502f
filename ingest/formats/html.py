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
Numeric character references that name no character (`&#0;`, surrogates such as
`&#xD800;`, beyond U+10FFFF) or a control character are dropped with a warning naming
them, rather than becoming U+FFFD or control characters in clause text. Elements nested
up to 2048 deep are read (lxml's huge_tree); a page nested deeper is refused, since the
parser stops there and the rest of its text would be lost.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from policykb.ingest.encoding import MIN_PLAUSIBILITY, decode_text, plausibility
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
_NUMERIC_REFERENCE = re.compile(r"&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));?")
# Controls a character reference may name in text: tab, LF, FF, CR.
TEXT_CONTROLS = frozenset((0x09, 0x0A, 0x0C, 0x0D))
REFERENCES_NAMED = 5  # a warning quotes at most this many bad references

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
    text = _drop_bad_references(text, path, warnings)
    parser = lxml.html.HTMLParser(huge_tree=True)  # else libxml2 silently stops 256 elements deep
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (ParserError, ValueError) as err:
        raise IngestError(f"{path}: cannot be parsed as HTML ({err})") from None
    for error in parser.error_log:
        if "Excessive depth" in error.message:
            raise IngestError(
                f"{path}: elements are nested deeper than the HTML parser reads ({error.message.split(',')[0]}, "
                f"at line {error.line} of the page), so its text from there on would be lost; the page was "
                f"refused. Open it in a browser and save it again, or save its text as .txt, and ingest that")
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
        decoded = decode_text(data, str(path))
    except DecodeError as err:
        raise DecodeError(f"{err} (the page declares charset {declared})" if declared else str(err)) from None
    text, found = decoded.text, decoded.encoding
    warnings.extend(decoded.warnings)
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


def _drop_bad_references(text: str, path: Path, warnings: list[str]) -> str:
    """`text` without numeric character references to no character or to a control character
    (a parser turns them into U+FFFD or controls); a warning names the ones dropped and their lines."""
    dropped: list[tuple[str, int]] = []

    def check(match: re.Match) -> str:
        hex_digits, digits = match.groups()
        code = int(hex_digits, 16) if hex_digits else int(digits)
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF and (code >= 0x20 or code in TEXT_CONTROLS) \
                and code != 0x7F and (code & 0xFFFE) != 0xFFFE:
            return match.group(0)
        line = text.count("\n", 0, match.start()) + 1 if len(dropped) < REFERENCES_NAMED else 0
        dropped.append((match.group(0), line))
        return ""

    cleaned = _NUMERIC_REFERENCE.sub(check, text)
    if dropped:
        shown = ", ".join(f"{ref} (line {line})" for ref, line in dropped[:REFERENCES_NAMED])
        more = f" and {len(dropped) - REFERENCES_NAMED} more" if len(dropped) > REFERENCES_NAMED else ""
        warnings.append(f"{path}: dropped {len(dropped)} character reference(s) that name no character or a "
                        f"control character: {shown}{more}; the text around them is kept. Check the page's "
                        f"source if a character is missing there")
    return cleaned


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


def _walk(root, out: _Lines, outer_level: int | None) -> None:
    """Lines of `root`'s text in document order. Iterative (a stack, not recursion), since a
    page may nest elements 2048 deep, past Python's recursion limit."""
    # Work items: ("open", element, enclosing heading level), ("close", element, its level),
    # ("break", None, level) for a <br>, ("text", tail, None) for the text after a child.
    stack: list[tuple[str, Any, int | None]] = [("open", root, outer_level)]
    while stack:
        action, item, level = stack.pop()
        if action == "text":
            out.add(item)
        elif action == "break":
            out.end_line(level)
        elif action == "close":
            if item.tag.lower() in BLOCK_TAGS:
                out.end_line(level)
        else:
            stack.extend(reversed(_open(item, out, level)))


def _open(el, out: _Lines, outer_level: int | None) -> list[tuple[str, object, int | None]]:
    """Emit what comes before `el`'s children; return the work items for its children, in order."""
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    level = HEADINGS.get(tag, outer_level)
    if tag == "pre":
        out.end_line(outer_level)
        for line in el.text_content().splitlines():
            out.add_raw_line(line, level)
        return []
    if tag in BLOCK_TAGS:
        out.end_line(outer_level)  # text before this block belongs to the enclosing element
    elif tag in ("td", "th") and el.getprevious() is not None:
        out.add(" ")
    out.add(el.text)
    items: list[tuple[str, object, int | None]] = []
    for child in el:
        if isinstance(child.tag, str):
            if child.tag.lower() == "br":
                items.append(("break", None, level))
            else:
                items.append(("open", child, level))
        items.append(("text", child.tail, None))
    if isinstance(el.tag, str):
        items.append(("close", el, level))
    return items
