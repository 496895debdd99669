"""The review subcommands of the ``medcoder`` CLI: ``feedback export``, ``report shadow``,
``encounters purge`` and ``audit export``."""
from __future__ import annotations

import getpass
import sys

from server.config import Config
from server.errors import InvalidInput


def _open_log(cfg: Config):
    from server.review.log import ReviewLog

    if not cfg.database_url and not cfg.review_db_path.is_file():
        raise InvalidInput(f"no review database at {cfg.review_db_path} (use --db or MEDCODER_DATA_DIR)")
    return ReviewLog(cfg.review_db_path, url=cfg.database_url)


def run_review_command(args, cfg: Config) -> int:
    log = _open_log(cfg)
    try:
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
        report = shadow_report(log, codesets, tenant_id=args.tenant)
        log.audit("cli", f"cli:{_user()}", args.tenant or "*", "read", "shadow-report",
                  f"ok: {report.encounters} encounters")
        print(format_report(report))
        for path in write_charts(report, args.out):
            print(f"chart: {path}", file=sys.stderr)
        return 0
    finally:
        log.close()


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
