"""A query adapter: low-rank (LoRA) weights that move e5's *query* encoder toward lay wording.

People ask 「老公欠的钱我要不要还」; the article says 「夫妻一方…个人债务」. The adapter is
trained (``training/train_query_adapter.py``) on real lay questions and the articles that
answer them, with the passage vectors held fixed: only the query side changes, so an index's
passage vectors are the same with or without it and nothing is re-embedded to adopt it.

An adapter is a folder in peft's format (``adapter_config.json``,
``adapter_model.safetensors``) plus ``adapter.json`` naming it and the base model it was
trained against. The bundled one ships inside the package (``ADAPTERS_DIR``). On first use
its weights are merged into the converted e5 model with peft and cached next to it
(:func:`merged_model_dir`); the ONNX runtime then exports that folder as it exports the base
model, so a query costs exactly what it cost before.

The adapter changes the scale of query-passage cosines, so ``adapter.json`` also carries the
band of relevant cosines on the new scale (``cosine_band``, found by the trainer without labels:
see ``training/train_query_adapter.py``), which confidence reads instead of e5's.

The index manifest records the adapter by name and weight checksum
(:attr:`QueryAdapter.record`); an index is queried with the adapter it was built with.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from policykb.index.embedders.base import ModelNotFound

ADAPTERS_DIR = Path(__file__).resolve().parent / "adapters"
BUNDLED_ADAPTER = "stard-lay-query-v1"
WEIGHTS = "adapter_model.safetensors"
INFO = "adapter.json"
MERGE_VERSION = 1  # bump when the merge changes, so old merged folders are not reused


@dataclass(frozen=True)
class QueryAdapter:
    """One adapter on disk: its folder, name and the sha256 of its weights."""

    name: str
    folder: Path
    sha256: str
    base_model: str  # the model name it was trained against (e5_torch.MODEL_NAME)
    # (floor, span) of relevant query-passage cosines on this encoder's scale, for confidence's
    # semantic term (search/confidence.py); None: e5's own band
    cosine_band: tuple[float, float] | None = None

    @property
    def record(self) -> dict[str, str]:
        """What the index manifest stores about this adapter."""
        return {"name": self.name, "sha256": self.sha256}

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.sha256[:12]}"

    @classmethod
    def from_folder(cls, folder: str | Path) -> QueryAdapter:
        folder = Path(folder)
        weights, info = folder / WEIGHTS, folder / INFO
        if not weights.is_file() or not info.is_file():
            raise ModelNotFound(
                f"{folder} is not a query adapter: it needs {WEIGHTS} and {INFO} "
                "(train one with `python -m training.train_query_adapter`).")
        meta = json.loads(info.read_text(encoding="utf-8"))
        band = tuple(meta["cosine_band"]) if meta.get("cosine_band") else None
        return cls(meta["name"], folder, hashlib.sha256(weights.read_bytes()).hexdigest(), meta["base_model"], band)


def bundled_adapter() -> QueryAdapter | None:
    """The adapter this policykb ships, or None if its files are absent (e.g. a trimmed install)."""
    return adapter_named(BUNDLED_ADAPTER) if BUNDLED_ADAPTER in adapter_names() else None


def adapter_names() -> list[str]:
    """The adapters this policykb ships, by name."""
    return sorted(p.name for p in ADAPTERS_DIR.iterdir() if (p / WEIGHTS).is_file()) if ADAPTERS_DIR.is_dir() else []


def adapter_named(name: str) -> QueryAdapter:
    """A shipped adapter by name, or a folder path; ModelNotFound saying which there are otherwise."""
    folder = ADAPTERS_DIR / name if (ADAPTERS_DIR / name).is_dir() else Path(name)
    if not (folder / WEIGHTS).is_file():
        raise ModelNotFound(f"No query adapter {name!r}: this policykb ships {', '.join(adapter_names()) or 'none'} "
                            "(or give an adapter folder's path).")
    return QueryAdapter.from_folder(folder)


def adapter_for_record(record: dict | None) -> QueryAdapter | None:
    """The adapter a manifest recorded, or None if it recorded none.

    Raises ModelNotFound when the recorded adapter is not one this policykb ships:
    queries would be embedded by another encoder than the one the index was built for.
    """
    if not record:
        return None
    name = str(record.get("name"))
    bundled = adapter_named(name) if name in adapter_names() else None
    if bundled is None or bundled.sha256 != record.get("sha256"):
        have = bundled.tag if bundled else ", ".join(adapter_names()) or "none"
        raise ModelNotFound(
            f"The index was built with the query adapter {record.get('name')}@{str(record.get('sha256'))[:12]}, "
            f"and this policykb has {have}. Rebuild the index with `policykb ingest PATH... --index DIR` "
            "(passage vectors are reused from the cache: only the manifest changes), or use the policykb "
            "version that built it.")
    return bundled


def merged_model_dir(adapter: QueryAdapter) -> Path:
    """The converted e5 folder with ``adapter`` merged into its weights, built on first use.

    Needs torch and peft the first time (as the base conversion needs torch); later loads
    read the cached folder.
    """
    from policykb.index.embedders.e5_torch import MODEL_NAME, WEIGHTS_FILE, build_folder_atomically, cache_root, converted_model_dir

    if adapter.base_model != MODEL_NAME:
        raise ModelNotFound(f"The query adapter {adapter.tag} was trained for {adapter.base_model}, not {MODEL_NAME}.")
    base = converted_model_dir()
    key = f"{base.name}:{adapter.sha256}:{MERGE_VERSION}"
    target = cache_root() / f"{MODEL_NAME}-qa-{adapter.name}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    if not (target / WEIGHTS_FILE).is_file():
        build_folder_atomically(target, WEIGHTS_FILE, lambda staging: _merge(base, adapter, staging))
    return target


def _merge(base: Path, adapter: QueryAdapter, folder: Path) -> None:
    """Write ``base`` with the LoRA weights merged in (peft's merge_and_unload) to ``folder``."""
    import shutil

    from transformers import XLMRobertaModel

    try:
        from peft import PeftModel
    except ImportError as exc:  # pragma: no cover - peft is a dependency; this guards a trimmed env
        raise ModelNotFound("Merging the query adapter needs peft: `pip install peft`.") from exc
    from policykb.index.embedders.sentence_transformers import _go_offline

    _go_offline()
    model = XLMRobertaModel.from_pretrained(str(base), add_pooling_layer=False, local_files_only=True)
    merged = PeftModel.from_pretrained(model, str(adapter.folder)).merge_and_unload()
    merged.save_pretrained(str(folder), safe_serialization=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        if (base / name).is_file():
            shutil.copyfile(base / name, folder / name)
