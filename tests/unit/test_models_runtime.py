"""The in-process code linker on the committed artifacts (model_repository/code_linker)."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from server.models import CodeIndex, CodeLinker, LinkerOptions, ModelArtifactError, default_model_dir


@pytest.fixture(scope="module")
def linker():
    linker = CodeLinker.load(options=LinkerOptions(max_batch_rows=4))
    yield linker
    linker.close()


def test_link_ranks_heart_failure_codes_for_chf(linker):
    (row,) = linker.link(["congestive heart failure"], k=5)
    assert len(row) == 5
    assert [s for _, s in row] == sorted((s for _, s in row), reverse=True)
    assert row[0][0].startswith("I50")
    assert -1.0 <= row[-1][1] <= row[0][1] <= 1.0


def test_every_shipped_row_is_a_code_without_its_seventh_character(linker, icd10cm):
    codes = [str(c) for c in linker.index.codes]
    ids = icd10cm.ids_of(codes)
    assert (ids >= 0).all()
    assert not icd10cm.extension[ids].any()
    assert "I50.23" in codes and "S72.001" in codes and "S72.001A" not in codes


def test_order_is_kept_across_buckets_and_row_slices(linker):
    texts = ["acute on chronic systolic heart failure with pulmonary edema", "CHF", "DM2 w/ CKD",
             "type 2 diabetes", "fracture of neck of right femur", "htn"]
    batched = linker.embed_mentions(texts)
    alone = np.concatenate([linker.embed_mentions([t]) for t in texts])
    # int8 activations are quantised per batch, so vectors move slightly with the batch's company;
    # each row must still be nearest to its own text embedded alone
    sims = batched @ alone.T
    assert (sims.argmax(axis=1) == np.arange(len(texts))).all()
    assert (np.diag(sims) > 0.97).all()
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-3)


def test_empty_input_gives_an_empty_matrix(linker):
    assert linker.embed_mentions([]).shape == (0, linker.index.dim)
    assert linker.link([]) == []


def test_code_index_int8_round_trip_keeps_neighbours(tmp_path):
    rng = np.random.default_rng(0)
    m = rng.normal(size=(500, 32)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    CodeIndex(np.array([f"C{i:03d}" for i in range(500)]), m, "abc").save(tmp_path / "ix.npz")
    ix = CodeIndex.load(tmp_path / "ix.npz")
    assert ix.model_sha256 == "abc" and np.abs(ix.matrix - m).max() < 0.01
    ids, scores = ix.nearest_codes(m[:50], k=3)
    assert (ids[:, 0] == np.arange(50)).all() and (scores[:, 0] > 0.99).all()
    assert (np.diff(scores, axis=1) <= 0).all()



def test_nearest_codes_are_the_exact_neighbours_and_blank_those_under_a_score():
    """The search (an ONNX Runtime MatMul + TopK) returns exactly numpy's best rows, best first;
    with ``min_score`` those under the bar are blanked (id -1, score -inf)."""
    rng = np.random.default_rng(1)
    m = rng.normal(size=(2000, 16)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    ix = CodeIndex(np.array([f"C{i:04d}" for i in range(2000)]), m)
    q = m[:40] + rng.normal(scale=0.4, size=(40, 16)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    exact = q @ m.T
    ids, scores = ix.nearest_codes(q, k=4)
    assert (ids == np.argsort(-exact, axis=1)[:, :4]).all()
    assert np.allclose(scores, np.sort(exact, axis=1)[:, ::-1][:, :4], atol=1e-5)
    above, above_scores = ix.nearest_codes(q, k=4, min_score=0.8)
    passed = scores >= 0.8
    assert 0 < passed.sum() < passed.size          # some rows pass, some do not
    assert (above[passed] == ids[passed]).all() and (above_scores[passed] == scores[passed]).all()
    assert (above[~passed] == -1).all() and np.isneginf(above_scores[~passed]).all()
    assert ix.nearest_codes(q[:0], k=4)[0].shape == (0, 4)

def _copy_dir(tmp_path, skip: str):
    src = default_model_dir()
    (tmp_path / "1").mkdir()
    for rel in ("1/model.onnx", "tokenizer.json", "code_index.npz"):
        if rel != skip:
            os.symlink(src / rel, tmp_path / rel)
    return tmp_path


def test_a_missing_artifact_is_refused_at_load(tmp_path):
    with pytest.raises(ModelArtifactError, match="tokenizer.json"):
        CodeLinker.load(_copy_dir(tmp_path, "tokenizer.json"))


def test_a_matrix_from_another_encoder_is_refused(tmp_path, linker):
    d = _copy_dir(tmp_path, "code_index.npz")
    CodeIndex(linker.index.codes, linker.index.matrix, "0" * 64).save(d / "code_index.npz")
    with pytest.raises(ModelArtifactError, match="code_index.npz was built with a different model.onnx"):
        CodeLinker.load(d)


def test_the_runtime_never_imports_torch():
    code = ("import sys; from server.models import CodeLinker; CodeLinker.load().link(['chf']); "
            "print(any(m == 'torch' or m.startswith('torch.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
