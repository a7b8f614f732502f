"""Build a tiny, real sentence-transformers model on disk, with no download.

It is a genuine BERT (2 layers, hidden size 32, 2 heads) with a WordPiece
tokenizer over a small vocabulary of CJK characters, wrapped in
sentence-transformers' Transformer + mean Pooling modules and saved the way
``SentenceTransformer.save`` saves any model. Its weights are random (seeded),
so its vectors mean nothing, but loading and encoding go through exactly the
code path a downloaded model would.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Characters of the policy texts the tests embed; anything else becomes [UNK].
CHARACTERS = (
    "基层干部每年参加各类学习培训的时间累计一般不少于学时城建档案馆经费投入"
    "党员教育工作规划意见通知办法条例第一二三四五六七八九十章节条款国家中央组织部"
    "问文0123456789abcdefghijklmnopqrstuvwxyz，。；：、（）《》"
)
HIDDEN = 32


def build_tiny_st_model(path: str | Path, prompts: dict[str, str] | None = None, seed: int = 0) -> str:
    """Write the tiny model to ``path`` and return the path as a string.

    ``prompts`` (e.g. ``{"query": "问：", "document": "文："}``) are saved in the
    model's configuration, as asymmetric models such as bge do.
    """
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    try:  # sentence-transformers >= 6
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:
        from sentence_transformers.models import Pooling, Transformer
    from sentence_transformers import SentenceTransformer

    target = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        hf_dir = Path(tmp)
        vocab = SPECIAL_TOKENS + list(dict.fromkeys(CHARACTERS))
        (hf_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
        # from_pretrained on a folder holding only vocab.txt works in transformers 4 and 5 alike
        tokenizer = BertTokenizerFast.from_pretrained(str(hf_dir), do_lower_case=True, model_max_length=64)
        config = BertConfig(
            vocab_size=len(vocab), hidden_size=HIDDEN, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=64, max_position_embeddings=64,
        )
        with torch.random.fork_rng():  # seeded weights without disturbing the caller's RNG
            torch.manual_seed(seed)
            bert = BertModel(config)
        bert.save_pretrained(hf_dir)
        tokenizer.save_pretrained(hf_dir)

        transformer = Transformer(str(hf_dir), max_seq_length=64)
        pooling = Pooling(HIDDEN, pooling_mode="mean")
        model = SentenceTransformer(modules=[transformer, pooling], device="cpu", prompts=prompts)
        model.save(str(target))
    return str(target)
