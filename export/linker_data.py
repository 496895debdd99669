"""Training pairs for the code linker: (mention text, ICD-10-CM code) from the code set and its index.

Targets are the code set's rows that are not 7th-character extensions (46,881 in FY2026): every
billable code whose 7th character is a separate coding decision is linked to its 6-character base
("fracture of neck of right femur" -> S72.001; the encounter character comes from the rules).

Queries come from four sources, each tagged so held-out figures can be given per source:

- ``inclusion``: the tabular's inclusion terms ("Hypertensive heart disease NOS" -> I11.9);
- ``index``: Alphabetic Index paths turned into phrases (Failure > heart > congestive > systolic >
  acute on chronic -> "acute on chronic systolic congestive heart failure" -> I50.23);
- ``abbrev``: the project's curated abbreviation list ("chf" -> I50.9, "nstemi" -> I21.4);
- ``parent``: a category's description as a query for itself (keeps categories reachable).
"""
from __future__ import annotations

import csv
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
ABBREVIATIONS = REPO / "server" / "pipeline" / "data" / "abbreviations.json"
INDEX_CSV = Path("icd10cm-index-fy2025") / "ICD10CM_2025_Index.csv"

# Modifiers that read after the main term ("diabetes ... with chronic kidney disease").
_TRAILING = re.compile(r"^(with|without|due|in|of|from|following|by|after|during|on|at|to|"
                       r"complicating|affecting|involving|associated|resulting|causing|as|for|"
                       r"nec|nos|not|and|or|see|specified|unspecified|other)\b", re.I)
# Flattening cut terms at a mid-term nonessential modifier ("Old (previous) MI" became "Old"):
# generic one-word leftovers would teach the model that "old" means I25.2.
_GENERIC = {"old", "examination", "symptoms", "symptom", "follow", "history", "status", "h",
            "admission", "encounter", "observation", "screening", "test", "care", "problem",
            "complication", "complications", "disease", "disorder", "syndrome", "condition"}


@dataclass(frozen=True)
class Pair:
    text: str
    code: str
    source: str


def normalize(text: str) -> str:
    """Lower-case, collapse spaces and drop the tabular's "NOS" tail: "CHF  NOS" -> "chf"."""
    text = re.sub(r"\s+", " ", text.strip().lower())
    text = re.sub(r"\s*\bnos\b$", "", text)
    return re.sub(r"\s+nec\b", "", text).strip(" ,;")


def target_codes(cm) -> list[str]:
    """Codes the linker ranks: every row of the code set that is not a 7th-character extension."""
    return [cm.codes[i] for i in np.nonzero(~cm.extension.astype(bool))[0]]


def resolve_code(cm, raw: str, targets: set[str]) -> str | None:
    """An index or gold code brought to a target row: "S72.0-" -> S72.0, S72.001A -> S72.001."""
    code = raw.strip().rstrip("-").rstrip(".").upper()
    if not code:
        return None
    try:
        i = cm.id_of(code)
    except Exception:
        return None
    while i >= 0 and cm.codes[i] not in targets:
        i = int(cm.parent[i])
    return cm.codes[i] if i >= 0 else None


def inclusion_pairs(cm, targets: set[str]) -> list[Pair]:
    out = []
    for code in targets:
        desc = normalize(cm.description(code))
        for note in cm.notes(code, "inclusion"):
            text = normalize(note)
            if text and text != desc:
                out.append(Pair(text, code, "inclusion"))
    return out


def _phrase(path: list[str]) -> str:
    """Index path -> phrase: [Failure, heart, congestive] -> "congestive heart failure"."""
    main = path[0].split(",")[0] if len(path) > 1 else path[0]
    head, tail, trailing = [], [], False
    for mod in path[1:]:
        trailing = trailing or bool(_TRAILING.match(mod))
        (tail.append(mod) if trailing else head.insert(0, mod))
    return " ".join(head + [main] + tail)


def index_pairs(cm, targets: set[str], index_csv: Path) -> list[Pair]:
    """Phrases for every coded Alphabetic Index entry; "See" cross-references carry no code."""
    out, stack = [], []
    with open(index_csv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            level = int(row["Level"])
            stack[level:] = [row["Term"].strip()]
            if not row["Code"] or len(stack) != level + 1:
                continue
            code = resolve_code(cm, row["Code"], targets)
            text = normalize(_phrase(stack))
            words = text.split()
            if code is None or not words or (len(words) == 1 and (words[0] in _GENERIC or len(words[0]) < 4)):
                continue
            out.append(Pair(text, code, "index"))
    return out


def abbreviation_pairs(cm, targets: set[str], path: Path = ABBREVIATIONS) -> list[Pair]:
    out = []
    if not path.exists():
        return out
    for text, raw in json.loads(path.read_text())["terms"]:
        code = resolve_code(cm, raw, targets)
        if code is not None:
            out.append(Pair(normalize(text), code, "abbrev"))
    return out


def category_pairs(cm, targets: list[str]) -> list[Pair]:
    return [Pair(normalize(cm.description(c)), c, "parent") for c in targets if len(c) == 3]


def build_pairs(cm, data_dir: Path) -> tuple[list[str], list[Pair]]:
    """(target codes, deduplicated pairs). A text that names several codes keeps each pair."""
    targets = target_codes(cm)
    tset = set(targets)
    pairs = (inclusion_pairs(cm, tset) + index_pairs(cm, tset, data_dir / INDEX_CSV)
             + abbreviation_pairs(cm, tset) + category_pairs(cm, targets))
    seen, out = set(), []
    for p in pairs:
        if p.text and (p.text, p.code) not in seen:
            seen.add((p.text, p.code))
            out.append(p)
    return targets, out


def split_heldout(pairs: list[Pair], seed: int = 13, frac: float = 0.03,
                  abbrev_frac: float = 0.2) -> tuple[list[Pair], list[Pair]]:
    """Hold out whole texts (every pair of a held-out text), so no held-out string is trained on.

    Category self-pairs are never held out: categories' descriptions are in the matrix anyway.
    """
    texts = sorted({p.text for p in pairs if p.source != "parent"})
    rng = random.Random(seed)
    abbrev = {p.text for p in pairs if p.source == "abbrev"}
    held = {t for t in texts if rng.random() < (abbrev_frac if t in abbrev else frac)}
    train = [p for p in pairs if p.text not in held]
    test = [p for p in pairs if p.text in held]
    return train, test


def siblings(cm, targets: list[str]) -> dict[str, list[str]]:
    """Target codes under the same parent ("hierarchy-aware hard negatives"): I50.22 -> I50.21, ..."""
    by_parent: dict[int, list[str]] = {}
    for c in targets:
        by_parent.setdefault(int(cm.parent[cm.id_of(c)]), []).append(c)
    return {c: sibs for sibs in by_parent.values() for c in sibs}
