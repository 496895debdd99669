"""Admission by estimated finish time (server/admission.py): calls are let in while the work in
flight, at the rate the gateway finishes work, leaves room for them within the latency target;
the refused are told when to come back. A fake clock drives the drain rate."""
from __future__ import annotations

import pytest

from server.admission import Admission
from server.errors import Overloaded


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _learn(adm: Admission, clock: Clock, kind: str, cpu_s: float, wall_s: float, times: int = 20) -> None:
    """``times`` calls of ``kind`` that each used ``cpu_s`` of CPU over ``wall_s`` of busy time."""
    for _ in range(times):
        slot = adm.take(kind)
        clock.t += wall_s
        slot.release(cpu_s)


def test_calls_are_let_in_while_the_work_ahead_finishes_within_the_target():
    clock = Clock()
    adm = Admission(100, latency_target_s=0.1, clock=clock)
    _learn(adm, clock, "CodeEncounter", cpu_s=0.02, wall_s=0.02)   # one core, all of it ours
    held = []
    while (slot := adm.try_take("CodeEncounter")) is not None:
        held.append(slot)
    assert len(held) == 5                       # 5 x 20 ms of work = 100 ms: the sixth would finish late
    with pytest.raises(Overloaded) as refused:
        adm.take("CodeEncounter")
    assert 0.015 <= refused.value.retry_after_s <= 0.05   # about one call's time, jittered
    held.pop().release(0.02)                    # one finished: room for one more
    assert adm.try_take("CodeEncounter") is not None
    assert adm.rejected == 1


def test_a_gateway_that_gets_half_a_core_lets_in_half_as_many_calls():
    clock = Clock()
    full, half = (Admission(100, latency_target_s=0.5, clock=clock) for _ in range(2))
    _learn(full, clock, "CodeEncounter", cpu_s=0.05, wall_s=0.05)
    _learn(half, clock, "CodeEncounter", cpu_s=0.05, wall_s=0.10, times=60)   # another process had half the core
    assert half.drain_rate == pytest.approx(0.5, abs=0.05)
    assert full.estimated_latency_s("CodeEncounter") == pytest.approx(0.05, rel=0.1)
    assert half.estimated_latency_s("CodeEncounter") == pytest.approx(0.10, rel=0.1)

    def admitted(adm):
        n = 0
        while adm.try_take("CodeEncounter") is not None:
            n += 1
        return n

    assert (admitted(full), admitted(half)) == (10, 5)


def test_each_rpc_kind_costs_what_its_calls_used():
    clock = Clock()
    adm = Admission(100, latency_target_s=0.25, clock=clock)
    _learn(adm, clock, "ScoreClaim", cpu_s=0.005, wall_s=0.005)
    _learn(adm, clock, "ScoreClaim+documents", cpu_s=0.2, wall_s=0.2)
    first = adm.take("ScoreClaim+documents")     # 200 ms of work in flight
    assert not adm.has_room("ScoreClaim+documents")   # 400 ms: past the target
    assert adm.has_room("ScoreClaim")                 # 205 ms: within it
    first.release(0.2)


def test_an_idle_gateway_takes_any_call_and_a_call_cut_short_teaches_nothing():
    clock = Clock()
    adm = Admission(100, latency_target_s=0.01, clock=clock)
    _learn(adm, clock, "CodeEncounter", cpu_s=0.5, wall_s=0.5, times=3)
    slot = adm.take("CodeEncounter")            # alone it is over the target, but refusing it helps no one
    slot.release(None)                           # stopped at its deadline: its CPU is not its cost
    assert adm.expected_cost_s("CodeEncounter") == pytest.approx(0.5)
    assert adm.inflight == 0


def test_without_a_target_only_max_inflight_refuses():
    adm = Admission(2)
    a, b = adm.take("CodeEncounter"), adm.take("CodeEncounter")
    with pytest.raises(Overloaded) as refused:
        adm.take("CodeEncounter")
    assert refused.value.retry_after_s > 0
    a.release(5.0)
    b.release(5.0)
    assert adm.has_room("CodeEncounter")


def test_a_waiting_stream_document_gets_the_next_room_before_a_new_unary_call():
    clock = Clock()
    adm = Admission(100, latency_target_s=0.1, clock=clock)
    _learn(adm, clock, "CodeEncounter", cpu_s=0.05, wall_s=0.05)
    first, second = adm.take("CodeEncounter"), adm.take("CodeEncounter")   # 100 ms ahead: full
    assert not adm.has_room("CodeEncounter", waited=True)
    stream_doc = adm.waiting("CodeEncounter")      # a stream's next document waits for room
    first.release(0.05)
    with pytest.raises(Overloaded):                # the room that freed is the stream's
        adm.take("CodeEncounter")
    slot = adm.try_take("CodeEncounter", waited=True)
    assert slot is not None
    stream_doc.release()
    stream_doc.release()                           # idempotent
    second.release(0.05)
    assert adm.try_take("CodeEncounter") is not None   # nothing reserved any more


def test_refused_callers_get_successive_turns_and_past_the_target_are_told_not_to_retry():
    clock = Clock()
    adm = Admission(100, latency_target_s=0.2, clock=clock)
    _learn(adm, clock, "CodeEncounter", cpu_s=0.05, wall_s=0.05)
    held = [adm.take("CodeEncounter") for _ in range(4)]     # 200 ms ahead: full
    hints = []
    for _ in range(6):
        with pytest.raises(Overloaded) as refused:
            adm.take("CodeEncounter")
        hints.append(refused.value.retry_after_s)
    turns = [h for h in hints if h > 0]
    assert len(turns) == 4 and turns == sorted(turns)          # one call's time apart (50 ms), jittered up
    assert all(0.04 <= b - a <= 0.06 for a, b in zip(turns, turns[1:]))
    assert hints[4:] == [-1.0, -1.0]                            # a turn past 200 ms: fail now instead
    for slot in held:
        slot.release(0.05)


def test_a_call_back_at_its_turn_is_not_kept_waiting_behind_streams_nor_sent_back_twice():
    clock = Clock()
    adm = Admission(100, latency_target_s=0.1, clock=clock)
    _learn(adm, clock, "CodeEncounter", cpu_s=0.05, wall_s=0.05)
    held = adm.take("CodeEncounter")
    stream_doc = adm.waiting("CodeEncounter")       # 50 ms in flight + 50 ms waiting
    with pytest.raises(Overloaded) as first:
        adm.take("CodeEncounter")
    assert first.value.retry_after_s > 0            # come back at your turn
    back = adm.take("CodeEncounter", retried=True)  # at its turn: the stream's room is not kept from it
    with pytest.raises(Overloaded) as again:
        adm.take("CodeEncounter", retried=True)     # refused after its turn: not in time, do not retry
    assert again.value.retry_after_s == -1.0
    for slot in (held, back):
        slot.release(0.05)
    stream_doc.release()


def test_a_kind_not_yet_measured_is_let_in_two_at_a_time():
    clock = Clock()
    adm = Admission(100, latency_target_s=1.0, clock=clock)
    first, second = adm.take("ScoreClaim"), adm.take("ScoreClaim")   # a fresh replica guesses 30 ms each
    assert not adm.has_room("ScoreClaim")                              # a third waits for a measurement
    for slot in (first, second):
        clock.t += 0.01
        slot.release(0.01)
    _learn(adm, clock, "ScoreClaim", cpu_s=0.01, wall_s=0.01, times=1)  # three finished: measured
    held = [adm.take("ScoreClaim") for _ in range(10)]
    assert len(held) == 10
    probes = [adm.take("CodeEncounter"), adm.take("CodeEncounter")]   # another kind is probed on its own:
    assert not adm.has_room("CodeEncounter")                            # not starved by ScoreClaim's 10
