"""ICD-10-CM FY2026 as compiled from the tabular XML in simple-icd-10-cm."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from rules_native.codesets import CodeFormatError, ICD10CMCodeSet, normalize_code
from rules_native.codesets.icd10cm import packaged_sources


def _listed_codes() -> set[str]:
    """Codes of the CMS code list, read independently of the loader (chapters/blocks dropped)."""
    _, code_list = packaged_sources()
    lines = set(code_list.read_text().split())
    return {c for c in lines if "-" not in c and not c.isdigit()}


def test_counts_match_the_cms_code_list(icd10cm: ICD10CMCodeSet):
    listed = _listed_codes()
    ordered = sorted(listed)
    # A listed code is billable when no other listed code extends it (sorted order puts any
    # extension right after its prefix).
    leaves = sum(1 for a, b in zip(ordered, ordered[1:] + [""]) if not b.startswith(a))
    assert len(icd10cm) == len(listed) == 98186
    assert int(icd10cm.billable.sum()) == leaves == 74719
    assert {c.replace(".", "") for c in icd10cm.codes} == listed


def test_edition_and_window(icd10cm):
    assert icd10cm.system == "ICD10CM"
    assert "FY2026" in icd10cm.edition
    assert (icd10cm.effective_from, icd10cm.effective_to) == (dt.date(2025, 10, 1), dt.date(2026, 9, 30))
    assert icd10cm.validate("E11.22", dt.date(2026, 3, 1)).billable
    late = icd10cm.validate("E11.22", "2026-10-01")
    assert not late.valid and "outside" in late.reason and "2025-10-01..2026-09-30" in late.reason


def test_use_additional_code_of_e11_22_points_at_ckd_stages(icd10cm):
    notes = icd10cm.notes("E11.22", "use_additional")
    assert any("N18" in n for n in notes)
    refs = icd10cm.referenced_codes("E11.22", "use_additional")
    assert {"N18.1", "N18.2", "N18.3", "N18.4", "N18.5", "N18.6"} <= set(refs)
    assert "N18.9" not in refs  # the range stops at N18.6


def test_reference_forms(icd10cm):
    # "(I12.-, I13.-)" cites categories; "(E08.22, E09.22)"-style lists cite codes.
    n18_uses = icd10cm.referenced_codes("N18", "code_first")
    assert {"I12", "I13"} <= set(n18_uses)
    assert "E08.22" in icd10cm.referenced_codes("N18", "code_first")


def test_m17_children_carry_laterality(icd10cm):
    assert icd10cm.children("M17") == ["M17.0", "M17.1", "M17.2", "M17.3", "M17.4", "M17.5", "M17.9"]
    assert icd10cm.children("M17.1") == ["M17.10", "M17.11", "M17.12"]
    assert "right knee" in icd10cm.description("M17.11")
    assert "left knee" in icd10cm.description("M17.12")
    assert icd10cm.ancestors("M17.11") == ["M17.1", "M17"]


def test_seventh_character_codes(icd10cm):
    ok = icd10cm.validate("s72.001a")
    assert (ok.valid, ok.billable, ok.code, ok.reason) == (True, True, "S72.001A", "ok")
    header = icd10cm.validate("S72.001")
    assert header.valid and not header.billable
    assert header.reason.startswith("not billable: has children")
    assert icd10cm.description("S72.001A") == (icd10cm.description("S72.001")
                                               + ", initial encounter for closed fracture")
    padded = icd10cm.id_of("S00.01XA")
    assert padded >= 0 and icd10cm.code(int(icd10cm.parent[padded])) == "S00.01"
    assert icd10cm.seventh_characters("S72.001")["A"] == "initial encounter for closed fracture"
    assert icd10cm.seventh_characters("S72.001A") == {}
    assert icd10cm.seventh_characters("E11.22") == {}
    bad = icd10cm.validate("S72.001Z")
    assert not bad.valid and "7th character" in bad.reason


def test_billable_descendants_and_chapter(icd10cm):
    assert icd10cm.billable_descendants("E11.2") == ["E11.21", "E11.22", "E11.29"]
    assert icd10cm.billable_descendants("E11.22") == ["E11.22"]
    number, title = icd10cm.chapter_of("E11.22")
    assert number == 4 and title.startswith("Endocrine, nutritional and metabolic")
    assert icd10cm.chapter.dtype == np.int16 and icd10cm.parent.dtype == np.int32
    assert icd10cm.parent[icd10cm.id_of("E11")] == -1
    assert icd10cm.block_of("E11.22")[0] == "E08-E13"


def test_excludes1_pairs_link_e11_to_e10(icd10cm):
    left, right = icd10cm.excludes1_pairs
    assert left.dtype == right.dtype == np.int32 and len(left) == len(right) > 5000
    e11 = icd10cm.id_of("E11")
    excluded = {icd10cm.code(j) for j in right[left == e11]}
    assert {"E08", "E09", "E10", "E13"} <= excluded
    assert any("type 1 diabetes" in n for n in icd10cm.notes("E11", "excludes1"))


def test_chapter_notes_are_inherited(icd10cm):
    # Chapter 1 says: use additional code to identify resistance to antimicrobial drugs (Z16.-).
    assert icd10cm.notes("A00.0", "use_additional") == ()
    inherited = icd10cm.notes("A00.0", "use_additional", inherited=True)
    assert any("Z16" in n for n in inherited)
    assert "Z16" in icd10cm.referenced_codes("A00.0", "use_additional")
    assert "Z16" not in icd10cm.referenced_codes("A00.0", "use_additional", inherited=False)
    with pytest.raises(KeyError):
        icd10cm.notes("A00.0", "excludes3")


def test_manifestation_flags(icd10cm):
    flagged = {c for c in ("G63", "D63.1", "J91.0", "F02.80", "G46.3", "I32", "E11.22", "B95.0",
                           "N18.4", "S72.001A") if icd10cm.manifestation[icd10cm.id_of(c)]}
    assert flagged == {"G63", "D63.1", "J91.0", "F02.80", "G46.3", "I32"}


def test_lookups_of_unknown_and_malformed_codes(icd10cm):
    assert icd10cm.id_of("e1122") == icd10cm.id_of(" E11.22 ") == icd10cm.id_of("E11.22") >= 0
    assert icd10cm.code(icd10cm.id_of("E1122")) == "E11.22"
    ids = icd10cm.ids_of(["E11.22", "Z99.99", "not a code", "s72.001a"])
    assert ids.dtype == np.int32 and list(ids[1:3]) == [-1, -1] and ids[3] >= 0
    unknown = icd10cm.validate("Z99.99")
    assert not unknown.valid and unknown.reason.startswith("unknown code")
    text = "patient denies chest pain"
    bad = icd10cm.validate(text)
    assert not bad.valid and bad.reason.startswith("malformed") and "chest" not in bad.reason
    assert not icd10cm.is_billable("Z99.99") and icd10cm.is_billable("E11.22")
    with pytest.raises(KeyError):
        icd10cm.description("Z99.99")
    with pytest.raises(CodeFormatError):
        normalize_code("ICD10CM", text)


def test_second_load_reuses_the_cache(icd10cm, cache_dir):
    from rules_native.codesets import load_icd10cm

    again = load_icd10cm(cache_dir=cache_dir)
    assert again.from_cache and again.cache_path == icd10cm.cache_path
    assert again.codes == icd10cm.codes
