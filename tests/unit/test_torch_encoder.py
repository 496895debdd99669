"""The GPU Triton model's PyTorch encoder (model_repository/code_linker_torch) against the shipped
int8 ONNX graph under ONNX Runtime, on CPU.

The torch module runs the dequantised float weights; the ONNX graph also rounds activations to
int8 per batch, which by itself moves a mention's vector to cosine >= 0.98 of itself in another
batch (model card). So the bound is: every row within cosine 0.98 of ONNX Runtime's, the mean
within 0.99, and fp16 (what the GPU runs) within 0.999 of the module's own float32.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

REPO = Path(__file__).resolve().parents[2]
MODEL_DIR = REPO / "model_repository" / "code_linker"
PHRASES = ["acute on chronic systolic heart failure", "CHF", "NSTEMI", "htn",
           "type 2 diabetes mellitus with diabetic chronic kidney disease stage 3a",
           "pain in the left iliac fossa", "tumefaction of the left testicle",
           "community acquired pneumonia of the right lower lobe", "fracture of neck of right femur",
           "no evidence of deep vein thrombosis"]


def _minilm_torch():
    path = REPO / "model_repository" / "code_linker_torch" / "1" / "minilm_torch.py"
    spec = importlib.util.spec_from_file_location("minilm_torch", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _OrtGraph:
    """The shipped graph under ONNX Runtime on rows padded to the longest (what Triton's batcher
    makes of one request)."""

    def __init__(self):
        from tokenizers import Tokenizer

        from server.backends import EmbeddedBackend

        self.backend = EmbeddedBackend(MODEL_DIR / "1" / "model.onnx")
        self._tok = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
        self._tok.no_padding()

    def tokenize(self, texts):
        from server.models.encoder import pad_rows

        rows = [e.ids for e in self._tok.encode_batch(list(texts))]
        return pad_rows(rows, max(len(r) for r in rows))

    def run(self, ids, mask):
        return self.backend.infer(ids, mask)


@pytest.fixture(scope="module")
def parts():
    mt = _minilm_torch()
    ort_encoder = _OrtGraph()
    weights = mt.read_onnx_weights(MODEL_DIR / "1" / "model.onnx")
    yield mt, ort_encoder, weights
    ort_encoder.backend.close()


def test_weights_are_read_under_every_parameter_name_with_their_shapes(parts):
    mt, _, weights = parts
    shapes = dict(mt.MiniLMEncoder.parameter_shapes())
    assert {k: v.shape for k, v in weights.items()} == shapes
    assert all(np.isfinite(v).all() for v in weights.values())


def test_float32_module_matches_onnx_runtime_within_int8_activation_noise(parts):
    mt, ort_encoder, weights = parts
    ids, mask = ort_encoder.tokenize(PHRASES)
    ref = ort_encoder.run(ids, mask)
    out = mt.MiniLMEncoder(weights).eval()(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    cos = (out * ref).sum(axis=1)
    assert np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)
    assert cos.min() >= 0.98 and cos.mean() >= 0.99, cos.round(4)


def test_padding_does_not_move_a_row(parts):
    """Triton pads the requests of one batch to the widest: a short phrase must not change."""
    mt, ort_encoder, weights = parts
    module = mt.MiniLMEncoder(weights).eval()
    ids, mask = ort_encoder.tokenize(PHRASES)
    batch = module(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    alone = module(*(torch.from_numpy(a) for a in ort_encoder.tokenize([PHRASES[1]])))[0].numpy()
    assert float(alone @ batch[1]) >= 0.99999


def test_half_precision_stays_within_bound_of_float32(parts):
    mt, ort_encoder, weights = parts
    ids, mask = (torch.from_numpy(a) for a in ort_encoder.tokenize(PHRASES))
    full = mt.MiniLMEncoder(weights).eval()(ids, mask).numpy()
    try:
        half = mt.MiniLMEncoder(weights).to(torch.float16).eval()(ids, mask).numpy()
    except RuntimeError:   # a CPU build without fp16 kernels: bfloat16 has fewer mantissa bits still
        half = mt.MiniLMEncoder(weights).to(torch.bfloat16).eval()(ids, mask).numpy()
    assert (half * full).sum(axis=1).min() >= 0.999
