"""OFD reader (ofdkit): GB/T 33190 fixed-layout documents, the text of every page as
paragraphs with their pages.

ofdkit (standard library only; it tolerates the usual producers' slips) gives each
page's text objects with their positions, templates' text included. They are grouped
into printed lines (ingest.formats.layout.lines_from_boxes), then reflowed as PDF pages
are: running headers, footers and page numbers dropped, hard line-wraps joined; line N
is the N-th paragraph and `line_pages` gives its page(s).

An OFD whose pages hold no text (a scan kept as images) is refused with the reason.
"""

from __future__ import annotations

from pathlib import Path

from policykb.ingest.errors import IngestError, NeedsOCR
from policykb.ingest.formats.layout import LayoutPage, lines_from_boxes, reflow
from policykb.ingest.model import SourceText


def read(path: Path, data: bytes) -> SourceText:
    import ofdkit

    try:
        with ofdkit.open(data) as document:
            pages = [LayoutPage(number, _page_lines(page)) for number, page in enumerate(document.pages, start=1)]
            title = (document.info.title or "").strip() if getattr(document, "info", None) else ""
    except ofdkit.OFDError as err:
        raise IngestError(f"{path}: not a readable OFD file ({err}); it may be damaged or not an OFD at all; "
                          f"re-export or re-download it") from None
    except Exception as err:  # a damaged ZIP or XML deep inside
        raise IngestError(f"{path}: the OFD file is damaged ({type(err).__name__}: {err}); re-export or "
                          f"re-download it") from None
    if not pages:
        raise IngestError(f"{path}: the OFD file has no pages")
    flowed = reflow(pages)
    if not flowed.lines:
        raise NeedsOCR(f"{path}: its {len(pages)} page(s) hold no text (a scan kept as images?); policykb "
                       f"OCRs scanned PDFs: export it to PDF from an OFD reader and ingest that")
    source = SourceText(path=str(path), format="ofd", lines=flowed.lines, encoding=None,
                        line_pages=flowed.line_pages, page_count=len(pages))
    if title:
        source.front_matter = {"title": title}
    damaged = [page.number for page in pages if any("\ufffd" in line.text for line in page.lines)]
    if damaged:  # ofdkit decodes a page's XML that is not valid UTF-8 with replacement, and says nothing
        source.warnings.append(f"{path}: page(s) {', '.join(map(str, damaged))} hold characters that could not be "
                               f"decoded (shown as '\ufffd'; the page's XML may be damaged); re-export the OFD")
    return source


def _page_lines(page):
    seen: set[tuple] = set()
    items = []
    for run in page.runs:
        text = run.text
        if not text.strip():
            continue
        key = (text, round(run.x, 1), round(run.y, 1))
        if key in seen:  # producers draw some text twice (bold by overprinting)
            continue
        seen.add(key)
        size = run.size if run.size > 0 else (run.width / max(1, len(text)))
        items.append((text, run.x, run.x + run.width, run.y - size, run.y))
    return lines_from_boxes(items)
