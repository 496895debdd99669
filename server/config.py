"""The one configuration object. Built once in ``main`` and passed down.

Precedence: explicit arguments > ``MEDCODER_*`` environment variables > defaults. Nothing else in
medcoder reads ``os.environ``.
"""
from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from server.domain import Setting
from server.errors import InvalidInput
from server.pipeline.artifacts import PROFILES

BACKENDS = ("embedded", "triton", "none")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "medcoder"


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 50051
    backend: str = "embedded"         # where the code linker runs: embedded | triton | none
    # -- model serving (docs/serving.md) --
    linker: bool = False              # run the pipeline's model stage (code linker) at all
    note_model: bool = False          # the label-attention classifier on the same encoder (in-process)
    triton_url: str = ""              # host:port of an external Triton; "" starts one from the wheel
    triton_model: str = "code_linker_python"
    fallback: bool = True             # Triton unreachable -> code on the embedded backend meanwhile
    fallback_retry_s: float = 2.0     # how often the primary is probed while on the fallback
    backend_timeout_s: float = 10.0   # one model call at most (a caller's earlier deadline wins)
    embedded_max_batch: int = 64      # rows per session run (= the Triton configs' max_batch_size)
    embedded_max_delay_ms: float = 2.0   # the embedded queue's max_queue_delay
    embedded_instances: int = 0       # embedded ONNX Runtime sessions, each with its own batching worker;
                                      # 0 = the CPUs this process may use / workers
    embedded_threads: int = 1         # intra-op threads per embedded session
    phrase_cache_rows: int = 50_000   # phrase embeddings kept in memory (~26 MB); 0 = off
    metrics_port: int = 9464          # Prometheus /metrics on 127.0.0.1; 0 = free port, -1 = off;
                                      # worker i of --workers N uses metrics_port + i
    default_setting: Setting = Setting.OUTPATIENT
    # us-claims: ICD-10-CM Official Guidelines (the default); codiesp: the CodiEsp benchmark's
    # annotation habits, for comparison with published systems (server/pipeline/artifacts.py)
    profile: str = "us-claims"
    # 2 MB of text is far beyond any real note (a long discharge summary is ~100 KB) but lets a
    # 1 MB stress note through; larger documents are refused with INVALID_ARGUMENT.
    max_document_bytes: int = 2_000_000
    # gRPC's own limit sits above ours so that oversize documents reach our clear error.
    max_message_bytes: int = 32 * 1024 * 1024
    # Suggestions below this confidence are not returned unless the caller asks for a lower bar
    # (min_score > 0). None: the pipeline's operating threshold, learned with the fusion model
    # out of fold on CodiEsp train (0.2 for the CPU default today; docs/accuracy.md).
    default_min_score: float | None = None
    max_inflight: int = 32            # admission control: more concurrent calls get RESOURCE_EXHAUSTED (~8 per pool thread)
    worker_threads: int = 4
    workers: int = 1                  # gateway processes sharing the port (SO_REUSEPORT); needs a fixed port
    grace_s: float = 5.0
    cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "medcoder")
    data_dir: Path = field(default_factory=_default_home)   # decision log lives here
    review_db: Path | None = None     # default: data_dir / "decisions.sqlite3"
    hcpcs_path: Path | None = None    # CMS HCPCS release (xlsx) the user supplies
    cpt_path: Path | None = None      # licensed CPT file the user supplies
    ptp_paths: tuple[Path, ...] = ()  # NCCI PTP tables
    mue_paths: tuple[Path, ...] = ()  # MUE tables
    coverage_paths: tuple[Path, ...] = ()   # LCD/NCD coverage CSVs (docs/compliance.md)
    rule_pack_paths: tuple[Path, ...] = ()  # payer rule packs (YAML)
    log_level: str = "INFO"
    # -- human review (server/review): web page port, coder tokens, PostgreSQL instead of SQLite --
    review_host: str = "127.0.0.1"
    review_port: int = 8080           # 0 picks a free port; the bound URL is logged at start
    review_tokens: Path | None = None  # 'token coder_id tenant_id' per line; none -> nobody can log in
    database_url: str | None = None   # postgresql://... for the review log; default SQLite review_db_path
    review_max_body_bytes: int = 64 * 1024
    # Stored encounters (note text included) coded longer ago than this are deleted, checked at start
    # and then a few times per period (at most hourly); decisions stay. 0 = kept until deleted by hand.
    review_retention_days: float = 0.0

    @property
    def review_db_path(self) -> Path:
        return self.review_db or self.data_dir / "decisions.sqlite3"

    def redacted(self) -> dict[str, Any]:
        """What ``main`` logs at start: a database URL's password is masked."""
        out = {f.name: str(getattr(self, f.name)) for f in dataclasses.fields(self)}
        if self.database_url:
            out["database_url"] = re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", self.database_url)
        return out


def _bool(raw: str) -> bool:
    v = raw.strip().lower()
    if v not in _TRUE + _FALSE:
        raise ValueError(raw)
    return v in _TRUE


_CONVERTERS = {
    "port": int, "max_document_bytes": int, "max_message_bytes": int, "max_inflight": int, "workers": int, "default_min_score": float,
    "worker_threads": int, "grace_s": float, "cache_dir": Path, "data_dir": Path,
    "review_db": Path, "hcpcs_path": Path, "cpt_path": Path, "default_setting": Setting,
    "ptp_paths": lambda v: tuple(Path(p) for p in v.split(os.pathsep) if p),
    "mue_paths": lambda v: tuple(Path(p) for p in v.split(os.pathsep) if p),
    "coverage_paths": lambda v: tuple(Path(p) for p in v.split(os.pathsep) if p),
    "rule_pack_paths": lambda v: tuple(Path(p) for p in v.split(os.pathsep) if p),
    "review_port": int, "review_tokens": Path, "review_max_body_bytes": int, "review_retention_days": float,
    "linker": _bool, "note_model": _bool, "fallback": _bool, "fallback_retry_s": float,
    "backend_timeout_s": float, "embedded_max_batch": int, "embedded_max_delay_ms": float, "metrics_port": int,
    "embedded_threads": int, "embedded_instances": int, "phrase_cache_rows": int,
}


def load_config(explicit: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> Config:
    """Build the Config: ``explicit`` (CLI flags; None values ignored) over ``MEDCODER_<FIELD>``
    environment variables over defaults. A bad value raises InvalidInput naming the setting."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Config):
        raw = environ.get(f"MEDCODER_{f.name.upper()}")
        if raw is not None and raw != "":
            values[f.name] = _convert(f.name, raw)
    for name, value in (explicit or {}).items():
        if value is not None:
            values[name] = _convert(name, value) if isinstance(value, str) else value
    cfg = Config(**values)
    if cfg.profile not in PROFILES:
        raise InvalidInput(f"profile must be one of {', '.join(PROFILES)}")
    if cfg.backend not in BACKENDS:
        raise InvalidInput(f"backend must be one of {', '.join(BACKENDS)}")
    if not 0 <= cfg.port <= 65535:
        raise InvalidInput("port must be 0..65535")
    if cfg.workers < 1 or (cfg.workers > 1 and cfg.port == 0):
        raise InvalidInput("workers must be >= 1, and several workers need a fixed port to share")
    if not 0 <= cfg.review_port <= 65535:
        raise InvalidInput("review_port must be 0..65535")
    if cfg.linker and cfg.backend == "none":
        raise InvalidInput("linker needs a model backend: backend=embedded or backend=triton")
    if not -1 <= cfg.metrics_port <= 65535 or (cfg.metrics_port > 0 and cfg.metrics_port + cfg.workers - 1 > 65535):
        raise InvalidInput("metrics_port must be -1 (off), 0 (free port) or a port (worker i uses port + i)")
    if cfg.embedded_max_batch < 1 or cfg.embedded_max_delay_ms < 0 or cfg.backend_timeout_s <= 0 \
            or cfg.fallback_retry_s <= 0:
        raise InvalidInput("embedded_max_batch, backend_timeout_s and fallback_retry_s must be > 0, "
                           "embedded_max_delay_ms >= 0")
    if cfg.review_retention_days < 0:
        raise InvalidInput("review_retention_days must be >= 0 (0 keeps stored encounters)")
    if cfg.embedded_threads < 1 or cfg.embedded_instances < 0 or cfg.phrase_cache_rows < 0:
        raise InvalidInput("embedded_threads must be >= 1, embedded_instances and phrase_cache_rows >= 0")
    return cfg


def _convert(name: str, raw: str) -> Any:
    conv = _CONVERTERS.get(name, str)
    try:
        return conv(raw)
    except ValueError as e:
        raise InvalidInput(f"bad value for setting {name}") from e
