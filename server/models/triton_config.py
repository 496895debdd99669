"""Read the part of a Triton ``config.pbtxt`` the runtime and its tests rely on, into frozen types.

Protobuf text format without the Triton protos: a small reader for messages, scalars and lists is
enough for model_repository/ (names, dtypes, dims, batching, instance groups, parameters).

    cfg = read_model_config(Path("model_repository/code_linker/config.pbtxt"))
    cfg.inputs[0]   # TensorSpec(name='input_ids', data_type='TYPE_INT64', dims=(-1,))
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_TOKEN = re.compile(r'\s*(?:#[^\n]*|"((?:[^"\\]|\\.)*)"|([{}\[\]:,])|([^\s{}\[\]:,"#]+))')
NUMPY_DTYPES = {"TYPE_INT64": np.int64, "TYPE_INT32": np.int32, "TYPE_FP32": np.float32,
                "TYPE_FP16": np.float16, "TYPE_BOOL": np.bool_}


class PbtxtError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip():
                raise PbtxtError(f"unreadable text at offset {pos}")
            break
        pos = m.end()
        if m.group(1) is not None:
            out.append(("str", m.group(1)))
        elif m.group(2):
            out.append(("punct", m.group(2)))
        elif m.group(3):
            out.append(("atom", m.group(3)))
    return out


def _atom(kind: str, tok: str):
    if kind == "str":
        return tok
    for cast in (int, float):
        try:
            return cast(tok)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(tok, tok)


def _value(toks, i):
    kind, tok = toks[i]
    if tok == "{" and kind == "punct":
        return _message(toks, i + 1, "}")
    if tok == "[" and kind == "punct":
        items, i = [], i + 1
        while toks[i][1] != "]":
            item, i = _value(toks, i)
            items.append(item)
            if toks[i][1] == ",":
                i += 1
        return items, i + 1
    return _atom(kind, tok), i + 1


def _message(toks, i, end: str | None):
    """Fields of one message: {name: [values...]} (every field is a list; repeats append)."""
    fields: dict[str, list] = {}
    while i < len(toks) and toks[i][1] != end:
        name = toks[i][1]
        i += 1
        if toks[i][1] == ":":
            i += 1
        value, i = _value(toks, i)
        fields.setdefault(name, []).extend(value if isinstance(value, list) else [value])
        if i < len(toks) and toks[i][1] in (",", ";"):
            i += 1
    if end is not None and i >= len(toks):
        raise PbtxtError("unbalanced braces")
    return fields, i + 1


def parse_pbtxt(text: str) -> dict[str, list]:
    fields, _ = _message(_tokens(text), 0, None)
    return fields


@dataclass(frozen=True)
class TensorSpec:
    name: str
    data_type: str
    dims: tuple[int, ...]

    @property
    def numpy_dtype(self):
        return NUMPY_DTYPES[self.data_type]


@dataclass(frozen=True)
class ModelConfig:
    name: str
    runtime: str                   # platform ("onnxruntime_onnx") or backend ("python")
    max_batch_size: int
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    preferred_batch_sizes: tuple[int, ...]
    max_queue_delay_us: int
    instance_kinds: tuple[str, ...]
    parameters: dict


def _one(fields: dict, key: str, default=None):
    return fields.get(key, [default])[0]


def _tensors(items: list[dict]) -> tuple[TensorSpec, ...]:
    return tuple(TensorSpec(_one(t, "name"), _one(t, "data_type"), tuple(t.get("dims", ())))
                 for t in items)


def read_model_config(path: Path) -> ModelConfig:
    f = parse_pbtxt(Path(path).read_text(encoding="utf-8"))
    batching = _one(f, "dynamic_batching", {})
    params = {_one(p, "key"): _one(_one(p, "value", {}), "string_value") for p in f.get("parameters", [])}
    return ModelConfig(
        name=_one(f, "name"), runtime=_one(f, "platform") or _one(f, "backend"),
        max_batch_size=int(_one(f, "max_batch_size", 0)),
        inputs=_tensors(f.get("input", [])), outputs=_tensors(f.get("output", [])),
        preferred_batch_sizes=tuple(batching.get("preferred_batch_size", ())),
        max_queue_delay_us=int(_one(batching, "max_queue_delay_microseconds", 0)),
        instance_kinds=tuple(_one(g, "kind") for g in f.get("instance_group", [])),
        parameters=params)
