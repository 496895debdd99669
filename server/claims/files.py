"""``check_claim_files``: the CLI's ``medcoder claim check FILE --ptp ... --mue ...``."""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from server.errors import InvalidInput

from .engine import ClaimEngine
from .risk import result_to_json
from .x12 import read_837


def read_claim_file(path: str | Path) -> tuple[list[Any], bool]:
    """Claims from a file -- a JSON claim, a JSON list of claims, ``{"claims": [...]}``, or an
    X12 837 -- and whether the file is a single claim."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InvalidInput(f"cannot read claim file {path.name}: {e.strerror}") from e
    if data.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"ISA"):
        claims = read_837(data)
        return claims, len(claims) == 1
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as e:   # bad JSON or UTF-8, a 5,000-digit number, nesting past the parser
        raise InvalidInput(f"claim file {path.name} is neither JSON nor an X12 837") from e
    if isinstance(doc, dict) and isinstance(doc.get("claims"), list):
        return doc["claims"], False
    return (doc, False) if isinstance(doc, list) else ([doc], True)


def check_claim_files(claim_path: str | Path, ptp_paths: Iterable[str | Path] = (),
                      mue_paths: Iterable[str | Path] = (), *, coverage_paths: Iterable[str | Path] = (),
                      rule_pack_paths: Iterable[str | Path] = (), cache_dir: Path | None = None,
                      codesets=None, group_drg: bool = False) -> dict[str, Any]:
    """Score every claim in ``claim_path`` against the given tables.

    A file holding one claim (a JSON object, an 837 with one CLM) gives that claim's
    ``result_to_json`` dict; a file of several gives ``{"results": [...]}``. Either carries
    ``"tables"``: the PTP/MUE files used per provider type. Raises InvalidInput for an
    unreadable claim file and the loaders' typed errors for a bad table.
    """
    if codesets is None:
        from rules_native.codesets import CodeSets

        codesets = CodeSets.load(cache_dir=Path(cache_dir) / "codesets" if cache_dir else None)
    claims, single = read_claim_file(claim_path)
    engine = ClaimEngine.build(codesets=codesets, ptp_paths=list(ptp_paths), mue_paths=list(mue_paths),
                               coverage_paths=list(coverage_paths), rule_pack_paths=list(rule_pack_paths),
                               cache_dir=Path(cache_dir) / "edits" if cache_dir else None, group_drg=group_drg)
    results = engine.score_batch(claims)
    tables = {"ptp": {k: list(v.sources) for k, v in engine.ptp.items()},
              "mue": {k: list(v.sources) for k, v in engine.mue.items()}}
    if single:
        return {**result_to_json(results[0]), "tables": tables}
    return {"results": [result_to_json(r) for r in results], "tables": tables}
