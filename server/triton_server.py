"""Start and stop a real Triton Inference Server from the ``nvidia-pytriton`` wheel.

The wheel carries Triton 2.51 with the Python backend only, plus one backend stub per Python
version. As pytriton itself does, we lay the server out once in a cache folder with the stub of
*this* interpreter, then run ``tritonserver`` on 127.0.0.1 ports we choose. Gotchas handled here:
the stub must load this interpreter's libpython (``LD_LIBRARY_PATH``) and see this environment's
packages (``PYTHONPATH``), and Triton stops cleanly on SIGTERM, not SIGINT.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

from server.errors import Unavailable

log = logging.getLogger("medcoder.triton")
STUB_PATH_ENV = "MEDCODER_TRITON_PYTHONPATH"


@dataclass(frozen=True)
class TritonOptions:
    repository: Path
    cache_dir: Path
    host: str = "127.0.0.1"
    grpc_port: int = 0           # 0: pick a free port
    http_port: int = 0
    metrics_port: int = 0
    startup_timeout_s: float = 180.0
    stop_timeout_s: float = 30.0
    log_verbose: int = 0
    models: tuple[str, ...] = ()  # load only these (explicit model control); () = every model
    extra_args: tuple[str, ...] = field(default=())


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def triton_home(cache_dir: Path) -> Path:
    """The server tree with this interpreter's Python-backend stub, laid out once per version."""
    spec = importlib.util.find_spec("pytriton")
    if spec is None or spec.origin is None:
        raise Unavailable("the Triton backend needs the 'triton' extra: pip install 'medcoder[triton]'")
    dist = Path(spec.origin).parent / "tritonserver"
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    home = Path(cache_dir) / f"tritonserver-py{version}"
    stub = home / "backends" / "python" / "triton_python_backend_stub"
    if not stub.exists():
        tmp = home.with_name(home.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(dist, tmp, ignore=shutil.ignore_patterns("python_backend_stubs"))
        shutil.copy(dist / "python_backend_stubs" / version / "triton_python_backend_stub",
                    tmp / "backends" / "python" / "triton_python_backend_stub")
        shutil.rmtree(home, ignore_errors=True)
        tmp.rename(home)
    return home


class TritonServer:
    """One tritonserver process. ``start()`` returns once every model is ready."""

    def __init__(self, options: TritonOptions):
        self.options = options
        self.proc: subprocess.Popen | None = None
        self.grpc_port = options.grpc_port or _free_port(options.host)
        self.http_port = options.http_port or _free_port(options.host)
        self.metrics_port = options.metrics_port or _free_port(options.host)
        self.log_path = Path(options.cache_dir) / f"tritonserver-{self.grpc_port}.log"

    @property
    def grpc_url(self) -> str:
        return f"{self.options.host}:{self.grpc_port}"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        # This interpreter's libpython, then the shared libraries the wheel ships beside pytriton.
        spec = importlib.util.find_spec("pytriton")
        libs = [sysconfig.get_config_var("LIBDIR") or "", str(Path(spec.origin).parent.parent / "nvidia_pytriton.libs")]
        env["LD_LIBRARY_PATH"] = os.pathsep.join([p for p in libs if p] + [env.get("LD_LIBRARY_PATH", "")]).strip(os.pathsep)
        # The stub starts Python isolated from PYTHONPATH; our model.py files prepend this instead,
        # so they import this environment's numpy (<2) and onnxruntime, not the base interpreter's.
        paths = [p for p in sys.path if p and Path(p).is_dir()]
        env[STUB_PATH_ENV] = os.pathsep.join(paths)
        return env

    def start(self) -> "TritonServer":
        home = triton_home(self.options.cache_dir)
        o = self.options
        cmd = [str(home / "bin" / "tritonserver"), f"--model-repository={Path(o.repository).resolve()}",
               f"--backend-directory={home / 'backends'}", f"--cache-directory={home / 'caches'}",
               f"--grpc-address={o.host}", f"--grpc-port={self.grpc_port}",
               f"--http-address={o.host}", f"--http-port={self.http_port}",
               f"--metrics-address={o.host}", f"--metrics-port={self.metrics_port}",
               "--allow-metrics=true", "--exit-on-error=true", "--strict-readiness=true",
               f"--log-verbose={o.log_verbose}", *o.extra_args]
        if o.models:
            # The repository also holds configs for the stock container's onnxruntime_onnx
            # platform, which the wheel's Triton cannot load: name the models to serve.
            cmd += ["--model-control-mode=explicit", *(f"--load-model={m}" for m in o.models)]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=self._env(),
                                         start_new_session=True)
        t0 = time.perf_counter()
        try:
            self._wait_ready()
        except Exception:
            self.stop()
            raise
        log.info("Triton ready on %s in %.1f s (log %s)", self.grpc_url, time.perf_counter() - t0, self.log_path)
        return self

    def _wait_ready(self) -> None:
        import tritonclient.grpc as tc

        deadline = time.monotonic() + self.options.startup_timeout_s
        client = tc.InferenceServerClient(self.grpc_url)
        try:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise Unavailable(f"Triton exited with status {self.proc.returncode}; see {self.log_path}")
                try:
                    if client.is_server_ready():
                        return
                except Exception:  # noqa: BLE001 - not listening yet
                    pass
                time.sleep(0.25)
        finally:
            client.close()
        raise Unavailable(f"Triton was not ready within {self.options.startup_timeout_s:.0f} s; see {self.log_path}")

    def stop(self) -> int | None:
        """SIGTERM (Triton ignores SIGINT for a clean stop), then SIGKILL after the timeout."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(self.options.stop_timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:   # a Triton that was killed leaves its Python-backend stubs running in its session
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return self.proc.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
