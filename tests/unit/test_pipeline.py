"""The shipped pipeline configuration: encounter shape, bad input, artefact loading, invariants."""
from __future__ import annotations

import gzip
import hashlib
import os

import pytest

from server.domain import CodeSystem, Document, Setting
from server.errors import InvalidInput
from server.pipeline import Pipeline
from server.pipeline.artifacts import PipelineArtifacts
from server.pipeline.calibration import Calibration
from tests.unit.test_pipeline_support import shared_pipeline

STAGES = {"sections", "context", "entities", "mapping", "guidelines"}


@pytest.fixture(scope="module")
def pipe(icd10cm, icd10pcs) -> Pipeline:
    return shared_pipeline(icd10cm, icd10pcs)


def code(pipe, text, setting=Setting.INPATIENT, **kw):
    return pipe.code(Document(doc_id="d1", text=text, setting=setting), **kw)


def test_encounter_shape_and_stage_timings(pipe):
    enc = code(pipe, "Assessment: NSTEMI. DM2 with CKD 3a.")
    assert enc.doc_id == "d1" and enc.setting is Setting.INPATIENT
    assert STAGES <= set(enc.stage_ms) and all(v >= 0 for v in enc.stage_ms.values())
    assert enc.model_versions["lexicon"].startswith("icd10cm")
    assert enc.codes[0].principal and enc.codes[0].sequence == 1
    assert not any(c.suggestion_id for c in enc.codes)   # the engine's to assign, once


def test_the_engine_numbers_suggestions_within_the_encounter(pipe):
    from server.engine import assign_suggestion_ids

    enc = code(pipe, "Assessment: NSTEMI. DM2 with CKD 3a.")
    assign_suggestion_ids(enc, "enc7")
    assert [c.suggestion_id for c in enc.codes] == [f"enc7:{n}" for n in range(1, len(enc.codes) + 1)]


def test_shipped_pipeline_keeps_guideline_invariants(pipe):
    enc = code(pipe, "No evidence of CHF but there is pneumonia. DM2 with CKD 3a.")
    got = [c.code for c in enc.codes if c.confidence >= pipe.operating_threshold]
    assert not any(c.code.startswith("I50") for c in enc.codes)  # negated: never listed, even below the threshold
    assert "J18.9" in got and "E11.22" in got and "N18.31" in got
    assert "E11.9" not in got and "N18.9" not in got


def test_confidences_rank_the_codes_the_note_names_first(pipe):
    enc = code(pipe, "Patient with hypertension and atrial fibrillation.")
    named = {"I10", "I48.91"}
    top = {c.code for c in sorted(enc.codes, key=lambda c: -c.confidence)[:2]}
    assert top == named


def test_classifier_suggestions_are_marked_and_have_evidence(pipe):
    enc = code(pipe, "A 40-year-old man with osteoarticular pain and fever after drinking unpasteurised goat milk; "
                     "blood cultures grew Brucella. Right orchiepididymitis.")
    for c in enc.codes:
        assert c.evidence, c.code
        assert 0.0 <= c.confidence <= 0.99


def test_min_score_filters(pipe):
    text = "Fever and cough. Chest x-ray: right lower lobe pneumonia."
    everything = code(pipe, text).codes
    strong = code(pipe, text, min_score=0.5).codes
    assert {c.code for c in strong} <= {c.code for c in everything}
    assert all(c.confidence >= 0.5 for c in strong)


@pytest.mark.parametrize("text", ["", "   \n\t  ", ".,;:!?", "12345 678"])
def test_empty_or_content_free_note_gives_no_codes(pipe, text):
    enc = code(pipe, text)
    assert enc.codes == [] and enc.cdi_queries == []


@pytest.mark.slow
def test_one_megabyte_note_finishes(pipe):
    unit = ("HPI: 67-year-old with CHF and AFib, denies chest pain. Hx of DM2 with CKD 3a. "
            "Plan: continue metoprolol b.i.d., follow up with Dr. Smith.\n")
    text = unit * (1_000_000 // len(unit) + 1)
    enc = code(pipe, text)
    assert len(text) >= 1_000_000
    assert {"I50.9", "I48.91", "E11.22", "N18.31"} <= {c.code for c in enc.codes}
    assert all(len(c.evidence) >= 1 for c in enc.codes)


def test_pipeline_without_built_files_still_codes(icd10cm):
    bare = Pipeline(icd10cm, artifacts=PipelineArtifacts.bare("codiesp"))
    assert bare.versions == {"profile": "codiesp", "lexicon": "icd10cm-tabular+curated-v1", "scorer": "none",
                             "fusion": "none"}
    got = [c.code for c in bare.code(Document("d", "NSTEMI with acute systolic heart failure.")).codes]
    assert "I21.4" in got and "I50.21" in got
    # without a PCS code set no procedure is suggested
    assert not [c for c in bare.code(Document("d", "Chest x-ray.", setting=Setting.INPATIENT)).codes
                if c.system is CodeSystem.ICD10PCS]


def test_bad_calibration_file_fails_loudly(tmp_path):
    p = tmp_path / "cal.tsv.gz"
    with gzip.open(p, "wt") as f:
        f.write("system\tcode\tsuggested\tcorrect\nICD10CM\tI10\t2\t5\n")
    with pytest.raises(InvalidInput):
        Calibration.load(p)


def test_bad_built_lexicon_fails_loudly(icd10cm, tmp_path):
    p = tmp_path / "lex.tsv.gz"
    with gzip.open(p, "wt") as f:
        f.write("code\tterm\nI10\thigh blood pressure\n")
    with pytest.raises(InvalidInput):
        Pipeline(icd10cm, artifacts=PipelineArtifacts("codiesp", lexicon=p))


def test_errors_do_not_echo_note_text(pipe):
    # Bad input never raises with the note in the message; here it does not raise at all.
    secret = "Zebulon-Canary-7781"
    enc = code(pipe, f"{secret} has pneumonia.")
    assert all(secret not in n.message for c in enc.codes for n in c.notes)
    assert all(secret not in q.question for q in enc.cdi_queries)


def test_lexicon_cache_is_reused_and_rebuilt_when_a_file_changes(icd10cm, tmp_path):
    lex = tmp_path / "index.tsv.gz"
    with gzip.open(lex, "wt") as f:
        f.write("system\tcode\tterm\nICD10CM\tI10\tzebulon pressure\n")
    kw = dict(artifacts=PipelineArtifacts("codiesp", lexicon=lex), cache_dir=tmp_path / "cache")
    note = Document("d", "Zebulon pressure and quintrel syndrome.")
    first = Pipeline(icd10cm, **kw)
    warm = Pipeline(icd10cm, **kw)
    assert not first.lexicon_from_cache and warm.lexicon_from_cache
    assert [c.code for c in warm.code(note).codes] == [c.code for c in first.code(note).codes] == ["I10"]
    with gzip.open(lex, "wt") as f:
        f.write("system\tcode\tterm\nICD10CM\tI10\tzebulon pressure\nICD10CM\tE11.9\tquintrel syndrome\n")
    changed = Pipeline(icd10cm, **kw)
    assert not changed.lexicon_from_cache
    assert "E11.9" in [c.code for c in changed.code(note).codes]
    for p in (tmp_path / "cache").glob("lexicon-*/*.pickle"):
        p.write_bytes(b"not a pickle")
    assert not Pipeline(icd10cm, **kw).lexicon_from_cache  # an unreadable entry is rebuilt, never fatal


def test_a_term_starting_inside_a_match_and_running_past_it_is_found():
    from server.pipeline.trie import TokenTrie

    trie: TokenTrie[str] = TokenTrie()
    trie.add(("diabetes", "with", "chronic", "kidney", "disease"), "E11.22")
    trie.add(("chronic", "kidney", "disease", "stage", "3a"), "N18.31")
    trie.add(("chronic", "kidney", "disease"), "N18.9")
    words = "type 2 diabetes with chronic kidney disease stage 3a".split()
    assert [(a, b, p) for a, b, p in trie.find(words)] == [(2, 7, ["E11.22"]), (4, 9, ["N18.31"])]
    # a term wholly inside a match is not a mention of its own
    assert [p for _, _, p in trie.find(words[:7])] == [["E11.22"]]


def test_lexicon_cache_keeps_only_the_newest_entries(tmp_path):
    from server.pipeline import lexicon_cache

    from rules_native.cache import PRUNE_GRACE_S

    keys = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(lexicon_cache.KEEP_ENTRIES + 3)]
    for i, key in enumerate(keys):
        lexicon_cache.store(tmp_path, key, {"n": i})
        for entry in tmp_path.glob("lexicon-*"):   # nobody has opened the earlier ones for a day
            aged = entry.stat().st_mtime - PRUNE_GRACE_S - 60
            os.utime(entry, (aged, aged))
    assert len(list(tmp_path.glob("lexicon-*"))) == lexicon_cache.KEEP_ENTRIES
    assert lexicon_cache.load(tmp_path, keys[-1]) == {"n": len(keys) - 1}
