"""jieba tokens of a search form, for the lexical (BM25) index and for queries.

One dedicated `jieba.Tokenizer` with the policy-domain dictionary
(ingest/data/policy_dict.txt: 干部教育培训, 脱产培训, 组工干部, 学时, 政务处分 …) and a
stopword list (ingest/data/stopwords.txt: function words only; 不得/应当 carry meaning
in policy text and stay). Tokens are jieba's search mode, widened: besides each word
of `cut` it emits every dictionary word inside it (jieba's `cut_for_search` stops at
2- and 3-character ones), so 组工干部教育培训 gives 组工干部, 干部教育培训, 教育培训, 干部,
教育, 培训 … and a query for any of them meets the clause; BM25's IDF keeps the extra
sub-words from drowning the whole term.

`dictionary_hash()` names the segmentation; an index records it and refuses queries
tokenized by another one.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

SEGMENTER_NAME = "jieba-search"
_DICT_FILE = "policy_dict.txt"
_STOPWORDS_FILE = "stopwords.txt"
_HMM = True  # lets jieba keep names it does not know (地名、人名) as one token


def _data_text(name: str) -> str:
    return (resources.files("ingest") / "data" / name).read_text(encoding="utf-8")


def _is_word(token: str) -> bool:
    """True for tokens with a letter, digit or Chinese character (not punctuation/space)."""
    return any(ch.isalnum() for ch in token)


@dataclass(frozen=True)
class Segmenter:
    """jieba in search mode with the policy dictionary and stopwords; build via `segmenter()`."""

    tokenizer: object
    stopwords: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def load(cls) -> "Segmenter":
        import jieba

        jieba.setLogLevel(logging.WARNING)  # jieba prints its cache-building chatter at INFO
        tok = jieba.Tokenizer()
        tok.initialize()
        with resources.as_file(resources.files("ingest") / "data" / _DICT_FILE) as path:
            tok.load_userdict(str(path))
        stop = frozenset(w.strip() for w in _data_text(_STOPWORDS_FILE).splitlines() if w.strip())
        return cls(tokenizer=tok, stopwords=stop)

    def tokenize(self, search_text: str) -> list[str]:
        """Tokens of a search form (see ingest.normalize.search_form), in text order.

        Stopwords, punctuation and whitespace are dropped, Latin is lowercased, and a
        number stays apart from its unit (100学时 → "100", "学时").
        """
        out: list[str] = []
        for word in self.tokenizer.cut(search_text, HMM=_HMM):
            for token in (*self._sub_words(word), word):
                token = token.strip().lower()
                if token and _is_word(token) and token not in self.stopwords:
                    out.append(token)
        return out

    def _sub_words(self, word: str) -> list[str]:
        """Dictionary words strictly inside `word`, shortest first, left to right."""
        freq = self.tokenizer.FREQ
        n = len(word)
        return [word[i:i + size] for size in range(2, n) for i in range(n - size + 1)
                if freq.get(word[i:i + size])]


@lru_cache(maxsize=1)
def segmenter() -> Segmenter:
    """The shared segmenter (loading jieba's dictionary takes about a second)."""
    return Segmenter.load()


def tokenize(search_text: str) -> list[str]:
    """Tokens of a search form with the default segmenter (see `Segmenter.tokenize`)."""
    return segmenter().tokenize(search_text)


@lru_cache(maxsize=1)
def dictionary_hash() -> str:
    """First 16 hex of sha256 over dictionary, stopwords, jieba version and mode."""
    import jieba

    h = hashlib.sha256()
    for part in (_data_text(_DICT_FILE), _data_text(_STOPWORDS_FILE), jieba.__version__,
                 f"{SEGMENTER_NAME} HMM={_HMM}"):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]
