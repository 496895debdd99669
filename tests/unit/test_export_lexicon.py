"""The alphabetic-index lexicon builder (``export.build_lexicon``): index entries become the
phrases a note says."""
from __future__ import annotations

import pytest

from export.build_lexicon import eponym_terms, index_terms, main_term_forms


def _index(tmp_path, *rows: str):
    """A flattened index CSV (the CDC layout) of ``rows`` ("Level,Term,See,SeeAlso,NonEssModif,Code")."""
    csv = tmp_path / "index.csv"
    csv.write_text("RowID,Letter,Level,Term,See,SeeAlso,NonEssModif,Code\n"
                   + "".join(f"{n},X,{row}\n" for n, row in enumerate(rows, 1)), encoding="utf-8")
    return csv


def test_comma_listing_spellings_makes_each_a_main_term():
    assert main_term_forms("Hernia, hernial") == [("Hernia", ""), ("hernial", "")]
    assert main_term_forms("Alcohol, alcoholic, alcohol-induced") == [
        ("Alcohol", ""), ("alcoholic", ""), ("alcohol-induced", "")]


def test_comma_inverting_a_modifier_keeps_the_modifier():
    assert main_term_forms("Abruption, placenta") == [("Abruption", " placenta")]
    assert main_term_forms("Pneumonia") == [("Pneumonia", "")]


def test_subterms_under_a_spelling_list_read_as_a_note_says_them(tmp_path):
    csv = _index(tmp_path, '0,"Hernia, hernial",,,(acquired),K46.9', "1,hiatal,,,(esophageal),K44.9",
                 "0,Edema,,,,R60.9", '1,"glottis, glottic",,,,J38.4')
    terms = {(" ".join(t), c) for t, c in index_terms(csv)}
    assert ("hiatal hernia", "K44.9") in terms and ("hernia hiatal", "K44.9") in terms
    assert not any("hernial hernia" in t for t, _ in terms)
    assert {("glottis edema", "J38.4"), ("glottic edema", "J38.4")} <= terms


@pytest.mark.data
def test_real_index_yields_everyday_phrases(shared_data):
    terms = {" ".join(t): c for t, c in index_terms(shared_data / "icd10cm-index-fy2025" / "ICD10CM_2025_Index.csv")}
    assert terms["hiatal hernia"] == "K44.9"
    assert terms["alcohol dependence"] == "F10.20"


def test_an_eponyms_syndrome_is_also_its_disease(tmp_path):
    """"Kawasaki's syndrome" is what a note calls Kawasaki disease; "Barlow's disease" (scurvy) never
    becomes a syndrome, and a short name that may be an English word is left alone."""
    csv = _index(tmp_path, "0,Kawasaki's syndrome,,,,M30.3", "0,Barlow's disease,,,,E54", "0,Down's syndrome,,,,Q90.9",
                 "0,Felty's syndrome,,,,M05.00", "1,with lung,,,,M05.10")
    assert {(" ".join(t), c) for t, c in eponym_terms(csv)} == {("kawasaki disease", "M30.3"),
                                                               ("felty disease", "M05.00")}


def test_a_one_letter_subterm_the_tokens_lose_is_left_out(tmp_path):
    """"Influenza > A" (J10-) would read as plain "influenza": it is not a term; "Hepatitis > B"
    keeps its letter."""
    csv = _index(tmp_path, "0,Influenza,,,,J11.1", "1,A,,,(non-novel),J10-", "0,Hepatitis,,,,K75.9",
                 "1,B,,,,B19.10")
    terms = {(" ".join(t), c) for t, c in index_terms(csv)}
    assert ("influenza", "J11.1") in terms and ("influenza", "J10") not in terms
    assert ("hepatitis b", "B19.10") in terms or ("b hepatitis", "B19.10") in terms


def test_a_withdrawal_and_an_induced_disorder_are_said_with_each_substance_of_their_class(shared_data):
    """"Withdrawal state (see also Dependence, drug by type, with withdrawal)": each drug type's
    withdrawal code said as "<type> withdrawal" and as "<substance> withdrawal" for what the index
    files under the type; alcohol and caffeine keep their own Withdrawal state entries. A disorder the
    Tabular says a class induced is said with its substances too ("methamphetamine induced ...")."""
    from server.pipeline.index_tree import IndexTree

    from export.build_lexicon import induced_terms, withdrawal_terms

    index = shared_data / "icd10cm-index-fy2025" / "ICD10CM_2025_Index.csv"
    tree = IndexTree.load()
    withdrawal = {" ".join(t): c for t, c in withdrawal_terms(index, tree)}
    assert withdrawal["opioid withdrawal"] == withdrawal["heroin withdrawal"] == "F11.23"
    assert withdrawal["methamphetamine withdrawal"] == "F15.23" and withdrawal["cocaine withdrawal"] == "F14.23"
    assert "alcohol withdrawal" not in withdrawal and "caffeine withdrawal" not in withdrawal
    induced = {" ".join(t): c for t, c in induced_terms(index, tree)}
    assert induced["methamphetamine induced psychotic disorder with hallucination"] == "F15.951"   # (singular tokens)
    assert induced["heroin induced mood disorder"] == "F11.94"
    assert not any(c[:3] in ("F10", "F17") for c in induced.values())
