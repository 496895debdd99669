"""Triton Python-backend model: the code linker's encoder run with ONNX Runtime.

Triton's dynamic batcher hands ``execute`` several requests; they are padded to one width,
concatenated, run in a single session call and split back, so the batcher's work is not undone
per request. Tensor names and dtypes are those of ../config.pbtxt.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# Triton's stub starts Python without PYTHONPATH; medcoder's launcher (server/triton_server.py)
# passes this environment's site-packages here so numpy<2 and onnxruntime come from it.
sys.path[:0] = [p for p in os.environ.get("MEDCODER_TRITON_PYTHONPATH", "").split(os.pathsep) if p]

import numpy as np  # noqa: E402
import triton_python_backend_utils as pb_utils  # noqa: E402  (provided by Triton's Python backend)

INPUTS = ("input_ids", "attention_mask")
OUTPUT = "mention_embedding"


def _param(config: dict, key: str, default: str) -> str:
    return config.get("parameters", {}).get(key, {}).get("string_value", default)


def pad_concat(batches: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Right-pad every request to the widest one and stack; returns the row count of each."""
    width = max(ids.shape[1] for ids, _ in batches)
    ids = np.concatenate([np.pad(i, ((0, 0), (0, width - i.shape[1]))) for i, _ in batches])
    mask = np.concatenate([np.pad(m, ((0, 0), (0, width - m.shape[1]))) for _, m in batches])
    return ids.astype(np.int64), mask.astype(np.int64), [len(i) for i, _ in batches]


class TritonPythonModel:
    def initialize(self, args: dict) -> None:
        import onnxruntime as ort

        config = json.loads(args["model_config"])
        here = Path(args["model_repository"])
        path = (here / _param(config, "onnx_path", "../code_linker/1/model.onnx")).resolve()
        so = ort.SessionOptions()
        so.intra_op_num_threads = int(_param(config, "intra_op_threads", "1"))
        providers = ["CPUExecutionProvider"]
        if args.get("model_instance_kind") == "GPU" and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, ("CUDAExecutionProvider", {"device_id": int(args["model_instance_device_id"])}))
        self.session = ort.InferenceSession(str(path), so, providers=providers)

    def execute(self, requests):
        batches = [tuple(pb_utils.get_input_tensor_by_name(r, n).as_numpy() for n in INPUTS)
                   for r in requests]
        ids, mask, rows = pad_concat(batches)
        out = self.session.run([OUTPUT], {"input_ids": ids, "attention_mask": mask})[0]
        responses, start = [], 0
        for n in rows:
            tensor = pb_utils.Tensor(OUTPUT, out[start:start + n].astype(np.float32))
            responses.append(pb_utils.InferenceResponse(output_tensors=[tensor]))
            start += n
        return responses

    def finalize(self) -> None:
        self.session = None
