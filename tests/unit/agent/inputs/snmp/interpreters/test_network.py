import pytest
from itops.agent.batcher import GatherResult
from itops.agent.checks import CheckStatus
from itops.agent.inputs.snmp.config import SHIPPED_PROFILES_DIR
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters import network
from itops.agent.inputs.snmp.profile import load_profiles
from itops.agent.inputs.snmp.walk import Walk, parse_oid

from tests.snmprec import RECORDINGS, load_walk

TRAFFIC = "itops_network_interface_traffic_bytes_per_second"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"


def poll(walk: Walk, device: DeviceContext) -> GatherResult:
    acc = GatherResult({})
    network.interpret(walk, device, acc)
    return acc


def samples(acc: GatherResult, metric: str, **labels: str) -> list[float]:
    return [value for name, got, value, _ in acc.samples if name == metric and labels.items() <= got.items()]


def one(acc: GatherResult, metric: str, **labels: str) -> float:
    [value] = samples(acc, metric, **labels)
    return value


def changed(walk: Walk, **values: int) -> Walk:
    """A copy of ``walk`` with OIDs (written with "_" for ".") set to new values."""
    copy = Walk(dict(walk.values))
    for oid, value in values.items():
        copy.values[parse_oid(oid.replace("_", "."))] = value
    return copy


def oid(text: str) -> str:
    return text.replace(".", "_")


def test_ruijie_ports_use_ifname_and_ifhighspeed():
    acc = poll(load_walk("switches/ruijie"), DeviceContext("ruijie", 0.0))
    assert one(acc, "itops_network_interface_oper_status", interface="Te0/5", if_index="5", status="up") == 1.0
    assert one(acc, "itops_network_interface_oper_status", interface="Te0/1", status="down") == 1.0
    assert one(acc, "itops_network_interface_speed_bytes_per_second", interface="Te0/5") == 1_250_000_000.0
    assert one(acc, "itops_network_interface_speed_bytes_per_second", interface="Fo0/65") == 5_000_000_000.0


def test_ruijie_enabled_ports_that_are_down_warn_by_name():
    [check] = poll(load_walk("switches/ruijie"), DeviceContext("ruijie", 0.0)).checks
    assert (check.check, check.target, check.status) == ("network_interfaces", "ruijie", CheckStatus.WARNING)
    assert check.message.startswith("20 of 57 enabled interfaces are down: Te0/1, Te0/2, Te0/4, Te0/7,")
    assert check.message.endswith("Fo0/65, Fo0/66, Fo0/67, Fo0/68")


def test_tplink_interface_names_and_speeds():
    acc = poll(load_walk("switches/tplink_sg2008"), DeviceContext("tplink", 0.0))
    assert one(acc, "itops_network_interface_speed_bytes_per_second", interface="port 1: Gigabit Copper") == 125_000_000.0
    # a down port: ifHighSpeed 0 is "no concept of bandwidth" and there is no ifSpeed, so no speed at all
    assert samples(acc, "itops_network_interface_speed_bytes_per_second", interface="port 5: Gigabit Copper") == []
    [check] = acc.checks
    assert check.message == "1 of 11 enabled interfaces are down: port 5: Gigabit Copper"


def test_tplink_rates_from_64bit_counters():
    walk = load_walk("switches/tplink_sg2008")
    device = DeviceContext("tplink", 1000.0)
    poll(walk, device)
    device.now_s = 1060.0
    acc = poll(changed(walk, **{oid("1.3.6.1.2.1.31.1.1.1.6.1"): 3494126654709 + 60_000_000,
                                oid("1.3.6.1.2.1.31.1.1.1.10.1"): 3259171769649 + 6_000}), device)
    assert one(acc, TRAFFIC, interface="port 1: Gigabit Copper", direction="in") == 1_000_000.0
    assert one(acc, TRAFFIC, interface="port 1: Gigabit Copper", direction="out") == 100.0
    assert one(acc, TRAFFIC, interface="port 2: Gigabit Copper", direction="in") == 0.0


def test_vrp_gigabit_ports():
    acc = poll(load_walk("switches/vrp_s5328c-ei"), DeviceContext("vrp", 0.0))
    assert one(acc, "itops_network_interface_speed_bytes_per_second", interface="GigabitEthernet0/0/1", if_index="6") == 125_000_000.0
    assert one(acc, "itops_network_interface_oper_status", interface="MEth0/0/1", status="down") == 1.0
    [check] = acc.checks
    assert check.message == "2 of 27 enabled interfaces are down: MEth0/0/1, GigabitEthernet0/0/19"


def test_switch_without_ifxtable_uses_32bit_counters():
    walk = load_walk("switches/zxr10_5950")
    assert not walk.column("1.3.6.1.2.1.31.1.1.1")
    device = DeviceContext("zte", 1000.0)
    poll(walk, device)
    device.now_s = 1010.0
    acc = poll(changed(walk, **{oid("1.3.6.1.2.1.2.2.1.10.5"): 2360822617 + 12_345,
                                oid("1.3.6.1.2.1.2.2.1.16.5"): 1003836645 + 1_000,
                                oid("1.3.6.1.2.1.2.2.1.14.5"): 3,
                                oid("1.3.6.1.2.1.2.2.1.19.5"): 20}), device)
    labels = {"interface": "gei-0/1/1/2 MGMT-ANEL", "if_index": "5"}
    assert one(acc, TRAFFIC, direction="in", **labels) == 1234.5
    assert one(acc, TRAFFIC, direction="out", **labels) == 100.0
    assert one(acc, "itops_network_interface_errors_per_second", direction="in", **labels) == 0.3
    assert one(acc, "itops_network_interface_discards_per_second", direction="out", **labels) == 2.0
    assert one(acc, "itops_network_interface_speed_bytes_per_second", **labels) == 125_000_000.0


def test_first_poll_only_baselines():
    acc = poll(load_walk("switches/zxr10_5950"), DeviceContext("zte", 1000.0))
    assert samples(acc, TRAFFIC) == []
    assert samples(acc, "itops_network_interface_errors_per_second") == []


def test_counter32_wrap_gives_positive_rate():
    walk = changed(load_walk("switches/zxr10_5950"), **{oid("1.3.6.1.2.1.2.2.1.10.5"): 2**32 - 1_000})
    device = DeviceContext("zte", 1000.0)
    poll(walk, device)
    device.now_s = 1010.0
    acc = poll(changed(walk, **{oid("1.3.6.1.2.1.2.2.1.10.5"): 9_000}), device)
    assert one(acc, TRAFFIC, if_index="5", direction="in") == 1_000.0


def test_counter32_drop_above_line_rate_is_a_reset():
    walk = changed(load_walk("switches/zxr10_5950"), **{oid("1.3.6.1.2.1.2.2.1.10.5"): 3_000_000_000})
    device = DeviceContext("zte", 1000.0)
    poll(walk, device)
    device.now_s = 1010.0
    reset = changed(walk, **{oid("1.3.6.1.2.1.2.2.1.10.5"): 500})
    assert samples(poll(reset, device), TRAFFIC, if_index="5", direction="in") == []
    device.now_s = 1020.0
    assert one(poll(changed(reset, **{oid("1.3.6.1.2.1.2.2.1.10.5"): 1_500}), device), TRAFFIC, if_index="5", direction="in") == 100.0


def test_counter64_going_down_is_a_reset():
    walk = load_walk("switches/tplink_sg2008")
    device = DeviceContext("tplink", 1000.0)
    poll(walk, device)
    device.now_s = 1060.0
    acc = poll(changed(walk, **{oid("1.3.6.1.2.1.31.1.1.1.6.1"): 5}), device)
    assert samples(acc, TRAFFIC, if_index="1", direction="in") == []
    assert one(acc, TRAFFIC, if_index="1", direction="out") == 0.0


def test_reboot_rebaselines():
    walk = changed(load_walk("switches/zxr10_5950"), **{oid(SYS_UPTIME): 5_000_000})
    device = DeviceContext("zte", 1000.0)
    poll(walk, device)
    device.now_s = 1010.0
    rebooted = changed(walk, **{oid(SYS_UPTIME): 1_000, oid("1.3.6.1.2.1.2.2.1.10.5"): 2360822617 + 50_000})
    assert samples(poll(rebooted, device), TRAFFIC) == []
    device.now_s = 1020.0
    after = changed(rebooted, **{oid(SYS_UPTIME): 2_000, oid("1.3.6.1.2.1.2.2.1.10.5"): 2360822617 + 60_000})
    assert one(poll(after, device), TRAFFIC, if_index="5", direction="in") == 1_000.0


def test_sysuptime_wrap_after_497_days_is_not_a_reboot():
    walk = changed(load_walk("switches/zxr10_5950"), **{oid(SYS_UPTIME): 2**32 - 500})
    device = DeviceContext("zte", 1000.0)
    poll(walk, device)
    device.now_s = 1010.0
    wrapped = changed(walk, **{oid(SYS_UPTIME): 500, oid("1.3.6.1.2.1.2.2.1.10.5"): 2360822617 + 10_000})
    assert one(poll(wrapped, device), TRAFFIC, if_index="5", direction="in") == 1_000.0


def test_interface_label_is_cleaned_of_control_characters():
    walk = changed(load_walk("switches/zxr10_5950"), **{oid("1.3.6.1.2.1.2.2.1.2.5"): b"gei-0/1/1/2\r\n  MGMT\x00"})
    acc = poll(walk, DeviceContext("zte", 0.0))
    assert one(acc, "itops_network_interface_speed_bytes_per_second", if_index="5") == 125_000_000.0
    assert samples(acc, "itops_network_interface_speed_bytes_per_second", interface="gei-0/1/1/2 MGMT") == [125_000_000.0]


def test_all_enabled_interfaces_up_is_ok():
    walk = load_walk("switches/tplink_sg2008")
    [check] = poll(changed(walk, **{oid("1.3.6.1.2.1.2.2.1.8.5"): 1}), DeviceContext("tplink", 0.0)).checks
    assert (check.status, check.message) == (CheckStatus.OK, "all 11 enabled interfaces are up")


def test_device_without_interfaces_is_not_reported():
    device = DeviceContext("empty", 0.0)
    acc = poll(Walk(), device)
    assert (acc.samples, acc.checks, device.missing) == ([], [], {"ifTable"})


@pytest.mark.parametrize("previous, current, expected", [(10, 25, 15), (2**32 - 10, 5, 15), (2**32 - 10, 2**31, None)])
def test_counter32_delta(previous, current, expected):
    assert network.counter_delta(previous, current, 32, 2**31) == expected


@pytest.mark.parametrize("kind, profile", [("switches", "network"), ("ups", "ups"), ("environment", "environment")])
def test_shipped_profiles_select_every_recording_of_their_kind(kind, profile):
    profiles = load_profiles([SHIPPED_PROFILES_DIR])
    for path in sorted((RECORDINGS / kind).glob("*.snmprec")):
        walk = load_walk(f"{kind}/{path.stem}")
        present = {probe for probe in profiles.probe_oids() if walk.column(probe)}
        sys_object_id, sys_descr = walk.get("1.3.6.1.2.1.1.2.0"), walk.get("1.3.6.1.2.1.1.1.0").decode(errors="replace")
        assert profile in [selected.name for selected in profiles.select(sys_object_id, sys_descr, present)], path.name


def test_if_speed_all_ones_without_ifxtable_is_no_speed():
    # the ZTE recording: ifSpeed 4294967295 ("see ifHighSpeed") on its 10G ports, and no ifXTable at all
    acc = poll(load_walk("switches/zxr10_5950"), DeviceContext("zte", 0.0))
    assert samples(acc, "itops_network_interface_speed_bytes_per_second", if_index="28") == []
    assert one(acc, "itops_network_interface_speed_bytes_per_second", if_index="5") == 125_000_000.0


def test_counter32_wrap_on_a_port_of_unknown_speed_is_bounded_by_the_counter_range_only():
    # 1 GB in one second wraps the 32-bit counter of a 10G port; bounded by the bogus 536,870,912 B/s that
    # ifSpeed 4294967295 / 8 once gave, the wrap was taken for a reset and the traffic lost
    walk = changed(load_walk("switches/zxr10_5950"), **{oid("1.3.6.1.2.1.2.2.1.10.28"): 2**32 - 400_000_000})
    device = DeviceContext("zte", 1000.0)
    poll(walk, device)
    device.now_s = 1001.0
    acc = poll(changed(walk, **{oid("1.3.6.1.2.1.2.2.1.10.28"): 600_000_000}), device)
    assert one(acc, TRAFFIC, if_index="28", direction="in") == 1_000_000_000.0


def test_plausible_wrap_of_an_unknown_speed_is_half_the_counter_range():
    interface = network.Interface(28, {"speed": 4294967295})
    assert interface.speed_bytes_per_s is None
    assert network._plausible_delta_max(interface, network.RATES[0], 1.0) == 2**31
