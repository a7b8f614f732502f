"""Exports of search results and selections: CSV, XLSX, a DOCX handout, Markdown, and
RIS / BibTeX / CSL-JSON bundles.

`selection.py` gathers what is exported (the question, and each clause with its citation
record, from a search, a list of clause ids or whole documents); `writers.py` picks the
writer by format name; one module per writer family renders a Selection to bytes.
"""
