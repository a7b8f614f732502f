"""CSV and XLSX: one row per clause, its text, its citation fields and every citation format.

The CSV is UTF-8 with a byte-order mark, so Excel and WPS open its Chinese text as such; in the
XLSX a text that starts with 「=」 stays text, never a formula. A CSV has no cell types, so a text
cell that starts with = + - @ (or a tab or carriage return) gets a leading apostrophe, as OWASP's
CSV-injection advice says: the spreadsheet shows it as text instead of running it as a formula.
Unknown fields are empty cells; `year_inferred` says when the year was read from the 文号 or title.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from policykb.service.export.selection import ExportedClause, Selection
from policykb.service.export.xml_text import xml_safe

Column = tuple[str, Callable[[ExportedClause], object] | None]

COLUMNS: list[Column] = [
    ("rank", lambda e: e.rank),
    ("clause_id", lambda e: e.clause.clause_id),
    ("text", lambda e: e.clause.text),
    ("title", lambda e: e.clause.document.title),
    ("issuer", lambda e: e.clause.document.issuer),
    ("doc_number", lambda e: e.clause.document.doc_number),
    ("date", lambda e: e.clause.document.date),
    ("year", lambda e: e.clause.document.year),
    ("year_inferred", lambda e: e.clause.document.year_inferred),
    ("doc_type", lambda e: e.clause.document.doc_type),
    ("url", lambda e: e.clause.document.url),
    ("label", lambda e: e.clause.label),
    ("section_path", lambda e: " › ".join(e.clause.section_path)),
    ("document_id", lambda e: e.clause.document.document_id),
    ("version", lambda e: e.clause.document.version),
    ("file", lambda e: e.clause.document.file),
    ("line_start", lambda e: e.clause.line_start),
    ("line_end", lambda e: e.clause.line_end),
    ("page_start", lambda e: e.clause.page_start),
    ("page_end", lambda e: e.clause.page_end),
    ("paragraph_start", lambda e: e.clause.paragraph_start),
    ("paragraph_end", lambda e: e.clause.paragraph_end),
    ("locator", lambda e: e.citations.locator),
    ("permalink", None),  # the selection's: absolute when the export knows the server's address
    ("citation_legal", lambda e: e.citations.legal),
    ("citation_gbt7714_2015", lambda e: e.citations.gbt7714_2015),
    ("citation_gbt7714_2025", lambda e: e.citations.gbt7714_2025),
    ("csl_json", lambda e: e.citations.csl_json),
    ("ris", lambda e: e.citations.ris),
    ("bibtex", lambda e: e.citations.bibtex),
]
HEADERS = [name for name, _ in COLUMNS]


def rows(selection: Selection) -> list[list[object]]:
    """The table's rows (without the header); None for an unknown field."""
    return [[selection.permalink(item) if get is None else get(item) for _, get in COLUMNS]
            for item in selection.clauses]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value as the CSV writes it: None empty, a text a spreadsheet would run as a formula quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(selection: Selection) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows([[csv_cell(v) for v in row] for row in rows(selection)])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(selection: Selection) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "条款"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(selection):
        sheet.append([xml_safe(v) for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, as written: openpyxl would store 「=…」 as a formula
    sheet.freeze_panes = "A2"
    wide = {"text": 60, "title": 30, "citation_legal": 40, "citation_gbt7714_2015": 60, "citation_gbt7714_2025": 60}
    for i, name in enumerate(HEADERS, 1):
        letter = sheet.cell(row=1, column=i).column_letter
        sheet.column_dimensions[letter].width = wide.get(name, 14)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
