"""A real Triton (from the nvidia-pytriton wheel) started, used and stopped by medcoder's launcher:
dynamic batching forms batches from concurrent single requests, and the Python backend runs with
this environment's packages."""
from __future__ import annotations

import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]
tc = pytest.importorskip("tritonclient.grpc")
pytest.importorskip("pytriton")

from server.triton_server import TritonOptions, TritonServer  # noqa: E402

MODEL_PY = textwrap.dedent('''
    import os, sys
    sys.path[:0] = [p for p in os.environ.get("MEDCODER_TRITON_PYTHONPATH", "").split(os.pathsep) if p]
    import numpy as np
    import onnxruntime  # noqa: F401 - this environment's packages are importable in the stub
    import triton_python_backend_utils as pb_utils

    class TritonPythonModel:
        def execute(self, requests):
            batch = sum(pb_utils.get_input_tensor_by_name(r, "x").as_numpy().shape[0] for r in requests)
            out = []
            for r in requests:
                x = pb_utils.get_input_tensor_by_name(r, "x").as_numpy()
                size = np.full((x.shape[0], 1), batch, dtype=np.int32)
                out.append(pb_utils.InferenceResponse([pb_utils.Tensor("y", (x + 1).astype(np.float32)),
                                                       pb_utils.Tensor("batch", size)]))
            return out
''')
CONFIG = textwrap.dedent('''
    name: "add_one"
    backend: "python"
    max_batch_size: 64
    input [ { name: "x" data_type: TYPE_FP32 dims: [ 4 ] } ]
    output [ { name: "y" data_type: TYPE_FP32 dims: [ 4 ] }, { name: "batch" data_type: TYPE_INT32 dims: [ 1 ] } ]
    dynamic_batching { max_queue_delay_microseconds: 20000 }
    instance_group [ { count: 1 kind: KIND_CPU } ]
''')


@pytest.fixture(scope="module")
def triton(tmp_path_factory, cache_dir):
    repo = tmp_path_factory.mktemp("repo")
    (repo / "add_one" / "1").mkdir(parents=True)
    (repo / "add_one" / "config.pbtxt").write_text(CONFIG)
    (repo / "add_one" / "1" / "model.py").write_text(MODEL_PY)
    server = TritonServer(TritonOptions(repository=repo, cache_dir=cache_dir / "triton"))
    with server:
        yield server
    assert server.proc.returncode == 0   # SIGTERM is a clean stop


def _infer(url: str, x: np.ndarray):
    client = tc.InferenceServerClient(url)
    try:
        inp = tc.InferInput("x", list(x.shape), "FP32")
        inp.set_data_from_numpy(x)
        res = client.infer("add_one", [inp])
        return res.as_numpy("y"), res.as_numpy("batch")
    finally:
        client.close()


def test_python_backend_answers(triton):
    y, _ = _infer(triton.grpc_url, np.arange(8, dtype=np.float32).reshape(2, 4))
    assert np.array_equal(y, np.arange(1, 9, dtype=np.float32).reshape(2, 4))


def test_dynamic_batching_merges_concurrent_requests(triton):
    sizes, lock = [], threading.Lock()

    def one(i):
        _, batch = _infer(triton.grpc_url, np.full((1, 4), i, dtype=np.float32))
        with lock:
            sizes.append(int(batch[0, 0]))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sizes) == 24 and max(sizes) > 1


def test_startup_failure_is_reported_not_hung(tmp_path, cache_dir):
    repo = tmp_path / "repo"
    (repo / "broken" / "1").mkdir(parents=True)
    (repo / "broken" / "config.pbtxt").write_text('name: "broken"\nbackend: "python"\n')
    (repo / "broken" / "1" / "model.py").write_text("raise ImportError('no such thing')\n")
    from server.errors import Unavailable
    with pytest.raises(Unavailable, match="exited"):
        TritonServer(TritonOptions(repository=repo, cache_dir=cache_dir / "triton", startup_timeout_s=120)).start()


def test_code_linker_through_triton_matches_the_embedded_runtime(cache_dir):
    """The served model and the in-process one give the same mention embeddings."""
    from server.models import CodeLinker

    repo = Path(__file__).resolve().parents[2] / "model_repository"
    linker = CodeLinker.load()
    mentions = ["acute on chronic systolic heart failure", "NSTEMI", "type 2 diabetes with diabetic CKD",
                "closed fracture of the left femoral neck, initial encounter"]
    ((_, ids, mask),) = linker.encoder.tokenize(mentions).values()   # one 16-token bucket
    local = linker.encoder.backend.infer(ids, mask)
    linker.close()
    with TritonServer(TritonOptions(repository=repo, cache_dir=cache_dir / "triton",
                                    models=("code_linker_python",))) as server:
        client = tc.InferenceServerClient(server.grpc_url)
        try:
            inputs = []
            for name, arr in (("input_ids", ids), ("attention_mask", mask)):
                inp = tc.InferInput(name, list(arr.shape), "INT64")
                inp.set_data_from_numpy(arr.astype(np.int64))
                inputs.append(inp)
            served = client.infer("code_linker_python", inputs).as_numpy("mention_embedding")
        finally:
            client.close()
    assert served.shape == local.shape
    assert float(np.max(np.abs(served - local))) < 1e-4
