"""Table of Drugs, Neoplasm Table and long-term drug therapy (Z79) lookups, against the shipped
artifacts and the real FY2026 ICD-10-CM code set; and the builder (``export.build_tables``)."""
from __future__ import annotations

import gzip
import json
import re
from importlib import resources

import pytest

from export.build_tables import build, title_forms
from server.errors import InvalidInput
from server.pipeline.drug_tables import (DrugRow, DrugTable, NeoplasmTable, Z79Rules, load_drug_table,
                                         load_neoplasm_table, load_z79_rules, long_term_code, refine)


@pytest.fixture(scope="module")
def drugs() -> DrugTable:
    return load_drug_table()


@pytest.fixture(scope="module")
def neoplasms() -> NeoplasmTable:
    return load_neoplasm_table()


# -- Table of Drugs --------------------------------------------------------------------------
@pytest.mark.parametrize("drug, intent, encounter, want", [
    ("acetaminophen", "self_harm", "A", "T39.1X2A"),      # overdose in a suicide attempt, ED
    ("warfarin", "adverse_effect", "A", "T45.515A"),      # bleeding on warfarin taken as prescribed
    ("insulin", "underdosing", "D", "T38.3X6D"),          # missed insulin doses, follow-up visit
    ("lisinopril", "adverse_effect", "A", "T46.4X5A"),    # ACE-inhibitor angioedema
])
def test_drug_codes_get_their_seventh_character_and_are_billable(drugs, icd10cm, drug, intent, encounter, want):
    assert drugs.lookup(drug).code(intent, encounter, icd10cm) == want


@pytest.mark.parametrize("name, path", [
    ("  ACETAMINOPHEN ", "Acetaminophen"),
    ("Calcium channel blockers", "Blockers, calcium channel"),   # plural and inverted comma title
    ("NPH insulin", "Insulin"),                                  # nonessential modifier
    ("insulin, human", "Insulin > human"),                       # subterm
    ("Insulin > human", "Insulin > human"),
    ("Aleve", "Naproxen"),                                       # the table's own "see"
    ("Xarelto", "Anticoagulant NEC"),                            # brand -> generic -> class
    ("aspirin 81 mg", "Aspirin"),
])
def test_drug_lookup_finds_the_row_a_note_names(drugs, name, path):
    assert drugs.lookup(name).name == path


def test_every_table_code_completes_to_a_billable_fy2026_code(drugs, neoplasms, icd10cm):
    """All 40,000 drug-table codes take placeholder X and the 7th character correctly, and every
    neoplasm-table code exists and refines to a billable one."""
    from server.pipeline.drug_tables import DRUG_COLUMNS, NEOPLASM_COLUMNS
    bad = [(r.name, i) for r in drugs.rows for i in DRUG_COLUMNS
           if r.code(i) and r.code(i, "S", icd10cm) is None]
    bad += [(r.name, b) for r in neoplasms.rows for b in NEOPLASM_COLUMNS
            if r.code(b) and r.code(b, [], icd10cm) is None]
    assert bad == []


def test_every_alias_reaches_a_row_with_a_billable_adverse_effect_code(drugs, icd10cm):
    assert all(drugs.lookup(alias).code("adverse_effect", "A", icd10cm) for alias in drugs.aliases)
    assert drugs.lookup("sertraline").code("adverse_effect", "A", icd10cm) == "T43.225A"


def test_unknown_drug_and_missing_column_give_none(drugs):
    assert drugs.lookup("qqqzz") is None
    assert drugs.lookup("1-propanol").code("adverse_effect") is None   # "--" in the table


def test_code_refuses_unknown_intent_and_drops_codes_the_tabular_lacks(icd10cm):
    row = DrugRow(("made up",), ("T39.1",) * 6)
    assert row.code("accidental") == "T39.1XXA"
    assert row.code("accidental", icd10cm=icd10cm) is None     # T39.1XXA is not a code
    with pytest.raises(InvalidInput):
        row.code("overdose")
    with pytest.raises(InvalidInput):
        row.code("accidental", "Q")


# -- Neoplasm Table ------------------------------------------------------------------------
@pytest.mark.parametrize("site, path", [
    ("lung", "lung"), ("upper lobe of right lung", "lung > upper lobe"), ("bone", "bone"),
    ("liver", "liver"), ("breast", "breast"), ("colon", "colon"), ("prostate", "prostate"),
    ("brain", "brain NEC"), ("metastatic neoplasm of lung", "lung"), ("accessory sinus", "sinus"),
    ("axillary lymph nodes", "lymph, lymphatic channel NEC > gland > axilla, axillary"),
])
def test_neoplasm_sites_are_found(neoplasms, site, path):
    assert neoplasms.lookup(site).name == path


def test_neoplasm_codes_refine_to_billable_laterality(neoplasms, icd10cm):
    lung = neoplasms.lookup("lung")
    assert lung.code("secondary") == "C78.0"
    assert lung.code("secondary", ["right"], icd10cm) == "C78.01"
    assert lung.code("secondary", [], icd10cm) == "C78.00"        # the unspecified child
    assert neoplasms.lookup("liver").code("secondary", icd10cm=icd10cm) == "C78.7"
    left_breast = neoplasms.lookup("breast").code("primary", ["left"], icd10cm)
    assert re.fullmatch(r"C50\.9[12]2", left_breast) and icd10cm.is_billable(left_breast)
    assert neoplasms.lookup("upper lobe of right lung").code("primary", ["right"], icd10cm) == "C34.11"
    assert refine("C34", ["left", "lower", "lobe"], icd10cm) == "C34.32"
    assert refine("Q99.99", ["left"], icd10cm) is None


# -- long-term drug therapy ------------------------------------------------------------------
@pytest.mark.parametrize("drug, want", [
    ("apixaban", "Z79.01"), ("Eliquis", "Z79.01"), ("warfarin", "Z79.01"), ("clopidogrel", "Z79.02"),
    ("aspirin", "Z79.82"), ("insulin glargine", "Z79.4"), ("Lantus", "Z79.4"), ("metformin", "Z79.84"),
    ("semaglutide", "Z79.85"), ("Ozempic", "Z79.85"), ("prednisone", "Z79.52"),
    ("fluticasone inhaler", "Z79.51"), ("oxycodone", "Z79.891"), ("atorvastatin", "Z79.899"),
    ("levothyroxine", "Z79.899"), ("anastrozole", "Z79.811"), ("tamoxifen", "Z79.810"),
    ("methotrexate", "Z79.631"), ("ibuprofen", "Z79.1"), ("amoxicillin", "Z79.2"),
    ("Jardiance", "Z79.84"), ("Plavix", "Z79.02"), ("lisinopril", "Z79.899"),
    ("Norco", "Z79.891"), ("tacrolimus", "Z79.621"), ("amlodipine", "Z79.899"), ("Bactrim", "Z79.2"),
    ("sulfasalazine", "Z79.899"), ("budesonide inhaler", "Z79.51"), ("estradiol", "Z79.890"),
    ("hydrocodone-acetaminophen", "Z79.891"), ("5-fluorouracil", "Z79.631"),   # combination; hyphenated name
])
def test_long_term_code_follows_the_drug_class(icd10cm, drug, want):
    assert long_term_code(drug, icd10cm) == want


def test_long_term_code_of_an_unknown_name_is_none():
    assert long_term_code("qqqzz") is None


def test_every_fy2026_z79_inclusion_term_maps_to_its_code(icd10cm):
    """The tabular's own examples ("Long term (current) use of tamoxifen (Nolvadex)") agree with
    the shipped rules, brand names included."""
    checked = 0
    for z79 in icd10cm.billable_descendants("Z79"):
        for note in icd10cm.notes(z79, "inclusion"):
            drug = re.match(r"Long term \(current\) use of (.*)", note).group(1)
            names = [re.sub(r"\([^)]*\)", " ", drug)]
            names += [b for b in re.findall(r"\(([^)]*)\)", drug) if b.istitle()]
            for name in names:
                assert long_term_code(name, icd10cm) == z79, (name, z79)
                checked += 1
    assert checked > 40


def test_z79_rules_must_be_billable_and_well_formed(icd10cm):
    load_z79_rules().check(icd10cm)
    bad = Z79Rules.parse({"version": 1, "default": "Z79.899", "rules": [{"z79": "Z79.5", "prefix": "T38.0"}]})
    with pytest.raises(InvalidInput):
        bad.check(icd10cm)                       # Z79.5 is a category, not billable
    for doc in ({"version": 2, "rules": []},
                {"version": 1, "default": "Z79.899", "rules": [{"z79": "E11.9", "prefix": "T38.3"}]},
                {"version": 1, "default": "Z79.899", "rules": [{"z79": "Z79.4"}]},
                {"version": 1, "default": "Z79.899", "rules": [{"z79": "Z79.4", "prefix": "T38.3", "drug": []}]}):
        with pytest.raises(InvalidInput):
            Z79Rules.parse(doc)


def test_alias_to_a_name_the_table_lacks_fails_loudly():
    data = resources.files("server.pipeline").joinpath("data", "drug_table.tsv.gz").read_bytes()
    with pytest.raises(InvalidInput):
        DrugTable.read(data, {"mybrand": "qqqzz"})


def test_bad_table_files_fail_loudly():
    with pytest.raises(InvalidInput):
        DrugTable.read(gzip.compress(b"path\tcodes\n"))
    with pytest.raises(InvalidInput):
        DrugTable.read(b"not gzip")
    header = "path\tsynonyms\tsee\tprimary\tsecondary\tin_situ\tbenign\tuncertain\tunspecified\n"
    with pytest.raises(InvalidInput):
        NeoplasmTable.read(gzip.compress((header + "lung\tlung\t\tC34.9-\tnot a code\t\t\t\t\n").encode()))


# -- the builder --------------------------------------------------------------------------------
_DRUG_XML = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.index><version>2026</version><letter><title>I</title>
<mainTerm><title>Insulin<nemod>(NPH) (Lente)</nemod></title>
 <cell col="2">T38.3X1</cell><cell col="3">T38.3X2</cell><cell col="4">T38.3X3</cell>
 <cell col="5">T38.3X4</cell><cell col="6">T38.3X5</cell><cell col="7">T38.3X6</cell>
 <term level="1"><title>human</title>
  <cell col="2">T38.3X1</cell><cell col="3">T38.3X2</cell><cell col="4">T38.3X3</cell>
  <cell col="5">T38.3X4</cell><cell col="6">T38.3X5</cell><cell col="7">T38.3X6</cell></term>
</mainTerm>
<mainTerm><title>Isopropanol</title>
 <cell col="2">T51.2X1</cell><cell col="3">T51.2X2</cell><cell col="4">T51.2X3</cell>
 <cell col="5">T51.2X4</cell><cell col="6">--</cell><cell col="7">--</cell></mainTerm>
<mainTerm><title>Insulinum</title><see>Insulin</see></mainTerm>
</letter></ICD10CM.index>"""

_NEOPLASM_XML = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.index><version>2026</version><letter><title>N</title>
<mainTerm><title>Neoplasm, neoplastic</title>
 <cell col="2">C80.1</cell><cell col="3">C79.9</cell><cell col="4">D09.9</cell>
 <cell col="5">D36.9</cell><cell col="6">D48.9</cell><cell col="7">D49.9</cell>
 <term level="1"><title>lung</title>
  <cell col="2">C34.9-</cell><cell col="3">C78.0-</cell><cell col="4">D02.2-</cell>
  <cell col="5">D14.3-</cell><cell col="6">D38.1</cell><cell col="7">D49.1</cell>
  <term level="2"><title>upper lobe</title>
   <cell col="2">C34.1-</cell><cell col="3">C78.0-</cell><cell col="4">D02.2-</cell>
   <cell col="5">D14.3-</cell><cell col="6">D38.1</cell><cell col="7">D49.1</cell></term>
 </term>
 <term level="1"><title>pulmonary</title><see>Neoplasm, lung</see></term>
</mainTerm></letter></ICD10CM.index>"""


def test_builder_writes_tables_the_runtime_reads(tmp_path):
    (tmp_path / "icd10cm-drug-April-1-2026-XML.xml").write_text(_DRUG_XML, encoding="utf-8")
    (tmp_path / "icd10cm-neoplasm-April-1-2026-XML.xml").write_text(_NEOPLASM_XML, encoding="utf-8")
    out = tmp_path / "out"
    assert build(tmp_path, out) == {"drug_table.tsv.gz": 4, "neoplasm_table.tsv.gz": 4}
    drugs = DrugTable.read((out / "drug_table.tsv.gz").read_bytes())
    assert drugs.lookup("lente insulin").name == "Insulin"
    assert drugs.lookup("human insulin").code("underdosing", "D") == "T38.3X6D"
    assert drugs.lookup("Insulinum").name == "Insulin"                   # "see" followed
    assert drugs.lookup("isopropanol").code("adverse_effect") is None    # "--"
    neo = NeoplasmTable.read((out / "neoplasm_table.tsv.gz").read_bytes())
    assert neo.lookup("right upper lobe lung").name == "lung > upper lobe"
    assert neo.lookup("pulmonary").name == "lung"
    first = (out / "drug_table.tsv.gz").read_bytes()
    build(tmp_path, out)
    assert (out / "drug_table.tsv.gz").read_bytes() == first              # reproducible bytes


def test_comma_titles_are_spellings_or_inversions():
    assert title_forms("Arsenic, arsenicals") == ["Arsenic", "arsenicals"]
    assert title_forms("Blockers, calcium channel") == ["Blockers calcium channel", "calcium channel Blockers"]
    assert title_forms("2,4-D") == ["2,4-D"]


@pytest.mark.data
def test_shipped_tables_rebuild_byte_for_byte(shared_data, tmp_path):
    index_dir = shared_data / "icd10cm-index-fy2026"
    if not index_dir.is_dir():
        pytest.skip("FY2026 index XML not in shared data")
    build(index_dir, tmp_path)
    for name in ("drug_table.tsv.gz", "neoplasm_table.tsv.gz"):
        shipped = resources.files("server.pipeline").joinpath("data", name).read_bytes()
        assert (tmp_path / name).read_bytes() == shipped, name


def test_shipped_rules_file_is_small_and_valid_json():
    raw = resources.files("server.pipeline").joinpath("data", "z79_classes.json").read_bytes()
    assert len(raw) < 20_000 and json.loads(raw)["version"] == 1
