"""The simplified/traditional display toggle: clause text shown in another script.

`script` is "original" (as written), "hans" (simplified, OpenCC t2s) or "hant"
(traditional with Taiwan phrasing, OpenCC s2twp). Only display text changes;
citations stay as the source writes them, so they can be checked against it.
Highlights are rebuilt on the converted text: each piece between marks is
converted on its own (conversion may change lengths), then escaped, so the HTML
still holds nothing but escaped text and <mark>.
"""

from __future__ import annotations

import html

SCRIPTS = ("original", "hans", "hant")


def convert(text: str, script: str) -> str:
    if script == "original" or not text:
        return text
    from ingest.normalize import to_simplified, to_traditional

    return to_simplified(text) if script == "hans" else to_traditional(text)


def highlight_in(text: str, spans: list[tuple[int, int]], script: str) -> tuple[str, list[tuple[int, int]], str]:
    """(converted text, its spans, escaped HTML with <mark>) for `text` with `spans` marked."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for start, end in spans:
        pieces.append((text[pos:start], False))
        pieces.append((text[start:end], True))
        pos = end
    pieces.append((text[pos:], False))
    out_text, out_spans, out_html = [], [], []
    length = 0
    for piece, marked in pieces:
        converted = convert(piece, script)
        if marked:
            out_spans.append((length, length + len(converted)))
            out_html.append(f"<mark>{html.escape(converted)}</mark>")
        else:
            out_html.append(html.escape(converted))
        out_text.append(converted)
        length += len(converted)
    return "".join(out_text), out_spans, "".join(out_html)


def result_for_display(result: dict, script: str) -> dict:
    """A search result dict (SearchResult.to_dict) with `text` and `highlights` in `script`."""
    if script == "original":
        return result
    marks = result.get("highlights") or {"spans": [], "terms": []}
    text, spans, marked = highlight_in(result["text"], [tuple(s) for s in marks["spans"]], script)
    return {**result, "text": text,
            "highlights": {"spans": [list(s) for s in spans], "html": marked, "terms": marks["terms"]}}
