"""Training and serving embed through one path: the phrase vectors and similarities the pipeline's
model stage gets offline (``CodeLinker.load``, as export.build_fusion and the evaluation use it)
are exactly those the gateway's engine gets from its model backend, note for note. The int8 graph
moves a row with its padding and company, so "close" would not do: the fusion learns from these."""
from __future__ import annotations

import numpy as np
import pytest

from server.domain import CodeSystem, Document, Setting

# Short synthetic notes; no phrase recurs across them, so the gateway's phrase cache (on by
# default) answers nothing from an earlier note. One phrase needs the 32-token bucket.
NOTES = (
    "Assessment: community-acquired pneumonia of the right lower lobe. The patient reported "
    "tumefaction of the left testicle for two weeks.",
    "History: type 2 diabetes mellitus with diabetic chronic kidney disease stage 3a. Examination: "
    "marked painless xanthelasmata hyperbilirubinaemic pseudohyponatraemic discolouration.",
    "Discharge: closed fracture of neck of right femur after a fall from standing height; atrial "
    "fibrillation on apixaban.",
)


def _recording(pipe) -> list:
    """The model stage's output per note (linked mentions, every embedded phrase's vector)."""
    seen, find = [], pipe.linking.find

    def spy(*args, **kwargs):
        out = find(*args, **kwargs)
        seen.append(out)
        return out

    pipe.linking.find = spy
    return seen


@pytest.fixture(scope="module")
def pipelines(icd10cm, icd10pcs):
    from server.config import load_config
    from server.engine import _model_stage
    from server.models import CodeLinker, LinkerOptions
    from server.pipeline import Pipeline

    backend, served = _model_stage(load_config({"linker": True}, environ={}), None)
    offline = CodeLinker.load(options=LinkerOptions(intra_op_threads=2))
    try:
        yield Pipeline(icd10cm, icd10pcs, linker=offline), Pipeline(icd10cm, icd10pcs, linker=served)
    finally:
        offline.close()
        backend.close()


def test_offline_and_served_model_features_are_identical(pipelines):
    offline, served = pipelines
    records = [_recording(offline), _recording(served)]
    for i, text in enumerate(NOTES):
        doc = Document(doc_id=f"n{i}", text=text, setting=Setting.INPATIENT)
        found = [offline.candidates(doc), served.candidates(doc)]
        sims = [{c: f.similarity for c, f in fs.items() if f.system is CodeSystem.ICD10CM} for fs in found]
        assert sims[0] == sims[1] and any(v is not None for v in sims[0].values())
        coded = [[(c.code, c.confidence) for c in p.code(doc).codes] for p in pipelines]
        assert coded[0] == coded[1]
    for (off_mentions, off_vectors), (srv_mentions, srv_vectors) in zip(*records):
        assert off_vectors.shape == srv_vectors.shape and off_vectors.size
        assert np.array_equal(off_vectors, srv_vectors)
        assert [(m.start, m.end, [(c.code, c.score) for c in m.candidates]) for m in off_mentions] == \
               [(m.start, m.end, [(c.code, c.score) for c in m.candidates]) for m in srv_mentions]


def test_the_notes_exercise_two_buckets_and_share_no_phrase(pipelines):
    """Guards the test above: with a shared phrase the served vector would be the cached one."""
    offline, _ = pipelines
    sent: list[list[str]] = []
    embed = offline.linking.linker.embed_mentions
    offline.linking.linker.embed_mentions = lambda texts: (sent.append(list(texts)), embed(texts))[1]
    try:
        for i, text in enumerate(NOTES):
            offline.candidates(Document(doc_id=f"n{i}", text=text, setting=Setting.INPATIENT))
    finally:
        del offline.linking.linker.embed_mentions
    assert len(sent) == len(NOTES)
    assert sum(len(s) for s in sent) == len(set().union(*map(set, sent)))
    widths = set().union(*(offline.linking.linker.encoder.tokenize(s) for s in sent))
    assert {16, 32} <= widths
