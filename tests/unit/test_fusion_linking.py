"""The fusion model (learned confidences) and the model stage (code linker on uncovered phrases)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from server.domain import CodeSystem, Document, Setting
from server.errors import InvalidInput
from server.pipeline.artifacts import PipelineArtifacts
from server.pipeline.fusion import COLUMNS, CandidateRates, Fusion, fit_logistic
from server.pipeline.linking import LINK_WEIGHT
from server.pipeline.pipeline import DATA
from tests.unit.test_pipeline_support import shared_pipeline


def test_fit_logistic_recovers_a_separating_direction():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(4000, 3))
    y = (X[:, 0] - 2 * X[:, 1] + rng.normal(scale=0.5, size=4000) > 0).astype(float)
    w, b = fit_logistic(X, y, l2=1e-4)
    p = 1 / (1 + np.exp(-(X @ w + b)))
    assert ((p > 0.5) == (y > 0.5)).mean() > 0.9
    assert w[0] > 0 > w[1] and abs(w[2]) < 0.3 * abs(w[1])


def test_shipped_fusion_loads_and_says_how_it_was_measured():
    path = Path(str(DATA.joinpath("fusion.json")))
    data = json.loads(path.read_text())
    fusion = Fusion.load(path)
    assert data["features"] == list(COLUMNS)
    assert 0.05 < fusion.threshold < 0.6
    assert "out-of-fold" in data["metrics"]["protocol"]
    assert data["metrics"]["diagnoses"]["map"] > data["metrics"]["diagnoses_without_fusion"]["map"]


def test_candidate_rates_say_how_often_a_code_was_right_and_survive_the_file(tmp_path: Path):
    # out of fold, "pain" -> R52 was right 5 times in 20; E11.9 18 in 20; Q99.9 was a candidate once
    codes = ["R52"] * 20 + ["E11.9"] * 20 + ["Q99.9"]
    labels = [1] * 5 + [0] * 15 + [1] * 18 + [0] * 2 + [1]
    rates = CandidateRates.from_rows(codes, labels)
    cols = rates.columns(["R52", "E11.9", "Q99.9", "E11.65"])
    assert cols[1, 0] > rates.prior > cols[0, 0]
    assert cols[2, 0] == pytest.approx(rates.prior) and cols[2, 1] == 0   # one row says nothing
    assert cols[3, 0] == pytest.approx(rates.prior) and cols[3, 2] == pytest.approx(cols[1, 2])  # its category does
    path = tmp_path / "fusion.json"
    Fusion(np.zeros(len(COLUMNS)), 0.0, "t", 0.3, rates).save(path)
    again = Fusion.load(path).rates
    assert again.counts == rates.counts and again.prior == pytest.approx(rates.prior, abs=1e-6)


def test_fusion_file_from_other_code_is_refused(tmp_path: Path):
    bad = tmp_path / "fusion.json"
    bad.write_text(json.dumps({"version": 1, "features": ["lexicon"], "weights": [1.0], "bias": 0.0}))
    with pytest.raises(InvalidInput, match="feature list"):
        Fusion.load(bad)
    bad.write_text("{not json")
    with pytest.raises(InvalidInput, match="unreadable"):
        Fusion.load(bad)


def test_fused_confidence_orders_named_codes_above_classifier_guesses(icd10cm, icd10pcs):
    pipe = shared_pipeline(icd10cm, icd10pcs)
    text = ("A 67-year-old man with type 2 diabetes mellitus and hypertension was admitted with acute "
            "appendicitis. Appendectomy was performed.")
    enc = pipe.code(Document(doc_id="t", text=text, setting=Setting.INPATIENT))
    conf = {c.code: c.confidence for c in enc.codes if c.system is CodeSystem.ICD10CM}
    tail = [c.confidence for c in enc.codes if any(n.kind == "statistical_only" for n in c.notes)]
    assert conf["K35.80"] >= pipe.operating_threshold and conf.get("I10", 0) >= pipe.operating_threshold
    assert tail and max(tail) < conf["K35.80"]
    assert all(0 < c.confidence < 1 for c in enc.codes)


@pytest.fixture(scope="module")
def linked(icd10cm, icd10pcs):
    from server.models import CodeLinker
    from server.pipeline import Pipeline

    return Pipeline(icd10cm, icd10pcs, linker=CodeLinker.load(),
                    artifacts=PipelineArtifacts.packaged("codiesp").without("scorer", "mined", "fusion"))


def _model_codes(enc):
    return {c.code: c for c in enc.codes if any(n.message.startswith("linked by the code-embedding model")
                                                 for n in c.notes)}


def test_linker_suggests_codes_for_phrases_no_lexicon_term_names(linked):
    text = "The patient reported tumefaction of the left testicle for two weeks."
    enc = linked.code(Document(doc_id="t", text=text, setting=Setting.INPATIENT))
    got = _model_codes(enc)
    assert any(c.startswith("N50") or c.startswith("N44") or c.startswith("N45") for c in got), sorted(got)
    for c in got.values():
        assert c.confidence <= LINK_WEIGHT
        assert all("testicle" in text[e.start:e.end] for e in c.evidence)
    assert enc.stage_ms.get("model", 0) > 0 and "linker" in enc.model_versions


def test_linker_respects_negation(linked):
    text = "There was no tumefaction of the left testicle."
    enc = linked.code(Document(doc_id="t", text=text, setting=Setting.INPATIENT))
    assert not _model_codes(enc)


def test_named_code_brings_its_category_siblings_as_alternatives():
    from server.domain import Span
    from server.pipeline.findings import Finding
    from server.pipeline.scorer import add_siblings

    hf = Finding("I50.23", CodeSystem.ICD10CM, 0.7, [Span(21, 70)], source="lexicon")
    found = {"I50.23": hf, "I50.9": Finding("I50.9", CodeSystem.ICD10CM, 0.2, [Span(0, 5)], source="scorer")}
    add_siblings(found, {"I50": ["I50.9", "I50.22", "I50.23", "I50.32", "I50.1"], "J18": ["J18.9"]})
    siblings = {c: f for c, f in found.items() if any(n.kind == "sibling" for n in f.notes)}
    assert sorted(siblings) == ["I50.22"]       # of the 3 most used in train, those not already there
    for f in siblings.values():
        assert f.evidence == hf.evidence and f.confidence < hf.confidence and not f.textual
        assert f.notes[0].related_code == "I50.23"
    assert found["I50.9"].source == "scorer"                  # an existing candidate keeps its own support


def test_model_stage_uses_the_fusion_learned_with_its_features(linked, icd10cm, icd10pcs):
    from server.models import CodeLinker
    from server.pipeline import Pipeline

    full = Pipeline(icd10cm, icd10pcs, linker=linked.linking.linker, artifacts=PipelineArtifacts.packaged("codiesp"))
    assert full.versions["fusion"].endswith("+linker")
    doc = Document(doc_id="t", text="Assessment: community-acquired pneumonia of the right lower lobe.",
                   setting=Setting.INPATIENT)
    found = full.candidates(doc)
    assert found and all(f.similarity is not None for f in found.values() if f.system is CodeSystem.ICD10CM)
    best = max((f for f in found.values() if f.system is CodeSystem.ICD10CM), key=lambda f: f.similarity)
    assert best.code.startswith("J18") or best.code.startswith("J15") or best.code.startswith("J13")
    assert isinstance(CodeLinker, type)


def test_note_model_probabilities_reach_the_fusion(icd10cm, icd10pcs):
    from server.models.heads import NoteModel
    from server.pipeline import Pipeline

    model = NoteModel.load()
    pipe = Pipeline(icd10cm, icd10pcs, note_model=model, artifacts=PipelineArtifacts.packaged("codiesp"))
    assert pipe.versions["fusion"].endswith("+heads")
    doc = Document(doc_id="t", text="Assessment: acute on chronic systolic heart failure and atrial fibrillation.",
                   setting=Setting.INPATIENT)
    found = pipe.candidates(doc)
    scored = {c: f.attention for c, f in found.items() if f.attention is not None}
    assert scored and all(c in model.labels for c in scored) and max(scored.values()) > 0
    assert all(f.attention is None for c, f in found.items() if c not in model.labels)
    enc = pipe.code(doc)
    assert enc.stage_ms["model"] > 0 and "note_model" in enc.model_versions
