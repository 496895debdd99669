"""Property tests for every parser (issue #15, "Fuzzing in the test suite"): any input -- mutated
valid documents (nesting, truncation, swapped JSON types, digits of other scripts, huge numbers,
impossible dates), arbitrary bytes and arbitrary JSON -- gives a result or the parser's typed
error (``InvalidInput``), never another exception. The committed corpus (``tests/fuzz/corpus``:
valid seeds and inputs that once broke a parser) is replayed as well.

CI runs the ``ci`` hypothesis profile (100 examples a test, fixed seed); the ``fuzz`` profile and
``make fuzz`` go much further."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.mutators import CORPUS, GENERATORS, KINDS
from tests.fuzz.targets import TYPED, parse


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("parser-properties")


def _result_or_typed_error(kind: str, data: bytes, scratch) -> None:
    try:
        parse(kind, data, scratch)
    except TYPED as e:
        assert e.args and str(e), "a typed error says what is wrong"


@pytest.mark.parametrize("kind", KINDS)
@given(rnd=st.randoms(use_true_random=False))
def test_mutated_documents_give_a_result_or_the_typed_error(kind, rnd, scratch):
    _result_or_typed_error(kind, GENERATORS[kind](rnd), scratch)


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.binary(max_size=2048) | st.text(max_size=1024).map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_arbitrary_bytes_give_a_result_or_the_typed_error(kind, data, scratch):
    _result_or_typed_error(kind, data, scratch)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=30)
_FHIR_KEYS = st.sampled_from(["content", "section", "entry", "date", "text", "attachment", "data", "div",
                              "contentType", "resource", "birthDate", "class", "title", "status"])


@given(rtype=st.sampled_from(["DocumentReference", "Composition", "Bundle", "Patient", ""]),
       body=st.dictionaries(_FHIR_KEYS, _JSON, max_size=6))
def test_arbitrary_json_shaped_like_fhir_gives_a_result_or_the_typed_error(rtype, body, scratch):
    data = json.dumps({"resourceType": rtype, **body}).encode()
    _result_or_typed_error("fhir", data, scratch)


@given(claim=st.dictionaries(st.sampled_from(["claim_id", "lines", "diagnoses", "patient", "setting", "form",
                                              "procedures", "payer"]), _JSON, max_size=8),
       lines=st.lists(st.dictionaries(st.sampled_from(["code", "units", "modifiers", "date_of_service",
                                                       "diagnosis_pointers", "place_of_service"]), _JSON),
                      max_size=4))
def test_arbitrary_claim_json_gives_a_result_or_the_typed_error(claim, lines, scratch):
    _result_or_typed_error("claim", json.dumps({"claim_id": "c", "lines": lines, **claim}).encode(), scratch)


@pytest.mark.parametrize("path", sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.parent.name in KINDS),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_corpus_replays_to_a_result_or_the_typed_error(path, scratch):
    _result_or_typed_error(path.parent.name, path.read_bytes(), scratch)


def test_the_corpus_has_seeds_for_every_parser():
    assert {p.parent.name for p in CORPUS.rglob("*") if p.is_file()} >= set(KINDS)
