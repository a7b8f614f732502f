"""Word tokens of a search form, for the lexical (BM25) index and for queries.

Segmentation is jieba's algorithm run by rjieba (jieba-rs: the same dictionary, DAG and
HMM, 12–21× faster than the Python jieba), with the policy-domain dictionary
(text/data/policy_dict.txt: 干部教育培训, 脱产培训, 组工干部, 学时, 政务处分 …) and a
stopword list (text/data/stopwords.txt: function words only; 不得/应当 carry meaning
in policy text and stay). Latin/digit runs that jieba-rs keeps whole (2013-2017,
1.2.1, www.gov.cn) are split the way Python jieba splits them (2013 / 2017), so a
query for a year meets a range that contains it; on the bundled and laws corpora the
cuts are then identical to Python jieba's (benchmarks/segmentation.py).

Tokens are search mode, widened: besides each word of `cut` it emits every dictionary
word inside it (jieba's `cut_for_search` stops at 2- and 3-character ones), so
组工干部教育培训 gives 组工干部, 干部教育培训, 教育培训, 干部, 教育, 培训 … and a query for any
of them meets the clause; BM25's IDF keeps the extra sub-words from drowning the whole term.

`dictionary_hash()` names the segmentation (dictionary, stopwords, engine and version);
an index records it, and a file's fingerprint includes it, so a change of segmenter
re-parses every file on the next ingest.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Protocol

SEGMENTER_NAME = "rjieba-search"
_DICT_FILE = "policy_dict.txt"
_STOPWORDS_FILE = "stopwords.txt"
_HMM = True  # lets jieba keep names it does not know (地名、人名) as one token
_EXPANDED_MAX = 200_000  # distinct words remembered per segmenter (~50 MB at most)
# The longest word of jieba's own dictionary (侵华日军南京大屠杀遇难同胞纪念馆), which rjieba ships
# too: no sub-word is longer than this or the longest policy-dictionary word.
_ENGINE_LONGEST_WORD = 16
# A word longer than this is a run of letters or digits with no break (or a garbled line),
# not a compound of dictionary words: it is kept whole and not searched for sub-words.
SUB_WORD_SCAN_MAX = 256
# Python jieba's split of a non-Chinese run it has no word for (jieba.finalseg.re_skip).
_JIEBA_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")


class Engine(Protocol):
    """What the segmenter needs from a jieba implementation."""

    def cut(self, text: str, hmm: bool = True) -> list[str]: ...

    def has_word(self, word: str) -> bool: ...


def _data_text(name: str) -> str:
    return (resources.files("policykb.text") / "data" / name).read_text(encoding="utf-8")


def policy_dictionary() -> list[tuple[str, int, str | None]]:
    """(word, frequency, tag) of every entry of the policy dictionary."""
    entries = []
    for line in _data_text(_DICT_FILE).splitlines():
        parts = line.split()
        if parts:
            freq = int(parts[1]) if len(parts) > 1 else 2000
            entries.append((parts[0], freq, parts[2] if len(parts) > 2 else None))
    return entries


@lru_cache(maxsize=1)
def longest_dictionary_word() -> int:
    """Characters in the longest word of the segmenter's dictionaries (jieba's and the policy one)."""
    return max([_ENGINE_LONGEST_WORD] + [len(word) for word, _, _ in policy_dictionary()])


def stopwords() -> frozenset[str]:
    return frozenset(w.strip() for w in _data_text(_STOPWORDS_FILE).splitlines() if w.strip())


def _is_word(token: str) -> bool:
    """True for tokens with a letter, digit or Chinese character (not punctuation/space)."""
    return any(ch.isalnum() for ch in token)


@dataclass(frozen=True)
class Segmenter:
    """jieba search-mode tokens with the policy dictionary and stopwords; build via `segmenter()`.

    `engine` is an rjieba.Jieba loaded with the policy dictionary (any object with
    jieba's `cut(text, hmm)` and `has_word(word)` works, which is how the benchmark
    runs the same rules on Python jieba).
    """

    engine: Engine
    stopwords: frozenset[str] = field(default_factory=frozenset)
    longest_word: int = field(default_factory=longest_dictionary_word)  # no sub-word is longer
    # word -> its tokens; words repeat so much that this saves most dictionary look-ups
    _expanded: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls) -> Segmenter:
        import rjieba

        engine = rjieba.Jieba()  # its own dictionary: nothing global is changed
        for word, freq, tag in policy_dictionary():
            engine.add_word(word, freq, tag)
        return cls(engine=engine, stopwords=stopwords())

    def cut(self, search_text: str) -> list[str]:
        """jieba's `cut` (HMM on), with non-Chinese runs split as Python jieba splits them."""
        out: list[str] = []
        for word in self.engine.cut(search_text, _HMM):
            if len(word) > 1 and word.isascii() and not word.isalnum() and not self.engine.has_word(word):
                out.extend(piece for piece in _JIEBA_SKIP.split(word) if piece)
            else:
                out.append(word)
        return out

    def tokenize(self, search_text: str) -> list[str]:
        """Tokens of a search form (see ingest.normalize.search_form), in text order.

        Stopwords, punctuation and whitespace are dropped, Latin is lowercased, and a
        number stays apart from its unit (100学时 → "100", "学时").
        """
        out: list[str] = []
        tokens_of = self._cached_tokens
        for word in self.cut(search_text):
            out.extend(tokens_of(word))
        return out

    def words(self, search_text: str) -> list[tuple[str, tuple[str, ...]]]:
        """Each word jieba cuts, lowercased, with its tokens (sub-words, then the word itself).

        Words that leave no token (stopwords, punctuation) are left out; the tokens of
        all words, in order, are `tokenize`'s.
        """
        tokens_of = self._cached_tokens
        return [(word.strip().lower(), tokens) for word in self.cut(search_text) if (tokens := tokens_of(word))]

    def _cached_tokens(self, word: str) -> tuple[str, ...]:
        tokens = self._expanded.get(word)
        if tokens is None:
            if len(self._expanded) >= _EXPANDED_MAX:
                self._expanded.clear()
            tokens = self._expanded[word] = self._tokens_of(word)
        return tokens

    def _tokens_of(self, word: str) -> tuple[str, ...]:
        """The sub-words and the word itself, cleaned, stopwords and punctuation dropped."""
        out = []
        for token in (*self._sub_words(word), word):
            token = token.strip().lower()
            if token and _is_word(token) and token not in self.stopwords:
                out.append(token)
        return tuple(out)

    def _sub_words(self, word: str) -> list[str]:
        """Dictionary words strictly inside `word`, shortest first, left to right.

        Only lengths up to the longest dictionary word are looked up, so the cost is linear
        in the word's length (trying every length was cubic: 8,000 letters in a row took
        24 s); a word longer than SUB_WORD_SCAN_MAX is not searched at all.
        """
        n = len(word)
        if n < 3 or n > SUB_WORD_SCAN_MAX:
            return []
        has_word = self.engine.has_word
        return [word[i:i + size] for size in range(2, min(n, self.longest_word + 1)) for i in range(n - size + 1)
                if has_word(word[i:i + size])]


@lru_cache(maxsize=1)
def segmenter() -> Segmenter:
    """The shared segmenter of this process (loading takes about 0.1 s)."""
    return Segmenter.load()


def tokenize(search_text: str) -> list[str]:
    """Tokens of a search form with the default segmenter (see `Segmenter.tokenize`)."""
    return segmenter().tokenize(search_text)


def words(search_text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Words of a search form with their tokens, with the default segmenter (see `Segmenter.words`)."""
    return segmenter().words(search_text)


@lru_cache(maxsize=1)
def dictionary_hash() -> str:
    """First 16 hex of sha256 over dictionary, stopwords, segmenter engine, version and mode."""
    from importlib.metadata import version

    h = hashlib.sha256()
    for part in (_data_text(_DICT_FILE), _data_text(_STOPWORDS_FILE), f"rjieba {version('rjieba')}",
                 f"{SEGMENTER_NAME} HMM={_HMM}"):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]
