"""Bounded work per call (#15): no step of coding costs the square of a note's length, no pattern
backtracks on note text, and a call's budget (deadline, CPU, cancellation) stops its work with a
typed error. Speed itself is shown by ``benchmarks/bench_note_length.py``; these tests check that
the faster steps answer exactly as the plain ones did, and that adversarial notes are processed
(each would take minutes to hours before: a generous timeout catches a regression)."""
from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server import budget
from server.domain import Assertion, Document, Setting
from server.errors import BudgetExceeded, Cancelled, DeadlineExceeded, classify
from server.pipeline import encounter_codes, pregnancy
from server.pipeline.context import ContextRules, Trigger, Triggers, assert_span
from server.pipeline.medications import _Clauses, _current
from server.pipeline.sections import SectionRules
from server.pipeline.text import split_sentences
from server.pipeline.trie import MAX_SKIPPED, TokenTrie
from tests.unit.test_pipeline_support import shared_pipeline

N = 100_000   # blanks or marks in a run: seconds to hours for the old patterns, milliseconds now


@pytest.fixture(scope="module")
def rules() -> SectionRules:
    return SectionRules.load()


@pytest.fixture(scope="module")
def pipe(icd10cm, icd10pcs):
    return shared_pipeline(icd10cm, icd10pcs, "us-claims")


# -- patterns on note text ------------------------------------------------------------------------

@pytest.mark.timeout(60)
@pytest.mark.parametrize("title", ["Assessment", "ASSESSMENT", "History of present illness", "Plan"])
def test_a_header_word_then_a_long_blank_run_is_read_once(rules, title):
    """"Assessment" + 32,000 spaces took 6 s (38 s, 138 s in capitals); the title still starts
    a section when the blanks end in a colon, and is no header when they end in text."""
    assert [s.name for s in rules.split(title + " " * N + "x")] == ["body"]
    with_colon = title + " \t" * (N // 2) + ":\nheart failure"
    sections = list(rules.split(with_colon))
    assert sections[-1].name != "body"
    assert with_colon[sections[-1].body_start:].strip() == "heart failure"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("run", [".", "!?.", ".)", "\t"])
def test_long_runs_of_marks_split_into_sentences_as_before(run):
    text = "Heart failure. " + run * (N // len(run)) + " Sepsis. Pneumonia."
    spans = [text[a:b] for a, b in split_sentences(text)]
    assert spans[0] == "Heart failure." and spans[-2:] == ["Sepsis.", "Pneumonia."]


@pytest.mark.timeout(60)
def test_bmi_and_sex_are_read_across_any_blank_run(icd10cm):
    assert pregnancy.sex_words("Pt is 54" + " " * N + "F.") != ()
    assert pregnancy.sex_words("1" + " " * N + "x") == ()
    assert encounter_codes._BMI.search("BMI" + " " * N + "x") is None
    assert encounter_codes._BMI.search("BMI" + " " * 9 + "of  42").group(1) == "42"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("unit", ["left right bilateral ", "no heart failure, ", "warfarin toxicity ",
                                  "ASSESSMENT AND PLAN" + " " * 4000 + "\n", "." * 50,
                                  "right lap appendectomy, open cholecystectomy with two stents to LAD "])
def test_adversarial_notes_are_coded(pipe, unit):
    """Each ~100 KB: a run of side words (RecursionError before), a sentence full of negations or
    drugs (each mention rescanned them all), a capitals header with a blank run, a dot run, a
    sentence of procedures (each read within its clause, never the whole sentence)."""
    text = (unit * (N // len(unit) + 1))[:N]
    enc = pipe.code(Document("adv", text, setting=Setting.INPATIENT))
    assert enc.stage_ms["sections"] >= 0


# -- the faster steps answer as the plain ones did ------------------------------------------------

def _reference_longest_at(trie: TokenTrie, words, i, skip):
    """The recursive walk the trie had, skip words jumped without a limit; of equally long
    phrases, the one that jumped fewer words."""
    best = [i, [], 0]

    def walk(node, j, jumped):
        while j < len(words):
            w = words[j]
            if w in skip and j > i:
                walk(node, j + 1, jumped + 1)
            node = node.get(w)
            if node is None:
                return
            j += 1
            if "\x00" in node and (j > best[0] or j == best[0] and jumped < best[2]):
                best[0], best[1], best[2] = j, node["\x00"], jumped

    walk(trie._root, i, 0)
    return best[0], best[1]


VOCAB = ["fracture", "wrist", "left", "right", "of", "heart", "failure", "l"]
PHRASES = [("fracture", "wrist"), ("fracture", "of", "wrist"), ("fracture",), ("heart", "failure"),
           ("left", "heart", "failure"), ("fracture", "left", "wrist"), ("left",), ("wrist", "right")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(VOCAB), max_size=14))
def test_the_bounded_side_word_jump_finds_what_the_recursive_one_did(words):
    trie: TokenTrie[str] = TokenTrie()
    for p in PHRASES:
        trie.add(p, " ".join(p))
    skip = frozenset({"left", "right", "l"})
    for i in range(len(words)):
        run = max((k for k in range(len(words) + 1) if all(w in skip for w in words[i + 1:i + 1 + k])), default=0)
        if run <= MAX_SKIPPED:   # beyond it the jump stops on purpose
            assert trie.longest_at(words, i, skip) == _reference_longest_at(trie, words, i, skip)


def test_a_run_of_side_words_longer_than_the_jump_costs_no_recursion():
    trie: TokenTrie[str] = TokenTrie()
    trie.add(("left", "wrist"), "x")
    words = ["left"] + ["right"] * 50_000 + ["wrist"]
    assert trie.longest_at(words, 0, frozenset({"right"})) == (0, [])
    assert trie.longest_at(["left", "right", "wrist"], 0, frozenset({"right"})) == (3, ["x"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["no", "denies", "history", "of", "but", "mother", "possible", "chf", "mi",
                                 "dm", "x", "gram", "negative"]), min_size=1, max_size=40),
       st.randoms(use_true_random=False))
def test_context_reads_only_the_triggers_in_reach_and_answers_the_same(words, rnd):
    ctx = ContextRules.load()
    found = ctx.triggers(words)
    assert isinstance(found, Triggers)
    gaps = [False] + [rnd.random() < 0.1 for _ in range(len(words))]
    for a in range(len(words)):
        for b in range(a + 1, min(len(words), a + 3) + 1):
            assert assert_span(found, a, b, gaps) == assert_span(list(found), a, b, gaps)


def test_a_far_trigger_is_out_of_reach_and_a_near_one_is_not():
    ctx = ContextRules.load()
    words = ["no"] + ["x"] * 500 + ["chf"] + ["no", "mi"]
    t = ctx.triggers(words)
    assert assert_span(t, 501, 502) is Assertion.PRESENT
    assert assert_span(t, 503, 504) is Assertion.ABSENT
    assert assert_span(Triggers([Trigger(t[0].rule, 0, 1)]), 1, 2) is Assertion.ABSENT


def _reference_current(words, i, j, listed, breaks):
    from server.pipeline.medications import _ON, _PRN_REACH, _SCHEDULE, _SHORT_TERM

    lo = i
    while lo > 0 and not breaks[lo]:
        lo -= 1
    hi = j
    while hi < len(breaks) - 1 and not breaks[hi]:
        hi += 1
    clause = words[lo:hi]
    after = []
    for w in words[j:min(hi, j + _PRN_REACH)]:   # a PRN after the drug, before the next list word
        if w in ("and", "or", "with"):
            break
        after.append(w)
    if any(w in _SHORT_TERM for w in clause) or "prn" in after:
        return False
    return listed or any(_SCHEDULE.match(w) for w in words[j:min(hi, j + 5)]) or any(w in _ON for w in clause)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["on", "warfarin", "daily", "stopped", "prn", "x", "metformin", "bid"]),
                min_size=1, max_size=30), st.randoms(use_true_random=False), st.booleans())
def test_a_drugs_clause_looked_up_reads_as_the_walked_one(words, rnd, listed):
    breaks = [False] + [rnd.random() < 0.2 for _ in range(len(words) - 1)] + [True]
    clauses = _Clauses(words, breaks)
    for i in range(len(words)):
        for j in range(i + 1, min(len(words), i + 3) + 1):
            assert _current(words, i, j, listed, clauses) == _reference_current(words, i, j, listed, breaks)


# -- a call's budget ------------------------------------------------------------------------------

def test_a_spent_budget_stops_coding_with_its_typed_error(pipe):
    text = "Chronic systolic heart failure, on warfarin for atrial fibrillation. " * 3000
    doc = Document("big", text, setting=Setting.INPATIENT)
    cases = [(budget.CallBudget(deadline_s=0.0), DeadlineExceeded, "DEADLINE_EXCEEDED"),
             (budget.CallBudget(cpu_s=0.05), BudgetExceeded, "RESOURCE_EXHAUSTED")]
    cancelled = budget.CallBudget()
    cases.append((cancelled, Cancelled, "UNAVAILABLE"))
    for b, error, status in cases:
        t0 = time.perf_counter()
        with pytest.raises(error) as e:
            with b.running():
                if b is cancelled:
                    b.cancel("test")
                pipe.code(doc)
        assert classify(e.value).grpc_code.name == status
        assert "nothing was stored" in e.value.message and "heart" not in e.value.message
        print(f"{error.__name__} after {time.perf_counter() - t0:.3f} s")


def test_without_a_budget_checkpoints_do_nothing(pipe):
    budget.checkpoint()
    enc = pipe.code(Document("small", "Acute on chronic systolic heart failure.", setting=Setting.INPATIENT))
    assert any(c.code.startswith("I50") for c in enc.codes)


def test_a_budget_that_holds_lets_the_work_through_and_leaves_the_context_as_it_was():
    b = budget.CallBudget(deadline_s=60, cpu_s=60)
    with b.running():
        assert budget.current() is b
        for _ in range(1000):
            budget.checkpoint()
    assert budget.current() is None


def test_an_abandoned_calls_slot_stays_taken_until_its_work_has_stopped():
    """The handler is cancelled (the caller's deadline passed); its work stops at its next
    checkpoint, and only then is its admission slot free again (before: at once, work running on)."""
    import asyncio
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from server.admission import Admission
    from server.servicer import CodingServicer, ServerState

    started, release = threading.Event(), threading.Event()
    stopped_by: list[str] = []

    def work(b: budget.CallBudget):
        with b.running():
            started.set()
            release.wait(10)   # the work is busy (no checkpoint) until the test lets it go on
            try:
                budget.checkpoint()
            except Cancelled as e:
                stopped_by.append(type(e).__name__)
                raise

    async def scenario():
        admission, pool = Admission(1), ThreadPoolExecutor(1)
        servicer = CodingServicer(ServerState(), admission, pool, 1)
        task = asyncio.ensure_future(servicer._held(admission.take(), budget.CallBudget(), work))
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        held_after_cancel = admission.inflight
        release.set()
        for _ in range(500):
            if admission.inflight == 0:
                break
            await asyncio.sleep(0.01)
        pool.shutdown()
        return held_after_cancel, admission.inflight

    with ThreadPoolExecutor(1) as runner:   # its own event loop, whatever loop this thread has
        held, after = runner.submit(asyncio.run, scenario()).result(timeout=60)
    assert (held, after) == (1, 0)
    assert stopped_by == ["Cancelled"]


def _reference_etiology_first(dx, rules):
    """The all-pairs, restart-from-the-top sequencing the pipeline had (without the notes pass); of
    several underlying conditions of one manifestation, the one its "code first" note names first."""
    from server.domain import RuleNote

    def hits(refs, code):
        return any(code == r or code.startswith(r) for r in refs)

    def named_at(refs, code):
        return next(k for k, r in enumerate(refs) if code == r or code.startswith(r))

    for _ in range(len(dx)):
        moved = False
        for i, f in enumerate(dx):
            firsts = rules.referenced(f.code, "code_first")
            for j in range(i + 1, len(dx)):
                g = dx[j]
                if hits(firsts, g.code) or hits(rules.referenced(g.code, "use_additional"), f.code):
                    kind = "code_first" if hits(firsts, g.code) else "use_additional"
                    if kind == "code_first":
                        j = min((k for k in range(j, len(dx)) if hits(firsts, dx[k].code)),
                                key=lambda k: (named_at(firsts, dx[k].code), k))
                        g = dx[j]
                    g.notes.append(RuleNote(kind, f"sequenced before {f.code} (etiology before manifestation)", f.code))
                    dx.insert(i, dx.pop(j))
                    moved = True
                    break
            if moved:
                break
        if not moved:
            break
    return dx


POOL = ["E11.22", "N18.31", "I12.9", "N18.4", "F02.80", "G30.9", "E10.21", "N08", "B96.20", "N39.0", "I10",
        "J18.9", "E11.9", "G63", "E11.40", "D63.1", "N18.6", "Z99.2", "I50.22", "I11.0"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(POOL), min_size=1, max_size=20, unique=True))
def test_sequencing_etiology_first_orders_as_the_all_pairs_walk_did(pipe, codes):
    from server.domain import CodeSystem
    from server.pipeline.findings import Finding
    from server.pipeline.sequencing import _etiology_first

    def findings():
        return [Finding(c, CodeSystem.ICD10CM, 0.5) for c in codes]

    got = _etiology_first(findings(), pipe.guidelines)
    want = _reference_etiology_first(findings(), pipe.guidelines)
    assert [f.code for f in got] == [f.code for f in want]
    assert [[n for n in f.notes if "sequenced before" in n.message] for f in got] == \
           [[n for n in f.notes] for f in want]
