"""A few hundred of ``make fuzz``'s generated inputs against the session's real gateway and the
CLI: every RPC answers with a typed status (no INTERNAL/UNKNOWN), the CLI exits 0 or 2 without a
traceback, nothing hangs, and the gateway logs no traceback. The long run is ``make fuzz``."""
from __future__ import annotations

import pytest

from tests.fuzz import run_fuzz

pytestmark = pytest.mark.integration


def test_generated_inputs_across_every_rpc_and_the_cli_get_typed_answers(gateway, tmp_path, capsys):
    rc = run_fuzz.main(["--target", gateway.target, "--inputs", "300", "--seed", "ci-smoke",
                        "--out", str(tmp_path), "--subprocess-every", "0", "--concurrency", "2"])
    printed = capsys.readouterr().out
    assert "INTERNAL/UNKNOWN: 0" in printed and "hangs: 0" in printed, printed[-3000:]
    assert rc == 0, printed[-3000:]
    for rpc in ("CodeEncounter ", "CodeEncounters ", "ScoreClaim ", "SubmitReview ", "raw ", "CLI code"):
        assert rpc in printed
    assert "Traceback" not in gateway.log() and "never retrieved" not in gateway.log()
