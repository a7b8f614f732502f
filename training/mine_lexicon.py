"""Candidate lay -> legal word pairs from question <-> gold-article pairs (for curating the lexicon).

    python -m training.mine_lexicon [--fold K --folds 2] [--min-count 3]

For every question and each of its gold articles: the question's words the article lacks
(lay words) and the article's words the question lacks (legal words) are counted as pairs.
A pair is printed when it occurs at least --min-count times, the legal word follows the lay
word in at least 30% of that word's questions, and the legal word is at least 5x more common
in these gold articles than in the corpus at large (lift). Most such pairs are topical
(公益 -> 人民检察院), not synonyms: the output is for a person to read, never used as is.
"""

from __future__ import annotations

import argparse
from collections import Counter

from training.train_query_adapter import DEFAULT_CORPUS, DEFAULT_QUERIES, fold_of


def _words(text: str, stop: frozenset[str]) -> set[str]:
    from policykb.text.normalize import search_form
    from policykb.text.tokens import words

    return {w for w, _ in words(search_form(text)) if len(w) >= 2 and w not in stop and not w.isdigit()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--queries", default=str(DEFAULT_QUERIES))
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    p.add_argument("--folds", type=int, default=0, help="mine only the questions outside --fold")
    p.add_argument("--fold", type=int, default=0)
    p.add_argument("--min-count", type=int, default=3)
    args = p.parse_args(argv)
    import json

    from policykb.ingest.pipeline import ingest_paths
    from policykb.text.tokens import stopwords
    from policykb.service.evaluation import file_match, gold_groups, norm

    stop = stopwords()
    import os

    clauses = [(os.path.basename(d.file), norm(c.text), c.search_text)
               for d in ingest_paths([args.corpus], jobs=1).documents for c in d.clauses]
    article_words = [_words(search, stop) for _, _, search in clauses]
    df = Counter(w for ws in article_words for w in ws)
    n = len(clauses)
    lay_count, pairs = Counter(), Counter()
    for line in open(args.queries, encoding="utf-8"):
        q = json.loads(line)
        if args.folds and fold_of(q["id"], args.folds) == args.fold:
            continue
        question = _words(q["query"], stop)
        for alternatives in gold_groups(q["gold"]):
            golds = [i for i, (f, text, _) in enumerate(clauses)
                     if any(m and m in text and file_match(f, gf) for gf, m in alternatives)]
            if not golds:
                continue
            article = set().union(*(article_words[i] for i in golds))
            for lay in question - article:
                lay_count[lay] += 1
                for legal in article - question:
                    pairs[lay, legal] += 1
    rows = []
    for (lay, legal), count in pairs.items():
        share = count / lay_count[lay]
        lift = share / (df[legal] / n)
        if count >= args.min_count and share >= 0.3 and lift >= 5:
            rows.append((count, lift, lay, legal, share))
    for count, lift, lay, legal, share in sorted(rows, key=lambda r: (-r[0], -r[1])):
        print(f"{lay}\t{legal}\tcount {count}\tof {lay_count[lay]}\tshare {share:.2f}\tlift {lift:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
