"""Each Triton config in model_repository/ against what the runtime sends and the graph returns."""
from __future__ import annotations

import importlib.util
import sys
import types

import numpy as np
import pytest

from server.models import INPUT_NAMES, MAX_BATCH_ROWS, OUTPUT_NAME, CodeLinker, default_model_dir
from server.models.triton_config import parse_pbtxt, read_model_config

REPOSITORY = default_model_dir().parent
CONFIGS = sorted(REPOSITORY.glob("*/config.pbtxt")) + sorted(REPOSITORY.glob("*/configs/*.pbtxt"))
_ORT_TYPES = {"tensor(int64)": "TYPE_INT64", "tensor(float)": "TYPE_FP32"}


@pytest.fixture(scope="module")
def linker():
    return CodeLinker.load()


def test_both_variants_exist_for_cpu_and_gpu():
    kinds = {(read_model_config(p).runtime, read_model_config(p).instance_kinds) for p in CONFIGS}
    assert kinds == {("onnxruntime_onnx", ("KIND_CPU",)), ("onnxruntime_onnx", ("KIND_GPU",)),
                     ("python", ("KIND_CPU",)), ("python", ("KIND_GPU",))}


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(REPOSITORY)))
def test_config_matches_the_runtime_tensors(path, linker):
    cfg = read_model_config(path)
    assert cfg.name == path.parent.name if path.name == "config.pbtxt" else cfg.name == path.parents[1].name
    session = linker.encoder.backend.sessions[0]
    graph_in = {i.name: i for i in session.get_inputs()}
    assert tuple(t.name for t in cfg.inputs) == INPUT_NAMES
    ((_, ids, mask),) = linker.encoder.tokenize(["chf", "acute on chronic systolic heart failure"]).values()
    for spec, sent in zip(cfg.inputs, (ids, mask)):
        assert sent.dtype == spec.numpy_dtype
        assert _ORT_TYPES[graph_in[spec.name].type] == spec.data_type
        # batch is implicit (max_batch_size > 0): config dims are the per-row dims
        assert len(spec.dims) + 1 == sent.ndim == len(graph_in[spec.name].shape)
        assert spec.dims == (-1,)
    (out,) = cfg.outputs
    assert out.name == OUTPUT_NAME and out.dims == (linker.index.dim,)
    got = linker.encoder.backend.infer(ids, mask)
    assert got.dtype == out.numpy_dtype and got.shape == (2, *out.dims)
    assert cfg.max_batch_size >= max(cfg.preferred_batch_sizes) > 0
    assert cfg.max_batch_size >= MAX_BATCH_ROWS   # the gateway sends up to MAX_BATCH_ROWS rows a call
    assert 0 < cfg.max_queue_delay_us <= 10_000


def test_python_variant_points_at_the_committed_graph():
    cfg = read_model_config(REPOSITORY / "code_linker_python" / "config.pbtxt")
    target = (REPOSITORY / "code_linker_python" / cfg.parameters["onnx_path"]).resolve()
    assert target == (default_model_dir() / "1" / "model.onnx").resolve() and target.is_file()


def test_pbtxt_reader_handles_repeats_lists_and_comments():
    f = parse_pbtxt('# c\nname: "m"\ninput [ { name: "a" dims: [ -1, 3 ] }, { name: "b" } ]\n'
                    'dynamic_batching { preferred_batch_size: [ 4, 8 ] }\nparameters { key: "k" }\n'
                    'parameters { key: "j" }')
    assert f["name"] == ["m"] and [i["name"] for i in f["input"]] == [["a"], ["b"]]
    assert f["input"][0]["dims"] == [-1, 3] and len(f["parameters"]) == 2
    assert f["dynamic_batching"][0]["preferred_batch_size"] == [4, 8]


def _python_model():
    stub = types.ModuleType("triton_python_backend_utils")   # only Triton provides the real one
    sys.modules.setdefault("triton_python_backend_utils", stub)
    spec = importlib.util.spec_from_file_location(
        "code_linker_python_model", REPOSITORY / "code_linker_python" / "1" / "model.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_python_backend_batches_requests_like_the_runtime(linker):
    mod = _python_model()
    texts = [["chf"], ["type 2 diabetes with chronic kidney disease", "htn"]]
    requests = []
    for t in texts:   # each request padded to its own longest row: two widths to merge
        ((_, ids, mask),) = linker.encoder.tokenize(t).values()
        width = int(mask.sum(axis=1).max())
        requests.append((ids[:, :width], mask[:, :width]))
    assert requests[0][0].shape[1] != requests[1][0].shape[1]
    ids, mask, rows = mod.pad_concat(requests)
    assert rows == [1, 2] and ids.dtype == mask.dtype == np.int64
    out = linker.encoder.backend.infer(ids, mask)
    direct = np.concatenate([linker.encoder.backend.infer(*r) for r in requests])
    sims = out @ direct.T
    assert (sims.argmax(axis=1) == np.arange(3)).all() and (np.diag(sims) > 0.97).all()
