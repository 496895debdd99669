"""`medcoder` as a person uses it: code notes in-process, TSV/JSON out, one-line errors, exit 2."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def medcoder(*args, cache_dir: Path, check=False, timeout=300):
    env = {**os.environ, "MEDCODER_CACHE_DIR": str(cache_dir)}
    return subprocess.run([sys.executable, "-m", "server.cli", *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout, check=check)


def test_code_folder_as_tsv_best_first(cache_dir):
    out = medcoder("code", "--format", "tsv", "--setting", "inpatient", EXAMPLES / "notes", cache_dir=cache_dir)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split("\t") == ["doc_id", "code", "system", "score", "start", "end", "status"]
    rows = [line.split("\t") for line in lines[1:]]
    assert {r[0] for r in rows} == {"discharge_chf", "clinic_knee"}
    for doc in ("discharge_chf", "clinic_knee"):
        scores = [float(r[3]) for r in rows if r[0] == doc]
        assert scores == sorted(scores, reverse=True) and scores
    text = (EXAMPLES / "notes" / "discharge_chf.txt").read_text()
    for r in rows:
        if r[0] == "discharge_chf" and r[4]:
            assert 0 <= int(r[4]) < int(r[5]) <= len(text)


def test_code_single_fhir_file_as_json(cache_dir):
    out = medcoder("code", EXAMPLES / "fhir" / "clinic_knee_bundle.json", cache_dir=cache_dir)
    assert out.returncode == 0, out.stderr
    enc = json.loads(out.stdout)
    assert enc["document_id"] == "clinic_knee_bundle"
    assert enc["codes"] and all(c["evidence"] for c in enc["codes"])


@pytest.mark.parametrize("args, fragment", [
    (["code", "/no/such/file.txt"], "no such file"),
    (["code", "pyproject.toml"], "unsupported file type"),
    (["claim", "check", "/no/such/claim.json"], "no such file"),
])
def test_bad_paths_print_one_line_and_exit_2(cache_dir, args, fragment):
    out = medcoder(*args, cache_dir=cache_dir)
    assert out.returncode == 2
    assert fragment in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_bad_document_names_the_file_and_exits_2(cache_dir, tmp_path):
    bad = tmp_path / "broken.hl7"
    bad.write_bytes(b"MSH|^~\\&|A|B\r###")
    out = medcoder("code", bad, cache_dir=cache_dir)
    assert out.returncode == 2
    assert "broken.hl7" in out.stderr and "segment 2" in out.stderr


def test_claim_check_prints_edits_json(cache_dir):
    out = medcoder("claim", "check", EXAMPLES / "claims" / "claim_outpatient.json", cache_dir=cache_dir)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["claim_id"] == "c1" and "edits" in result and 0 <= result["denial_risk"] <= 1


def _hl7_note(text: str) -> bytes:
    return "\r".join(["MSH|^~\\&|EHR|HOSP|MEDCODER|RCM|202605011015||MDM^T02^MDM_T02|MSG1|P|2.5.1",
                      "PID|1||MRN1^^^HOSP^MR||SAMPLE^PAT||19480911|F", "TXA|1|PN|TX|20260501",
                      f"OBX|1|TX|11506-3^Progress note^LN||{text}"]).encode()


def test_claim_check_with_notes_flags_each_billed_code(cache_dir, tmp_path):
    claim = tmp_path / "claim.json"
    claim.write_text(json.dumps({"claim_id": "n1", "diagnoses": ["E11.9", "J18.9"],
                                 "lines": [{"code": "99214", "units": 1, "date_of_service": "2026-05-01"}]}))
    (tmp_path / "visit.hl7").write_bytes(_hl7_note("Assessment: type 2 diabetes with diabetic CKD stage 3a."))
    (tmp_path / "cxr.txt").write_text("Chest x-ray: no evidence of pneumonia.")
    out = medcoder("claim", "check", claim, "--note", tmp_path / "visit.hl7", "--note", tmp_path / "cxr.txt",
                   "--format", "json", cache_dir=cache_dir)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    flags = {f["code"]: f for f in result["documentation"]}
    assert set(flags["E11.9"]) >= {"kind", "code", "why", "evidence"}
    assert flags["E11.9"]["kind"] == "less_specific_than_documented"
    assert flags["E11.9"]["evidence"][0]["document_id"] == "visit.hl7"
    assert flags["J18.9"]["kind"] == "unsupported" and flags["J18.9"]["evidence"][0]["document_id"] == "cxr.txt"
    assert "first_listed" not in result   # E11.9 names the documented reason, only less specifically
    text = medcoder("claim", "check", claim, "--note", tmp_path / "cxr.txt", "--format", "text", cache_dir=cache_dir)
    assert text.returncode == 0, text.stderr
    assert "unsupported J18.9: the only mention" in text.stdout and "not available: CMS-HCC" in text.stdout


def test_claim_check_names_the_note_it_cannot_read(cache_dir, tmp_path):
    (tmp_path / "bad.json").write_text('{"resourceType": "Composition"}')
    out = medcoder("claim", "check", EXAMPLES / "claims" / "claim_outpatient.json", "--note", tmp_path / "bad.json",
                   cache_dir=cache_dir)
    assert out.returncode == 2 and "document bad.json:" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
