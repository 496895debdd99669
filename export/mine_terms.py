"""Mine an English term -> code table from CodiEsp **train** (CC BY 4.0): word n-grams whose
documents carry a code far more often than chance ("brucella" -> A23.9, "osteoarticular pain"
-> R52 in the translated case reports). The pipeline matches the mined terms like lexicon terms,
so ConText still applies and each code keeps its evidence span.

A term is kept only when it names its code: one of its words shares a stem with the words the
code set, the alphabetic index or the curated table use for that code's category. Words that
merely co-occur ("SUMMARY" -> L53.9, "denies" -> R11.10, "echocardiogram showed" -> B20) would
otherwise become evidence that supports nothing.

    python -m export.mine_terms --train ../shared/data/codiesp/train
"""
from __future__ import annotations

import argparse
import gzip
from collections import Counter, defaultdict
from pathlib import Path

from export.build_scorer import featurize, labels
from rules_native.codesets import load_icd10cm, load_icd10pcs
from server.pipeline.lexicon import GENERIC, STOPWORDS
from server.pipeline.text import normalize_phrase

OUT = Path(__file__).resolve().parents[1] / "server" / "pipeline" / "data" / "codiesp_terms.tsv.gz"
STEM = 6   # characters two words must share to count as the same word ("adenopathy" ~ "adenopathies")


def group_of(system: str, code: str) -> str:
    """The category a term may name: the ICD-10-CM 3-character category, the PCS first 3 axes."""
    return f"{system}:{code[:3]}"


def _stems(words) -> set[str]:
    return {w[:STEM] for w in words if len(w) >= 4 and w not in STOPWORDS and w not in GENERIC and not w.isdigit()}


def category_vocabulary(lexicon, pcs) -> dict[str, set[str]]:
    """Category -> word stems of every term of ``lexicon`` (titles, inclusion terms, index,
    curated) and of the PCS descriptions of its codes."""
    vocab: dict[str, set[str]] = defaultdict(set)
    for phrase, entries in lexicon.trie.items():
        stems = _stems(phrase)
        for e in entries:
            vocab[group_of(e.system.value, e.code)] |= stems
    for i, code in enumerate(pcs.codes):
        vocab[group_of("ICD10PCS", code)] |= _stems(normalize_phrase(pcs.description(i)))
    return vocab


def names_code(term: str, system: str, code: str, vocab: dict[str, set[str]]) -> bool:
    """True when a word of ``term`` is a word the code's category is named with."""
    return bool(_stems(term.split(" ")) & vocab.get(group_of(system, code), set()))


def mine(train: Path, *, min_support: int = 2, min_precision: float = 0.3, per_term: int = 2,
         prior_smoothing: float = 1.0) -> list[tuple[str, str, str, float, int]]:
    """(system, code, term, precision, support) rows, best first per term.

    precision = docs with term and code / (docs with term + ``prior_smoothing``), so a term seen
    twice with its code scores 0.67, never 1.0.
    """
    from server.pipeline import Pipeline
    from server.pipeline.artifacts import PipelineArtifacts

    cm, pcs = load_icd10cm(), load_icd10pcs()
    vocab = category_vocabulary(Pipeline(cm, pcs, artifacts=PipelineArtifacts.packaged("codiesp").without("scorer", "mined", "calibration", "fusion")).lexicon, pcs)
    doc_ids, gold = labels(train, cm, pcs)
    feats = featurize(train, doc_ids)
    df = Counter(f for d in feats for f in d)
    pair: dict[str, Counter] = defaultdict(Counter)
    for d, fs in zip(doc_ids, feats):
        codes = set(gold.get(d, []))
        for f in fs:
            if df[f] >= min_support and _usable(f):
                for c in codes:
                    pair[f][c] += 1
    rows = []
    for f, counter in pair.items():
        best = []
        for (system, code), n in counter.items():
            p = n / (df[f] + prior_smoothing)
            if n >= min_support and p >= min_precision and names_code(f, system, code, vocab):
                best.append((p, n, system, code))
        for p, n, system, code in sorted(best, reverse=True)[:per_term]:
            rows.append((system, code, f, round(p, 3), n))
    return rows


def _usable(term: str) -> bool:
    words = term.split(" ")
    return not all(w in GENERIC or len(w) < 3 or w.isdigit() for w in words)


def write(rows, out: Path = OUT) -> None:
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("system\tcode\tterm\tprecision\tsupport\n")
        for r in sorted(rows, key=lambda r: (r[2], -r[3])):
            f.write("\t".join(map(str, r)) + "\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, required=True, help="CodiEsp train folder (never dev or test)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--min-precision", type=float, default=0.3)
    args = ap.parse_args(argv)
    rows = mine(args.train, min_precision=args.min_precision)
    write(rows, args.out)
    print(f"wrote {len(rows)} mined terms to {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
