"""The one configuration object. Built once in ``main`` and passed down.

Precedence: explicit arguments > ``MEDCODER_<FIELD>`` environment variables > defaults. Nothing
else in medcoder reads ``os.environ``.

Each setting is one line: its type, its default and its section (``SECTIONS``), with the rule its
value must meet. The environment's text is converted from the type (``bool``: 1/true/yes/on or
0/false/no/off; a ``tuple[Path, ...]``: paths joined with ``os.pathsep``; an enum or ``Literal``:
one of its values), and ``__post_init__`` checks every value, so ``dataclasses.replace`` refuses
what ``load_config`` refuses. A new setting, for example

    profile: Literal["us-claims", "codiesp"] = setting("us-claims", "coding")

is then read from ``MEDCODER_PROFILE``, checked and logged without another line.
"""
from __future__ import annotations

import dataclasses
import enum
import os
import re
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Callable, Literal, Mapping, NamedTuple, Union

from server.domain import Setting
from server.errors import InvalidInput
from server.models.encoder import MAX_BATCH_ROWS
from server.pipeline.artifacts import PROFILES

Backend = Literal["embedded", "triton", "none"]
BACKENDS = typing.get_args(Backend)
SECTIONS = ("serving", "coding", "model", "limits", "tables", "storage", "review")
Profile = Literal[PROFILES]   # coding profiles (server/pipeline/artifacts.py)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
MESSAGE_ENVELOPE_BYTES = 64 * 1024   # a request's fields around its document (ids, patient, claim lines)


class Rule(NamedTuple):
    """What a value must meet, and the words that say so in the error."""
    ok: Callable[[Any], bool]
    says: str


PORT = Rule(lambda v: 0 <= v <= 65535, "a port 0..65535 (0: a free one)")
POSITIVE = Rule(lambda v: v > 0, "> 0")
AT_LEAST_1 = Rule(lambda v: v >= 1, ">= 1")
NON_NEGATIVE = Rule(lambda v: v >= 0, ">= 0")
FRACTION = Rule(lambda v: 0 <= v <= 1, "within 0..1")


def setting(default: Any = dataclasses.MISSING, section: str = "", *, rule: Rule | None = None,
            secret: bool = False, factory: Callable[[], Any] | None = None):
    """A Config field in ``section``; ``rule`` is checked on every non-None value; a ``secret``
    URL's password is masked in the start-up log."""
    if section not in SECTIONS:
        raise ValueError(f"unknown config section {section!r}")
    meta = {"section": section, "rule": rule, "secret": secret}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "medcoder"


@dataclass(frozen=True)
class Config:
    # -- serving: the gRPC gateway's process, threads and endpoints --
    host: str = setting("127.0.0.1", "serving")
    port: int = setting(50051, "serving", rule=PORT)
    workers: int = setting(1, "serving", rule=AT_LEAST_1)   # gateway processes sharing the port (SO_REUSEPORT)
    # gateway processes each on its own port (port, port+1, ...; port 0: free ones), restarted when
    # one dies; clients balance over them with gRPC round_robin and health checks (client.routing)
    replicas: int = setting(1, "serving", rule=AT_LEAST_1)
    # let other processes bind the same port (SO_REUSEPORT) as one replica group; off, a second
    # server on a taken port fails at start naming it. --workers N > 1 turns it on for its workers.
    reuse_port: bool = setting(False, "serving")
    worker_threads: int = setting(4, "serving", rule=AT_LEAST_1)
    grace_s: float = setting(5.0, "serving", rule=NON_NEGATIVE)
    # Prometheus /metrics on 127.0.0.1; 0 = free port, -1 = off; worker i of --workers N uses metrics_port + i
    metrics_port: int = setting(9464, "serving", rule=Rule(lambda v: -1 <= v <= 65535, "-1 (off), 0 or a port"))
    log_level: str = setting("INFO", "serving", rule=Rule(lambda v: v.upper() in LOG_LEVELS, "a logging level"))
    # -- serving: transport security and caller identity (docs/security.md) --
    # dev: serve without caller identity on any address (explicit only). Without it, a gateway with
    # no identity configured (no review_tokens, no tls_client_ca) serves only on a loopback address.
    dev: bool = setting(False, "serving")
    tls_cert: Path | None = setting(None, "serving")        # PEM certificate (chain): gRPC and the review page on TLS
    tls_key: Path | None = setting(None, "serving")         # its PEM private key
    tls_client_ca: Path | None = setting(None, "serving")   # PEM CA bundle: clients must present a certificate it signed (mTLS)
    reflection: bool | None = setting(None, "serving")      # gRPC reflection; None: on in dev mode only
    metrics_host: str = setting("127.0.0.1", "serving")     # where /metrics listens (it has no authentication)

    # -- coding: what a request gets when it does not say --
    default_setting: Setting = setting(Setting.OUTPATIENT, "coding")
    # us-claims: ICD-10-CM Official Guidelines (the default); codiesp: the CodiEsp benchmark's
    # annotation habits, for comparison with published systems (server/pipeline/artifacts.py)
    profile: Profile = setting("us-claims", "coding")
    # Suggestions below this confidence are not returned unless the caller asks for a lower bar
    # (min_score > 0). None: the pipeline's operating threshold, learned with the fusion model
    # out of fold on CodiEsp train (0.2 for the CPU default today; docs/accuracy.md).
    default_min_score: float | None = setting(None, "coding", rule=FRACTION)

    # -- model stage (docs/serving.md) --
    backend: Backend = setting("embedded", "model")   # where the code linker runs
    linker: bool = setting(False, "model")             # run the pipeline's model stage (code linker) at all
    note_model: bool = setting(False, "model")         # the label-attention classifier on the same encoder
    triton_url: str = setting("", "model")             # host:port of an external Triton; "" starts one
    triton_model: str = setting("code_linker_python", "model", rule=Rule(bool, "a model name"))
    fallback: bool = setting(True, "model")            # Triton unreachable -> code on the embedded backend
    fallback_retry_s: float = setting(2.0, "model", rule=POSITIVE)   # how often the primary is probed
    backend_timeout_s: float = setting(10.0, "model", rule=POSITIVE)  # one model call at most
    embedded_max_batch: int = setting(MAX_BATCH_ROWS, "model", rule=AT_LEAST_1)   # rows per session run
    embedded_max_delay_ms: float = setting(2.0, "model", rule=NON_NEGATIVE)     # the embedded queue's delay
    # embedded ONNX Runtime sessions, each with its own batching worker; 0 = the CPUs this process may use / workers
    embedded_instances: int = setting(0, "model", rule=NON_NEGATIVE)
    embedded_threads: int = setting(1, "model", rule=AT_LEAST_1)     # intra-op threads per embedded session
    phrase_cache_rows: int = setting(50_000, "model", rule=NON_NEGATIVE)   # ~26 MB; 0 = off

    # -- limits: what one caller may ask of the gateway --
    # 2 MB of text is far beyond any real note (a long discharge summary is ~100 KB) but lets a
    # 1 MB stress note through; larger documents are refused with INVALID_ARGUMENT.
    max_document_bytes: int = setting(2_000_000, "limits", rule=POSITIVE)
    # gRPC's own limit on one request message; 0: max_document_bytes + MESSAGE_ENVELOPE_BYTES, so a
    # document a little over our limit reaches our clear error and a far larger message is refused
    # (RESOURCE_EXHAUSTED) before it is read into memory. Every request holds at most one document.
    max_message_bytes: int = setting(0, "limits", rule=NON_NEGATIVE)
    # admission control: more concurrent calls get RESOURCE_EXHAUSTED (~8 per pool thread)
    max_inflight: int = setting(32, "limits", rule=AT_LEAST_1)
    # ... and while the oldest admitted call still waiting for a worker thread has waited this long
    # (the machine is slower than max_inflight assumes: shared cores, long notes); 0 = no bound.
    # Admitted calls then start within about this long; the excess is retried by the client, on
    # another replica when there are several (docs/serving.md "Replicated serving").
    max_queue_wait_ms: int = setting(0, "limits", rule=NON_NEGATIVE)
    # ... and any call the gateway would not finish within this long: the expected CPU of the calls
    # in flight (per RPC kind, learned) over the rate it finishes work (server/admission.py). The
    # refused get RESOURCE_EXHAUSTED with grpc-retry-pushback-ms, which the SDK's retries obey; the
    # ones let in answer within about this, so keep it under the latency callers need. 0 = off.
    admission_latency_ms: int = setting(300, "limits", rule=NON_NEGATIVE)
    # per tenant (the caller identity's): calls per second (a bucket of one second's worth; 0 = no
    # limit) and calls in flight at once (0 = only max_inflight); over either -> RESOURCE_EXHAUSTED
    tenant_rate_per_s: float = setting(0.0, "limits", rule=NON_NEGATIVE)
    tenant_max_inflight: int = setting(0, "limits", rule=NON_NEGATIVE)
    # CPU seconds one call may use before it is stopped with RESOURCE_EXHAUSTED (server/budget.py);
    # coding costs ~3-4 ms per KB, so the largest document allowed needs well under this. 0 = no limit.
    call_cpu_budget_s: float = setting(30.0, "limits", rule=NON_NEGATIVE)

    # -- tables: code sets and edit tables the user supplies --
    hcpcs_path: Path | None = setting(None, "tables")       # CMS HCPCS release (xlsx)
    cpt_path: Path | None = setting(None, "tables")         # licensed CPT file
    ptp_paths: tuple[Path, ...] = setting((), "tables")     # NCCI PTP tables
    mue_paths: tuple[Path, ...] = setting((), "tables")     # MUE tables
    coverage_paths: tuple[Path, ...] = setting((), "tables")   # LCD/NCD coverage CSVs (docs/compliance.md)
    rule_pack_paths: tuple[Path, ...] = setting((), "tables")  # payer rule packs (YAML)
    drg_weights_path: Path | None = setting(None, "tables")   # CMS MS-DRG Table 5 (relative weights)
    hcc_map_path: Path | None = setting(None, "tables")       # CMS ICD-10 to CMS-HCC (V28) mapping

    # -- storage --
    cache_dir: Path = setting(section="storage", factory=lambda: Path.home() / ".cache" / "medcoder")
    data_dir: Path = setting(section="storage", factory=_default_home)   # decision log lives here

    # -- review (server/review): web page, coder tokens, the decision log --
    review_host: str = setting("127.0.0.1", "review")
    review_port: int = setting(8080, "review", rule=PORT)   # 0: a free port; the bound URL is logged
    review_tokens: Path | None = setting(None, "review")    # 'token coder_id tenant_id' per line; none: no login
    review_db: Path | None = setting(None, "review")        # default: data_dir / "decisions.sqlite3"
    database_url: str | None = setting(None, "review", secret=True)   # postgresql://... instead of SQLite
    review_max_body_bytes: int = setting(64 * 1024, "review", rule=POSITIVE)
    # Stored encounters (note text included) coded longer ago than this are deleted, checked at start
    # and then a few times per period (at most hourly); decisions stay. 0 = kept until deleted by hand.
    review_retention_days: float = setting(30.0, "review", rule=NON_NEGATIVE)
    # most bytes of stored encounters (note text + result) one tenant keeps; past it coding that would
    # keep more gets RESOURCE_EXHAUSTED. 0 = no quota.
    review_tenant_quota_bytes: int = setting(0, "review", rule=NON_NEGATIVE)
    review_db_max_bytes: int = setting(0, "review", rule=NON_NEGATIVE)   # SQLite file cap; 0 = the disk's size
    review_storage_probe_s: float = setting(1.0, "review", rule=POSITIVE)   # retry of a faulted store
    # a coded encounter that cannot be kept (disk full, read-only) fails the call instead of being
    # answered unkept (trailer x-review-kept: no)
    review_keep_required: bool = setting(False, "review")
    # the review page: open connections at most (more wait in the listen backlog), seconds to send
    # a request's headers and each read of its body, login attempts per client address per minute
    review_max_connections: int = setting(64, "review", rule=AT_LEAST_1)
    review_read_timeout_s: float = setting(10.0, "review", rule=POSITIVE)
    review_login_per_minute: int = setting(10, "review", rule=AT_LEAST_1)
    # cookies marked Secure and HSTS sent although the page itself is plain HTTP (behind a TLS
    # proxy); a page served over TLS does both anyway
    review_cookie_secure: bool = setting(False, "review")

    # -- denials (server/review/denials.py): per-payer denial-risk models fitted from 835 remittances --
    # a payer needs this many answered claims scored here, and this many denials (and as many paid),
    # before its fitted model replaces the hand-set weights
    denials_min_claims: int = setting(200, "review", rule=AT_LEAST_1)
    denials_min_denied: int = setting(20, "review", rule=AT_LEAST_1)
    denials_refit_s: float = setting(86400.0, "review", rule=NON_NEGATIVE)   # gateway refit period; 0 = never
    denial_threshold: float = setting(0.5, "review", rule=FRACTION)   # a risk at or above it is a flag

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            _check(f, getattr(self, f.name))
        if self.workers > 1 and self.port == 0:
            raise InvalidInput("workers: several workers need a fixed port to share")
        if self.linker and self.backend == "none":
            raise InvalidInput("linker needs a model backend: backend=embedded or backend=triton")
        if self.replicas > 1 and self.workers > 1:
            raise InvalidInput("replicas and workers: choose one (replicas: a port each; workers: one shared port)")
        if self.port and self.port + self.replicas - 1 > 65535:
            raise InvalidInput("replicas: replica i listens on port + i, which must be a port")
        if self.metrics_port > 0 and self.metrics_port + max(self.workers, self.replicas) - 1 > 65535:
            raise InvalidInput("metrics_port: worker i uses metrics_port + i, which must be a port")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise InvalidInput("tls_cert and tls_key: give both (a certificate and its private key) or neither")
        if self.tls_client_ca is not None and self.tls_cert is None:
            raise InvalidInput("tls_client_ca (mTLS) needs tls_cert and tls_key: the server's own certificate")

    @property
    def receive_message_bytes(self) -> int:
        """The largest request message the gateway reads (see ``max_message_bytes``)."""
        return self.max_message_bytes or self.max_document_bytes + MESSAGE_ENVELOPE_BYTES

    @property
    def review_db_path(self) -> Path:
        return self.review_db or self.data_dir / "decisions.sqlite3"

    def section(self, name: str) -> dict[str, Any]:
        """The settings of one section (``SECTIONS``), by name."""
        if name not in SECTIONS:
            raise KeyError(name)
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.metadata["section"] == name}

    def redacted(self) -> dict[str, Any]:
        """What ``main`` logs at start: every setting as text, a secret URL's password masked."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            text = str(value)
            if f.metadata["secret"] and value:
                text = re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", text)
            out[f.name] = text
        return out


def load_config(explicit: Mapping[str, Any] | None = None,
                environ: Mapping[str, str] | None = None) -> Config:
    """Build the Config: ``explicit`` (CLI flags; None values ignored) over ``MEDCODER_<FIELD>``
    environment variables over defaults. A bad value raises InvalidInput naming the setting."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Config):
        raw = environ.get(env_name(f.name))
        if raw is not None and raw != "":
            values[f.name] = convert(f.name, raw)
    for name, value in (explicit or {}).items():
        if value is not None:
            values[name] = convert(name, value) if isinstance(value, str) else value
    unknown = set(values) - set(_hints())
    if unknown:
        raise InvalidInput(f"unknown setting {sorted(unknown)[0]}")
    return Config(**values)


def env_name(name: str) -> str:
    return f"MEDCODER_{name.upper()}"


def convert(name: str, raw: str) -> Any:
    """The text of setting ``name`` (an environment variable, a CLI value) as its field's type."""
    tp = _hints().get(name)
    if tp is None:
        raise InvalidInput(f"unknown setting {name}")
    try:
        return _converter(tp)(raw)
    except ValueError as e:
        raise InvalidInput(f"bad value for setting {name}: {_describe(tp)} expected") from e


# -- types: conversion from text and the check of a value --

@cache
def _hints() -> dict[str, Any]:
    return typing.get_type_hints(Config)


def _optional(tp) -> Any | None:
    """``X`` for ``X | None``, else None."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0]
    return None


def _bool(raw: str) -> bool:
    v = raw.strip().lower()
    if v not in _TRUE + _FALSE:
        raise ValueError(raw)
    return v in _TRUE


def _converter(tp) -> Callable[[str], Any]:
    inner = _optional(tp)
    if inner is not None:
        return _converter(inner)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Literal:
        return lambda raw: _literal(raw.strip(), args)
    if origin is tuple:
        item = _converter(args[0])
        return lambda raw: tuple(item(p) for p in raw.split(os.pathsep) if p)
    if tp is bool:
        return _bool
    if tp in (int, float, str, Path) or isinstance(tp, type):
        return tp
    raise TypeError(f"no text conversion for {tp}")


def _literal(raw: str, choices: tuple) -> str:
    if raw not in choices:
        raise ValueError(raw)
    return raw


def _conforms(value: Any, tp) -> bool:
    inner = _optional(tp)
    if inner is not None:
        return value is None or _conforms(value, inner)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Literal:
        return value in args
    if origin is tuple:
        return isinstance(value, tuple) and all(_conforms(v, args[0]) for v in value)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tp)


def _describe(tp) -> str:
    inner = _optional(tp)
    if inner is not None:
        return _describe(inner)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Literal:
        return "one of " + ", ".join(map(str, args))
    if origin is tuple:
        return f"{_describe(args[0])} values joined with {os.pathsep!r}"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "one of " + ", ".join(str(m.value) for m in tp)
    return {bool: "on/off", int: "an integer", float: "a number", str: "text", Path: "a path"}.get(tp, str(tp))


def _check(f: dataclasses.Field, value: Any) -> None:
    tp = _hints()[f.name]
    if not _conforms(value, tp):
        raise InvalidInput(f"bad value for setting {f.name}: {_describe(tp)} expected")
    rule: Rule | None = f.metadata["rule"]
    if rule is not None and value is not None and not rule.ok(value):
        raise InvalidInput(f"bad value for setting {f.name}: {rule.says} expected")

