"""Triton Python-backend model: the code linker's encoder in PyTorch (fp16 on the instance's GPU).

Inputs arrive through DLPack (no copy through numpy), the requests of one dynamic batch are padded
to one width and run in a single forward pass, and each request's rows go back as a DLPack tensor
on the GPU; Triton copies them out. Weights: minilm_torch.read_onnx_weights on the committed int8
graph. A KIND_CPU instance (no GPU) runs the same module in float32.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# Triton's stub starts Python without PYTHONPATH; the launcher passes the environment that holds
# torch and onnx here (see server/triton_server.py), and this folder holds minilm_torch.py.
sys.path[:0] = [p for p in os.environ.get("MEDCODER_TRITON_PYTHONPATH", "").split(os.pathsep) if p]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
import triton_python_backend_utils as pb_utils  # noqa: E402  (provided by Triton's Python backend)
from torch.utils import dlpack  # noqa: E402

from minilm_torch import MiniLMEncoder, read_onnx_weights  # noqa: E402

INPUTS = ("input_ids", "attention_mask")
OUTPUT = "mention_embedding"


def _param(config: dict, key: str, default: str) -> str:
    return config.get("parameters", {}).get(key, {}).get("string_value", default)


class TritonPythonModel:
    def initialize(self, args: dict) -> None:
        config = json.loads(args["model_config"])
        here = Path(args["model_repository"])
        onnx_path = (here / _param(config, "onnx_path", "../code_linker/1/model.onnx")).resolve()
        gpu = args.get("model_instance_kind") == "GPU"
        if gpu and not torch.cuda.is_available():
            raise pb_utils.TritonModelException("code_linker_torch: KIND_GPU instance but torch sees no CUDA device")
        self.device = torch.device(f"cuda:{args['model_instance_device_id']}" if gpu else "cpu")
        dtype = getattr(torch, _param(config, "dtype", "float16")) if gpu else torch.float32
        self.encoder = MiniLMEncoder(read_onnx_weights(onnx_path)).to(self.device, dtype).eval()
        with torch.inference_mode():   # first call builds kernels; not on a caller's clock
            ids = torch.ones((8, 16), dtype=torch.int64, device=self.device)
            self.encoder(ids, ids)

    def _tensor(self, request, name: str) -> torch.Tensor:
        return dlpack.from_dlpack(pb_utils.get_input_tensor_by_name(request, name).to_dlpack())

    def execute(self, requests):
        batches = [(self._tensor(r, "input_ids"), self._tensor(r, "attention_mask")) for r in requests]
        width = max(ids.shape[1] for ids, _ in batches)
        ids = torch.cat([torch.nn.functional.pad(i, (0, width - i.shape[1])) for i, _ in batches])
        mask = torch.cat([torch.nn.functional.pad(m, (0, width - m.shape[1])) for _, m in batches])
        out = self.encoder(ids.to(self.device, non_blocking=True), mask.to(self.device, non_blocking=True))
        responses, start = [], 0
        for i, _ in batches:
            rows = out[start:start + i.shape[0]].contiguous()
            start += i.shape[0]
            tensor = pb_utils.Tensor.from_dlpack(OUTPUT, dlpack.to_dlpack(rows))
            responses.append(pb_utils.InferenceResponse(output_tensors=[tensor]))
        return responses

    def finalize(self) -> None:
        self.encoder = None
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
