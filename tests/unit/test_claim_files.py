"""check_claim_files: what ``medcoder claim check FILE --ptp ... --mue ...`` prints."""
from __future__ import annotations

import json

import pytest

from server.claims import check_claim_files
from server.errors import InvalidInput

from .ncci_fixtures import claim, line, write_mue, write_ptp
from .test_claims_parse import PROFESSIONAL, _x12


class _Sets:
    def __init__(self, icd10cm):
        self.icd10cm, self.hcpcs, self.cpt = icd10cm, None, None


@pytest.fixture
def tables(tmp_path):
    ptp = write_ptp(tmp_path, "ccipra-v321r0-f1.txt", [("99213", "20610", "20190701", "*", 1)])
    mue = write_mue(tmp_path, "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv", [("20610", 1, 2)])
    return ptp, mue


def test_json_file_with_several_claims(tmp_path, tables, icd10cm):
    claims = [claim(line("99213"), line("20610"), claim_id="a", diagnoses=["E11.22", "N18.31"]),
              {"claim_id": "b", "lines": "oops"},
              claim(line("99213", mods=("25",)), line("20610"), claim_id="c", diagnoses=["E11.9", "E10.9"])]
    (tmp_path / "claims.json").write_text(json.dumps({"claims": claims}))
    out = check_claim_files(tmp_path / "claims.json", [tables[0]], [tables[1]], codesets=_Sets(icd10cm),
                            cache_dir=tmp_path / "cache")
    a, b, c = out["results"]
    assert [e["kind"] for e in a["edits"]] == ["ncci_ptp"] and a["edits"][0]["lines"] == [0, 1]
    assert 0.5 < a["denial_risk"] < 0.95
    assert b["error"] == "claim has no lines" and b["denial_risk"] == 1.0
    assert [e["kind"] for e in c["edits"]] == ["excludes1"]
    assert out["tables"] == {"ptp": {"practitioner": ["ccipra-v321r0-f1.txt"]},
                             "mue": {"practitioner": ["MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"]}}
    json.dumps(out)  # the CLI prints it as JSON


def test_x12_file(tmp_path, tables, icd10cm):
    (tmp_path / "claim.837").write_text(_x12(PROFESSIONAL))
    res = check_claim_files(tmp_path / "claim.837", [tables[0]], [tables[1]], codesets=_Sets(icd10cm),
                            cache_dir=tmp_path / "cache")
    # 99213-25 bypasses the PTP edit; 2 units of 20610 break its MAI 2 MUE of 1
    assert res["claim_id"] == "PCN001" and [e["kind"] for e in res["edits"]] == ["mue"]
    assert "reduce units of 20610 on line 2 to 1" in res["edits"][0]["suggested_fix"]


def test_a_single_json_claim_prints_its_result_at_the_top(tmp_path, tables, icd10cm):
    (tmp_path / "c.json").write_text(json.dumps(claim(line("99213"), line("20610", units=2))))
    out = check_claim_files(tmp_path / "c.json", [tables[0]], [tables[1]], codesets=_Sets(icd10cm),
                            cache_dir=tmp_path / "cache")
    assert out["claim_id"] == "c1" and {e["kind"] for e in out["edits"]} == {"ncci_ptp", "mue"}
    assert out["tables"]["ptp"] == {"practitioner": ["ccipra-v321r0-f1.txt"]}


def test_unreadable_claim_file(tmp_path, tables, icd10cm):
    (tmp_path / "claims.txt").write_text("patient John said ...")
    with pytest.raises(InvalidInput, match="neither JSON nor an X12 837") as err:
        check_claim_files(tmp_path / "claims.txt", [tables[0]], [], codesets=_Sets(icd10cm))
    assert "John" not in str(err.value)
