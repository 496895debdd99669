"""Build a TensorRT engine for the code linker's encoder on a GPU machine.

NOT EXERCISED in this project's CI or on the machine the models were trained on (no GPU, no
TensorRT there): it is written against the TensorRT 10 Python API and documented as such. Input
is the fp32 graph (`make models` writes build/linker/model.fp32.onnx); the int8 graph's dynamic
quantisation nodes are a CPU format and do not belong in an engine.

    pip install tensorrt   # on the GPU machine, matching its CUDA
    python -m export.build_tensorrt --onnx build/linker/model.fp32.onnx \
        --out model_repository/code_linker_trt/1/model.plan --fp16

One optimisation profile covers batch 1..MAX_BATCH_ROWS (64) and sequence 1..512 (opt 8 x 64, the shape of a
note's mentions); the Triton config for such an engine is platform "tensorrt_plan" with the same
tensor names as model_repository/code_linker/config.pbtxt.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from server.models.encoder import MAX_BATCH_ROWS

INPUTS = ("input_ids", "attention_mask")


def build_engine(onnx_path: Path, out: Path, fp16: bool, max_batch: int = MAX_BATCH_ROWS, max_seq: int = 512,
                 opt: tuple[int, int] = (8, 64), workspace_gib: int = 2) -> Path:
    import tensorrt as trt

    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    network = builder.create_network(0)  # explicit batch is the only mode in TensorRT 10
    parser = trt.OnnxParser(network, logger)
    if not parser.parse(Path(onnx_path).read_bytes()):
        errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise RuntimeError(f"TensorRT could not parse {onnx_path}: {errors}")
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, workspace_gib << 30)
    if fp16:
        config.set_flag(trt.BuilderFlag.FP16)
    profile = builder.create_optimization_profile()
    for name in INPUTS:
        profile.set_shape(name, (1, 1), opt, (max_batch, max_seq))
    config.add_optimization_profile(profile)
    engine = builder.build_serialized_network(network, config)
    if engine is None:
        raise RuntimeError("TensorRT engine build failed (see the log above)")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(bytes(engine))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--onnx", type=Path, default=Path("build/linker/model.fp32.onnx"))
    ap.add_argument("--out", type=Path, default=Path("build/linker/model.plan"))
    ap.add_argument("--fp16", action="store_true")
    a = ap.parse_args(argv)
    path = build_engine(a.onnx, a.out, a.fp16)
    print(f"{path}: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
