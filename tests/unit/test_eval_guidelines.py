"""`medcoder eval guidelines FILE`: guideline cases coded in-process and scored as
../shared/data/guidelines-dev/README.md says (every `must` code reported, no `must_not` code)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from export.eval_guidelines import CaseError, load_cases, score_case
from server.cli import main

HTN = "Assessment: essential hypertension."
DM_HTN = "Clinic visit. Assessment: type 2 diabetes mellitus without complications; essential hypertension."
PNEUMONIA = "Discharge summary: admitted with fever and cough. Final diagnosis: probable community-acquired pneumonia."


def _case(id_, note, must, must_not=(), rule="alpha", setting="outpatient", **extra):
    return {"id": id_, "setting": setting, "note": note, "must": list(must), "must_not": list(must_not),
            "rule": rule, "why": "test case", **extra}


def _write(tmp_path: Path, *rows, name="cases.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_prints_failing_cases_then_families_then_the_summary(tmp_path, capsys):
    path = _write(tmp_path,
                  _case("gd-a-01", HTN, ["I10"], ["I11.9"]),
                  _case("gd-a-02", DM_HTN, ["e11.9", "I10"], ["E11.65"]),   # lower case in the file is fine
                  "",
                  _case("gd-b-01", HTN, ["I11.9"], ["I10"], rule="beta"))
    assert main(["eval", "guidelines", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    (fail,) = [line for line in out if line.startswith("gd-")]
    assert fail.startswith("gd-b-01: missing ['I11.9'] wrongly ['I10'] got [") and "'I10'" in fail
    assert re.search(r"^alpha\s+2/2\s+100%$", "\n".join(out), re.M)
    assert re.search(r"^beta\s+0/1\s+0%$", "\n".join(out), re.M)
    assert out[-1] == "guideline cases passed: 2/3 = 67%"


def test_json_has_the_per_case_results_without_the_note(tmp_path, capsys):
    path = _write(tmp_path, _case("gd-a-01", HTN, ["I10"]), _case("gd-b-01", HTN, ["I11.9"], ["I10"], rule="beta"))
    out = tmp_path / "results.json"
    assert main(["eval", "guidelines", str(path), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert (doc["passed"], doc["cases"]) == (1, 2)
    assert doc["by_rule"] == {"alpha": {"passed": 1, "cases": 1}, "beta": {"passed": 0, "cases": 1}}
    first, second = doc["results"]
    assert first["id"] == "gd-a-01" and first["passed"] and first["setting"] == "outpatient"
    assert second["missing"] == ["I11.9"] and second["wrongly"] == ["I10"] and "I10" in second["got"]
    assert "hypertension" not in out.read_text()


def test_each_note_is_coded_in_its_cases_setting(tmp_path, capsys):
    """Inpatient, an uncertain diagnosis at discharge is coded as established (II.H); left to the
    server's default setting (outpatient) it is coded as its symptoms (IV.H) and the case fails."""
    path = _write(tmp_path, _case("gd-inp-01", PNEUMONIA, ["J18.9"], ["R05.9"], setting="inpatient"))
    assert main(["eval", "guidelines", str(path), "--setting-from-case", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("gd-inp-01: passed")
    assert out.splitlines()[-1] == "guideline cases passed: 1/1 = 100%"
    assert main(["eval", "guidelines", str(path), "--no-setting-from-case", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("gd-inp-01: missing ['J18.9'] wrongly ['R05.9']")
    assert "    alpha: test case" in out   # --verbose gives the case's reason
    assert out.splitlines()[-1] == "guideline cases passed: 0/1 = 0%"


def test_a_case_passes_on_every_must_and_no_must_not_other_codes_unscored(tmp_path):
    (case,) = load_cases(_write(tmp_path, _case("c", HTN, ["I10", "Z79.899"], ["I11.9"])))
    assert score_case(case, ["i10", "Z79.899 ", "E78.5"]).passed
    missed = score_case(case, ["I10"])
    assert not missed.passed and missed.missing == ("Z79.899",) and missed.wrongly == ()
    wrong = score_case(case, ["I10", "Z79.899", "I11.9"])
    assert not wrong.passed and wrong.wrongly == ("I11.9",) and wrong.got == ("I10", "I11.9", "Z79.899")


SECRET = "SENTINEL-NOTE-TEXT-42"


@pytest.mark.parametrize("row, fragment", [
    ('{"id": "x", "note": "' + SECRET + '", oops}', "line 2: not valid JSON"),
    ('["' + SECRET + '"]', "line 2: not a JSON object"),
    (json.dumps(_case("x", SECRET, ["I10"], setting="emergency")), "line 2: field 'setting'"),
    (json.dumps({k: v for k, v in _case("x", SECRET, ["I10"]).items() if k != "rule"}), "line 2: field 'rule'"),
    (json.dumps({**_case("x", SECRET, []), "must": "I10"}), "line 2: field 'must'"),
    (json.dumps(_case("x", SECRET, [SECRET, 5])), "line 2: field 'must'"),
    (json.dumps(_case("ok", SECRET, ["I10"])), "line 2: duplicate case id"),
])
def test_a_bad_line_is_named_by_number_never_by_its_note(tmp_path, row, fragment):
    path = _write(tmp_path, _case("ok", HTN, ["I10"]), row)
    with pytest.raises(CaseError) as e:
        load_cases(path)
    assert fragment in str(e.value) and SECRET not in str(e.value)


def test_bad_input_prints_one_line_and_exits_2(tmp_path, capsys):
    path = _write(tmp_path, _case("ok", HTN, ["I10"]), '{"id": "x", "note": "' + SECRET + '", oops}')
    assert main(["eval", "guidelines", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("medcoder: error: ") and f"{path}, line 2:" in err and SECRET not in err
    assert len(err.splitlines()) == 1
    assert main(["eval", "guidelines", str(tmp_path / "none.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["eval", "guidelines", str(_write(tmp_path, "", name="empty.jsonl"))]) == 2
    assert "no cases" in capsys.readouterr().err
    good = _write(tmp_path, _case("ok", HTN, ["I10"]), name="good.jsonl")
    assert main(["eval", "guidelines", str(good), "--json", str(tmp_path / "no" / "out.json")]) == 2
    assert "no such folder for --json" in capsys.readouterr().err


def test_must_not_is_optional(tmp_path):
    (case,) = load_cases(_write(tmp_path, {k: v for k, v in _case("c", HTN, ["I10"]).items() if k != "must_not"}))
    assert case.must_not == () and case.line == 1


@pytest.mark.data
def test_the_dev_set_runs_end_to_end(shared_data, capsys):
    cases = shared_data / "guidelines-dev" / "cases.jsonl"
    if not cases.is_file():
        pytest.skip(f"no {cases}")
    assert main(["eval", "guidelines", str(cases)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^guideline cases passed: \d+/160 = \d+%$", out, re.M)


def test_code_level_precision_counts_may_codes_as_supportable():
    from export.eval_guidelines import Case, code_metrics, metrics_line

    case = Case(id="x", setting="inpatient", note="n", must=("I10", "E11.9"), must_not=(), rule="r", why="",
                line=1, may=("Z79.84",))
    # reported in order: the first-listed is the case's first must code; W19 is an external cause
    # (unscored) and 0FT44ZZ a procedure; R69 is neither required nor allowed
    r = score_case(case, ["I10", "Z79.84", "R69", "W19.XXXA", "0FT44ZZ"])
    assert r.extra == ("R69",) and r.first == "I10" and (r.must_found, r.must_total) == (1, 2)
    m = code_metrics([r], [case])
    assert (m["reported"], m["must"], m["first_listed"]) == (3, 2, 1)
    assert metrics_line(m) == "codes: precision 0.67 (2/3), recall 0.50 (1/2), first-listed 1/1"


def test_the_report_prints_the_code_level_figures(tmp_path, capsys):
    path = _write(tmp_path, _case("gd-a-01", DM_HTN, ["E11.9"], may=["I10"]))
    assert main(["eval", "guidelines", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "codes: precision 1.00 (2/2), recall 1.00 (1/1), first-listed 1/1", out
