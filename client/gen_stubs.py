"""Regenerate the committed gRPC stubs from client/proto (``make stubs``).

grpc_tools writes ``from medcoder.v1 import coding_pb2``; the stubs live inside the ``client``
package, so that import is rewritten to a package-absolute one. ``tests/unit/test_contract.py``
regenerates into a temporary folder and diffs, so a proto edit without new stubs fails CI.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

PROTO_ROOT = Path(__file__).resolve().parent / "proto"
PROTOS = ("medcoder/v1/coding.proto",)
_IMPORT = re.compile(r"^from medcoder\.v1 import (\w+) as (\w+)$", re.M)


def generate(out_dir: Path = PROTO_ROOT) -> list[Path]:
    """Run protoc for every proto into ``out_dir`` (same relative layout); return the files written."""
    from grpc_tools import protoc
    import grpc_tools

    include = Path(grpc_tools.__file__).parent / "_proto"
    out_dir.mkdir(parents=True, exist_ok=True)
    args = ["protoc", f"-I{PROTO_ROOT}", f"-I{include}", f"--python_out={out_dir}",
            f"--pyi_out={out_dir}", f"--grpc_python_out={out_dir}", *PROTOS]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed")
    written = []
    for proto in PROTOS:
        stem = out_dir / proto[: -len(".proto")]
        for suffix in ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py"):
            path = stem.with_name(stem.name + suffix)
            text = _IMPORT.sub(r"from client.proto.medcoder.v1 import \1 as \2", path.read_text())
            path.write_text(text)
            written.append(path)
    return written


if __name__ == "__main__":
    for p in generate():
        print(p.relative_to(PROTO_ROOT.parent.parent))
    sys.exit(0)
