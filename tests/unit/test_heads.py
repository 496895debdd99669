"""The NER and label-attention heads on the committed encoder (model_repository/code_linker/heads)."""
from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

from server.models import ModelArtifactError, default_model_dir
from server.models.heads import (ENTITY_TYPES, HEADS_FILE, MAX_POSITIONS, TAGS, TOKEN_STATES, HeadsOptions,
                                 HeadWeights, NoteModel, chunk_note, heads_from_states, token_state_session)

NOTE = "Assessment: acute on chronic systolic heart failure, atrial fibrillation"


@pytest.fixture(scope="module")
def model():
    return NoteModel.load(options=HeadsOptions(min_code_prob=0.0))


def _overlaps(e, start, end):
    return e.start < end and start < e.end


def test_obvious_note_gives_problem_entities_over_the_diagnoses(model):
    out = model.run(NOTE)
    problems = [e for e in out.entities if e.type == "problem"]
    for phrase in ("acute on chronic systolic heart failure", "atrial fibrillation"):
        s = NOTE.index(phrase)
        assert any(_overlaps(e, s, s + len(phrase)) for e in problems), phrase
    assert not any(_overlaps(e, 0, len("Assessment")) for e in out.entities)


def test_obvious_note_ranks_heart_failure_and_atrial_fibrillation_codes_high(model):
    out = model.run(NOTE)
    ranked = [c.code for c in out.codes]
    assert len(ranked) == len(model.weights.codes)          # min_code_prob 0: the whole label set
    assert [c.prob for c in out.codes] == sorted((c.prob for c in out.codes), reverse=True)
    labels = set(model.weights.codes)
    for family in ("I50", "I48"):
        if any(c.startswith(family) for c in labels):
            first = next(i for i, c in enumerate(ranked) if c.startswith(family))
            assert first < 10, (family, first)


def test_entity_offsets_point_at_the_text(model):
    text = ("Pt with hx of DM2 and CKD 3a presents with chest pain.\nStarted metoprolol and aspirin. "
            "Echocardiogram of the left ventricle showed reduced ejection fraction.")
    out = model.run(text)
    assert out.entities
    for e in out.entities:
        assert 0 <= e.start < e.end <= len(text)
        span = text[e.start:e.end]
        assert span == span.strip() and span[0].isalnum()
        assert e.type in ENTITY_TYPES and 0.0 < e.score <= 1.0
    assert {"medication"} & {e.type for e in out.entities}


def test_long_note_is_chunked_and_late_entities_keep_their_offsets(model):
    filler = "The patient was seen in clinic today and remained stable overall. " * 90
    text = filler + NOTE
    out = model.run(text)
    assert out.chunks >= 2
    s = text.index("atrial fibrillation")
    assert any(e.type == "problem" and _overlaps(e, s, s + len("atrial fibrillation")) for e in out.entities)
    alone = {c.code: c.prob for c in model.run(NOTE).codes}
    assert out.codes[0].prob == pytest.approx(max(alone.values()), abs=0.15)


def test_chunks_cover_every_token_once_within_the_position_limit(model):
    text = " ".join(f"Sentence {i} mentions heart failure." for i in range(300))
    tok = model._tokenizer
    chunks = chunk_note(tok, text, MAX_POSITIONS)
    full = tok.encode(text, add_special_tokens=False).ids
    assert len(chunks) >= 2
    assert all(len(c.ids) <= MAX_POSITIONS and c.ids[0] == 101 and c.ids[-1] == 102 for c in chunks)
    assert np.concatenate([c.ids[1:-1] for c in chunks]).tolist() == full
    assert all(text[c.offsets[-1][0]:c.offsets[-1][1]] == "." for c in chunks[:-1])   # cut after a full stop
    assert len(chunk_note(tok, "", 64)) == 1


def test_heads_ignore_padding(model):
    rng = np.random.default_rng(0)
    h = model.weights.hidden
    states = rng.normal(size=(1, 20, h)).astype(np.float32)
    mask = np.ones((1, 20), np.int64)
    padded = np.concatenate([states, rng.normal(size=(1, 12, h)).astype(np.float32) * 50], axis=1)
    pmask = np.concatenate([mask, np.zeros((1, 12), np.int64)], axis=1)
    tags, probs = heads_from_states(states, mask, model.weights)
    tags_p, probs_p = heads_from_states(padded, pmask, model.weights)
    assert tags.shape == (1, 20, len(TAGS)) and probs.shape == (1, len(model.weights.codes))
    assert np.allclose(probs, probs_p, atol=1e-6) and np.allclose(tags, tags_p[:, :20], atol=1e-4)
    assert ((probs > 0) & (probs < 1)).all()


def test_token_state_graph_keeps_the_mention_embedding_unchanged():
    import onnxruntime as ort

    onnx_path = default_model_dir() / "1" / "model.onnx"
    session, hidden = token_state_session(onnx_path)
    original = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    ids = rng.integers(1000, 30000, (3, 40)).astype(np.int64)
    mask = np.ones_like(ids)
    mask[1, 25:] = 0
    feeds = {"input_ids": ids, "attention_mask": mask}
    emb, states = session.run(["mention_embedding", TOKEN_STATES], feeds)
    (ref,) = original.run(["mention_embedding"], feeds)
    assert np.array_equal(emb, ref)
    assert states.shape == (3, 40, hidden) == (3, 40, 384)
    pooled = (states * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)   # what the graph pools
    assert np.isfinite(pooled).all() and not np.allclose(pooled[0], pooled[2])


@pytest.fixture()
def repo_copy(tmp_path):
    src = default_model_dir()
    dst = tmp_path / "code_linker"
    (dst / "1").mkdir(parents=True)
    (dst / "1" / "model.onnx").symlink_to(src / "1" / "model.onnx")
    shutil.copy(src / "tokenizer.json", dst / "tokenizer.json")
    (dst / HEADS_FILE).parent.mkdir()
    shutil.copy(src / HEADS_FILE, dst / HEADS_FILE)
    return dst


def _rewrite(path, **changes):
    with np.load(path, allow_pickle=False) as z:
        data = {k: z[k] for k in z.files}
    data.update(changes)
    for k, v in list(data.items()):
        if v is None:
            del data[k]
    np.savez(path, **data)


@pytest.mark.parametrize("damage", ["missing", "truncated", "other_encoder", "tags", "shape", "no_codes", "nan"])
def test_bad_head_artifacts_are_refused_at_load(repo_copy, damage):
    heads = repo_copy / HEADS_FILE
    if damage == "missing":
        heads.unlink()
    elif damage == "truncated":
        heads.write_bytes(heads.read_bytes()[:2000])
    elif damage == "other_encoder":
        _rewrite(heads, model_sha256=np.array("0" * 64))
    elif damage == "tags":
        _rewrite(heads, tags=np.array(TAGS[:-2]))
    elif damage == "shape":
        with np.load(heads) as z:
            _rewrite(heads, lat_beta=z["lat_beta"][:-1])
    elif damage == "no_codes":
        _rewrite(heads, codes=None)
    elif damage == "nan":
        with np.load(heads) as z:
            w = z["ner_w2"].copy()
        w[0, 0] = np.nan
        _rewrite(heads, ner_w2=w)
    with pytest.raises(ModelArtifactError) as err:
        NoteModel.load(repo_copy)
    assert "acute" not in str(err.value)


def test_undamaged_copy_loads(repo_copy):
    assert NoteModel.load(repo_copy).run(NOTE).codes


def test_missing_encoder_is_refused(repo_copy):
    (repo_copy / "1" / "model.onnx").unlink()
    with pytest.raises(ModelArtifactError):
        NoteModel.load(repo_copy)


def test_shipped_heads_are_compact_fp16():
    path = default_model_dir() / HEADS_FILE
    assert path.stat().st_size <= 1_500_000
    with np.load(path) as z:
        assert z["lat_u"].dtype == np.float16 and len(z["codes"]) == z["lat_u"].shape[0]
    w = HeadWeights.load(path)
    assert set(np.unique(w.systems)) <= {"ICD10CM", "ICD10PCS"}


def test_runtime_never_imports_torch():
    code = "import sys, server.models.heads; print(any(m == 'torch' or m.startswith('torch.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "False"


def test_committed_model_artifacts_stay_within_the_30_mb_budget():
    repo = default_model_dir().parents[1]
    try:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "model_repository"], cwd=repo,
                                check=True, capture_output=True, text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    total = sum((repo / f).stat().st_size for f in listed if (repo / f).is_file())
    assert (repo / "model_repository/code_linker/heads/heads.npz").relative_to(repo).as_posix() in listed
    assert total < 30_000_000
