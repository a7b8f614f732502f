"""Any sentence-transformers model already on this machine: a directory, or the local HF cache.

Nothing is ever downloaded: the hub is switched to offline mode before
sentence-transformers is imported, and a hub name is resolved in the local
cache only. Queries and passages use the model's own configured prompts
(``prompts`` with a ``query`` and a ``document``/``passage``/``corpus`` key),
else none. Inputs longer than the model's limit (at most 512 tokens) are
truncated by the tokenizer.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from policykb.index.embedders.base import MAX_TOKENS, ModelNotFound, as_text_list

# What marks a directory as a loadable model (sentence-transformers, or plain transformers + mean pooling).
MODEL_MARKERS = ("modules.json", "config_sentence_transformers.json", "config.json")


class SentenceTransformerEmbedder:
    """A local sentence-transformers model on CPU, with normalized embeddings."""

    def __init__(self, model_id: str, path: Path, threads: int | None = None) -> None:
        self.model_id = model_id
        self._model = _load(str(path), threads)
        self.dim: int = int(_dimension(self._model))

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed passages with the model's document/passage prompt, if it has one."""
        items = as_text_list(texts)
        if hasattr(self._model, "encode_document"):  # sentence-transformers >= 5
            vectors = self._model.encode_document(items, batch_size=batch_size, **_ENCODE_ARGS)
        else:
            prompt_name = self._prompt("document", "passage", "corpus")
            vectors = self._model.encode(items, batch_size=batch_size, prompt_name=prompt_name, **_ENCODE_ARGS)
        return _as_matrix(vectors, len(items), self.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries with the model's query prompt, if it has one."""
        items = as_text_list(texts)
        if hasattr(self._model, "encode_query"):
            vectors = self._model.encode_query(items, **_ENCODE_ARGS)
        else:
            vectors = self._model.encode(items, prompt_name=self._prompt("query"), **_ENCODE_ARGS)
        return _as_matrix(vectors, len(items), self.dim)

    def _prompt(self, *names: str) -> str | None:
        prompts = getattr(self._model, "prompts", None) or {}
        return next((name for name in names if prompts.get(name)), None)


_ENCODE_ARGS = {"normalize_embeddings": True, "convert_to_numpy": True, "show_progress_bar": False}


def resolve_model(model: str) -> tuple[str, Path]:
    """The manifest id and local directory for ``model`` (a path or a hub name); ModelNotFound if absent.

    A string that exists on disk, or looks like a path (absolute, ``./``, ``~``,
    more than one ``/``), is a directory. Otherwise it is a hub name such as
    ``BAAI/bge-small-zh-v1.5``, looked up in the local Hugging Face cache only.
    """
    _go_offline()
    path = Path(model).expanduser()
    if path.exists() or _looks_like_path(model):
        path = path.resolve()
        if not path.is_dir() or not any((path / marker).is_file() for marker in MODEL_MARKERS):
            raise ModelNotFound(_missing_dir_message(model, path))
        return f"st:{path}", path
    return f"st:{model}", _cached_snapshot(model)


def _looks_like_path(model: str) -> bool:
    return os.path.isabs(model) or model.startswith((".", "~")) or model.count("/") > 1 or "\\" in model


def _cached_snapshot(name: str) -> Path:
    """The cached snapshot directory of hub model ``name``; never touches the network."""
    from huggingface_hub import constants, snapshot_download

    cache = Path(constants.HF_HUB_CACHE)
    try:
        snapshot = Path(snapshot_download(name, local_files_only=True))
    except Exception as exc:  # the hub raises several types for "not cached" / bad name
        raise ModelNotFound(_missing_hub_message(name, cache)) from exc
    if not any((snapshot / marker).is_file() for marker in MODEL_MARKERS):
        raise ModelNotFound(_missing_hub_message(name, cache))
    return snapshot


def _missing_dir_message(model: str, path: Path) -> str:
    what = "does not exist" if not path.exists() else "has no modules.json or config.json"
    return (
        f"Embedding model {model!r} not found: the directory {path} {what}. "
        f"Put a sentence-transformers model directory at {path} (the folder that "
        "SentenceTransformer.save() writes, with modules.json and config.json), "
        "or omit --model to use the bundled default (multilingual-e5-small)."
    )


def _missing_hub_message(name: str, cache: Path) -> str:
    return (
        f"Embedding model {name!r} not found: it is not in the local Hugging Face cache "
        f"({cache}), and policykb never downloads models. Either pre-download it on a machine "
        f"with network (`hf download {name}`) and copy the cache folder "
        f"models--{name.replace('/', '--')} into {cache}, or save the model as a directory and "
        "pass its path to --model, or omit --model to use the bundled default (multilingual-e5-small)."
    )


def _go_offline() -> None:
    """Forbid hub downloads; must run before huggingface_hub/transformers are imported (they read it once)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@lru_cache(maxsize=4)
def _load(path: str, threads: int | None):  # -> SentenceTransformer; read-only after loading
    _go_offline()
    import torch
    from sentence_transformers import SentenceTransformer

    if threads:
        torch.set_num_threads(threads)  # torch honours this after import, unlike OpenMP env vars
    try:
        model = SentenceTransformer(path, device="cpu", local_files_only=True)
    except OSError as exc:  # e.g. weights or tokenizer files missing from the directory
        raise ModelNotFound(
            f"Embedding model at {path} could not be loaded ({exc}). Make it a complete "
            "sentence-transformers model directory (as SentenceTransformer.save() writes it), "
            "or omit --model to use the bundled default (multilingual-e5-small)."
        ) from exc
    model.eval()
    limit = model.max_seq_length
    model.max_seq_length = MAX_TOKENS if not limit else min(limit, MAX_TOKENS)
    return model


def _dimension(model) -> int:
    get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = get()
    if dim is None:  # a pipeline whose last module does not declare its size
        dim = model.encode(["x"], convert_to_numpy=True).shape[1]
    return dim


def _as_matrix(vectors, n: int, dim: int) -> np.ndarray:
    return np.asarray(vectors, dtype=np.float32).reshape(n, dim)
