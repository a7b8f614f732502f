"""The export formats by name: what each is called, its media type and file extension, its writer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from policykb.service.export import bundles, handout, markdown, tabular
from policykb.service.export.selection import Selection


@dataclass(frozen=True)
class ExportFormat:
    name: str
    media_type: str
    extension: str
    write: Callable[[Selection], bytes]


FORMATS = {f.name: f for f in (
    ExportFormat("csv", "text/csv; charset=utf-8", "csv", tabular.csv_bytes),
    ExportFormat("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
                 tabular.xlsx_bytes),
    ExportFormat("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx",
                 handout.docx_bytes),
    ExportFormat("md", "text/markdown; charset=utf-8", "md", markdown.markdown_bytes),
    ExportFormat("ris", "application/x-research-info-systems; charset=utf-8", "ris", bundles.ris_bytes),
    ExportFormat("bibtex", "application/x-bibtex; charset=utf-8", "bib", bundles.bibtex_bytes),
    ExportFormat("csl-json", "application/vnd.citationstyles.csl+json; charset=utf-8", "json", bundles.csl_json_bytes),
)}
