"""Citation formats of a clause or a document, each a function of the stored metadata.

`record.py` turns an ingested Document (and Clause) into a `CitedDocument` / `CitedClause`;
one module per format family renders it: `gbt7714.py` (GB/T 7714—2015 and —2025 reference
entries), `legal_style.py` (法学引注手册 in-text citations), `csl.py` (CSL-JSON), `ris.py`
and `bibtex.py`. A field the document does not state is left out of every format, never
filled in; a year inferred from the 文号 or title is never written as the document's date.
"""
