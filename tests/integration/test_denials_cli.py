"""`medcoder denials import / fit` and `medcoder report denials` as a billing analyst runs them."""
from __future__ import annotations

import random

import pyarrow.parquet as pq
import pytest

from server.review.denials import Denials
from server.review.log import ReviewLog
from tests.integration.test_cli import medcoder
from tests.unit.denial_history import PAYERS, answer, simulated_claim

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("denials-cli")
    db = tmp / "decisions.sqlite3"
    log = ReviewLog(db)
    denials, rng, scored = Denials(log), random.Random(11), []
    for payer in PAYERS:
        for i in range(400):
            claim, result = simulated_claim(rng, payer, f"{payer}-{i}")
            denials.score("default", claim, result)
            scored.append((claim, result))
    denials.flush()
    log.close()
    _, data = answer(rng, scored)
    (tmp / "era.835").write_bytes(data)
    (tmp / "cut.835").write_bytes(data[: len(data) // 3])
    return tmp, db


def test_import_fit_and_report(history, cache_dir):
    tmp, db = history
    bad = medcoder("denials", "import", tmp / "cut.835", "--db", db, cache_dir=cache_dir)
    assert bad.returncode == 2 and "truncated" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    ok = medcoder("denials", "import", tmp / "era.835", "--db", db, cache_dir=cache_dir)
    assert ok.returncode == 0, ok.stderr
    assert "imported 1200 claims" in ok.stderr and "1200 joined to claims scored here" in ok.stderr
    again = medcoder("denials", "import", tmp / "era.835", "--db", db, cache_dir=cache_dir)
    assert again.returncode == 0 and "imported before: nothing stored" in again.stderr

    fit = medcoder("denials", "fit", "--db", db, cache_dir=cache_dir)
    assert fit.returncode == 0, fit.stderr
    print(fit.stdout)
    rows = {line.split()[1]: line.split() for line in fit.stdout.splitlines()[1:]}
    assert set(rows) == set(PAYERS)
    for payer, cols in rows.items():   # tenant payer claims denied AUC AUC-w fitted
        assert cols[6] == "fitted" and float(cols[4]) >= 0.8 and float(cols[4]) >= float(cols[5])

    report = medcoder("report", "denials", "--db", db, "--parquet", tmp / "denials.parquet", cache_dir=cache_dir)
    assert report.returncode == 0, report.stderr
    assert "default / NECESSITY" in report.stdout and "CO-50" in report.stdout and "CO-97" in report.stdout
    assert "risk >= 0.5 flagged vs denied by the payer" in report.stdout
    table = pq.read_table(tmp / "denials.parquet").to_pylist()
    totals = {r["payer"]: r for r in table if r["dimension"] == "total"}
    assert set(totals) == set(PAYERS) and sum(r["payer_claims"] for r in totals.values()) == 1200
    top = max((r for r in table if r["payer"] == "BUNDLER" and r["dimension"] == "carc"),
              key=lambda r: r["denied_claims"])
    assert top["key"] == "CO-97"
