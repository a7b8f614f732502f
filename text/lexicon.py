"""A lay-to-legal lexicon: the everyday words people ask with, and the words the law uses.

BM25 finds nothing for 老公 in a code that says 配偶, or for 工资 where the article says
劳动报酬. The lexicon (``data/lay_legal_lexicon.txt``, curated by hand: see its header)
maps a lay expression to the legal terms that stand for it; the search core adds those
terms to the BM25 query when the question contains the lay expression, as it adds Cilin's
synonyms, unless the corpus itself uses the expression as a term (公务员法 says 辞退: there a
question about 辞退 is searched as asked, not as 解除劳动合同). Matching is on the question's
search form, by substring, so it does not depend on how jieba cuts 欠钱 or 老公.

The index manifest records the lexicon's name and checksum (:func:`lexicon_record`), so an
index is served with the lexicon it was built with, or with a warning.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

LEXICON_FILE = "lay_legal_lexicon.txt"
LEXICON_NAME = "lay-legal-v1"


@dataclass(frozen=True)
class Lexicon:
    """Legal terms by lay expression (simplified Chinese, the search form's script)."""

    terms: dict[str, tuple[str, ...]]
    name: str
    sha256: str

    @classmethod
    def parse(cls, text: str, name: str = LEXICON_NAME) -> Lexicon:
        """From lines ``lay<TAB>legal legal ...``; ``#`` starts a comment. Raises ValueError on a bad line."""
        terms: dict[str, list[str]] = {}
        for number, line in enumerate(text.splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            lay, sep, legal = line.partition("\t")
            if not sep or not lay.strip() or not legal.split():
                raise ValueError(f"{LEXICON_FILE} line {number}: expected 'lay<TAB>legal term ...', got {line!r}")
            bucket = terms.setdefault(lay.strip(), [])
            bucket.extend(t for t in legal.split() if t not in bucket)
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return cls({k: tuple(v) for k, v in terms.items()}, name, sha)

    @property
    def record(self) -> dict[str, str]:
        """What the index manifest stores about this lexicon."""
        return {"name": self.name, "sha256": self.sha256}

    def legal_terms(self, query_form: str, in_use=lambda expression: False) -> list[str]:
        """Legal terms for the lay expressions in ``query_form`` (longest expressions first;
        one inside a longer match is not used), without duplicates or terms the query has.

        ``in_use(expression)`` says the corpus itself uses the expression as a term (e.g.
        公务员法's 辞退): it is then searched as itself, not widened to another law's word.
        """
        taken = [False] * len(query_form)
        out: list[str] = []
        for lay in sorted(self.terms, key=len, reverse=True):
            start = query_form.find(lay)
            while start != -1:
                end = start + len(lay)
                if not any(taken[start:end]):
                    taken[start:end] = [True] * len(lay)
                    if not in_use(lay):
                        out.extend(t for t in self.terms[lay] if t not in out and t not in query_form)
                    break
                start = query_form.find(lay, start + 1)
        return out


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The bundled lexicon."""
    text = (resources.files("policykb.text") / "data" / LEXICON_FILE).read_text(encoding="utf-8")
    return Lexicon.parse(text)


def lexicon_record() -> dict[str, str]:
    return lexicon().record
