"""Fine-tune the shared encoder so a mention lands next to its ICD-10-CM code's description.

Loss: InfoNCE over in-batch negatives plus one hierarchy-aware hard negative per query (the
description of a sibling code under the same parent: "chronic systolic HF" must beat I50.23's
neighbours I50.21/I50.22, not just "fracture of femur"). Columns that describe the query's own
code are masked, so two queries for I50.9 in a batch do not push each other apart. The embeddings
and the lower three layers are frozen (a CPU budget of minutes: backward runs through three
layers only; the int8 Gather keeps pretrained ranges); the projection head starts from a PCA of the base model's description embeddings.

    python -m export.train_linker --data ../shared/data --out build/linker --steps 600
"""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from export.linker_data import build_pairs, siblings, split_heldout
from export.linker_model import EMBED_DIM, LinkerEncoder, base_model_dir, load_base
from rules_native.codesets import load_icd10cm

MAX_LEN = 32
# Abbreviations are few (a few hundred) but what notes are written in; inclusion terms are real
# synonyms where index phrases are rebuilt from paths. Repeat them so each is seen several times.
REPEATS = {"abbrev": 15, "inclusion": 2}
FROZEN_LAYERS = 3


def make_tokenizer(max_len: int = MAX_LEN):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
    tok.enable_truncation(max_len)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


def encode(tok, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    enc = tok.encode_batch(texts)
    ids = torch.tensor([e.ids for e in enc], dtype=torch.long)
    mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.long)
    return ids, mask


@torch.no_grad()
def embed_texts(model, tok, texts: list[str], batch: int = 256, pooled: bool = False) -> np.ndarray:
    model.eval()
    out = []
    for i in range(0, len(texts), batch):
        ids, mask = encode(tok, texts[i:i + batch])
        out.append((model.pooled(ids, mask) if pooled else model(ids, mask)).numpy())
    return np.concatenate(out)


def pca_init(model: LinkerEncoder, tok, texts: list[str], seed: int) -> None:
    """Start the 384->128 projection at the top principal axes of description embeddings."""
    sample = random.Random(seed).sample(texts, min(3000, len(texts)))
    x = embed_texts(model, tok, sample, pooled=True)
    _, _, vt = np.linalg.svd(x - x.mean(0), full_matrices=False)
    model.proj.weight.data = torch.from_numpy(vt[:model.proj.out_features].copy()).float()


def info_nce(q, pos, neg, q_codes, neg_codes, temperature: float) -> torch.Tensor:
    cands = torch.cat([pos, neg])
    logits = q @ cands.T / temperature
    col_codes = q_codes + neg_codes
    n = len(q_codes)
    same = torch.tensor([[qc == cc for cc in col_codes] for qc in q_codes])
    same[torch.arange(n), torch.arange(n)] = False
    logits = logits.masked_fill(same, float("-inf"))
    return F.cross_entropy(logits, torch.arange(n))


def batches(train, sibs, desc, batch: int, seed: int):
    rng = random.Random(seed)
    order = list(range(len(train)))
    while True:
        rng.shuffle(order)
        for s in range(0, len(order) - batch + 1, batch):
            rows = [train[i] for i in order[s:s + batch]]
            negs = []
            for p in rows:
                options = [c for c in sibs.get(p.code, ()) if c != p.code]
                negs.append(rng.choice(options) if options else rng.choice(list(desc)))
            yield rows, negs


def train(data_dir: Path, out: Path, steps: int, batch: int, lr: float, seed: int,
          temperature: float = 0.05) -> dict:
    torch.manual_seed(seed)
    cm = load_icd10cm()
    targets, pairs = build_pairs(cm, data_dir)
    train_pairs, held = split_heldout(pairs, seed=seed)
    train_pairs = [p for p in train_pairs for _ in range(REPEATS.get(p.source, 1))]
    desc = {c: cm.description(c) for c in targets}
    model = LinkerEncoder(load_base(), EMBED_DIM)
    for frozen in [model.bert.embeddings, *model.bert.encoder.layer[:FROZEN_LAYERS]]:
        frozen.requires_grad_(False)
    tok = make_tokenizer()
    pca_init(model, tok, list(desc.values()), seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / steps))
    sibs = siblings(cm, targets)
    t0, log = time.time(), []
    model.train()
    for step, (rows, negs) in zip(range(steps), batches(train_pairs, sibs, desc, batch, seed)):
        q = model(*encode(tok, [p.text for p in rows]))
        pos = model(*encode(tok, [desc[p.code] for p in rows]))
        neg = model(*encode(tok, [desc[c] for c in negs]))
        loss = info_nce(q, pos, neg, [p.code for p in rows], negs, temperature)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        if step % 10 == 0:
            log.append((step, round(loss.item(), 4), round(time.time() - t0, 1)))
            print(f"step {step} loss {loss.item():.4f} {time.time() - t0:.0f}s", flush=True)
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out / "linker.pt")
    info = {"steps": steps, "batch": batch, "lr": lr, "seed": seed, "temperature": temperature,
            "train_pairs": len(train_pairs), "heldout_pairs": len(held), "targets": len(targets),
            "train_seconds": round(time.time() - t0, 1), "loss_log": log}
    (out / "train_info.json").write_text(json.dumps(info, indent=1))
    return info


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("build/linker"))
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    train(a.data, a.out, a.steps, a.batch, a.lr, a.seed)


if __name__ == "__main__":
    main()
