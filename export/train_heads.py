"""Train the two heads on the committed encoder's frozen token states: a BIO NER tagger and a
label-attention (PLM-ICD/LAAT) document classifier over the codes of ≥ 3 CodiEsp train notes.

    python -m export.train_heads --data ../shared/data --out model_repository/code_linker/heads

Token states come from the committed int8 graph, exactly as ``server.models.heads.NoteModel``
computes them at serve time (same chunking, same batching), once per note, cached under
``build/heads/`` keyed by the graph's sha256. Then, with fixed seeds on CPU:

1. classifier out of fold: for k in 0..4 train on train notes with ``fold_of(id) != k``, predict
   fold k -> ``build/heads/oof_lat.npz`` (doc_ids, codes, systems, probs float16) and the OOF MAP;
2. classifier on all of train -> committed; its MAP on CodiEsp dev (reported, never tuned on);
3. NER on silver spans of the train notes outside fold 0 plus 4/5 of the template sentences;
   entity F1 on fold 0's notes and on the held-out templates; then refit on everything -> committed.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from export.heads_data import TYPE_RANK
from server.models.heads import (NER_WINDOW, TAGS, HeadWeights, chunk_note, encode_chunks, load_tokenizer,
                                 token_state_session)
from server.models.linker import default_model_dir, file_sha256

BUILD = Path(__file__).resolve().parents[1] / "build" / "heads"
SEED = 13
VERSION = "heads-v1:ner-mlp128+laat128"
CHUNK_TOKENS = 512
STATES_FORMAT = "chunks-v1"   # bump when chunk_note or encode_chunks changes: the cache is rebuilt


# ----------------------------------------------------------------------------- token states
def note_states(texts: dict[str, str], cache: Path, model_dir: Path, threads: int = 2) -> dict:
    """Per-chunk token states of every note, computed once and cached.

    Returns doc_ids, chunk_doc (row -> doc index), chunk_start/chunk_len (into the token arrays),
    ids, offsets (-1 for [CLS]/[SEP]) and states (float16 [n_tokens, H])."""
    onnx_path = model_dir / "1" / "model.onnx"
    key = f"{file_sha256(onnx_path)[:16]}-{STATES_FORMAT}-{CHUNK_TOKENS}"
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            if str(z["key"]) == key and list(z["doc_ids"]) == list(texts):
                return {k: z[k] for k in z.files}
    session, hidden = token_state_session(onnx_path, threads)
    tok = load_tokenizer(model_dir / "tokenizer.json")
    chunk_doc, lens, ids, offs, states = [], [], [], [], []
    t0 = time.perf_counter()
    for di, text in enumerate(texts.values()):
        chunks = chunk_note(tok, text, CHUNK_TOKENS)
        st, _ = encode_chunks(session, chunks, hidden)
        for r, c in enumerate(chunks):
            n = len(c.ids)
            chunk_doc.append(di)
            lens.append(n)
            ids.append(c.ids)
            offs.append(np.concatenate([[[-1, -1]], c.offsets, [[-1, -1]]]).astype(np.int32))
            states.append(st[r, :n].astype(np.float16))
    lens_a = np.asarray(lens, np.int64)
    out = {"key": np.array(key), "doc_ids": np.array(list(texts)), "chunk_doc": np.asarray(chunk_doc, np.int32),
           "chunk_len": lens_a, "chunk_start": np.concatenate([[0], np.cumsum(lens_a)[:-1]]).astype(np.int64),
           "ids": np.concatenate(ids), "offsets": np.concatenate(offs), "states": np.concatenate(states)}
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **out)
    print(f"token states: {len(texts)} notes, {len(lens)} chunks, {len(out['ids'])} tokens "
          f"in {time.perf_counter() - t0:.0f} s -> {cache}")
    return out


def short_states(texts: list[str], model_dir: Path, threads: int = 2) -> dict:
    """Token states of short texts (template sentences), one chunk each, same layout."""
    session, hidden = token_state_session(model_dir / "1" / "model.onnx", threads)
    tok = load_tokenizer(model_dir / "tokenizer.json")
    chunks = [chunk_note(tok, t, CHUNK_TOKENS)[0] for t in texts]
    order = sorted(range(len(chunks)), key=lambda i: len(chunks[i].ids))
    st = np.zeros((0, hidden), np.float16)
    per: dict[int, np.ndarray] = {}
    for s in range(0, len(order), 32):
        rows = order[s:s + 32]
        out, _ = encode_chunks(session, [chunks[i] for i in rows], hidden, batch_size=32)
        for r, i in enumerate(rows):
            per[i] = out[r, :len(chunks[i].ids)].astype(np.float16)
    lens = np.array([len(c.ids) for c in chunks], np.int64)
    st = np.concatenate([per[i] for i in range(len(chunks))]) if chunks else st
    offs = [np.concatenate([[[-1, -1]], c.offsets, [[-1, -1]]]).astype(np.int32) for c in chunks]
    return {"doc_ids": np.arange(len(texts)).astype(str), "chunk_doc": np.arange(len(texts), dtype=np.int32),
            "chunk_len": lens, "chunk_start": np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64),
            "ids": np.concatenate([c.ids for c in chunks]), "offsets": np.concatenate(offs), "states": st}


# ----------------------------------------------------------------------------- classifier
LAT_DIM = 128       # attention and value projection width
LAT_EPOCHS = 12
LAT_BATCH_DOCS = 8
MIN_DOCS = 3


def label_matrix(folder: Path, doc_ids: list[str], cm, pcs, codes: list[tuple[str, str]] | None = None):
    """(codes [(system, code)], Y [n_docs, n_codes] float32): gold brought to FY2026 forms
    (procedure prefixes expanded with ``build_scorer.expand_pcs``); without ``codes`` the label
    set is every code of at least MIN_DOCS notes."""
    from export.build_scorer import labels

    _, per_doc = labels(folder, cm, pcs)
    if codes is None:
        df: dict[tuple[str, str], int] = {}
        for d in doc_ids:
            for sc in set(per_doc.get(d, [])):
                df[sc] = df.get(sc, 0) + 1
        codes = sorted(sc for sc, n in df.items() if n >= MIN_DOCS)
    col = {sc: j for j, sc in enumerate(codes)}
    Y = np.zeros((len(doc_ids), len(codes)), np.float32)
    for i, d in enumerate(doc_ids):
        for sc in per_doc.get(d, []):
            if sc in col:
                Y[i, col[sc]] = 1.0
    return codes, Y


def _doc_chunks(st: dict) -> list[list[tuple[int, int]]]:
    """Per document, its chunks as (token start, length)."""
    out: list[list[tuple[int, int]]] = [[] for _ in range(len(st["doc_ids"]))]
    for d, a, n in zip(st["chunk_doc"], st["chunk_start"], st["chunk_len"]):
        out[int(d)].append((int(a), int(n)))
    return out


def _batch(states, chunks_of_docs):
    """Padded float32 states [n_chunks, T, H], mask, and each chunk's document row."""
    import torch

    flat = [(r, a, n) for r, cs in enumerate(chunks_of_docs) for a, n in cs]
    T = max(n for _, _, n in flat)
    x = np.zeros((len(flat), T, states.shape[1]), np.float32)
    m = np.zeros((len(flat), T), bool)
    for i, (_, a, n) in enumerate(flat):
        x[i, :n] = states[a:a + n]
        m[i, :n] = True
    return torch.from_numpy(x), torch.from_numpy(m), torch.tensor([r for r, _, _ in flat])


class LabelAttention:
    """Torch twin of ``heads_from_states``' classifier half (same parameters, same maths)."""

    def __init__(self, hidden: int, n_codes: int, prior: np.ndarray, seed: int):
        import torch

        g = torch.Generator().manual_seed(seed)
        r = lambda *s: (torch.randn(*s, generator=g) * 0.02).requires_grad_()
        self.p = {"lat_w": r(hidden, LAT_DIM), "lat_bw": torch.zeros(LAT_DIM, requires_grad=True),
                  "lat_u": r(n_codes, LAT_DIM), "lat_wv": r(hidden, LAT_DIM), "lat_beta": r(n_codes, LAT_DIM),
                  "lat_b": torch.tensor(np.log(prior / (1 - prior)), dtype=torch.float32, requires_grad=True)}

    def chunk_logits(self, x, m):
        import torch

        p = self.p
        z = torch.tanh(x @ p["lat_w"] + p["lat_bw"])
        att = (z @ p["lat_u"].T).masked_fill(~m[..., None], float("-inf")).softmax(dim=1)
        vals = (x @ p["lat_wv"]) @ p["lat_beta"].T
        return (att * vals).sum(dim=1) + p["lat_b"]

    def doc_logits(self, x, m, rows, n_docs: int):
        import torch

        per = self.chunk_logits(x, m)
        out = torch.full((n_docs, per.shape[1]), float("-inf"))
        return out.scatter_reduce(0, rows[:, None].expand_as(per), per, reduce="amax")

    def numpy(self) -> dict[str, np.ndarray]:
        return {k: v.detach().numpy().copy() for k, v in self.p.items()}


def train_lat(st: dict, rows: list[int], Y: np.ndarray, seed: int, epochs: int = LAT_EPOCHS,
              after_epoch=None) -> LabelAttention:
    """AdamW on doc-level BCE (max over a note's chunks), dropout on the frozen states.
    ``after_epoch(epoch, model)``: a hook for probing a schedule (out of fold only)."""
    import torch

    torch.manual_seed(seed)
    states = st["states"]
    chunks = _doc_chunks(st)
    prior = np.clip(Y[rows].mean(axis=0), 1e-3, 0.5)
    model = LabelAttention(states.shape[1], Y.shape[1], prior, seed)
    opt = torch.optim.AdamW(model.p.values(), lr=2e-3, weight_decay=1e-4)
    rng = np.random.default_rng(seed)
    drop = torch.nn.Dropout(0.1)
    for ep in range(epochs):
        order = rng.permutation(rows)
        tot = 0.0
        for s in range(0, len(order), LAT_BATCH_DOCS):
            docs = order[s:s + LAT_BATCH_DOCS]
            x, m, r = _batch(states, [chunks[d] for d in docs])
            logits = model.doc_logits(drop(x), m, r, len(docs))
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.from_numpy(Y[docs]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(docs)
        if ep % 10 == 9 or ep == epochs - 1:
            print(f"    epoch {ep + 1}: loss {tot / len(rows):.4f}")
        if after_epoch is not None:
            after_epoch(ep + 1, model)
    return model


def predict_lat(model: LabelAttention, st: dict, rows: list[int]) -> np.ndarray:
    """Doc probabilities [len(rows), n_codes] (max over chunks)."""
    import torch

    chunks = _doc_chunks(st)
    out = []
    with torch.no_grad():
        for s in range(0, len(rows), LAT_BATCH_DOCS):
            docs = rows[s:s + LAT_BATCH_DOCS]
            x, m, r = _batch(st["states"], [chunks[d] for d in docs])
            out.append(torch.sigmoid(model.doc_logits(x, m, r, len(docs))).numpy())
    return np.concatenate(out)


def lat_map(folder: Path, doc_ids: list[str], probs: np.ndarray, codes: list[tuple[str, str]], cm) -> dict:
    """MAP of the ranked label set per system, with the pipeline's definition
    (``export.evaluate``): gold codes outside the label set count as misses."""
    from server.domain import CodeSystem
    from export.codiesp import canonical_cm, canonical_pcs, read_gold
    from export.evaluate import score_system

    out = {}
    for system, suffix in ((CodeSystem.ICD10CM, "D"), (CodeSystem.ICD10PCS, "P")):
        canon = (lambda x: canonical_cm(x, cm)) if suffix == "D" else canonical_pcs
        gold = {d: {c for c in (canon(x) for x in v) if c} for d, v in read_gold(folder, suffix).items()}
        gold = {d: g for d, g in gold.items() if d in set(doc_ids)}
        cols = [j for j, (s, _) in enumerate(codes) if s == system.name]
        preds = {d: [(codes[j][1], float(probs[i, j])) for j in cols] for i, d in enumerate(doc_ids)}
        out[system.name] = score_system(preds, gold, system, threshold=0.5)
    return out


def run_classifier(args, st_train: dict, st_dev: dict, cm, pcs) -> tuple[dict, list[tuple[str, str]], dict]:
    """Out-of-fold predictions, dev MAP, and the final head's parameters."""
    from export.heldout_pipeline import FOLDS, fold_of

    train_dir, dev_dir = args.data / "codiesp" / "train", args.data / "codiesp" / "dev"
    ids = [str(d) for d in st_train["doc_ids"]]
    codes, Y = label_matrix(train_dir, ids, cm, pcs)
    print(f"classifier: {len(codes)} codes in >= {MIN_DOCS} train notes "
          f"({sum(s == 'ICD10CM' for s, _ in codes)} CM, {sum(s == 'ICD10PCS' for s, _ in codes)} PCS)")
    oof = np.zeros(Y.shape, np.float32)
    for k in range(FOLDS):
        t = time.perf_counter()
        fit = [i for i, d in enumerate(ids) if fold_of(d) != k]
        held = [i for i, d in enumerate(ids) if fold_of(d) == k]
        model = train_lat(st_train, fit, Y, SEED + k)
        oof[held] = predict_lat(model, st_train, held)
        print(f"  fold {k}: {len(fit)} fit / {len(held)} held, {time.perf_counter() - t:.0f} s")
    args.work.mkdir(parents=True, exist_ok=True)
    np.savez(args.work / "oof_lat.npz", doc_ids=np.array(ids), codes=np.array([c for _, c in codes]),
             systems=np.array([s for s, _ in codes]), probs=oof.astype(np.float16))
    m_oof = lat_map(train_dir, ids, oof, codes, cm)
    t = time.perf_counter()
    final = train_lat(st_train, list(range(len(ids))), Y, SEED)
    print(f"  final head on all {len(ids)} train notes: {time.perf_counter() - t:.0f} s")
    dev_ids = [str(d) for d in st_dev["doc_ids"]]
    m_dev = lat_map(dev_dir, dev_ids, predict_lat(final, st_dev, list(range(len(dev_ids)))), codes, cm)
    # the floor: every note ranked by the codes' train frequency
    prior = np.broadcast_to(Y.mean(axis=0), (len(dev_ids), Y.shape[1]))
    metrics = {"oof": m_oof, "dev": m_dev, "dev_frequency_prior": lat_map(dev_dir, dev_ids, prior, codes, cm)}
    for name, m in metrics.items():
        print(f"  MAP {name}: diagnoses {m['ICD10CM']['map']:.4f}  procedures {m['ICD10PCS']['map']:.4f}")
    return final.numpy(), codes, metrics


# ----------------------------------------------------------------------------- NER
NER_HIDDEN = 128
NER_EPOCHS = 8
TEMPLATE_REPEAT = 3     # template tokens are few next to the notes'; repeat them in training
HELD_PATTERN = 4        # patterns with index % 5 == HELD_PATTERN are held out


def token_labels(st: dict, spans_of_doc: list[list[tuple[int, int, str]]], piece_of_id: np.ndarray) -> np.ndarray:
    """BIO tag index per token, by word: every piece of a span's first word is B, every later
    token starting inside the span I, everything else O ([CLS]/[SEP] too) — the runtime decodes
    a word from the mean of its pieces."""
    tag = {t: i for i, t in enumerate(TAGS)}
    lab = np.zeros(len(st["ids"]), np.int64)
    pieces = piece_of_id[st["ids"]]
    for d, a, n in zip(st["chunk_doc"], st["chunk_start"], st["chunk_len"]):
        offs = st["offsets"][a:a + n]
        for s, e, typ in spans_of_doc[int(d)]:
            inside = np.nonzero((offs[:, 0] >= s) & (offs[:, 0] < e))[0]
            if len(inside) == 0:
                continue
            lab[a + inside] = tag["I-" + typ]
            first = inside[0]
            if offs[first, 0] == s:
                last = first + 1
                while last < n and pieces[a + last]:
                    last += 1
                lab[a + first:a + last] = tag["B-" + typ]
    return lab


def window_rows(st: dict) -> tuple[np.ndarray, np.ndarray]:
    """Row of each token's left and right neighbour in the flat token arrays, -1 past a chunk's
    ends (the runtime's ``ner_window`` sees zeros there)."""
    n = len(st["ids"])
    prev, nxt = np.arange(n) - 1, np.arange(n) + 1
    for a, ln in zip(st["chunk_start"], st["chunk_len"]):
        prev[a], nxt[a + ln - 1] = -1, -1
    return prev, nxt


def windowed(st: dict, rows: np.ndarray, nb: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """[h_{t-1}, h_t, h_{t+1}] float32 for the given token rows."""
    S = st["states"]
    parts = []
    for idx in (nb[0][rows], rows, nb[1][rows]):
        x = S[np.maximum(idx, 0)].astype(np.float32)
        x[idx < 0] = 0.0
        parts.append(x)
    return np.concatenate(parts, axis=1)


def train_ner(sets: list[tuple[dict, np.ndarray, np.ndarray, int]], seed: int) -> dict[str, np.ndarray]:
    """A one-hidden-layer MLP over each token's 3-token window, cross-entropy. ``sets``: (states,
    labels, token rows, repeats)."""
    import torch

    torch.manual_seed(seed)
    hidden = sets[0][0]["states"].shape[1]
    net = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(NER_WINDOW * hidden, NER_HIDDEN),
                              torch.nn.ReLU(), torch.nn.Linear(NER_HIDDEN, len(TAGS)))
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    rng = np.random.default_rng(seed)
    nbs = [window_rows(st) for st, _, _, _ in sets]
    index = np.concatenate([np.stack([np.full(len(r), k), r], 1) for k, (_, _, r, rep) in enumerate(sets)
                            for _ in range(rep)])
    for ep in range(NER_EPOCHS):
        order = index[rng.permutation(len(index))]
        tot = 0.0
        for s in range(0, len(order), 512):
            batch = order[s:s + 512]
            xs, ys = [], []
            for k in np.unique(batch[:, 0]):
                r = batch[batch[:, 0] == k, 1]
                xs.append(windowed(sets[k][0], r, nbs[k]))
                ys.append(sets[k][1][r])
            loss = torch.nn.functional.cross_entropy(net(torch.from_numpy(np.concatenate(xs))),
                                                     torch.from_numpy(np.concatenate(ys)))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(batch)
        if ep == NER_EPOCHS - 1:
            print(f"    NER epoch {ep + 1}: loss {tot / len(index):.4f}")
    lin1, lin2 = net[1], net[3]
    return {"ner_w1": lin1.weight.detach().numpy().T.copy(), "ner_b1": lin1.bias.detach().numpy().copy(),
            "ner_w2": lin2.weight.detach().numpy().T.copy(), "ner_b2": lin2.bias.detach().numpy().copy()}


def _ner_logits(p: dict[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    return np.maximum(X @ p["ner_w1"] + p["ner_b1"], 0) @ p["ner_w2"] + p["ner_b2"]


def entity_f1(st: dict, chunk_rows: list[int], labels: np.ndarray, p: dict[str, np.ndarray],
              piece_of_id: np.ndarray) -> dict:
    """Entity-level exact match (span and type) of the decoded tags against the decoded gold tags
    of the same tokens, micro over the chunks given, overall and per type."""
    from server.models.heads import decode_entities

    eye = np.eye(len(TAGS), dtype=np.float32) * 10.0
    nb = window_rows(st)
    tp: dict[str, int] = {}
    npred: dict[str, int] = {}
    ngold: dict[str, int] = {}
    for r in chunk_rows:
        a, n = int(st["chunk_start"][r]), int(st["chunk_len"][r])
        inner = slice(a + 1, a + n - 1)
        offs, pieces = st["offsets"][inner], piece_of_id[st["ids"][inner]]
        x = windowed(st, np.arange(a + 1, a + n - 1), nb)
        pred = {(e.start, e.end, e.type) for e in decode_entities(_ner_logits(p, x), offs, pieces)}
        gold = {(e.start, e.end, e.type) for e in decode_entities(eye[labels[inner]], offs, pieces)}
        for name, group in (("pred", pred), ("gold", gold), ("tp", pred & gold)):
            acc = {"pred": npred, "gold": ngold, "tp": tp}[name]
            for _, _, t in group:
                acc[t] = acc.get(t, 0) + 1
                acc["all"] = acc.get("all", 0) + 1
    out = {}
    for t in ("all",) + tuple(TYPE_RANK):
        pr = tp.get(t, 0) / npred[t] if npred.get(t) else 0.0
        rc = tp.get(t, 0) / ngold[t] if ngold.get(t) else 0.0
        out[t] = {"f1": round(2 * pr * rc / (pr + rc), 4) if pr + rc else 0.0, "precision": round(pr, 4),
                  "recall": round(rc, 4), "gold": ngold.get(t, 0)}
    return out


def run_ner(args, st_train: dict, model_dir: Path) -> tuple[dict[str, np.ndarray], dict]:
    """Silver + template data, held-out F1 (fold 0 notes; held-out patterns), then a refit on all."""
    from export.heads_data import SilverTagger, drug_names, template_sentences
    from export.heldout_pipeline import fold_of
    from rules_native.codesets import load_icd10cm, load_icd10pcs
    from server.pipeline import Pipeline
    from export.codiesp import read_texts
    from server.pipeline.artifacts import PipelineArtifacts

    t = time.perf_counter()
    pipe = Pipeline(load_icd10cm(), load_icd10pcs(), artifacts=PipelineArtifacts.packaged("codiesp").without("fusion"))
    drugs = drug_names(args.data / "icd10cm-index-fy2026" / "icd10cm-drug-April-1-2026-XML.xml")
    tagger = SilverTagger(pipe, drugs)
    texts = read_texts(args.data / "codiesp" / "train")
    ids = [str(d) for d in st_train["doc_ids"]]
    tok = load_tokenizer(model_dir / "tokenizer.json")
    piece_of_id = np.array([(tok.id_to_token(i) or "").startswith("##") for i in range(tok.get_vocab_size())])
    silver = [tagger.spans(texts[d]) for d in ids]
    y_notes = token_labels(st_train, silver, piece_of_id)
    temps = template_sentences(SEED)
    st_t = short_states([s for s, _, _ in temps], model_dir, args.threads)
    y_t = token_labels(st_t, [sp for _, sp, _ in temps], piece_of_id)
    print(f"NER data: {len(drugs)} drug names, {sum(map(len, silver))} silver entities in "
          f"{len(ids)} notes, {len(temps)} template sentences ({time.perf_counter() - t:.0f} s)")

    def rows(st, keep):   # token rows of the chunks whose document is kept
        sel = [r for r, d in enumerate(st["chunk_doc"]) if keep(int(d))]
        tok = np.concatenate([np.arange(st["chunk_start"][r], st["chunk_start"][r] + st["chunk_len"][r])
                              for r in sel]) if sel else np.zeros(0, np.int64)
        return sel, tok

    held_note = lambda d: fold_of(ids[d]) == 0
    held_temp = lambda d: temps[d][2] % 5 == HELD_PATTERN
    tok_n = rows(st_train, lambda d: not held_note(d))[1]
    tok_t = rows(st_t, lambda d: not held_temp(d))[1]
    p = train_ner([(st_train, y_notes, tok_n, 1), (st_t, y_t, tok_t, TEMPLATE_REPEAT)], SEED)
    metrics = {"silver_fold0": entity_f1(st_train, rows(st_train, held_note)[0], y_notes, p, piece_of_id),
               "templates_heldout": entity_f1(st_t, rows(st_t, held_temp)[0], y_t, p, piece_of_id)}
    for name, m in metrics.items():
        print(f"  NER {name}: F1 {m['all']['f1']:.4f} (P {m['all']['precision']:.3f} R {m['all']['recall']:.3f}, "
              f"{m['all']['gold']} gold) " + " ".join(f"{k} {m[k]['f1']:.2f}" for k in TYPE_RANK if m[k]["gold"]))
    every = (np.arange(len(y_notes)), np.arange(len(y_t)))
    return train_ner([(st_train, y_notes, every[0], 1), (st_t, y_t, every[1], TEMPLATE_REPEAT)], SEED), metrics


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="../shared/data")
    ap.add_argument("--out", type=Path, required=True, help="folder for heads.npz")
    ap.add_argument("--work", type=Path, default=BUILD, help="cache and out-of-fold outputs")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--states-only", action="store_true", help="compute the token-state caches and stop")
    args = ap.parse_args(argv)
    from export.codiesp import read_texts

    model_dir = default_model_dir()
    t0 = time.perf_counter()
    train = read_texts(args.data / "codiesp" / "train")
    dev = read_texts(args.data / "codiesp" / "dev")
    st_train = note_states(train, args.work / "states_train.npz", model_dir, args.threads)
    st_dev = note_states(dev, args.work / "states_dev.npz", model_dir, args.threads)
    print(f"states ready in {time.perf_counter() - t0:.0f} s")
    if args.states_only:
        return
    import torch
    from rules_native.codesets import load_icd10cm, load_icd10pcs

    torch.set_num_threads(args.threads)
    cm, pcs = load_icd10cm(), load_icd10pcs()
    t = time.perf_counter()
    lat, codes, lat_metrics = run_classifier(args, st_train, st_dev, cm, pcs)
    print(f"classifier done in {time.perf_counter() - t:.0f} s")
    t = time.perf_counter()
    ner, ner_metrics = run_ner(args, st_train, model_dir)
    print(f"NER done in {time.perf_counter() - t:.0f} s")
    weights = HeadWeights({**ner, **lat}, np.array([c for _, c in codes]), np.array([s for s, _ in codes]),
                          file_sha256(model_dir / "1" / "model.onnx"))
    out = args.out / "heads.npz"
    weights.save(out, version=VERSION)
    info = {"version": VERSION, "seed": SEED, "codes": len(codes), "min_docs": MIN_DOCS, "lat_dim": LAT_DIM,
            "lat_epochs": LAT_EPOCHS, "ner_hidden": NER_HIDDEN, "ner_epochs": NER_EPOCHS,
            "classifier_map": lat_metrics, "ner_f1": ner_metrics, "bytes": out.stat().st_size,
            "seconds": round(time.perf_counter() - t0)}
    (args.out / "metrics.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB) and metrics.json; total {info['seconds']} s")


if __name__ == "__main__":
    main()
