"""The review subcommands of the ``medcoder`` CLI: ``feedback export``, ``report shadow``,
``report denials``, ``denials import`` / ``denials fit``, ``encounters purge`` and ``audit export``."""
from __future__ import annotations

import getpass
import sys

from server.config import Config
from server.errors import InvalidInput


def _open_log(cfg: Config, *, create: bool = False):
    from server.review.log import ReviewLog

    if not create and not cfg.database_url and not cfg.review_db_path.is_file():
        raise InvalidInput(f"no review database at {cfg.review_db_path} (use --db or MEDCODER_DATA_DIR)")
    return ReviewLog(cfg.review_db_path, url=cfg.database_url)


def run_review_command(args, cfg: Config) -> int:
    log = _open_log(cfg, create=args.command == "denials" and args.denials_command == "import")
    try:
        if args.command == "denials":
            return _denials(args, cfg, log)
        if args.command == "report" and args.report_command == "denials":
            return _report_denials(args, cfg, log)
        if args.command == "feedback":
            from server.review.feedback import export_feedback

            n = export_feedback(log, args.out, tenant_id=args.tenant, with_text=not args.no_text,
                                actor=f"cli:{_user()}")
            print(f"wrote {n} decisions to {args.out}", file=sys.stderr)
            return 0
        if args.command == "audit":
            return _audit_export(args, log)
        if args.command == "encounters":
            n = log.purge_older_than(args.older_than_days, actor=f"cli:{_user()}", channel="cli")
            print(f"removed {n} stored encounters coded more than {args.older_than_days:g} days ago", file=sys.stderr)
            return 0
        from rules_native.codesets import CodeSets
        from server.review.shadow import format_report, shadow_report, write_charts

        codesets = CodeSets.load(cache_dir=cfg.cache_dir / "codesets")
        report = shadow_report(log, codesets, tenant_id=args.tenant, denial_threshold=cfg.denial_threshold)
        log.audit("cli", f"cli:{_user()}", args.tenant or "*", "read", "shadow-report",
                  f"ok: {report.encounters} encounters")
        print(format_report(report))
        for path in write_charts(report, args.out):
            print(f"chart: {path}", file=sys.stderr)
        return 0
    finally:
        log.close()


def _denials(args, cfg: Config, log) -> int:
    from server.review.auth import DEFAULT_TENANT
    from server.review.denials import FIT_HEADER, Denials

    denials = Denials(log, min_claims=cfg.denials_min_claims, min_denied=cfg.denials_min_denied)
    if args.denials_command == "import":
        if not args.file.is_file():
            raise InvalidInput(f"no such file: {args.file}")
        r = denials.import_835(args.file.read_bytes(), tenant_id=args.tenant or DEFAULT_TENANT,
                               actor=f"cli:{_user()}", channel="cli")
        if r.already_imported:
            print(f"{args.file.name} was imported before: nothing stored", file=sys.stderr)
        else:
            print(f"imported {r.claims} claims, {r.adjustments} adjustments, {r.lines} service lines "
                  f"({r.joined} joined to claims scored here, {r.skipped} already on file)", file=sys.stderr)
        return 0
    reports = denials.fit(args.tenant)
    print(FIT_HEADER)
    for rep in reports:
        print(rep.line())
    log.audit("cli", f"cli:{_user()}", args.tenant or "*", "fit", "risk-models",
              f"ok: {sum(r.fitted for r in reports)} of {len(reports)} payers fitted")
    print(f"AUC: the fitted model on the held-out quarter of each payer's history; AUC-w: the hand-set "
          f"weights on the same claims. Below {cfg.denials_min_claims} claims or {cfg.denials_min_denied} "
          "denials a payer keeps the hand-set weights.", file=sys.stderr)
    return 0


def _report_denials(args, cfg: Config, log) -> int:
    from server.review.denial_report import denial_report, format_denials, write_parquet

    report = denial_report(log, tenant_id=args.tenant, threshold=cfg.denial_threshold)
    log.audit("cli", f"cli:{_user()}", args.tenant or "*", "read", "denial-report", f"ok: {len(report)} payers")
    print(format_denials(report, cfg.denial_threshold))
    if args.parquet is not None:
        n = write_parquet(report, args.parquet)
        log.audit("cli", f"cli:{_user()}", args.tenant or "*", "export", "denial-report", f"ok: {n} rows")
        print(f"wrote {n} rows to {args.parquet}", file=sys.stderr)
    return 0


def _audit_export(args, log) -> int:
    from server.review.audit import export_audit

    kwargs = dict(fmt=args.audit_format, since=args.since, until=args.until, tenant_id=args.tenant,
                  actor=f"cli:{_user()}")
    if args.out is None:
        n = export_audit(log, sys.stdout, **kwargs)
    else:
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            n = export_audit(log, out, **kwargs)
    print(f"wrote {n} audit rows" + (f" to {args.out}" if args.out else ""), file=sys.stderr)
    return 0


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        return "unknown"
