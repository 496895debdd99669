"""``medcoder``: serve, code notes in-process, check claims, evaluate on CodiEsp and guideline cases.

The command belongs to the gateway's package; ``client`` stays the contract and the SDK, installable
alone. ``code --server`` is a thin layer over ``client.sdk``. The offline evaluations (``eval``)
import ``export`` inside the command, so serving never loads it. Bad input -> one line on stderr,
exit 2.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
_PROFILES = ("us-claims", "codiesp")
_EXTENSIONS = {".txt": "text", ".json": "fhir", ".hl7": "hl7"}


class UsageError(Exception):
    """A bad path, option or document: printed as one line, exit 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="medcoder", description="AI medical coding: notes in, evidenced codes out.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="start the gRPC gateway")
    s.add_argument("--backend", choices=("embedded", "triton", "none"), default=None,
                   help="where the code linker runs (docs/serving.md); default embedded")
    s.add_argument("--host", default=None)
    s.add_argument("--port", type=int, default=None)
    s.add_argument("--workers", type=int, default=None, help="gateway processes sharing the port (SO_REUSEPORT)")
    s.add_argument("--replicas", type=int, default=None,
                   help="gateway processes each on its own port (port, port+1, ...; --port 0: free ones), "
                        "restarted when one dies; clients balance over them (docs/serving.md)")
    s.add_argument("--reuse-port", action=argparse.BooleanOptionalAction, default=None,
                   help="share the port with other servers started the same way (SO_REUSEPORT, a replica "
                        "group); default off: a taken port is an error")
    s.add_argument("--linker", action=argparse.BooleanOptionalAction, default=None,
                   help="run the pipeline's model stage (code linker) on the backend")
    s.add_argument("--note-model", action=argparse.BooleanOptionalAction, default=None,
                   help="also the label-attention classifier on the same encoder (in-process ONNX Runtime)")
    s.add_argument("--profile", choices=_PROFILES, default=None,
                   help="coding profile: us-claims (ICD-10-CM guidelines, default) or codiesp")
    s.add_argument("--triton-url", default=None, help="host:port of a running Triton (default: start one)")
    s.add_argument("--fallback", action=argparse.BooleanOptionalAction, default=None,
                   help="code on the embedded backend while Triton is unreachable (default on)")
    s.add_argument("--call-cpu-budget-s", type=float, default=None, metavar="S",
                   help="CPU seconds one call may use before it is stopped (RESOURCE_EXHAUSTED); 0: no limit")
    s.add_argument("--metrics-port", type=int, default=None,
                   help="Prometheus /metrics port (worker i: +i); 0 picks a free one, -1 turns it off")
    _security_args(s)
    _table_args(s)

    c = sub.add_parser("code", help="code notes in-process (no server needed) or via --server")
    c.add_argument("paths", nargs="+", type=Path, help=".txt, FHIR .json or HL7 .hl7 files, or folders of them")
    c.add_argument("--setting", choices=("inpatient", "outpatient"), default=None)
    c.add_argument("--format", dest="out_format", choices=("json", "tsv"), default="json")
    c.add_argument("--min-score", type=float, default=None,
                   help="lowest confidence to show (default: the operating threshold, i.e. the codes a coder "
                        "would report; 0 shows every candidate)")
    c.add_argument("--server", default=None, help="host:port of a running gateway instead of in-process")
    _client_tls_args(c)
    c.add_argument("--profile", choices=_PROFILES, default=None,
                   help="coding profile: us-claims (ICD-10-CM guidelines, default) or codiesp (the benchmark's habits)")
    _table_args(c)

    cl = sub.add_parser("claim", help="claim compliance")
    clsub = cl.add_subparsers(dest="claim_command", required=True)
    ck = clsub.add_parser("check", help="check a claim (JSON or X12 837) against edit tables and, with "
                                         "--note, against the encounter's documentation")
    ck.add_argument("file", type=Path)
    ck.add_argument("--note", action="append", type=Path, default=None, metavar="FILE",
                    help="the encounter's documentation (.txt, FHIR .json or HL7 .hl7; repeatable): each "
                         "billed code is checked against it (docs/compliance.md)")
    ck.add_argument("--format", dest="out_format", choices=("json", "text"), default="json")
    _table_args(ck)

    _batch_args(sub)
    _eval_args(sub)
    _review_args(sub)
    return p


def _batch_args(sub) -> None:
    """-- `batch`: Ray Data over Parquet / JSON Lines (server/batch, docs/deploy.md) --"""
    b = sub.add_parser("batch", help="code a Parquet / JSON Lines dataset of encounters on Ray (needs the batch extra)")
    b.add_argument("input", type=Path, help=".parquet or .jsonl file, or a folder of them "
                                            "(fields id, content; optional setting, format, patient, claim_lines)")
    b.add_argument("--out", type=Path, required=True,
                   help="folder for the encounters/, codes/, edits/ and errors/ Parquet datasets (replaced whole)")
    b.add_argument("--address", default=None,
                   help="join a running Ray cluster ('auto' or ray://host:10001); default: start a local one")
    b.add_argument("--cpu-actors", type=int, default=None,
                   help="coder actors on one CPU each (default: the cluster's CPUs)")
    b.add_argument("--gpu-actors", type=int, default=0, help="coder actors on one GPU each (default 0)")
    b.add_argument("--batch-size", type=int, default=32, help="records per actor call (default 32)")
    b.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local Ray started without --address")
    b.add_argument("--profile", choices=_PROFILES, default=None, help="coding profile (default: the configured one)")
    b.add_argument("--linker", action=argparse.BooleanOptionalAction, default=None,
                   help="run the code linker (the encoder) in each actor")
    _table_args(b)


def _eval_args(sub) -> None:
    """-- offline evaluation: `eval codiesp` and `eval guidelines` import export/ when they run --"""
    e = sub.add_parser("eval", help="evaluate on a labelled corpus")
    esub = e.add_subparsers(dest="eval_command", required=True)
    ec = esub.add_parser("codiesp", help="CodiEsp layout: text_files_en/, *D.tsv, *P.tsv")
    ec.add_argument("folder", type=Path)
    ec.add_argument("--setting", choices=("inpatient", "outpatient"), default="inpatient")
    ec.add_argument("--threshold", type=float, default=None, help="operating threshold for P/R/F1")
    ec.add_argument("--profile", choices=_PROFILES, default="codiesp",
                    help="coding profile (default codiesp: the benchmark's annotation)")
    eg = esub.add_parser("guidelines",
                         help="ICD-10-CM guideline cases (JSONL: id, setting, note, must, must_not, rule)")
    eg.add_argument("file", type=Path, help="cases.jsonl, e.g. ../shared/data/guidelines-dev/cases.jsonl")
    eg.add_argument("--setting-from-case", action=argparse.BooleanOptionalAction, default=True,
                    help="code each note with its case's setting (default); --no-setting-from-case "
                         "leaves it to the server's default setting")
    eg.add_argument("--verbose", action="store_true",
                    help="also list the passing cases, and under each failing case its `why`")
    eg.add_argument("--json", dest="json_out", type=Path, default=None, metavar="OUT",
                    help="write the per-case results to OUT as JSON")
    eg.add_argument("--profile", choices=_PROFILES, default=None,
                    help="coding profile (default: the configured one, us-claims)")


def _review_args(sub) -> None:
    """-- review wiring: `feedback export`, `report shadow` and `encounters purge` use the review database --"""
    f = sub.add_parser("feedback", help="coders' decisions for training")
    fsub = f.add_subparsers(dest="feedback_command", required=True)
    fe = fsub.add_parser("export", help="write decisions as Parquet (layout in docs/review.md)")
    fe.add_argument("out", type=Path, help="OUT.parquet")
    fe.add_argument("--no-text", action="store_true", help="leave note and evidence text out")
    r = sub.add_parser("report", help="reports over the review log")
    rsub = r.add_subparsers(dest="report_command", required=True)
    rs = rsub.add_parser("shadow", help="suggestions vs coders' final codes: table and PNG charts")
    rs.add_argument("--out", type=Path, default=Path("shadow-report"), help="folder for the PNG charts")
    rd = rsub.add_parser("denials", help="what each payer denied (top CARCs, codes, edits) and what was predicted")
    rd.add_argument("--parquet", type=Path, default=None, help="also write the report as OUT.parquet")
    d = sub.add_parser("denials", help="payers' 835 remittances and the denial-risk models fitted from them")
    dsub = d.add_subparsers(dest="denials_command", required=True)
    di = dsub.add_parser("import", help="store an X12 835 remittance (all of it or none) and join it to scored claims")
    di.add_argument("file", type=Path, help="an X12 835 (005010X221A1) file")
    df = dsub.add_parser("fit", help="refit each payer's risk model; prints its AUC and the hand-set weights' AUC")
    for q in (di, df):
        q.add_argument("--tenant", default=None, help="tenant (import: default 'default'; fit: all tenants)")
    e = sub.add_parser("encounters", help="the coded encounters kept for review")
    esub = e.add_subparsers(dest="encounters_command", required=True)
    ep = esub.add_parser("purge", help="delete stored encounters (note text included) older than N days")
    ep.add_argument("--older-than-days", type=float, required=True, metavar="N")
    a = sub.add_parser("audit", help="the access audit trail (who coded, viewed, exported or decided what)")
    asub = a.add_subparsers(dest="audit_command", required=True)
    ae = asub.add_parser("export", help="write audit rows as JSON lines or CSV (docs/security.md)")
    ae.add_argument("--out", type=Path, default=None, help="file to write (default: stdout)")
    ae.add_argument("--format", dest="audit_format", choices=("jsonl", "csv"), default="jsonl")
    ae.add_argument("--since", default=None, help="from this ISO date or time (UTC unless it says)")
    ae.add_argument("--until", default=None, help="before this ISO date or time")
    for q in (fe, rs, ep, ae, rd, di, df):
        q.add_argument("--db", type=Path, default=None, help="SQLite review database (default: MEDCODER_DATA_DIR's)")
        q.add_argument("--database-url", default=None, help="postgresql://... instead of SQLite")
    for q in (fe, rs, ae, rd):
        q.add_argument("--tenant", default=None, help="one tenant only")


def _security_args(s) -> None:
    """-- transport security and caller identity of `serve` (docs/security.md) --"""
    s.add_argument("--dev", action="store_true", default=None,
                   help="serve without caller identity, on any address (a loopback address without a tokens "
                        "file or client CA is a development server anyway)")
    s.add_argument("--tls-cert", type=Path, default=None, help="PEM certificate (chain): gRPC and review page on TLS")
    s.add_argument("--tls-key", type=Path, default=None, help="PEM private key of --tls-cert")
    s.add_argument("--tls-client-ca", type=Path, default=None,
                   help="PEM CA bundle: require client certificates it signed (mTLS); their SAN maps to a "
                        "tenant and role through 'mtls:' lines of the tokens file")
    s.add_argument("--reflection", action=argparse.BooleanOptionalAction, default=None,
                   help="gRPC reflection (default: on for a development server only)")


def _client_tls_args(c) -> None:
    """-- how `code --server` reaches a gateway that needs TLS and identity --"""
    c.add_argument("--tls", action="store_true", help="TLS with the system's root certificates")
    c.add_argument("--tls-ca", type=Path, default=None, help="PEM CA that signed the gateway's certificate (TLS)")
    c.add_argument("--tls-cert", type=Path, default=None, help="client certificate for mTLS (PEM)")
    c.add_argument("--tls-key", type=Path, default=None, help="its private key (PEM)")
    c.add_argument("--token-file", type=Path, default=None,
                   help="file holding the API key (sent as 'authorization: Bearer'; kept off the command line)")


def client_options(args) -> dict:
    """MedcoderClient keyword arguments from the `--tls*` and `--token-file` flags."""
    for p in (args.tls_ca, args.tls_cert, args.tls_key, args.token_file):
        if p is not None and not p.is_file():
            raise UsageError(f"no such file: {p}")
    if (args.tls_cert is None) != (args.tls_key is None):
        raise UsageError("--tls-cert and --tls-key go together")
    token = args.token_file.read_text(encoding="utf-8").strip() if args.token_file else None
    return {"tls": bool(args.tls), "root_ca": args.tls_ca, "client_cert": args.tls_cert,
            "client_key": args.tls_key, "token": token or None}


def _table_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ptp", action="append", type=Path, default=None, help="NCCI PTP table (repeatable)")
    p.add_argument("--mue", action="append", type=Path, default=None, help="MUE table (repeatable)")
    p.add_argument("--hcpcs", type=Path, default=None, help="CMS HCPCS release file")
    p.add_argument("--cpt", type=Path, default=None, help="licensed CPT file (code, descriptor)")
    p.add_argument("--coverage", action="append", type=Path, default=None, help="LCD/NCD coverage CSV (repeatable)")
    p.add_argument("--payer-rules", action="append", type=Path, default=None, help="payer rule pack YAML (repeatable)")
    p.add_argument("--drg-weights", type=Path, default=None, help="CMS MS-DRG relative weights (IPPS Table 5)")
    p.add_argument("--hcc-map", type=Path, default=None, help="CMS ICD-10 to CMS-HCC mapping (V28 column)")


def _config(args, **extra):
    from server.config import load_config

    explicit = dict(extra)
    explicit.setdefault("profile", getattr(args, "profile", None))
    explicit.update(hcpcs_path=getattr(args, "hcpcs", None), cpt_path=getattr(args, "cpt", None),
                    ptp_paths=tuple(args.ptp) if getattr(args, "ptp", None) else None,
                    mue_paths=tuple(args.mue) if getattr(args, "mue", None) else None,
                    coverage_paths=tuple(args.coverage) if getattr(args, "coverage", None) else None,
                    rule_pack_paths=tuple(args.payer_rules) if getattr(args, "payer_rules", None) else None,
                    drg_weights_path=getattr(args, "drg_weights", None), hcc_map_path=getattr(args, "hcc_map", None))
    for p in (explicit.get("hcpcs_path"), explicit.get("cpt_path"), *(explicit.get("ptp_paths") or ()),
              explicit.get("drg_weights_path"), explicit.get("hcc_map_path"),
              *(explicit.get("mue_paths") or ()), *(explicit.get("coverage_paths") or ()),
              *(explicit.get("rule_pack_paths") or ())):
        if p is not None and not Path(p).is_file():
            raise UsageError(f"no such file: {p}")
    return load_config(explicit)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "code":
            return _code(args)
        if args.command == "claim":
            return _claim(args)
        if args.command == "batch":
            return _batch(args)
        if args.command in ("feedback", "report", "encounters", "audit", "denials"):
            from server.review.commands import run_review_command
            return run_review_command(args, _config(args, review_db=args.db, database_url=args.database_url))
        return _eval(args)
    except UsageError as e:
        print(f"medcoder: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as e:   # an unreadable file or folder: its name and the reason, not a traceback
        where = f"{e.filename}: " if e.filename else ""
        print(f"medcoder: error: {where}{e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as e:  # typed errors from the gateway and the client carry a public message
        message = getattr(e, "message", None)
        if message is None:
            return _internal_error(args.command, e)
        print(f"medcoder: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _internal_error(command: str, exc: Exception) -> int:
    """A bug of ours: one line naming the error's type (its text could quote a note), exit 3;
    the stack frames go to the debug log."""
    import traceback

    logging.getLogger("medcoder.cli").debug("unexpected %s in %s\n%s", type(exc).__name__, command,
                                            "".join(traceback.format_tb(exc.__traceback__)[-6:]))
    print(f"medcoder: internal error ({type(exc).__name__}) in '{command}'; please report it", file=sys.stderr)
    return EXIT_INTERNAL


def _serve(args) -> int:
    import asyncio
    from server.app import serve

    from server.identity import Identities
    from server.tls import grpc_server_credentials

    cfg = _config(args, backend=args.backend, host=args.host, port=args.port, workers=args.workers,
                  replicas=args.replicas,
                  linker=args.linker, note_model=args.note_model, triton_url=args.triton_url, fallback=args.fallback,
                  metrics_port=args.metrics_port, reuse_port=args.reuse_port, dev=args.dev, tls_cert=args.tls_cert,
                  tls_key=args.tls_key, tls_client_ca=args.tls_client_ca, reflection=args.reflection,
                  call_cpu_budget_s=args.call_cpu_budget_s)
    logging.getLogger().setLevel(cfg.log_level.upper())
    Identities.from_config(cfg)        # no identity on a public address, an unreadable tokens file or
    grpc_server_credentials(cfg)       # certificate: one line and exit 2, before anything starts
    if cfg.workers > 1 or cfg.replicas > 1:
        from server.workers import serve_replicas, serve_workers
        triton = _shared_triton(cfg)
        run = serve_workers if cfg.workers > 1 else serve_replicas
        try:
            return run(replace(cfg, triton_url=triton.grpc_url) if triton else cfg)
        finally:
            if triton is not None:
                triton.stop()
    asyncio.run(serve(cfg))
    return 0


def _shared_triton(cfg):
    """Several workers share one Triton: started here, once, unless the config names one."""
    if cfg.backend != "triton" or not cfg.linker or cfg.triton_url:
        return None
    from server.backends.stack import start_triton

    return start_triton(cfg)


def collect_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """Files to code with their formats; folders are walked (sorted) for .txt/.json/.hl7."""
    out = []
    for path in paths:
        if path.is_dir():
            files = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in _EXTENSIONS)
            if not files:
                raise UsageError(f"no .txt, .json or .hl7 files in {path}")
            out.extend((f, _EXTENSIONS[f.suffix.lower()]) for f in files)
        elif path.is_file():
            if path.suffix.lower() not in _EXTENSIONS:
                raise UsageError(f"{path}: unsupported file type (use .txt, .json or .hl7)")
            out.append((path, _EXTENSIONS[path.suffix.lower()]))
        else:
            raise UsageError(f"no such file or folder: {path}")
    return out


def _code(args) -> int:
    from google.protobuf import json_format

    files = collect_files(args.paths)
    encounters = _code_remote(args, files) if args.server else _code_local(args, files)
    if args.out_format == "json":
        docs = [json_format.MessageToDict(e, preserving_proto_field_name=True) for e in encounters]
        json.dump(docs if len(docs) != 1 else docs[0], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _write_tsv(encounters)
    return 0


def local_engine(config):
    """The in-process engine of ``medcoder code`` and ``medcoder eval guidelines`` (no review log).
    Both commands take their config, coding profile included, from ``_config(args)``."""
    from server.engine import Engine

    return Engine(config, with_review_log=False)


def code_in_process(engine, content: bytes, *, fmt: str, doc_id: str, setting: str | None,
                    min_score: float | None = None):
    """One document through the in-process engine, as ``medcoder code`` prints it (a protobuf
    CodedEncounter). ``min_score`` None lists the codes at or above the operating threshold (what
    a coder would report), 0 every candidate; the TSV output has one row per code listed here. ``fmt``: "text", "fhir" or "hl7"; ``setting``:
    "inpatient", "outpatient" or None for the configured default."""
    from server import convert
    from server.domain import Setting, SourceFormat

    fmts = {"text": SourceFormat.TEXT, "fhir": SourceFormat.FHIR, "hl7": SourceFormat.HL7V2}
    enc, eid = engine.code(content, fmt=fmts[fmt], doc_id=doc_id, setting=Setting(setting) if setting else None,
                           min_score=min_score)
    enc.doc_id = doc_id
    return convert.encounter_pb(enc, eid)


def _code_local(args, files):
    engine = local_engine(_config(args))
    out = []
    for path, fmt in files:
        try:
            out.append(code_in_process(engine, path.read_bytes(), fmt=fmt, doc_id=path.stem,
                                       setting=args.setting, min_score=args.min_score))
        except Exception as e:
            if getattr(e, "message", None) is None:
                raise
            raise UsageError(f"{path}: {e.message}") from None
    return out


def _code_remote(args, files):
    from client.errors import MedcoderClientError
    from client.sdk import MedcoderClient

    out = []
    with MedcoderClient(args.server, **client_options(args)) as mc:
        for path, fmt in files:
            try:
                enc = mc.code(path.read_bytes(), fmt=fmt, doc_id=path.stem, setting=args.setting,
                              min_score=args.min_score, profile=args.profile or "")
            except MedcoderClientError as e:
                raise UsageError(f"{path}: {e.message}") from None
            enc.document_id = path.stem
            out.append(enc)
    return out


def _write_tsv(encounters) -> None:
    from client.contract import pb

    status = {v: k.lower() for k, v in pb.Assertion.items()}
    system = {v: k for k, v in pb.CodeSystem.items()}
    sys.stdout.write("doc_id\tcode\tsystem\tscore\tstart\tend\tstatus\n")
    for enc in encounters:
        for c in sorted(enc.codes, key=lambda c: -c.confidence):
            span = c.evidence[0] if c.evidence else None
            sys.stdout.write(f"{enc.document_id}\t{c.code}\t{system[c.system]}\t{c.confidence:.4f}\t"
                             f"{span.start if span else ''}\t{span.end if span else ''}\t{status[c.assertion]}\n")


def _batch(args) -> int:
    try:
        import ray.data  # noqa: F401  (the extra's one requirement)
        from server.batch.job import BatchInputError, BatchOptions, find_inputs, run_batch
    except ImportError as e:
        raise UsageError(f"medcoder batch needs Ray Data: pip install 'medcoder[batch]' ({e.name} is missing)") from None
    for flag in ("cpu_actors", "gpu_actors", "batch_size", "num_cpus"):
        v = getattr(args, flag)
        if v is not None and (v < 0 or (v == 0 and flag == "batch_size")):
            raise UsageError(f"--{flag.replace('_', '-')} must be a positive number")
    try:
        inputs = find_inputs(args.input)
    except BatchInputError as e:
        raise UsageError(str(e)) from None
    cfg = _config(args, linker=args.linker)
    if args.gpu_actors and not (cfg.linker and cfg.backend == "triton"):
        # the embedded ONNX Runtime backend runs on CPU only: a GPU actor would hold an idle GPU
        raise UsageError("--gpu-actors needs the encoder on a GPU backend: --linker with MEDCODER_BACKEND=triton")
    options = BatchOptions(address=args.address, cpu_actors=args.cpu_actors, gpu_actors=args.gpu_actors,
                           batch_size=args.batch_size, local_cpus=args.num_cpus)
    try:
        summary = run_batch(inputs, args.out, cfg, options)
    except ConnectionError:
        raise UsageError(f"cannot join the Ray cluster at {args.address} (is it up, and RAY_AUTH_TOKEN set?)") from None
    print(summary.line())
    return 0


def _claim(args) -> int:
    from server.claims import check_claim_files

    if not args.file.is_file():
        raise UsageError(f"no such file: {args.file}")
    cfg = _config(args)
    if args.note:
        result = _claim_with_notes(args, cfg)
    else:
        result = check_claim_files(args.file, ptp_paths=cfg.ptp_paths, mue_paths=cfg.mue_paths,
                                   coverage_paths=cfg.coverage_paths, rule_pack_paths=cfg.rule_pack_paths,
                                   cache_dir=cfg.cache_dir)
    if args.out_format == "text":
        for r in result.get("results", [result]):
            sys.stdout.write(_claim_text(r))
        return 0
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def _claim_text(r: dict) -> str:
    """A claim's result for a coder: edits, then the documentation flags with their why."""
    lines = [f"claim {r.get('claim_id', '')}: denial risk {r.get('denial_risk', 0):.2f}"]
    lines += [f"  edit {e['kind']} ({e['severity']}): {e['rationale']}" for e in r.get("edits", [])]
    if r.get("error"):
        lines.append(f"  error: {r['error']}")
    for f in r.get("documentation", []) + ([r["first_listed"]] if "first_listed" in r else []):
        lines.append(f"  {f['kind']} {f['code']}: {f['why']}")
    impact = r.get("payment_impact") or {}
    for side in ("drg_billed", "drg_documented"):
        g = impact.get(side)
        if g:
            lines.append(f"  {side.replace('_', ' ')}: {g['drg']} {g['description']}")
    if "relative_weight_difference" in impact:
        lines.append(f"  relative weight difference (documented - billed): {impact['relative_weight_difference']:+.4f}")
    lines += [f"  {h['code']}: {h['hcc']}{'' if h['billed'] else ' (not billed)'}" for h in impact.get("hcc", [])]
    lines += [f"  not available: {m}" for m in impact.get("missing", [])]
    return "\n".join(lines) + "\n"


def _claim_with_notes(args, cfg) -> dict:
    """One claim and its encounter's notes through the in-process engine (``ScoreClaim`` with
    documents gives the same flags)."""
    from server.claims import parse_claim, result_to_json
    from server.claims.documentation import flag_to_json
    from server.claims.files import read_claim_file
    from server.claims.impact import impact_to_json

    for note in args.note:
        if not note.is_file():
            raise UsageError(f"no such file: {note}")
    claims, single = read_claim_file(args.file)
    if not single:
        raise UsageError("--note checks one claim against its encounter's notes; the file holds several claims")
    claim = claims[0] if not isinstance(claims[0], dict) else parse_claim(claims[0])
    engine = local_engine(cfg)
    try:
        # a note named for an 837's attachment control number (PWK06: ATT01.txt) is that attachment
        docs = [{"content": n.read_bytes(), "fmt": _note_format(n),
                 "doc_id": n.stem if n.stem in claim.attachments else n.name} for n in args.note]
        out = result_to_json(engine.claims.score(claim))
        doc = engine.document_claim(claim, docs)
    finally:
        engine.close()
    out["documentation"] = [flag_to_json(f) for f in doc.flags]
    if doc.first_listed is not None:
        out["first_listed"] = flag_to_json(doc.first_listed)
    out["payment_impact"] = impact_to_json(doc.impact)
    return out


def _note_format(path: Path):
    from server.domain import SourceFormat

    kind = _EXTENSIONS.get(path.suffix.lower())
    return {"text": SourceFormat.TEXT, "fhir": SourceFormat.FHIR, "hl7": SourceFormat.HL7V2}.get(kind)


def _eval(args) -> int:
    if args.eval_command == "guidelines":
        return _eval_guidelines(args)
    return _eval_codiesp(args)


def _eval_guidelines(args) -> int:
    from export.eval_guidelines import CaseError, run_guidelines

    try:
        run_guidelines(args.file, _config(args), setting_from_case=args.setting_from_case,
                       verbose=args.verbose, json_out=args.json_out)
    except CaseError as e:
        raise UsageError(str(e)) from None
    return 0


def _eval_codiesp(args) -> int:
    from export.evaluate import evaluate_codiesp, format_report
    from rules_native.codesets import load_icd10cm, load_icd10pcs
    from server.config import load_config
    from server.domain import Setting
    from server.pipeline import Pipeline
    from server.pipeline.artifacts import PipelineArtifacts

    if not (args.folder / "text_files_en").is_dir():
        raise UsageError(f"{args.folder} is not a CodiEsp-layout folder (no text_files_en/)")
    cfg = load_config()
    cache = cfg.cache_dir / "codesets"
    pipeline = Pipeline(load_icd10cm(cache_dir=cache), load_icd10pcs(cache_dir=cache),
                        artifacts=PipelineArtifacts.packaged(args.profile), cache_dir=cfg.cache_dir / "pipeline")
    kwargs = {"threshold": args.threshold} if args.threshold is not None else {}
    report = evaluate_codiesp(args.folder, pipeline, split_name=args.folder.name,
                              setting=Setting(args.setting), **kwargs)
    print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
