"""Build what the GPU machine needs for the load test into one ignored folder, within 64 MiB:

    python -m loadtest.gpu.pack --out build/gpu_carry     # then carry build/gpu_carry

- ``triton.tar.xz``: Triton 2.51 from the nvidia-pytriton wheel installed here, slimmed to the
  server binary, the Python backend with the Python 3.12 stub only (the device's interpreter), and
  the wheel's shared libraries those three need (found by following their ELF NEEDED entries).
  Laid out as in the wheel (``pytriton/tritonserver`` beside ``nvidia_pytriton.libs``) so the
  binaries' $ORIGIN rpaths resolve.
- ``site.tar.xz``: cp312 manylinux or pure wheels of every package the gateway, tritonclient[grpc]
  and locust need that the device image lacks, at the versions installed here (the pyproject pins),
  fetched with ``pip download --only-binary=:all: --python-version 3.12`` into ``build/gpu_wheels``
  and installed here with ``pip install --target`` for Python 3.12 (no venv; the device puts the
  folder on PYTHONPATH). Installed and xz-compressed, they take half the room the wheels' zip
  does: the device call carries the working tree (about 31 MiB, the ONNX model most of it) and
  this folder together within 64 MiB.

Shared libraries are stripped of symbols (``strip --strip-unneeded``), and ICU's 29 MB data
library (needed only because libxml2 links ICU; Triton's Python backend never converts text
through it) is replaced by ICU's own "stubdata" design: a library of the same SONAME whose
``icudt70_dat`` is an empty common-data table (icu4c/source/stubdata), built here with gcc.

The device image's own packages (DEVICE_PROVIDED, from .library/device/KINDS.md) are not carried:
numpy, numba, onnxruntime, tokenizers, torch, onnx, matplotlib and the like come from there.
"""
from __future__ import annotations

import argparse
import importlib.metadata as md
import importlib.util
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LIMIT_BYTES = 64 << 20
ROOTS = ("medcoder[server]", "tritonclient[grpc]", "locust")
# Importable on the device image already (KINDS.md "Python packages already there"); grpcio and
# protobuf are carried anyway at our pins: the committed stubs need protobuf 6.33's runtime.
DEVICE_PROVIDED = frozenset(canonicalize_name(n) for n in (
    "numpy numba llvmlite onnxruntime onnx tokenizers torch matplotlib contourpy cycler fonttools "
    "kiwisolver pillow pyparsing python-dateutil six packaging pyarrow requests urllib3 certifi idna "
    "charset-normalizer psutil msgpack werkzeug jinja2 markupsafe click pyyaml typing-extensions "
    "setuptools filelock fsspec huggingface-hub tqdm sympy mpmath networkx attrs pandas pytz tzdata "
    "coloredlogs humanfriendly flatbuffers ml-dtypes").split())
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64",
             "manylinux1_x86_64", "manylinux_2_24_x86_64", "manylinux_2_31_x86_64", "manylinux_2_34_x86_64")


def _marker_env(extra: str = "") -> dict:
    env = default_environment()
    env.update(python_version="3.12", python_full_version="3.12.3", sys_platform="linux",
               platform_system="Linux", platform_machine="x86_64", implementation_name="cpython",
               platform_python_implementation="CPython", extra=extra)
    return env


def closure(roots=ROOTS) -> dict[str, str]:
    """{distribution: installed version} of everything ``roots`` need on Python 3.12 / Linux,
    read from this environment's metadata, less the device's own packages and medcoder itself."""
    todo, seen, pins = [Requirement(r) for r in roots], set(), {}
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        key = (name, tuple(sorted(req.extras)))
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError as e:
            raise SystemExit(f"pack: {req.name} is not installed here; install the test extra first") from e
        if name in DEVICE_PROVIDED:
            continue   # the device's copy brings its own dependencies
        if name != "medcoder":
            pins[name] = dist.version
        for raw in dist.requires or ():
            sub = Requirement(raw)
            if sub.marker is None or any(sub.marker.evaluate(_marker_env(x)) for x in ("", *req.extras)):
                todo.append(sub)
    return dict(sorted(pins.items()))


def download_wheels(pins: dict[str, str], dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q", "--no-deps",
           "--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp", "-d", str(dest)]
    for p in PLATFORMS:
        cmd += ["--platform", p]
    proc = subprocess.run(cmd + [f"{n}=={v}" for n, v in pins.items()], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit("pack: pip download failed (is PyPI reachable from here?):\n" + proc.stderr[-3000:])
    return sorted(dest.glob("*.whl"))


def _needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def triton_files() -> tuple[Path, list[tuple[Path, str]]]:
    """(wheel root, [(source, name in the archive)]) of the slim Triton tree."""
    spec = importlib.util.find_spec("pytriton")
    if spec is None or spec.origin is None:
        raise SystemExit("pack: nvidia-pytriton is not installed here (the triton extra)")
    pkg = Path(spec.origin).parent
    root, home, libs = pkg.parent, pkg / "tritonserver", pkg.parent / "nvidia_pytriton.libs"
    stub = home / "python_backend_stubs" / "3.12" / "triton_python_backend_stub"
    binaries = [home / "bin" / "tritonserver", home / "backends" / "python" / "libtriton_python.so", stub]
    files = [(b, str(b.relative_to(root))) for b in binaries[:2]]
    files.append((stub, "pytriton/tritonserver/backends/python/triton_python_backend_stub"))
    files.append((home / "backends" / "python" / "triton_python_backend_utils.py",
                  "pytriton/tritonserver/backends/python/triton_python_backend_utils.py"))
    files += [(f, str(f.relative_to(root))) for f in sorted((home / "caches").rglob("*")) if f.is_file()]
    todo, wanted = list(binaries), set()
    while todo:
        for lib in _needed(todo.pop()):
            if (libs / lib).is_file() and lib not in wanted:
                wanted.add(lib)
                todo.append(libs / lib)
    files += [(libs / lib, f"nvidia_pytriton.libs/{lib}") for lib in sorted(wanted)]
    return root, files


def _strip_elfs(folder: Path) -> None:
    """Strip symbols from every ELF file under ``folder`` (copies; a file strip refuses stays)."""
    for f in folder.rglob("*"):
        if f.is_file() and not f.is_symlink() and f.open("rb").read(4) == b"\x7fELF":
            subprocess.run(["strip", "--strip-unneeded", str(f)], capture_output=True)


def _tar_xz(folder: Path, out: Path, arcname: str) -> Path:
    with tarfile.open(out, "w:xz", preset=9) as tar:
        tar.add(folder, arcname=arcname, filter=lambda ti: None if "__pycache__" in ti.name else ti)
    return out


# ICU's stubdata entry point: DataHeader {headerSize 32, magic 0xda 0x27, UDataInfo {20, 0, little
# endian, ASCII, sizeof(UChar) 2, 0, "CmnD", format 1.0.0.0, data 0}}, 8 bytes padding, empty TOC.
_ICU_STUB_C = """
const unsigned char %s[48] __attribute__((visibility("default"), aligned(16))) = {
  32, 0, 0xda, 0x27, 20, 0, 0, 0, 0, 0, 2, 0, 0x43, 0x6d, 0x6e, 0x44, 1, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
"""


def _stub_icu_data(lib: Path, work: Path) -> bool:
    """Replace ``lib`` (libicudata) by a stub of the same SONAME and entry symbol; False (keeping
    the real one) when gcc is missing or the library is not the layout expected."""
    soname = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]",
                       subprocess.run(["readelf", "-d", str(lib)], capture_output=True, text=True).stdout)
    sym = re.search(r"\b(icudt\d+_dat)\b", subprocess.run(["readelf", "--dyn-syms", str(lib)],
                                                          capture_output=True, text=True).stdout)
    if not (soname and sym and shutil.which("gcc")):
        return False
    src = work / "icudata_stub.c"
    src.write_text(_ICU_STUB_C % sym.group(1))
    built = work / soname.group(1)
    proc = subprocess.run(["gcc", "-shared", "-fPIC", "-O2", f"-Wl,-soname,{soname.group(1)}", "-o", str(built), str(src)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return False
    shutil.copy2(built, lib)
    return True


def pack_triton(dest: Path, work: Path) -> Path:
    _, files = triton_files()
    tree = work / "triton"
    shutil.rmtree(tree, ignore_errors=True)
    for src, name in files:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, tree / name)
    _strip_elfs(tree)
    for lib in (tree / "nvidia_pytriton.libs").glob("libicudata*"):
        if not _stub_icu_data(lib, work):
            print(f"pack: kept the full {lib.name} (no gcc, or an unexpected layout)", file=sys.stderr)
    return _tar_xz(tree, dest / "triton.tar.xz", "triton")


def pack_site(wheels: list[Path], dest: Path, work: Path) -> Path:
    """The wheels installed for CPython 3.12 into one folder, stripped, as ``site.tar.xz``."""
    site = work / "site"
    shutil.rmtree(site, ignore_errors=True)
    cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q", "--no-index", "--no-deps",
           "--no-compile", "--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp",
           "--target", str(site)]
    for p in PLATFORMS:
        cmd += ["--platform", p]
    proc = subprocess.run(cmd + [str(w) for w in wheels], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit("pack: installing the wheels for Python 3.12 failed:\n" + proc.stderr[-3000:])
    _strip_elfs(site)
    return _tar_xz(site, dest / "site.tar.xz", "site")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="loadtest.gpu.pack", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=Path("build/gpu_carry"))
    p.add_argument("--wheels", type=Path, default=Path("build/gpu_wheels"), help="download cache (not carried)")
    p.add_argument("--skip-wheels", action="store_true", help="only the Triton tree (no network)")
    args = p.parse_args(argv)
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    work = args.wheels.parent / "gpu_pack_work"
    triton = pack_triton(args.out, work)
    print(f"triton tree: {triton} {triton.stat().st_size / 2**20:.1f} MiB")
    if not args.skip_wheels:
        pins = closure()
        (args.out / "requirements.txt").write_text("".join(f"{n}=={v}\n" for n, v in pins.items()))
        shutil.rmtree(args.wheels, ignore_errors=True)
        wheels = download_wheels(pins, args.wheels)
        site = pack_site(wheels, args.out, work)
        print(f"wheels: {len(wheels)} for {len(pins)} pins, {sum(w.stat().st_size for w in wheels) / 2**20:.1f} MiB; "
              f"installed for cp312: {site} {site.stat().st_size / 2**20:.1f} MiB")
    shutil.rmtree(work, ignore_errors=True)
    carry = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    tree = working_tree_bytes()
    print(f"carry: {carry / 2**20:.1f} MiB; working tree: {tree / 2**20:.1f} MiB; "
          f"total {(carry + tree) / 2**20:.1f} MiB of the 64 MiB one device call takes")
    if carry + tree > LIMIT_BYTES:
        print("pack: over the device call's 64 MiB", file=sys.stderr)
        return 1
    return 0


def working_tree_bytes() -> int:
    """What travels besides the carry: tracked and untracked-not-ignored files."""
    repo = Path(__file__).resolve().parents[2]
    names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=repo, capture_output=True,
                           check=True).stdout.split(b"\0")
    return sum((repo / n.decode()).stat().st_size for n in names if n and (repo / n.decode()).is_file())


if __name__ == "__main__":
    sys.exit(main())
