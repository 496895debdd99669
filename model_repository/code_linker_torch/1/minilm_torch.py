"""The code linker's encoder as a small pure-PyTorch module, its weights read from the committed
int8 ONNX graph (``../code_linker/1/model.onnx``) and dequantised back to float at load.

    weights = read_onnx_weights(Path("model_repository/code_linker/1/model.onnx"))
    enc = MiniLMEncoder(weights).to("cuda", torch.float16).eval()
    enc(input_ids, attention_mask)        # float32 [batch, 128], unit rows

The graph is all-MiniLM-L6-v2 (BERT, 6 post-LayerNorm layers, 12 heads of 32, GELU via erf) with
a mean-pooling + linear 384->128 head and an L2 norm. ``onnxruntime.quantization`` stored every
dense weight as MatMulInteger's int8 ``*_quantized`` with per-column ``*_scale``/``*_zero_point``
and the embedding tables as uint8 with one scale: W = (q - zero_point) * scale. The ONNX graph also
quantises activations per batch (DynamicQuantizeLinear); this module does not, so it computes the
float model those weights came from, and differs from the int8 graph by that rounding only
(tests/unit/test_torch_encoder.py bounds it). No Triton import here, so it runs in tests on CPU.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

LAYERS, HIDDEN, HEADS, EMBED = 6, 384, 12, 128
LN_EPS = 1e-12
_DENSE = re.compile(r"^/(?:bert/encoder/layer\.(\d+)/(attention/self/query|attention/self/key|attention/self/value|"
                    r"attention/output/dense|intermediate/dense|output/dense)|(proj))/MatMul_quant$")
_ROLE = {"attention/self/query": "q", "attention/self/key": "k", "attention/self/value": "v",
         "attention/output/dense": "attn_out", "intermediate/dense": "ffn_in", "output/dense": "ffn_out"}


class WeightReadError(ValueError):
    """The ONNX graph is not the int8 MiniLM layout this module was written for."""


def read_onnx_weights(path: Path) -> dict[str, np.ndarray]:
    """Every weight as float32 numpy, under names of this module's parameters. The MatMulInteger
    nodes name the layer and role of each weight (``/bert/encoder/layer.3/attention/self/key``)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    init = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    out: dict[str, np.ndarray] = {}
    for node in model.graph.node:
        m = _DENSE.match(node.name) if node.op_type == "MatMulInteger" else None
        if not m:
            continue
        q_name, zp_name = node.input[1], node.input[3]
        scale_name = q_name.replace("_quantized", "_scale")
        q, zp, scale = init[q_name], init[zp_name], init[scale_name]
        key = "proj.weight" if m.group(3) else f"layers.{m.group(1)}.{_ROLE[m.group(2)]}.weight"
        # MatMul computes x @ W with W [in, out]; nn.Linear stores [out, in]
        out[key] = ((q.astype(np.float32) - zp.astype(np.float32)) * scale.astype(np.float32)).T.copy()
    for table in ("word", "position", "token_type"):
        base = f"bert.embeddings.{table}_embeddings.weight"
        q, zp, scale = init[f"{base}_quantized"], init[f"{base}_zero_point"], init[f"{base}_scale"]
        out[f"{table}_embeddings.weight"] = (q.astype(np.float32) - np.float32(zp)) * np.float32(scale)
    out["embeddings_ln.weight"] = init["bert.embeddings.LayerNorm.weight"]
    out["embeddings_ln.bias"] = init["bert.embeddings.LayerNorm.bias"]
    for i in range(LAYERS):
        p = f"bert.encoder.layer.{i}."
        names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
                 "attn_out": "attention.output.dense", "ffn_in": "intermediate.dense", "ffn_out": "output.dense"}
        for role, onnx_name in names.items():
            out[f"layers.{i}.{role}.bias"] = init[p + onnx_name + ".bias"]
        out[f"layers.{i}.attn_ln.weight"] = init[p + "attention.output.LayerNorm.weight"]
        out[f"layers.{i}.attn_ln.bias"] = init[p + "attention.output.LayerNorm.bias"]
        out[f"layers.{i}.ffn_ln.weight"] = init[p + "output.LayerNorm.weight"]
        out[f"layers.{i}.ffn_ln.bias"] = init[p + "output.LayerNorm.bias"]
    expected = {k for k, _ in MiniLMEncoder.parameter_shapes()}
    if set(out) != expected:
        raise WeightReadError(f"{Path(path).name}: weights missing {sorted(expected - set(out))[:3]}, "
                              f"unexpected {sorted(set(out) - expected)[:3]}")
    return out


class _Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v = (nn.Linear(HIDDEN, HIDDEN) for _ in range(3))
        self.attn_out = nn.Linear(HIDDEN, HIDDEN)
        self.attn_ln = nn.LayerNorm(HIDDEN, eps=LN_EPS)
        self.ffn_in = nn.Linear(HIDDEN, 4 * HIDDEN)
        self.ffn_out = nn.Linear(4 * HIDDEN, HIDDEN)
        self.ffn_ln = nn.LayerNorm(HIDDEN, eps=LN_EPS)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        heads = [f(x).view(b, t, HEADS, HIDDEN // HEADS).transpose(1, 2) for f in (self.q, self.k, self.v)]
        # additive mask (0 or the dtype's lowest value), as the ONNX graph adds it: no NaN rows
        ctx = F.scaled_dot_product_attention(*heads, attn_mask=bias, scale=1 / math.sqrt(HIDDEN // HEADS))
        x = self.attn_ln(x + self.attn_out(ctx.transpose(1, 2).reshape(b, t, HIDDEN)))
        return self.ffn_ln(x + self.ffn_out(F.gelu(self.ffn_in(x))))   # exact (erf) GELU, as the graph


class MiniLMEncoder(nn.Module):
    """input_ids, attention_mask int64 [batch, seq] -> float32 unit vectors [batch, 128]."""

    def __init__(self, weights: dict[str, np.ndarray] | None = None):
        super().__init__()
        self.word_embeddings = nn.Embedding(30522, HIDDEN)
        self.position_embeddings = nn.Embedding(512, HIDDEN)
        self.token_type_embeddings = nn.Embedding(2, HIDDEN)
        self.embeddings_ln = nn.LayerNorm(HIDDEN, eps=LN_EPS)
        self.layers = nn.ModuleList(_Layer() for _ in range(LAYERS))
        self.proj = nn.Linear(HIDDEN, EMBED, bias=False)
        if weights is not None:
            self.load_state_dict({k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in weights.items()})

    @classmethod
    def parameter_shapes(cls):
        with torch.device("meta"):
            return [(k, tuple(v.shape)) for k, v in cls().state_dict().items()]

    @torch.inference_mode()
    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        t = input_ids.shape[1]
        pos = torch.arange(t, device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.position_embeddings(pos)[None] + self.token_type_embeddings.weight[0]
        x = self.embeddings_ln(x)
        keep = attention_mask.to(x.dtype)
        bias = ((1 - keep) * torch.finfo(x.dtype).min)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, bias)
        # mean over real tokens in float32: fp16 sums of 64 tokens lose digits the cosine needs
        keep32 = keep.float()[..., None]
        pooled = (x.float() * keep32).sum(1) / keep32.sum(1).clamp_min(1e-9)
        out = pooled.to(x.dtype) @ self.proj.weight.T
        return F.normalize(out.float(), dim=-1, eps=1e-12)
