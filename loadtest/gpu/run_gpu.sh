#!/usr/bin/env bash
# The device load test, in one command (NOT run in the session that wrote it: no GPU was lent):
#
#   python -m loadtest.gpu.pack --out build/gpu_carry          # here, once (needs PyPI)
#   run(command="bash loadtest/gpu/run_gpu.sh", carry=["build/gpu_carry"], timeout_s=600)
#
# Unpacks the slim Triton 2.51 and the cp312 packages, starts Triton with code_linker_torch (the
# encoder in PyTorch fp16 on the GPU), starts the gateway with backend=triton and the linker on,
# measures the model-only figure on the gateway's CPUs, runs the ceiling finder with locust on its
# own cores, and writes the report, summary.json, nvidia-smi and the logs under $OUT.
# Every precondition is checked first; a missing one stops the run with one line saying which.
set -euo pipefail

die() { echo "run_gpu: $*" >&2; exit 2; }
[ -n "${OUT:-}" ] || die "OUT is not set (the folder results go to)"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
CARRY=${CARRY:-$REPO/build/gpu_carry}
WORK=${WORK:-/tmp/medcoder-gpu}
PY=${PYTHON:-python3}
STEP_USERS=${STEP_USERS:-32,128,256,512,768}
STEP_S=${STEP_S:-30}
TRITON_CPUS=${TRITON_CPUS:-0-3}
GATEWAY_CPUS=${GATEWAY_CPUS:-4-11}
LOCUST_CPUS=${LOCUST_CPUS:-12-15}
GATEWAY_WORKERS=${GATEWAY_WORKERS:-8}
MAX_INFLIGHT=${MAX_INFLIGHT:-64}

for f in triton.tar.xz site.tar.xz; do
  [ -f "$CARRY/$f" ] || die "$CARRY/$f missing: run 'python -m loadtest.gpu.pack --out build/gpu_carry' and carry it"
done
command -v nvidia-smi >/dev/null || die "nvidia-smi not found: this script needs the GPU machine"
command -v taskset >/dev/null || die "taskset not found"
"$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' || die "$PY is not Python 3.12 (the packed stub and wheels are cp312)"
"$PY" -c 'import torch, onnx; assert torch.cuda.is_available()' 2>/dev/null || die "$PY lacks torch with CUDA, or onnx"
LIBDIR=$("$PY" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')
ls "$LIBDIR"/libpython3.12.so* >/dev/null 2>&1 || die "no libpython3.12.so in $LIBDIR: Triton's Python stub needs the shared libpython"
mkdir -p "$OUT" "$WORK"
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || die "nvidia-smi failed; see $OUT/nvidia-smi.txt"

echo "run_gpu: unpacking $(du -sh "$CARRY" | cut -f1) into $WORK"
rm -rf "$WORK/triton" "$WORK/site"
tar -xJf "$CARRY/triton.tar.xz" -C "$WORK"
tar -xJf "$CARRY/site.tar.xz" -C "$WORK"
# the carried packages first (protobuf/grpcio at our pins), then the repo; torch, numpy, numba,
# onnxruntime and tokenizers come from the device's own environment
export PYTHONPATH="$WORK/site:$REPO${PYTHONPATH:+:$PYTHONPATH}"
"$PY" - <<'PYCHECK' || die "imports failed (see above): the device image's packages differ from what pack.py assumed"
import dataclasses, grpc, locust, tritonclient.grpc, google.protobuf
from server.config import Config
from server.engine import Engine  # noqa: F401
need = {"linker", "triton_url", "triton_model", "fallback"}
missing = need - {f.name for f in dataclasses.fields(Config)}
assert not missing, f"server.config.Config lacks {sorted(missing)} (the backend work is not in this tree)"
PYCHECK

T="$WORK/triton/pytriton/tritonserver"
read -r GRPC_PORT HTTP_PORT METRICS_PORT < <("$PY" -c '
import socket
s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
# The stub starts Python isolated; model.py prepends this (the device's torch and onnx).
MEDCODER_TRITON_PYTHONPATH=$("$PY" -c 'import os, sys; print(os.pathsep.join(p for p in sys.path if p and os.path.isdir(p)))')
export MEDCODER_TRITON_PYTHONPATH
echo "run_gpu: starting Triton (code_linker_torch) on CPUs $TRITON_CPUS, gRPC 127.0.0.1:$GRPC_PORT"
LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" taskset -c "$TRITON_CPUS" "$T/bin/tritonserver" \
  --model-repository="$REPO/model_repository" --backend-directory="$T/backends" --cache-directory="$T/caches" \
  --model-control-mode=explicit --load-model=code_linker_torch \
  --grpc-address=127.0.0.1 --grpc-port="$GRPC_PORT" --http-address=127.0.0.1 --http-port="$HTTP_PORT" \
  --metrics-address=127.0.0.1 --metrics-port="$METRICS_PORT" --exit-on-error=true --strict-readiness=true \
  > "$OUT/triton.log" 2>&1 &
TRITON_PID=$!
trap 'kill -TERM $TRITON_PID 2>/dev/null || true; wait $TRITON_PID 2>/dev/null || true' EXIT
"$PY" - "$HTTP_PORT" "$TRITON_PID" <<'PYWAIT' || die "Triton did not become ready; see $OUT/triton.log"
import os, sys, time, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 240
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("Triton exited")
    try:
        if urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/health/ready", timeout=2).status == 200:
            sys.exit(0)
    except OSError:
        pass
    time.sleep(1)
sys.exit("Triton not ready in 240 s")
PYWAIT
echo "run_gpu: Triton ready; ceiling finder $STEP_USERS users x ${STEP_S}s, gateway x$GATEWAY_WORKERS on $GATEWAY_CPUS, locust on $LOCUST_CPUS"

# ../shared (the CodiEsp notes) does not travel to the device: the shipped example notes are used.
cd "$REPO"
MEDCODER_LINKER=true MEDCODER_TRITON_URL="127.0.0.1:$GRPC_PORT" MEDCODER_TRITON_MODEL=code_linker_torch \
MEDCODER_FALLBACK=false MEDCODER_METRICS_PORT=-1 MEDCODER_CACHE_DIR="$WORK/cache" MEDCODER_DATA_DIR="$WORK/data" \
PYTHONUNBUFFERED=1 "$PY" -m loadtest.run --ceiling --backend triton --step-users "$STEP_USERS" --step-s "$STEP_S" \
  --workers "$GATEWAY_WORKERS" --gateway-cpus "$GATEWAY_CPUS" --locust-cpus "$LOCUST_CPUS" \
  --max-inflight "$MAX_INFLIGHT" --baseline-s 20 --notes "$REPO/examples/notes" --note-words all \
  --out "$WORK/report" 2>&1 | tee "$OUT/loadtest.log"
for f in summary.json report.html gateway.log; do cp "$WORK/report/$f" "$OUT/" 2>/dev/null || true; done
nvidia-smi --query-gpu=name,utilization.gpu,memory.used,memory.total --format=csv >> "$OUT/nvidia-smi.txt" 2>&1 || true
echo "run_gpu: done; results in $OUT"
