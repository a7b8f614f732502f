"""Cross-references over real laws: what ingest/references.py finds and resolves, and a hand check.

Reads each corpus of ../shared/corpora/ (laws-and-policies, stard-laws, versions-and-regions; a
missing one is named and skipped) with `ingest_paths` (no embedding) and resolves its references
on its own, as an index built over that folder would (`resolve_references` over its documents).
Prints, per corpus, the references found, resolved and unresolved, the same by kind (a reference
naming another document 《…》 counted apart from one into the citing document), and why the
unresolved stayed so. Then draws a reproducible sample (random.Random(7)) of 100 resolved and 50
unresolved references over all the corpora read, for a person to judge against the texts.

`--dump FILE` writes that sample as JSONL: corpus, file, clause label, the clause text with the
reference marked 【…】, the reference as written, and for a resolved one the target clause's
file, label, its first 200 characters (and the 款 it names, when it names one); for an
unresolved one the reason. `--judged FILE` (tests/data/references_check.jsonl) joins the stored
judgements by key and prints the precision (resolved judged right / 100), how many of the 50
unresolved should have resolved, and every judged row that no longer matches what the code
does now (the reference is gone, or resolves elsewhere: the sample has changed and needs judging
again), and every sampled reference without a judgement.

A judgement row carries the key, what the code did when it was judged (status, target as
「file|label」, paragraph, item), "verdict" (right / wrong for a resolved reference: does it link
the clause the text means; should_resolve / correctly_unresolved for an unresolved one: is its
target in the corpus and identifiable), a "note" saying why, and for the wrong and should_resolve
ones "should_be" (the clause it should link, or unresolved) and a "cause" (counted in the output).
A right link whose 款/项 is wrong would carry "paragraph_ok": false and be counted apart.

    .venv/bin/python -m benchmarks.references_check
    .venv/bin/python -m benchmarks.references_check --dump /tmp/references_sample.jsonl
    .venv/bin/python -m benchmarks.references_check --judged tests/data/references_check.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from policykb.ingest.model import Clause, Document
from policykb.ingest.pipeline import ingest_paths
from policykb.ingest.references import Reference, resolve_with_reasons

from benchmarks.common import SHARED, print_table

CORPORA = ("laws-and-policies", "stard-laws", "versions-and-regions")
SEED = 7
RESOLVED_SAMPLE, UNRESOLVED_SAMPLE = 100, 50
_ITEM_LINE = re.compile(r"^[\s\u3000]*[（(][一二三四五六七八九十]+[）)]")


@dataclass
class Found:
    """One reference with what is needed to show and judge it."""

    corpus: str
    document: Document
    clause: Clause
    ref: Reference
    target_document: Document | None
    target: Clause | None
    reason: str | None  # why it is unresolved, None when resolved
    reason_kind: str | None = None  # the reason without its particulars, for counting

    @property
    def key(self) -> str:
        """Stable across runs while the reference and its clause read the same: corpus/file, clause
        label, span start, text as written and the article label it names (the articles of one
        「第X条至第Y条」 share span and text)."""
        label = self.clause.label or f"#{self.clause.ordinal}"
        return (f"{self.corpus}/{self.document.file}|{label}|{self.ref.span_start}|{self.ref.text}"
                f"|{self.ref.target_label or ''}")

    @property
    def status(self) -> str:
        return "resolved" if self.target is not None else "unresolved"

    @property
    def target_name(self) -> str | None:
        """「file|label」 of the clause it resolves to, None when unresolved."""
        if self.target is None or self.target_document is None:
            return None
        return f"{self.target_document.file}|{self.target.label or '#' + str(self.target.ordinal)}"


def _paragraph_text(text: str, number: int) -> str | None:
    """The `number`th 款 of an article's text, counted as references.py counts them (lines that are
    not （一） item lines), with the item lines under it."""
    paragraphs: list[list[str]] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        if _ITEM_LINE.match(line) and paragraphs:
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
    return "\n".join(paragraphs[number - 1]) if 0 < number <= len(paragraphs) else None


def read_corpus(corpus: str, folder: Path) -> tuple[list[Document], list[Found]]:
    """The corpus's documents and every reference in them, resolved over that corpus alone."""
    documents = ingest_paths([folder], near_duplicates=False).documents
    warnings: list[str] = []
    resolved = resolve_with_reasons(documents, warn=warnings.append)
    for w in warnings:
        print(f"warning ({corpus}): {w}")
    doc_of = {c.id: d for d in documents for c in d.clauses}
    clause_of = {c.id: c for d in documents for c in d.clauses}
    out = []
    for ref, reason in resolved:
        doc, clause = doc_of[ref.clause_id], clause_of[ref.clause_id]
        target = clause_of.get(ref.resolved_clause_id) if ref.resolved_clause_id else None
        target_doc = doc_of[target.id] if target is not None else None
        kind = reason.split(":")[0] if reason else None
        out.append(Found(corpus, doc, clause, ref, target_doc, target, reason, kind))
    return documents, out


def kind_of(f: Found) -> str:
    """The reference's kind, with a citation of another document (《…》) apart."""
    return f"{f.ref.kind} (other document)" if f.ref.target_document is not None else f.ref.kind


def row_of(f: Found) -> dict:
    """What a person needs to judge one sampled reference."""
    text, r = f.clause.text, f.ref
    row = {"key": f.key, "corpus": f.corpus, "file": f.document.file, "title": f.document.title,
           "clause": f.clause.label, "clause_kind": f.clause.kind, "span_start": r.span_start,
           "text": r.text, "kind": r.kind, "target_document": r.target_document, "target_label": r.target_label,
           "paragraph": r.paragraph, "item": r.item, "status": f.status,
           "marked": text[:r.span_start] + "【" + text[r.span_start:r.span_end] + "】" + text[r.span_end:]}
    if f.target is not None:
        row["target"] = f.target_name
        row["target_text"] = f.target.text[:200]
        if r.paragraph:
            row["target_paragraph_text"] = _paragraph_text(f.target.text, r.paragraph)
    else:
        row["reason"] = f.reason
    return row


def draw_sample(found: list[Found]) -> tuple[list[Found], list[Found]]:
    """100 resolved and 50 unresolved, drawn with random.Random(7) from all references in reading order."""
    rng = random.Random(SEED)
    resolved = [f for f in found if f.target is not None]
    unresolved = [f for f in found if f.target is None]
    pick = lambda pool, n: sorted(rng.sample(range(len(pool)), min(n, len(pool))))
    return [resolved[i] for i in pick(resolved, RESOLVED_SAMPLE)], [unresolved[i] for i in pick(unresolved, UNRESOLVED_SAMPLE)]


def wilson_low(right: int, n: int, z: float = 1.96) -> float:
    """Lower end of the 95% Wilson interval of right/n."""
    if n == 0:
        return float("nan")
    p = right / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n)


def report_judged(path: Path, resolved: list[Found], unresolved: list[Found], by_key: dict[str, Found]) -> None:
    judged = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            judged[row["key"]] = row

    def current(row: dict) -> bool:
        f = by_key.get(row["key"])
        return f is not None and (f.status, f.target_name, f.ref.paragraph, f.ref.item) == (
            row["status"], row.get("target"), row.get("paragraph"), row.get("item"))

    stale = [row for row in judged.values() if not current(row)]
    verdicts = {k: row for k, row in judged.items() if current(row)}
    unjudged = [f for f in resolved + unresolved if f.key not in verdicts]
    right = sum(1 for f in resolved if verdicts.get(f.key, {}).get("verdict") == "right")
    wrong = [f for f in resolved if verdicts.get(f.key, {}).get("verdict") == "wrong"]
    paragraph_wrong = sum(1 for f in resolved if verdicts.get(f.key, {}).get("verdict") == "right"
                  and verdicts[f.key].get("paragraph_ok") is False)
    should = [f for f in unresolved if verdicts.get(f.key, {}).get("verdict") == "should_resolve"]
    fine = sum(1 for f in unresolved if verdicts.get(f.key, {}).get("verdict") == "correctly_unresolved")
    print(f"\njudgements: {path} ({len(judged)} rows)")
    print(f"resolved: {right} of {len(resolved)} right, {len(wrong)} wrong -> precision {right / len(resolved):.2f} "
          f"(95% Wilson lower bound {wilson_low(right, len(resolved)):.3f}; target >= 0.97)")
    if unjudged:
        print(f"  ({len(unjudged)} sampled references have no current judgement and count as neither: judge them first)")
    if paragraph_wrong:
        print(f"  of the right ones, {paragraph_wrong} point at the right article but record the wrong 款/项: "
              f"{right - paragraph_wrong} of {len(resolved)} right down to the 款/项")
    for f in wrong:
        print(f"  wrong: {f.key} -> {f.target_name}; should be {verdicts[f.key].get('should_be')}")
    print(f"unresolved: {len(should)} of {len(unresolved)} should have resolved, {fine} correctly unresolved")
    for f in should:
        print(f"  should resolve: {f.key} -> {verdicts[f.key].get('should_be')}")
    causes = Counter(verdicts[f.key].get("cause", "?") for f in wrong + should)
    if causes:
        print("causes of the wrong and should-resolve ones (the judgements' \"cause\"): "
              + ", ".join(f"{c} {n}" for c, n in causes.most_common()))
    print(f"judged rows that no longer match the code (sample changed): {len(stale)}")
    for row in stale:
        f = by_key.get(row["key"])
        now = "gone" if f is None else f"now {f.status} {f.target_name or ''} 款{f.ref.paragraph} 项{f.ref.item}"
        print(f"  {row['key']}: judged {row['status']} {row.get('target') or ''}, {now}")
    print(f"sampled references without a current judgement: {len(unjudged)}")
    for f in unjudged:
        print(f"  {f.key} ({f.status} {f.target_name or f.reason})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=SHARED / "corpora", help="folder holding the corpora")
    parser.add_argument("--dump", type=Path, help="write the sample as JSONL here")
    parser.add_argument("--judged", type=Path, help="stored judgements (JSONL) to score the sample with")
    args = parser.parse_args()

    found: list[Found] = []
    rows, kinds, reasons = [], Counter(), Counter()
    absent = [c for c in CORPORA if not (args.corpora / c).is_dir()]
    for corpus in CORPORA:
        if corpus in absent:
            continue
        documents, refs = read_corpus(corpus, args.corpora / corpus)
        found += refs
        resolved = sum(1 for f in refs if f.target is not None)
        rows.append({"corpus": corpus, "documents": len(documents),
                     "articles": sum(1 for d in documents for c in d.clauses if c.kind == "article"),
                     "found": len(refs), "resolved": resolved, "unresolved": len(refs) - resolved,
                     "resolved share": f"{resolved / len(refs):.1%}" if refs else "-",
                     "in non-article clauses": sum(1 for f in refs if f.clause.kind != "article")})
        for f in refs:
            kinds[(corpus, kind_of(f), f.status)] += 1
            if f.reason_kind:
                reasons[(corpus, f.reason_kind)] += 1
    if absent:
        print(f"absent (skipped): {', '.join(absent)}")
    total = {"corpus": "all", **{k: sum(r[k] for r in rows) for k in
                                 ("documents", "articles", "found", "resolved", "unresolved", "in non-article clauses")}}
    total["resolved share"] = f"{total['resolved'] / total['found']:.1%}" if total["found"] else "-"
    print_table(rows + [total], ["corpus", "documents", "articles", "found", "resolved", "unresolved",
                                 "resolved share", "in non-article clauses"], "References per corpus")
    print()
    kind_rows = []
    for corpus in [r["corpus"] for r in rows]:
        for kind in sorted({k for c, k, _ in kinds if c == corpus}):
            res, unres = kinds[(corpus, kind, "resolved")], kinds[(corpus, kind, "unresolved")]
            kind_rows.append({"corpus": corpus, "kind": kind, "found": res + unres, "resolved": res, "unresolved": unres})
    print_table(kind_rows, ["corpus", "kind", "found", "resolved", "unresolved"], "By kind")
    print()
    print_table([{"corpus": c, "reason": r, "references": n} for (c, r), n in sorted(reasons.items())],
                ["corpus", "reason", "references"], "Why the unresolved stayed so")

    by_key: dict[str, Found] = {}
    for f in found:
        if f.key in by_key:
            print(f"warning: two references share the key {f.key}")
        by_key.setdefault(f.key, f)
    resolved_sample, unresolved_sample = draw_sample(found)
    print(f"\nsample (random.Random({SEED})): {len(resolved_sample)} resolved, {len(unresolved_sample)} unresolved "
          f"over {', '.join(r['corpus'] for r in rows)}")
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for f in resolved_sample + unresolved_sample:
                out.write(json.dumps(row_of(f), ensure_ascii=False) + "\n")
        print(f"wrote {args.dump}")
    if args.judged:
        report_judged(args.judged, resolved_sample, unresolved_sample, by_key)


if __name__ == "__main__":
    main()
