"""Training pairs for the code linker: index phrases, code resolution, held-out split, siblings."""
from __future__ import annotations

from export.linker_data import (Pair, _phrase, normalize, resolve_code, siblings, split_heldout,
                                target_codes)


def test_index_paths_read_as_clinical_phrases():
    assert _phrase(["Failure", "heart", "congestive", "systolic", "acute on chronic"]) == \
        "acute on chronic systolic congestive heart Failure"
    # after a trailing modifier ("with"), the rest of the path follows it
    assert _phrase(["Diabetes, diabetic", "type 2", "with", "chronic kidney disease"]) == \
        "type 2 Diabetes with chronic kidney disease"


def test_normalize_drops_nos_and_nec():
    assert normalize("  Congestive heart failure NOS ") == "congestive heart failure"
    assert normalize("Osteomyelitis NEC, chronic") == "osteomyelitis, chronic"


def test_codes_resolve_to_targets_without_the_seventh_character(icd10cm):
    targets = set(target_codes(icd10cm))
    assert "S72.001A" not in targets and "S72.001" in targets
    assert resolve_code(icd10cm, "S72.001A", targets) == "S72.001"
    assert resolve_code(icd10cm, "I50.2-", targets) == "I50.2"
    assert resolve_code(icd10cm, "i50.23", targets) == "I50.23"
    assert resolve_code(icd10cm, "Q99.99", targets) is None


def test_heldout_texts_are_never_trained_on():
    pairs = [Pair(f"term {i}", f"A{i % 7:02d}", "index") for i in range(2000)]
    pairs += [Pair(f"term {i}", "B00", "index") for i in range(0, 2000, 5)]   # texts with two codes
    pairs += [Pair(f"cat {i}", f"C{i:02d}", "parent") for i in range(50)]
    train, held = split_heldout(pairs, seed=1, frac=0.1)
    assert held and {p.text for p in train}.isdisjoint({p.text for p in held})
    assert all(p.source != "parent" for p in held)
    assert len(train) + len(held) == len(pairs)
    assert split_heldout(pairs, seed=1, frac=0.1) == (train, held)   # seeded: reproducible


def test_hard_negatives_are_siblings_under_one_parent(icd10cm):
    sibs = siblings(icd10cm, target_codes(icd10cm))
    assert {"I50.21", "I50.22", "I50.23", "I50.20"} <= set(sibs["I50.22"])
    assert all(icd10cm.parent[icd10cm.id_of(c)] == icd10cm.parent[icd10cm.id_of("I50.22")]
               for c in sibs["I50.22"])
