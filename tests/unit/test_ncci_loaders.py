"""PTP and MUE loaders on tiny files in the CMS layouts: what loads, what fails and how."""
from __future__ import annotations

import datetime as dt
import gzip

import numpy as np
import pytest

from rules_native.edits import Quarter, TableFormatError, load_mue, load_ptp
from rules_native.edits.dates import NEVER, day_number, quarter_from_name

from .ncci_fixtures import PTP_HEADER, ptp_text, write_mue, write_ptp

ROWS = [("29881", "29877", "20190701", "*", 0),
        ("17000", "11102", "20190701", "20191231", 1),
        ("11102", "17000", "20200101", "*", 1, "Standards of medical / surgical practice"),
        ("93000", "93005", "20190701", "*", 9)]


def test_practitioner_txt_with_cms_header_block(tmp_path):
    t = load_ptp(write_ptp(tmp_path, "ccipra-v321r0-f1.txt", ROWS), cache_dir=tmp_path / "c")
    assert (t.provider_type, t.quarter, len(t)) == ("practitioner", Quarter(2026, 2), 4)
    pairs = {(t.codes[a], t.codes[b]): i for i, (a, b) in enumerate(zip(t.col1, t.col2))}
    i = pairs[("17000", "11102")]
    assert t.effective[i] == day_number(dt.date(2019, 7, 1))
    assert t.deletion[i] == day_number(dt.date(2019, 12, 31))
    assert t.deletion[pairs[("29881", "29877")]] == NEVER
    assert t.modifier[pairs[("93000", "93005")]] == 9
    assert t.rationales[t.rationale[pairs[("11102", "17000")]]] == "Standards of medical / surgical practice"


def test_gz_and_xlsx_load_the_same_edits(tmp_path):
    import openpyxl

    txt = load_ptp(write_ptp(tmp_path, "ccioph-v321r0-f1.txt", ROWS), cache_dir=tmp_path / "c")
    gz = tmp_path / "ccioph-v321r0-f2.txt.gz"
    gz.write_bytes(gzip.compress(ptp_text(ROWS).encode()))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["CPT codes, descriptions and other data only are copyright 2025 AMA."])
    ws.append(PTP_HEADER[0].split("\t"))
    for r in ROWS:
        ws.append([r[0], r[1], None, int(r[2]), r[3] if r[3] == "*" else int(r[3]), r[4], "x"])
    xlsx = tmp_path / "ccioph-v321r0-f3.xlsx"
    wb.save(xlsx)
    for other in (load_ptp(gz, cache_dir=tmp_path / "c"), load_ptp(xlsx, cache_dir=tmp_path / "c")):
        assert other.provider_type == "hospital"
        for name in ("col1", "col2", "effective", "deletion", "modifier"):
            assert np.array_equal(getattr(other, name), getattr(txt, name)), name
        assert list(other.codes) == list(txt.codes)


def test_second_load_comes_from_cache_and_a_changed_file_recompiles(tmp_path):
    path = write_ptp(tmp_path, "ptp_2026q2.txt", ROWS)
    assert not load_ptp(path, cache_dir=tmp_path / "c").from_cache
    again = load_ptp(path, cache_dir=tmp_path / "c")
    assert again.from_cache and len(again) == 4
    write_ptp(tmp_path, "ptp_2026q2.txt", ROWS[:2])
    changed = load_ptp(path, cache_dir=tmp_path / "c")
    assert not changed.from_cache and len(changed) == 2


@pytest.mark.parametrize("row, message, line", [
    (("2988", "29877", "20190701", "*", 0), "Column 1", 7),
    (("29881", "29877", "20190231", "*", 0), "not a calendar date", 7),
    (("29881", "29877", "2019070", "*", 0), "Effective Date", 7),
    (("29881", "29877", "20190701", "2019-12-31", 0), "Deletion Date", 7),
    (("29881", "29877", "20190701", "20190601", 0), "before Effective", 7),
    (("29881", "29877", "20190701", "*", 5), "Modifier indicator", 7),
])
def test_bad_rows_fail_with_the_line_number(tmp_path, row, message, line):
    path = write_ptp(tmp_path, "ptp_2026q2.txt", [ROWS[0], row])
    with pytest.raises(TableFormatError, match=message) as err:
        load_ptp(path, cache_dir=tmp_path / "c")
    assert err.value.line == line and "ptp_2026q2.txt" in str(err.value)


def test_short_row_and_missing_header_fail(tmp_path):
    text = ptp_text(ROWS[:1]) + "29881\t29880\t\t20190701\t*\r\n"
    (tmp_path / "a_2026q2.txt").write_text(text)
    with pytest.raises(TableFormatError, match="columns") as err:
        load_ptp(tmp_path / "a_2026q2.txt", cache_dir=tmp_path / "c")
    assert err.value.line == 7
    (tmp_path / "b_2026q2.txt").write_text(ptp_text(ROWS, header=False))
    with pytest.raises(TableFormatError, match="no header"):
        load_ptp(tmp_path / "b_2026q2.txt", cache_dir=tmp_path / "c")
    (tmp_path / "c_2026q2.txt").write_text("Code\tDescription\r\n" + ptp_text(ROWS, header=False))
    with pytest.raises(TableFormatError, match="does not look like a CMS PTP table"):
        load_ptp(tmp_path / "c_2026q2.txt", cache_dir=tmp_path / "c")
    (tmp_path / "d.txt").write_text("hello\nworld\n")
    with pytest.raises(TableFormatError, match="no data row"):
        load_ptp(tmp_path / "d.txt", cache_dir=tmp_path / "c")


def test_quarter_from_names_and_from_the_data(tmp_path):
    assert quarter_from_name("ccipra-v320r0-f4.txt") == Quarter(2026, 1)
    assert quarter_from_name("MCR_MUE_PractitionerServices_Eff_04-01-2026.csv") == Quarter(2026, 2)
    assert quarter_from_name("ptp_hospital_2026q2.txt.gz") == Quarter(2026, 2)
    unnamed = load_ptp(write_ptp(tmp_path, "edits.txt", ROWS), cache_dir=tmp_path / "c")
    assert unnamed.quarter == Quarter(2020, 1) and unnamed.provider_type == "any"
    told = load_ptp(tmp_path / "edits.txt", quarter="2025Q4", provider_type="hospital", cache_dir=tmp_path / "c")
    assert (told.quarter, told.provider_type) == (Quarter(2025, 4), "hospital")


def test_mue_cms_layout_with_mai(tmp_path):
    path = write_mue(tmp_path, "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv",
                     [("20610", 2, 2), ("97110", 6, 3), ("J1100", 30, 1)])
    t = load_mue(path, cache_dir=tmp_path / "c")
    assert (t.provider_type, t.quarter, t.mai_assumed) == ("practitioner", Quarter(2026, 2), False)
    assert t.limit("20610") == (2, 2) and t.limit("97110") == (6, 3) and t.limit("J1100") == (30, 1)
    assert t.limit("99213") is None
    assert load_mue(path, cache_dir=tmp_path / "c").from_cache
    hosp = load_mue(write_mue(tmp_path, "oph.csv", [("20610", 2, 2)], "hospital"), cache_dir=tmp_path / "c")
    assert hosp.provider_type == "hospital"


def test_mue_without_mai_column_assumes_line_edits_unless_told(tmp_path):
    path = tmp_path / "mue_medicaid.csv"
    path.write_text('HCPCS/CPT Code,MUE Values,MUE Rationale\n20100,2,"Clinical: Medicare Data"\n')
    t = load_mue(path, cache_dir=tmp_path / "c")
    assert t.mai_assumed and t.limit("20100") == (2, 1)
    assert load_mue(path, default_mai=3, cache_dir=tmp_path / "c").limit("20100") == (2, 3)


@pytest.mark.parametrize("body, message", [
    ('HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator\n20610,2,4 Other\n', "start with 1, 2 or 3"),
    ('HCPCS/CPT Code,Practitioner Services MUE Values\n20610,2\n20610,3\n', "listed twice"),
    ('HCPCS/CPT Code,Practitioner Services MUE Values\n20610,2\n2061,3\n', "5-character"),
    ('HCPCS/CPT Code,Units\n20610,2\n', "MUE Values"),
    ('Code,Something\nabc,def\n', "no data row"),
])
def test_bad_mue_tables_fail_loudly(tmp_path, body, message):
    path = tmp_path / "mue.csv"
    path.write_text(body)
    with pytest.raises(TableFormatError, match=message):
        load_mue(path, cache_dir=tmp_path / "c")


def test_mue_xlsx_in_the_cms_layout(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["CPT codes, descriptions and other data only are copyright 2025 American Medical Association."])
    ws.append(["HCPCS/CPT Code", "Outpatient Hospital Services MUE Values", "MUE Adjudication Indicator",
               "MUE Rationale"])
    ws.append(["20610", 2, "2 Date of Service Edit: Policy", "Anatomic Consideration"])
    ws.append([36415, 3, "3 Date of Service Edit: Clinical", "Clinical: Data"])
    wb.save(tmp_path / "oph_mue.xlsx")
    t = load_mue(tmp_path / "oph_mue.xlsx", cache_dir=tmp_path / "c")
    assert t.provider_type == "hospital" and t.limit("20610") == (2, 2) and t.limit("36415") == (3, 3)
