"""A trainer's handout as DOCX (python-docx): the question, each clause as a quotation with its
citation, and the reference list in GB/T 7714 order (顺序编码制: numbered by first citation).

East Asian text is set in 宋体 (SimSun) and headings in 黑体 (SimHei), fonts Word and WPS have;
LibreOffice substitutes a CJK font it has. The file and lines stay under each quotation in small
grey type, for whoever checks the quotation against the source.
"""

from __future__ import annotations

import io

from policykb.service.export.selection import ExportedClause, Selection
from policykb.service.export.xml_text import xml_safe

BODY_FONT, HEADING_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"


THEME_FONTS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _set_rfonts(rpr, east_asian: str, latin: str) -> None:
    """Name the fonts in an rPr and drop its theme fonts: Word takes a theme font over a named one."""
    from docx.oxml.ns import qn

    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attribute in THEME_FONTS:
        fonts.attrib.pop(qn(attribute), None)
    for attribute, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asian)):
        fonts.set(qn(attribute), value)


def _set_fonts(style, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Latin and East Asian fonts of a style: python-docx's `font.name` sets only the Latin ones."""
    style.font.name = latin
    _set_rfonts(style.element.get_or_add_rPr(), east_asian, latin)


def _chinese_defaults(document) -> None:
    """The document's default run properties: 宋体, and Chinese as the East Asian language."""
    from docx.oxml.ns import qn

    rpr = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_rfonts(rpr, BODY_FONT, LATIN_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def checked_at(selection: Selection, item: ExportedClause) -> str:
    """Where a checker finds the quotation: file and lines, the version, and the permalink when the
    export knows the server's address (a bare 「/#doc=…」 opens nothing from a printed page)."""
    parts = [item.citations.locator]
    if item.clause.document.version:
        parts.append(f"版本 {item.clause.document.version}")
    if selection.base_url:
        parts.append(selection.permalink(item))
    return "，".join(parts)


def docx_bytes(selection: Selection) -> bytes:
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Cm, Pt, RGBColor

    document = Document()
    _chinese_defaults(document)
    styles = document.styles
    _set_fonts(styles["Normal"], BODY_FONT)
    styles["Normal"].font.size = Pt(11)
    for name in ("Title", "Heading 1", "Heading 2"):
        _set_fonts(styles[name], HEADING_FONT)
    quote = styles.add_style("Policykb Quote", WD_STYLE_TYPE.PARAGRAPH)
    quote.base_style = styles["Normal"]
    quote.paragraph_format.left_indent = Cm(1)
    quote.paragraph_format.right_indent = Cm(0.5)
    _set_fonts(quote, "楷体")

    document.add_heading(xml_safe(selection.title), level=0)
    if selection.query:
        document.add_paragraph(xml_safe(f"问题：{selection.query}"))
    document.add_paragraph(f"共 {len(selection.clauses)} 条，引用日期 {selection.accessed.isoformat()}。")
    for item in selection.clauses:
        document.add_paragraph(xml_safe(item.clause.text), style=quote)
        cite = document.add_paragraph()
        cite.paragraph_format.left_indent = Cm(1)
        cite.add_run(xml_safe(f"——{item.citations.legal}[{selection.reference_number(item)}]"))
        where = cite.add_run(xml_safe(f"\n{checked_at(selection, item)}"))
        where.font.size = Pt(8)
        where.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
    document.add_heading("参考文献", level=1)
    for number, first in selection.references():
        entry = document.add_paragraph(xml_safe(f"[{number}] {first.citations.gbt7714_2015}"))
        entry.paragraph_format.left_indent = Cm(0.8)
        entry.paragraph_format.first_line_indent = Cm(-0.8)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
