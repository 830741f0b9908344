"""IdentityRegister: the host and devices a credential speaks for, first claims and pinned ones."""

from __future__ import annotations

import numpy as np
import pytest

from itops.collector.ingest.agent_credentials import AgentCredential
from itops.collector.ingest.identity import IdentityRefused, IdentityRegister
from itops.series_key import parse_series_key
from itops.collector.records.agent_register import AgentRegister
from itops.collector.ingest.validation import ValidBatch
from itops.v1 import ingest_pb2

HASH = "0" * 64


def credential(agent_id: str, **fields) -> AgentCredential:
    return AgentCredential(id=agent_id, token_sha256=HASH, **fields)


def batch(*keys: str, checks: list[ingest_pb2.CheckResult] = ()) -> ValidBatch:
    count = len(keys)
    return ValidBatch(1, list(keys), np.arange(count, dtype=np.uint32), np.zeros(count, np.int64), np.ones(count),
                      list(checks), None)


@pytest.fixture
def state(tmp_path):
    store = AgentRegister(str(tmp_path))
    yield store
    store.close()


def test_first_hello_binds_the_host_and_a_later_one_may_not_change_it(state):
    register = IdentityRegister([credential("a")], state)
    assert register.check_hello("a", "host-a").hostname == "host-a"
    assert not register.check_hello("a", "host-a")
    with pytest.raises(IdentityRefused, match="hostname is 'host-b', but agent 'a' speaks for host 'host-a'"):
        register.check_hello("a", "host-b")


def test_a_host_of_one_agent_cannot_be_claimed_by_another(state):
    register = IdentityRegister([credential("a"), credential("b")], state)
    register.check_hello("a", "host-a")
    with pytest.raises(IdentityRefused, match="'host-a', the host of agent 'a'"):
        register.check_hello("b", "host-a")


def test_pinned_hostname_wins_over_the_first_hello(state):
    register = IdentityRegister([credential("a", hostname="pc-7")], state)
    with pytest.raises(IdentityRefused, match="speaks for host 'pc-7'"):
        register.check_hello("a", "anything-else")


def test_bindings_survive_a_restart(state):
    first = IdentityRegister([credential("a")], state)
    claims = first.check_hello("a", "host-a")
    state.record_claims("a", claims.hostname, ["printer-1"], 1)
    second = IdentityRegister([credential("a"), credential("b")], state)
    assert second.host_of("a") == "host-a"
    with pytest.raises(IdentityRefused, match="which agent 'a' polls"):
        second.check_batch("b", batch('itops_snmp_up{device="printer-1"}'), parse_series_key)


def test_forged_host_label_is_refused_naming_series_and_label(state):
    register = IdentityRegister([credential("a")], state)
    register.check_hello("a", "host-a")
    with pytest.raises(IdentityRefused, match=r"samples.series\[1\] 'itops_x\{host=\"host-b\"\}': label host is 'host-b'"):
        register.check_batch("a", batch('itops_x{host="host-a"}', 'itops_x{host="host-b"}'), parse_series_key)


def test_forged_agent_id_label_is_refused(state):
    register = IdentityRegister([credential("a")], state)
    with pytest.raises(IdentityRefused, match="label agent_id is 'b', but this credential is agent 'a'"):
        register.check_batch("a", batch('itops_x{agent_id="b"}'), parse_series_key)


def test_a_refused_batch_claims_nothing(state):
    register = IdentityRegister([credential("a"), credential("b")], state)
    register.check_hello("b", "host-b")
    with pytest.raises(IdentityRefused):
        register.check_batch("a", batch('itops_up{device="ups-1"}', 'itops_x{host="host-b"}'), parse_series_key)
    assert register.check_batch("b", batch('itops_up{device="ups-1"}'), parse_series_key).devices == {"ups-1": None}


def test_device_and_clock_go_to_the_first_agent_reporting_them(state):
    register = IdentityRegister([credential("a"), credential("b")], state)
    claims = register.check_batch("a", batch('itops_up{device="ups-1"}', 'itops_clock_up{clock="gate"}'), parse_series_key)
    assert list(claims.devices) == ["ups-1", "gate"]
    check = ingest_pb2.CheckResult(check="attendance_clock", target="gate", labels=[ingest_pb2.Label(name="clock", value="gate")])
    with pytest.raises(IdentityRefused, match=r"checks\[0\].labels \(target 'gate'\): label clock is 'gate', which agent 'a' polls"):
        register.check_batch("b", batch(checks=[check]), parse_series_key)


def test_admin_moves_a_device_by_listing_it_on_the_credential(state):
    state.record_claims("a", None, ["printer-1"], 1)
    register = IdentityRegister([credential("a"), credential("b", devices=["printer-1"])], state)
    assert not register.check_batch("b", batch('itops_snmp_up{device="printer-1"}'), parse_series_key)
    with pytest.raises(IdentityRefused, match="which agent 'b' polls"):
        register.check_batch("a", batch('itops_snmp_up{device="printer-1"}'), parse_series_key)


def test_a_key_is_checked_once_per_agent(state):
    register = IdentityRegister([credential("a")], state)
    parsed = []
    labels_of = lambda key: parsed.append(key) or parse_series_key(key)  # noqa: E731
    register.check_batch("a", batch('itops_x{host="h"}'), labels_of)
    register.check_batch("a", batch('itops_x{host="h"}'), labels_of)
    assert parsed == ['itops_x{host="h"}']
