"""Training and serving embed through one path: the phrase vectors, links and similarities the
pipeline's model stage gets offline (``CodeLinker.load``, as export.build_fusion and the CodiEsp
evaluation use it) are exactly those the gateway's engine gets from its model backend, warm-up
included, note for note. The int8 graph moves a row with its padding and company (up to ~0.04
per component), so "close" would not do: the fusion learns from these features."""
from __future__ import annotations

import numpy as np
import pytest

from server.domain import CodeSystem, Document, Setting

# Short synthetic notes; no phrase recurs across them, so the gateway's phrase cache (on by
# default) answers nothing from an earlier note. Note 2 holds the gateway's warm-up note's phrases
# in other company, and a phrase long enough for the 32-token bucket.
NOTES = (
    "Assessment: community-acquired pneumonia of the right lower lobe. The patient reported "
    "tumefaction of the left testicle for two weeks.",
    "History: type 2 diabetes mellitus with diabetic chronic kidney disease stage 3a, mild ankle "
    "oedema. Examination: marked painless xanthelasmata hyperbilirubinaemic pseudohyponatraemic "
    "discolouration.",
    "Discharge: closed fracture of neck of right femur after a fall from standing height; atrial "
    "fibrillation on apixaban.",
)


def _recording(pipe) -> list:
    """The model stage's output per call (linked mentions, every embedded phrase's vector)."""
    seen, find = [], pipe.linking.find

    def spy(*args, **kwargs):
        out = find(*args, **kwargs)
        seen.append(out)
        return out

    pipe.linking.find = spy
    return seen


@pytest.fixture(scope="module")
def engine(cache_dir, tmp_path_factory):
    """The gateway's engine as ``medcoder serve --linker`` builds and warms it (default settings)."""
    from server.app import WARMUP_NOTE
    from server.config import load_config
    from server.engine import Engine

    root = tmp_path_factory.mktemp("engine")
    (root / "codesets").symlink_to(cache_dir)   # the session's compiled code sets
    eng = Engine(load_config({"linker": True, "cache_dir": root, "data_dir": root}, environ={}),
                 with_review_log=False)
    eng.warm(WARMUP_NOTE)
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def offline(icd10cm, icd10pcs):
    """What ``export.build_fusion --with-linker`` and the evaluation code with."""
    from server.models import CodeLinker, LinkerOptions
    from server.pipeline import Pipeline

    linker = CodeLinker.load(options=LinkerOptions(intra_op_threads=2))
    yield Pipeline(icd10cm, icd10pcs, linker=linker)
    linker.close()


def _features(found: dict) -> dict:
    return {c: f.similarity for c, f in found.items() if f.system is CodeSystem.ICD10CM}


def test_offline_and_served_model_features_are_identical(engine, offline):
    served_calls, offline_calls = _recording(engine.pipeline), _recording(offline)
    for i, text in enumerate(NOTES):
        engine.code(text.encode(), setting=Setting.INPATIENT)
        offline.code(Document(doc_id=f"n{i}", text=text, setting=Setting.INPATIENT))
    assert len(served_calls) == len(offline_calls) == len(NOTES)
    for (srv_mentions, srv_vectors), (off_mentions, off_vectors) in zip(served_calls, offline_calls):
        assert srv_vectors.shape == off_vectors.shape and srv_vectors.size
        assert np.array_equal(srv_vectors, off_vectors)
        assert [(m.start, m.end, [(c.code, c.score) for c in m.candidates]) for m in srv_mentions] == \
               [(m.start, m.end, [(c.code, c.score) for c in m.candidates]) for m in off_mentions]
    for i, text in enumerate(NOTES):
        doc = Document(doc_id=f"n{i}", text=text, setting=Setting.INPATIENT)
        served, ours = _features(engine.pipeline.candidates(doc)), _features(offline.candidates(doc))
        assert served == ours and any(v is not None for v in ours.values())


def test_the_notes_exercise_two_buckets_and_share_no_phrase(offline):
    """Guards the test above: with a phrase shared between notes the served vector would be the
    cached one, and one bucket alone would not show that widths agree."""
    sent: list[list[str]] = []
    linker = offline.linking.linker
    embed = linker.embed_mentions
    linker.embed_mentions = lambda texts: (sent.append(list(texts)), embed(texts))[1]
    try:
        for i, text in enumerate(NOTES):
            offline.candidates(Document(doc_id=f"n{i}", text=text, setting=Setting.INPATIENT))
    finally:
        del linker.embed_mentions
    assert len(sent) == len(NOTES)
    assert sum(len(s) for s in sent) == len(set().union(*map(set, sent)))
    assert {16, 32} <= set().union(*(linker.encoder.tokenize(s) for s in sent))
