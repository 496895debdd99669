"""CodiEsp evaluation: metric definitions, gold normalisation, and a run on a tiny folder."""
from __future__ import annotations

from pathlib import Path

import pytest

from server.domain import CodeSystem
from tests.unit.test_pipeline_support import shared_pipeline
from export.codiesp import canonical_cm, pcs_matches
from export.evaluate import average_precision, evaluate_codiesp, format_report, score_system


def test_average_precision_follows_trec_definition():
    assert average_precision(["I10", "E11.9", "R52"], {"I10", "R52"}) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision(["X"], {"I10"}) == 0.0
    assert average_precision([], {"I10"}) == 0.0
    # a gold code found twice counts once
    assert average_precision(["I10", "I10"], {"I10", "R52"}) == pytest.approx(0.5)


def test_procedure_prefixes_match_full_codes():
    assert pcs_matches("BW20ZZZ", "BW20")
    assert not pcs_matches("BW24ZZZ", "BW20")
    assert average_precision(["BW03ZZZ", "BW20ZZZ"], {"BW20"}, pcs_matches) == pytest.approx(0.5)


def test_gold_codes_are_brought_to_fy2026_forms(icd10cm):
    assert canonical_cm("n44.8", icd10cm) == "N44.8"
    assert canonical_cm("r51", icd10cm) == "R51.9"
    assert canonical_cm("t14.8", icd10cm) == "T14.8XXA"
    assert canonical_cm("w19.xxx", icd10cm) == "W19.XXXA"
    assert canonical_cm("zz9", icd10cm) is None


def test_micro_scores_and_categories():
    preds = {"a": [("I10", 0.9), ("E11.9", 0.8), ("R52", 0.1)], "b": [("J18.9", 0.7)]}
    gold = {"a": {"I10", "E11.22"}, "b": {"J18.1"}}
    s = score_system(preds, gold, CodeSystem.ICD10CM, threshold=0.5)
    assert s["micro"]["tp"] == 1 and s["micro"]["pred"] == 3 and s["micro"]["gold"] == 3
    assert s["category"]["tp"] == 3  # I10, E11, J18
    assert s["map"] == pytest.approx((0.5 + 0.0) / 2)


def test_evaluate_tiny_codiesp_folder(icd10cm, icd10pcs, tmp_path: Path):
    (tmp_path / "text_files_en").mkdir()
    (tmp_path / "text_files_en" / "doc1.txt").write_text("Patient with hypertension and atrial fibrillation.\n")
    (tmp_path / "text_files_en" / "doc2.txt").write_text("Chest x-ray showed pneumonia.\n")
    (tmp_path / "tinyD.tsv").write_text("doc1\ti10\ndoc1\ti48.91\ndoc2\tj18.9\n")
    (tmp_path / "tinyP.tsv").write_text("doc2\tbw03zzz\n")
    r = evaluate_codiesp(tmp_path, shared_pipeline(icd10cm, icd10pcs, "rules"), split_name="tiny")
    assert r["documents"] == 2 and r["split"] == "tiny"
    assert r["diagnoses"]["map"] == pytest.approx(1.0)
    assert r["procedures"]["micro"]["recall"] == pytest.approx(1.0)
    assert "diagnoses" in format_report(r)


@pytest.mark.slow
def test_codiesp_dev_accuracy_floor(shared_data, icd10cm, icd10pcs):
    """A regression floor on CodiEsp dev (the reported numbers live in docs/accuracy.md)."""
    r = evaluate_codiesp(shared_data / "codiesp" / "dev", shared_pipeline(icd10cm, icd10pcs))
    assert r["documents"] == 250
    assert r["diagnoses"]["map"] >= 0.25
    assert r["diagnoses"]["micro"]["f1"] >= 0.30


def test_mined_terms_must_name_their_code():
    from export.mine_terms import names_code

    vocab = {"ICD10CM:L53": {"erythe", "plaque"}, "ICD10CM:R11": {"vomiti", "nausea"}}
    assert names_code("erythematous plaque", "ICD10CM", "L53.9", vocab)
    assert not names_code("summary", "ICD10CM", "L53.9", vocab)
    assert not names_code("denies", "ICD10CM", "R11.10", vocab)
    assert not names_code("congestive heart", "ICD10CM", "R11.10", vocab)


def test_shipped_mined_terms_all_name_their_code(icd10cm, icd10pcs):
    import gzip
    from importlib import resources

    from export.mine_terms import category_vocabulary, names_code

    vocab = category_vocabulary(shared_pipeline(icd10cm, icd10pcs, "rules").lexicon, icd10pcs)
    path = resources.files("server.pipeline").joinpath("data/codiesp_terms.tsv.gz")
    with gzip.open(str(path), "rt", encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    assert rows
    assert all(names_code(term, system, code, vocab) for system, code, term, _, _ in rows)
