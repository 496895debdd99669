"""ONNX export of the linker encoder: contract, dynamic axes and parity with PyTorch.

Uses a 2-layer random-weight encoder built here, so no training and no shipped weights are
needed; skipped where the export extra (torch, transformers, onnx) is not installed.
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
onnx = pytest.importorskip("onnx")

from export.export_onnx import OPSET, export, parity, quantize_int8, random_batch  # noqa: E402
from export.linker_model import OUTPUT_NAME, tiny_random_encoder  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    torch.set_num_threads(1)
    model = tiny_random_encoder(seed=3)
    d = tmp_path_factory.mktemp("tiny-onnx")
    fp32 = export(model, d / "model.fp32.onnx")
    return model, fp32, quantize_int8(fp32, d / "model.int8.onnx")


def test_graph_has_the_contract_and_dynamic_axes(tiny):
    _, fp32, _ = tiny
    g = onnx.load(str(fp32))
    assert max(o.version for o in g.opset_import if o.domain in ("", "ai.onnx")) >= OPSET >= 17
    ins = {i.name: i for i in g.graph.input}
    assert set(ins) == {"input_ids", "attention_mask"}
    for i in ins.values():
        assert i.type.tensor_type.elem_type == onnx.TensorProto.INT64
        assert [d.dim_param for d in i.type.tensor_type.shape.dim] == ["batch", "sequence"]
    (out,) = g.graph.output
    assert out.name == OUTPUT_NAME
    assert out.type.tensor_type.shape.dim[0].dim_param == "batch"
    assert out.type.tensor_type.shape.dim[1].dim_value == 16


@pytest.mark.parametrize("batch,seq", [(1, 5), (3, 20), (6, 130)])
def test_fp32_onnx_matches_pytorch(tiny, batch, seq):
    model, fp32, _ = tiny
    ids, mask = random_batch(120, batch=batch, seq=seq, seed=batch)
    assert parity(model, fp32, ids, mask) < 1e-5


def test_int8_onnx_stays_close_and_is_smaller(tiny):
    model, fp32, int8 = tiny
    ids, mask = random_batch(120, batch=4, seq=24)
    assert parity(model, int8, ids, mask) < 0.05
    assert int8.stat().st_size < fp32.stat().st_size


def test_padding_does_not_change_a_rows_embedding(tiny):
    """Mean pooling ignores padding: a mention alone and in a padded batch gets the same vector."""
    model, fp32, _ = tiny
    import onnxruntime as ort

    sess = ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"])
    ids = np.array([[1, 7, 9, 11, 0, 0, 0]], dtype=np.int64)
    mask = (ids > 0).astype(np.int64)
    padded = sess.run([OUTPUT_NAME], {"input_ids": ids, "attention_mask": mask})[0]
    alone = sess.run([OUTPUT_NAME], {"input_ids": ids[:, :4], "attention_mask": mask[:, :4]})[0]
    assert np.abs(padded - alone).max() < 1e-5
    assert np.allclose(np.linalg.norm(padded, axis=1), 1.0, atol=1e-5)
