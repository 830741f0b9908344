"""The in-flight ledger: calls and bytes per agent and in all, refused past their caps and freed when answered."""

import pytest

from itops.collector.ingest.in_flight import InFlightCaps, InFlightLedger, OverLimit


def _ledger(calls_per_agent=2, calls=3, bytes_per_agent=100, total_bytes=150) -> InFlightLedger:
    return InFlightLedger(InFlightCaps(calls_per_agent, calls, bytes_per_agent, total_bytes))


def test_an_agent_past_its_calls_is_refused_naming_the_cap():
    ledger = _ledger()
    with ledger.call("a"), ledger.call("a"):
        with pytest.raises(OverLimit) as refusal, ledger.call("a"):
            pass
        assert refusal.value.limit == "max_calls_per_agent" and "grpc.max_calls_per_agent" in str(refusal.value)
        with ledger.call("b"):
            assert ledger.total.calls == 3


def test_all_agents_past_the_total_calls_are_refused():
    ledger = _ledger()
    with ledger.call("a"), ledger.call("b"), ledger.call("c"):
        with pytest.raises(OverLimit) as refusal, ledger.call("d"):
            pass
    assert refusal.value.limit == "max_calls_in_flight"


def test_bytes_past_a_cap_are_refused_and_not_counted():
    ledger = _ledger()
    with ledger.call("a") as first, ledger.call("b") as other:
        first.add_bytes(60)
        with ledger.call("a") as second:
            with pytest.raises(OverLimit) as refusal:
                second.add_bytes(41)
            assert refusal.value.limit == "max_bytes_per_agent" and ledger.total.bytes == 60
        with pytest.raises(OverLimit) as refusal:
            other.add_bytes(91)
        assert refusal.value.limit == "max_bytes_in_flight"


def test_an_answered_call_frees_its_call_and_bytes():
    ledger = _ledger()
    with pytest.raises(RuntimeError), ledger.call("a") as call:
        call.add_bytes(100)
        raise RuntimeError("the handler failed")
    assert (ledger.total.calls, ledger.total.bytes) == (0, 0)
    with ledger.call("a") as call:
        call.add_bytes(100)
