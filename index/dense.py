"""Dense vectors in FAISS, keyed by int64 ids that the store maps to clauses/passages.

Vectors are L2-normalized, so inner product is the cosine. The index type is chosen by
the number of vectors (`choose_index_spec`; figures in docs/performance.md):

- up to `FLAT_MAX` vectors: exact search (`IndexIDMap2(IndexFlatIP)`, "flat-ip"):
  no recall loss, ~2.5 ms per query at 13.5k vectors but ~50 ms at 135k and ~0.5 s at
  1.35M on this project's shared 2-core machine;
- above: an inverted file with 8-bit scalar-quantized vectors ("ivf-sq8",
  `IndexIVFScalarQuantizer`, inner product), nlist ≈ 4·√n lists and `nprobe` lists
  searched per query: ~1 ms per query, a quarter of flat's memory; recall@10 against
  exact search 0.97 at 135k vectors and 0.945 at 1.35M (nprobe 96). "ivf-fp16" (half
  precision, half of flat's memory) and "hnsw" can be forced for measurement.

The kind and its parameters are recorded in the manifest (`index_kind`, `index_params`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FLAT_MAX = 50_000  # vectors; above this an approximate index is built (flat: ~50 ms at 135k vectors)
IVF_NPROBE = 96  # lists searched per query (recall@10 vs exact: 0.97 at 135k, 0.945 at 1.35M vectors)
IVF_TRAIN_MAX = 200_000  # vectors sampled to train the coarse quantizer and the SQ ranges
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 96
KINDS = ("flat-ip", "ivf-sq8", "ivf-fp16", "hnsw")
_QUANTIZERS = {"ivf-sq8": "QT_8bit", "ivf-fp16": "QT_fp16"}


@dataclass(frozen=True)
class IndexSpec:
    """A FAISS index type and its parameters, as the manifest records them."""

    kind: str = "flat-ip"
    params: dict = field(default_factory=dict)


def ivf_lists(n_vectors: int) -> int:
    """nlist ≈ 4·√n rounded to a power of two (FAISS's guideline), at least 64."""
    return max(64, 2 ** round(math.log2(4 * math.sqrt(max(n_vectors, 1)))))


def choose_index_spec(n_vectors: int, kind: str | None = None) -> IndexSpec:
    """The index to build for this many vectors; `kind` forces one of KINDS (benchmarks)."""
    kind = kind or ("flat-ip" if n_vectors <= FLAT_MAX else "ivf-sq8")
    if kind == "flat-ip":
        return IndexSpec("flat-ip", {"metric": "inner_product"})
    if kind in _QUANTIZERS:
        nlist = ivf_lists(n_vectors)
        return IndexSpec(kind, {"metric": "inner_product", "nlist": nlist, "nprobe": min(IVF_NPROBE, nlist),
                                "quantizer": _QUANTIZERS[kind], "train_max": IVF_TRAIN_MAX})
    if kind == "hnsw":
        return IndexSpec("hnsw", {"metric": "inner_product", "M": HNSW_M,
                                  "efConstruction": HNSW_EF_CONSTRUCTION, "efSearch": HNSW_EF_SEARCH})
    raise ValueError(f"Unknown dense index kind {kind!r}; use one of: {', '.join(KINDS)}.")


def choose_index_kind(n_vectors: int) -> str:
    """The kind name of `choose_index_spec` (kept for callers that only need the name)."""
    return choose_index_spec(n_vectors).kind


def _make_index(spec: IndexSpec, vectors: np.ndarray, dim: int):
    import faiss

    p = spec.params
    if spec.kind == "flat-ip":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    if spec.kind in _QUANTIZERS:
        quantizer = faiss.IndexFlatIP(dim)
        qtype = getattr(faiss.ScalarQuantizer, p["quantizer"])
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, p["nlist"], qtype,
                                              faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)  # seeded sample: the same vectors build the same index
        sample = vectors if len(vectors) <= p["train_max"] else \
            vectors[np.sort(rng.choice(len(vectors), p["train_max"], replace=False))]
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        index.nprobe = p["nprobe"]
        return index
    index = faiss.IndexHNSWFlat(dim, p["M"], faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = p["efConstruction"]
    index.hnsw.efSearch = p["efSearch"]
    return faiss.IndexIDMap2(index)


@dataclass
class DenseIndex:
    """A FAISS index; `search` returns (ids, scores) best first."""

    index: object
    kind: str = "flat-ip"
    params: dict = field(default_factory=dict)

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray, dim: int, kind: str | None = None) -> "DenseIndex":
        """Index `vectors` under `ids`, with the type `choose_index_spec` picks for their number
        (or `kind`, forced, as benchmarks do)."""
        spec = choose_index_spec(len(ids), kind)
        if kind is None and spec.kind != "flat-ip" and len(ids) < spec.params.get("nlist", 0) * 39:
            spec = choose_index_spec(len(ids), "flat-ip")  # too few vectors to train lists on
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = _make_index(spec, vectors, dim)
        if len(ids):
            index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))
        return cls(index, spec.kind, dict(spec.params))

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> "DenseIndex":
        import faiss

        index = faiss.read_index(str(path))
        try:
            ivf = faiss.extract_index_ivf(index)
        except RuntimeError:
            ivf = None
        if ivf is not None:
            sq = faiss.downcast_index(ivf)
            fp16 = isinstance(sq, faiss.IndexIVFScalarQuantizer) and sq.sq.qtype == faiss.ScalarQuantizer.QT_fp16
            kind = "ivf-fp16" if fp16 else "ivf-sq8"
            return cls(index, kind, {"nlist": int(ivf.nlist), "nprobe": int(ivf.nprobe)})
        inner = faiss.downcast_index(index.index) if hasattr(index, "index") else index
        if isinstance(inner, faiss.IndexHNSW):
            return cls(index, "hnsw", {"efSearch": int(inner.hnsw.efSearch)})
        return cls(index, "flat-ip", {})

    @property
    def dim(self) -> int:
        return int(self.index.d)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ids and inner products for one query vector; `allowed_ids` restricts the search.

        With an IVF index and a filter, four times as many lists are searched, since
        the allowed vectors may sit in few of them.
        """
        import faiss

        k = min(k, self.size)
        if k <= 0 or (allowed_ids is not None and len(allowed_ids) == 0):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        params = None
        if allowed_ids is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed_ids, dtype=np.int64))
            if self.kind in _QUANTIZERS:
                nlist = int(self.params.get("nlist", 1))
                params = faiss.SearchParametersIVF(sel=selector, nprobe=min(nlist, 4 * int(self.params["nprobe"])))
            else:
                params = faiss.SearchParameters(sel=selector)
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]
