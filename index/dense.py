"""Dense vectors in FAISS, keyed by int64 ids that the store maps to clauses/passages.

Vectors are L2-normalized, so inner product is the cosine. The index type is chosen by
the number of vectors (`choose_index_spec`; figures in docs/performance.md, "FAISS index
types"):

- up to `FLAT_MAX` vectors: exact search (`IndexIDMap2(IndexFlatIP)`, "flat-ip"):
  no recall loss, ~2.5 ms per query at 13.5k vectors but ~50 ms at 135k and ~0.5 s at
  1.35M on this project's shared 2-core machine;
- above: an inverted file with half-precision vectors ("ivf-fp16",
  `IndexIVFScalarQuantizer` QT_fp16 on residuals, inner product), nlist ≈ 4·√n lists and
  `IVF_NPROBE` = 96 lists searched per query. recall@10 against exact search: 0.970 at
  135k vectors (~1–1.5 ms per query) and 0.987 at 1.35M (4–9 ms, shared machine), at
  781 bytes per vector (1.05 GB at 1.35M; flat takes 1,544).

Why fp16 and not 8-bit ("ivf-sq8", 397 B/vector, still selectable): at 1.35M vectors the
exact top-10 lie within ~0.002 of cosine of each other, and 8-bit codes cannot order them:
ivf-sq8 levels off at recall 0.93–0.953 however many lists are searched, while ivf-fp16 and
an unquantized IVF reach 0.99 at the same nprobe. At 135k the lists searched, not the
codes, limit recall (ivf-sq8, ivf-fp16 and unquantized IVF all give 0.97 at nprobe 96).
"hnsw" can be forced for measurement (4 ms per query at 135k, 1,816 B/vector, slow to build).

The kind and its parameters are recorded in the manifest (`index_kind`, `index_params`);
`DenseIndex.load` reads both back from the FAISS file itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FLAT_MAX = 50_000  # vectors; above this an approximate index is built (flat: ~50 ms at 135k vectors)
IVF_NPROBE = 96  # lists searched per query (ivf-fp16 recall@10 vs exact: 0.97 at 135k, 0.99 at 1.35M vectors)
IVF_TRAIN_MAX = 200_000  # vectors sampled to train the coarse quantizer (and the SQ ranges)
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 96
KINDS = ("flat-ip", "ivf-fp16", "ivf-sq8", "hnsw")
APPROXIMATE_KIND = "ivf-fp16"  # built above FLAT_MAX
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
    kind = kind or ("flat-ip" if n_vectors <= FLAT_MAX else APPROXIMATE_KIND)
    if kind == "flat-ip":
        return IndexSpec("flat-ip", {"metric": "inner_product"})
    if kind in _QUANTIZERS:
        nlist = ivf_lists(n_vectors)
        return IndexSpec(kind, {"metric": "inner_product", "nlist": nlist, "nprobe": min(IVF_NPROBE, nlist),
                                "quantizer": _QUANTIZERS[kind]})
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
        sample = vectors if len(vectors) <= IVF_TRAIN_MAX else \
            vectors[np.sort(rng.choice(len(vectors), IVF_TRAIN_MAX, replace=False))]
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        index.nprobe = p["nprobe"]
        return index
    hnsw = faiss.IndexHNSWFlat(dim, p["M"], faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = p["efConstruction"]
    hnsw.hnsw.efSearch = p["efSearch"]
    return faiss.IndexIDMap2(hnsw)


def describe_index(index) -> tuple[str, dict]:
    """The kind and params of a FAISS index this module built (as `choose_index_spec` names them)."""
    import faiss

    metric = "inner_product" if index.metric_type == faiss.METRIC_INNER_PRODUCT else "l2"
    try:
        ivf: faiss.Index | None = faiss.extract_index_ivf(index)
    except RuntimeError:
        ivf = None
    if ivf is not None:
        ivf = faiss.downcast_index(ivf)
        if not isinstance(ivf, faiss.IndexIVFScalarQuantizer):
            raise ValueError(f"Unsupported IVF index {type(ivf).__name__}; rebuild the index (policykb ingest).")
        names = {getattr(faiss.ScalarQuantizer, q): (kind, q) for kind, q in _QUANTIZERS.items()}
        kind, qname = names[ivf.sq.qtype]
        return kind, {"metric": metric, "nlist": int(ivf.nlist), "nprobe": int(ivf.nprobe), "quantizer": qname}
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap) else index
    if isinstance(inner, faiss.IndexHNSW):
        return "hnsw", {"metric": metric, "M": int(inner.hnsw.nb_neighbors(1)),  # type: ignore[attr-defined]  # faiss's stubs lack HNSW.nb_neighbors
                        "efConstruction": int(inner.hnsw.efConstruction), "efSearch": int(inner.hnsw.efSearch)}
    return "flat-ip", {"metric": metric}


@dataclass
class DenseIndex:
    """A FAISS index; `search` returns (ids, scores) best first."""

    index: Any  # a faiss.Index (its SWIG methods take more than faiss's stubs say: search's params=)
    kind: str = "flat-ip"
    params: dict = field(default_factory=dict)

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray, dim: int, kind: str | None = None) -> DenseIndex:
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
    def load(cls, path: Path) -> DenseIndex:
        """Read an index written by `save`; its kind and params are read from the index itself
        (the same values `build` recorded in the manifest)."""
        import faiss

        index = faiss.read_index(str(path))
        kind, params = describe_index(index)
        return cls(index, kind, params)

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
        params: faiss.SearchParameters | None = None
        if allowed_ids is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed_ids, dtype=np.int64))
            if self.kind in _QUANTIZERS:
                nlist = int(self.params.get("nlist", 1))
                params = faiss.SearchParametersIVF(sel=selector, nprobe=min(nlist, 4 * int(self.params["nprobe"])))  # type: ignore[call-arg]  # faiss's kwargs __init__, unstubbed
            else:
                params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]  # faiss's kwargs __init__, unstubbed
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]
