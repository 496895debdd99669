"""Normalisation, ICD-10-PCS, HCPCS Level II, CPT and the CodeSets bundle."""
from __future__ import annotations

import datetime as dt

import pytest

from rules_native.codesets import (CodeFormatError, CodeSetError, CodeSets, load_cpt, load_hcpcs,
                                   normalize_code)
from rules_native.codesets.icd10pcs import packaged_source

HCPCS_FILE = "hcpcs/HCPC2025_OCT_ANWEB.xlsx"


@pytest.mark.parametrize("system, raw, canonical", [
    ("ICD10CM", "e11.22", "E11.22"), ("ICD10CM", "E1122", "E11.22"), ("ICD10CM", " E11.22 ", "E11.22"),
    ("ICD10CM", "e11", "E11"), ("ICD10CM", "s72001a", "S72.001A"), ("icd-10-cm", "w19.xxxa", "W19.XXXA"),
    ("ICD10PCS", "0dt70zz", "0DT70ZZ"), ("HCPCS", " e0601", "E0601"), ("CPT", "0001f", "0001F"),
    ("CPT", "99213", "99213"),
])
def test_normalize_code(system, raw, canonical):
    assert normalize_code(system, raw) == canonical


@pytest.mark.parametrize("system, raw", [
    ("ICD10CM", "E1"), ("ICD10CM", "11.22"), ("ICD10CM", "E11.22.1"), ("ICD10CM", "E1.122"),
    ("ICD10CM", "S72.001XAB"), ("ICD10CM", ""), ("ICD10CM", None), ("ICD10PCS", "0DT70Z"),
    ("ICD10PCS", "0DT70ZO"), ("HCPCS", "W0601"), ("HCPCS", "99213"), ("CPT", "9921"),
    ("CPT", "0001X"),
])
def test_malformed_codes_raise_a_typed_error(system, raw):
    with pytest.raises(CodeFormatError):
        normalize_code(system, raw)


def test_errors_never_echo_text():
    text = "Pt with severe chest pain radiating to left arm"
    with pytest.raises(CodeFormatError) as err:
        normalize_code("ICD10CM", text)
    assert "chest" not in str(err.value) and f"<{len(text)} characters>" in str(err.value)
    with pytest.raises(CodeFormatError, match="code system"):
        normalize_code("SNOMED", "E11.22")


def test_icd10pcs_counts_and_edition(icd10pcs):
    lines = [ln for ln in packaged_source().read_text().splitlines() if ln.strip()]
    assert len(icd10pcs) == len(lines) == 78603
    assert icd10pcs.system == "ICD10PCS" and "FY2024" in icd10pcs.edition
    assert icd10pcs.effective_from == dt.date(2023, 10, 1)
    assert bool(icd10pcs.billable.all()) and bool((icd10pcs.parent == -1).all())
    ok = icd10pcs.validate("0dt70zz")
    assert (ok.valid, ok.billable, ok.code) == (True, True, "0DT70ZZ")
    assert "Resection" in icd10pcs.description("0DT70ZZ")
    truncated = icd10pcs.validate("0DT7")
    assert not truncated.valid and truncated.reason.startswith("malformed")
    assert icd10pcs.validate("0DT70ZZ", "2026-01-01").reason.startswith("outside FY2024")


def test_icd10pcs_bad_list_fails_loudly(tmp_path):
    from rules_native.codesets import load_icd10pcs

    src = tmp_path / "pcs.txt"
    src.write_text("0016070 Bypass Cerebral Ventricle\nE11.22 Type 2 diabetes\n")
    with pytest.raises(CodeSetError, match="line 2"):
        load_icd10pcs(tmp_path / "cache", source=src)
    src.write_text("0016070 Bypass Cerebral Ventricle\n")
    assert load_icd10pcs(tmp_path / "cache", source=src).codes == ["0016070"]


def test_hcpcs_release_from_cms_xlsx(shared_data, cache_dir):
    cs = load_hcpcs(shared_data / HCPCS_FILE, cache_dir)
    assert len(cs) == 8463 and len(cs.modifiers) == 383
    assert cs.edition == "HCPCS 2025 October release"
    assert (cs.effective_from, cs.effective_to) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert "positive airway pressure" in cs.description("e0601").lower()
    assert cs.short_description("E0601") and cs.modifiers["RT"].startswith("Right side")
    assert cs.validate("E0601", "2025-11-15").billable
    again = load_hcpcs(shared_data / HCPCS_FILE, cache_dir)
    assert again.from_cache and again.codes == cs.codes


HEADER = ["HCPC", "SEQNUM", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION", "ADD DT",
          "ACT EFF DT", "TERM DT", "ACTION CD"]


def _csv(path, rows):
    import csv

    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([HEADER] + rows)
    return path


def test_hcpcs_csv_variant_dates_and_continuations(tmp_path):
    src = _csv(tmp_path / "HCPC2026_JAN_ANWEB.csv", [
        ["E0601", "0010", "3", "Continuous positive airway pressure", "Cpap device", "19930101",
         "19930101", "", "N"],
        ["E0601", "0020", "4", "(cpap) device", "", "", "", "", ""],
        ["A4397", "0010", "3", "Irrigation supply sleeve", "Irrigation supply sleeve", "19940101",
         "19940101", "20211231", "N"],
        ["G0999", "0010", "3", "New service", "New service", "20260201", "20260201", "", "A"],
        ["RT", "0010", "7", "Right side", "Right side", "", "", "", "N"],
    ])
    cs = load_hcpcs(src, tmp_path / "cache")
    assert cs.codes == ["E0601", "A4397", "G0999"] and cs.modifiers == {"RT": "Right side"}
    assert cs.description("E0601") == "Continuous positive airway pressure (cpap) device"
    assert (cs.effective_from, cs.effective_to) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert cs.validate("A4397").reason == "not billable: terminated 2021-12-31"
    assert cs.validate("G0999", "2026-01-15").reason == "not yet effective: added 2026-02-01"
    assert cs.validate("G0999", "2026-02-15").reason == "ok"
    assert cs.validate("J9999").reason.startswith("unknown code")


def test_two_hcpcs_releases_cache_side_by_side(tmp_path):
    row = ["E0601", "0010", "3", "Cpap device", "Cpap", "19930101", "19930101", "", "N"]
    oct_ = _csv(tmp_path / "HCPC2025_OCT_ANWEB.csv", [row])
    jan = _csv(tmp_path / "HCPC2026_JAN_ANWEB.csv", [row, ["E0602"] + row[1:]])
    assert len(load_hcpcs(oct_, tmp_path)) == 1 and len(load_hcpcs(jan, tmp_path)) == 2
    assert load_hcpcs(oct_, tmp_path).from_cache and load_hcpcs(jan, tmp_path).from_cache


def test_hcpcs_wrong_or_corrupt_files_fail_loudly(tmp_path):
    import openpyxl

    wrong = tmp_path / "codes.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["CODE", "DESCRIPTION"])
    wb.active.append(["E0601", "Cpap"])
    wb.save(wrong)
    with pytest.raises(CodeSetError, match="not a CMS HCPCS release.*HCPC, RECID"):
        load_hcpcs(wrong, tmp_path / "cache")
    corrupt = tmp_path / "HCPC2025_OCT_ANWEB.xlsx"
    corrupt.write_bytes(b"PK\x03\x04 truncated workbook")
    with pytest.raises(CodeSetError, match="not a readable xlsx"):
        load_hcpcs(corrupt, tmp_path / "cache")
    bad_row = _csv(tmp_path / "bad.csv", [["E06O1", "0010", "3", "x", "x", "", "", "", "N"]])
    with pytest.raises(CodeSetError, match="row 2"):
        load_hcpcs(bad_row, tmp_path / "cache")
    fixed = tmp_path / "HCPC2025_OCT_ANWEB.txt"
    fixed.write_text("A0021000103Ambulance service, outside state per mile, transport\n")
    with pytest.raises(CodeSetError, match="fixed-width"):
        load_hcpcs(fixed, tmp_path / "cache")
    assert not any((tmp_path / "cache").glob("hcpcs-*"))


def test_cpt_without_a_licensed_file_knows_codes_by_shape():
    cpt = load_cpt()
    assert not cpt.licensed and len(cpt) == 0 and cpt.effective_from is None
    check = cpt.validate("99213")
    assert check.valid and check.billable and "no licensed CPT file" in check.reason
    assert cpt.description("99213") == "" and cpt.is_billable("0001F")
    assert not cpt.validate("9921").valid and not cpt.is_billable("E0601")
    assert cpt.id_of("99213") == -1


def test_cpt_with_a_licensed_file(tmp_path):
    # Made-up descriptors: CPT text is AMA-licensed and never ships with medcoder.
    src = tmp_path / "cpt.tsv"
    src.write_text("Code\tDescriptor\tExtra\n99999\tTest visit descriptor\tx\n0001F\tTest measure\t\n")
    cpt = load_cpt(src, tmp_path / "cache")
    assert cpt.licensed and cpt.codes == ["99999", "0001F"]
    assert cpt.description("99999") == "Test visit descriptor"
    assert cpt.validate("99213").reason.startswith("unknown code")
    assert load_cpt(src, tmp_path / "cache").from_cache
    csv_src = tmp_path / "cpt.csv"
    csv_src.write_text('code,description\n99999,"Visit, test"\n')
    assert load_cpt(csv_src, tmp_path / "cache").description("99999") == "Visit, test"


@pytest.mark.parametrize("text, match", [
    ("cpt,long\n99213,x\n", "header"), ("code,descriptor\n9921,x\n", "line 2"),
    ("code,descriptor\n", "no codes"), ("code,descriptor\n99213,a\n99213,b\n", "repeats"),
])
def test_cpt_bad_files_fail_loudly(tmp_path, text, match):
    src = tmp_path / "cpt.csv"
    src.write_text(text)
    with pytest.raises(CodeSetError, match=match):
        load_cpt(src, tmp_path / "cache")


def test_bundle_loads_and_dispatches(cache_dir, shared_data, icd10cm):
    sets = CodeSets.load(cache_dir, hcpcs_path=shared_data / HCPCS_FILE)
    assert sets.get("icd-10-cm").codes == icd10cm.codes
    assert sets.get("ICD10PCS") is sets.icd10pcs and sets.get("hcpcs") is sets.hcpcs
    assert not sets.get("CPT").licensed
    with pytest.raises(CodeSetError, match="HCPCS code set not loaded"):
        CodeSets.load(cache_dir).get("HCPCS")
