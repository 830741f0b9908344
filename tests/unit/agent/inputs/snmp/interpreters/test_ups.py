import pytest
from itops.agent.batcher import GatherResult
from itops.agent.checks import CheckStatus
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters import ups
from itops.agent.inputs.snmp.walk import Walk, parse_oid

from tests.snmprec import load_walk

RFC1628 = "1.3.6.1.2.1.33.1"
APC = "1.3.6.1.4.1.318.1.1.1"


def poll(walk: Walk, device: DeviceContext | None = None) -> tuple[GatherResult, DeviceContext]:
    acc, device = GatherResult({}), device or DeviceContext("ups", 0.0)
    ups.interpret(walk, device, acc)
    return acc, device


def readings(acc: GatherResult) -> dict[str, float]:
    """Every sample except check series, keyed ``name`` or ``name{label=value}``; state sets only their 1."""
    found = {}
    for name, labels, value, _ in acc.samples:
        if name.startswith("itops_check_") or (labels.keys() & {"source", "status"} and value == 0.0):
            continue
        found[name + "".join(f"{{{key}={labels[key]}}}" for key in sorted(labels))] = value
    return found


def with_values(walk: Walk, values: dict[str, int | str | None]) -> Walk:
    copy = Walk(dict(walk.values))
    for oid, value in values.items():
        if value is None:
            copy.values.pop(parse_oid(oid), None)
        else:
            copy.values[parse_oid(oid)] = value
    return copy


def check_of(acc: GatherResult) -> tuple[CheckStatus, str]:
    [check] = acc.checks
    assert (check.check, check.target) == ("ups_status", "ups")
    return CheckStatus(check.status), check.message


def test_apc_smart1500_powernet_values():
    acc, device = poll(load_walk("ups/apc_smart1500"))
    assert readings(acc) == {
        "itops_ups_output_source{source=normal}": 1.0,
        "itops_ups_battery_charge_ratio": 1.0,
        "itops_ups_battery_runtime_seconds": 4560.0,
        "itops_ups_battery_voltage_volts": 27.0,
        "itops_ups_battery_temperature_celsius": 30.0,
        "itops_ups_battery_replace_needed": 0.0,
        "itops_ups_input_voltage_volts{line=1}": 247.6,
        "itops_ups_output_voltage_volts{line=1}": 247.6,
        "itops_ups_output_load_ratio{line=1}": 0.176,
    }
    assert device.missing == {"upsBasicBatteryStatus"}
    assert check_of(acc) == (CheckStatus.OK, "output on mains power, battery 100% charged, 76 minutes of runtime left")


def test_apc_smt750_powernet_values():
    acc, _ = poll(load_walk("ups/apc_smt750x-nmc2"))
    found = readings(acc)
    assert found["itops_ups_battery_runtime_seconds"] == 109762.0
    assert found["itops_ups_battery_voltage_volts"] == 54.7
    assert found["itops_ups_battery_temperature_celsius"] == 23.4
    assert found["itops_ups_input_voltage_volts{line=1}"] == 119.1
    assert found["itops_ups_output_load_ratio{line=1}"] == 0.0


def test_apc_runtime_timeticks_to_seconds():
    walk = with_values(load_walk("ups/apc_smt750x-nmc2"), {f"{APC}.2.2.3.0": 123_456})
    assert readings(poll(walk)[0])["itops_ups_battery_runtime_seconds"] == 1234.56


def test_apc_without_high_precision_objects_uses_whole_units():
    walk = with_values(load_walk("ups/apc_smart1500"), {
        f"{APC}.2.3.1.0": None, f"{APC}.2.2.1.0": 87, f"{APC}.4.3.3.0": None, f"{APC}.4.2.3.0": 41,
        f"{APC}.4.3.1.0": None, f"{APC}.4.2.1.0": 230})
    found = readings(poll(walk)[0])
    assert (found["itops_ups_battery_charge_ratio"], found["itops_ups_output_load_ratio{line=1}"]) == (0.87, 0.41)
    assert found["itops_ups_output_voltage_volts{line=1}"] == 230.0


def test_apc_replace_battery_warns():
    acc, _ = poll(with_values(load_walk("ups/apc_smart1500"), {f"{APC}.2.2.4.0": 2}))
    assert readings(acc)["itops_ups_battery_replace_needed"] == 1.0
    assert check_of(acc) == (CheckStatus.WARNING, "battery needs replacing")


def test_apc_on_battery_with_low_runtime_is_critical():
    walk = with_values(load_walk("ups/apc_smart1500"), {f"{APC}.4.1.1.0": 3, f"{APC}.2.2.3.0": 24_000})
    acc, _ = poll(walk)
    assert readings(acc)["itops_ups_output_source{source=battery}"] == 1.0
    assert check_of(acc) == (CheckStatus.CRITICAL, "running on battery, 4 minutes of runtime left")


def test_delta_rfc1628_values_and_line_voltage_in_tenths():
    acc, device = poll(load_walk("ups/deltaups_rfc1628string"))
    assert readings(acc) == {
        "itops_ups_output_source{source=normal}": 1.0,
        "itops_ups_battery_status{status=normal}": 1.0,
        "itops_ups_battery_charge_ratio": 0.29,
        "itops_ups_battery_runtime_seconds": 20280.0,
        "itops_ups_battery_voltage_volts": 55.4,
        "itops_ups_battery_temperature_celsius": 14.0,
        "itops_ups_input_voltage_volts{line=1}": 236.0,
        "itops_ups_output_voltage_volts{line=1}": 230.0,
        "itops_ups_output_load_ratio{line=1}": 0.08,
    }
    assert device.missing == {"upsAlarmsPresent"}


def test_eaton_9px_values():
    acc, _ = poll(load_walk("ups/eaton-mgeups_9px"))
    found = readings(acc)
    assert found["itops_ups_battery_runtime_seconds"] == 1440.0
    assert found["itops_ups_battery_voltage_volts"] == 52.0
    assert (found["itops_ups_input_voltage_volts{line=1}"], found["itops_ups_output_voltage_volts{line=1}"]) == (237.0, 230.0)
    assert found["itops_ups_output_load_ratio{line=1}"] == 0.35
    assert check_of(acc) == (CheckStatus.OK, "output on mains power, battery 100% charged, 24 minutes of runtime left")


def test_generex_three_phase_on_bypass_warns():
    acc, _ = poll(load_walk("ups/generex-ups_cs141"))
    found = readings(acc)
    assert found["itops_ups_output_source{source=bypass}"] == 1.0
    assert [found[f"itops_ups_output_load_ratio{{line={line}}}"] for line in "123"] == [0.02, 0.14, 0.02]
    assert [found[f"itops_ups_input_voltage_volts{{line={line}}}"] for line in "123"] == [233.0, 233.0, 235.0]
    assert (found["itops_ups_battery_voltage_volts"], found["itops_ups_battery_runtime_seconds"]) == (271.6, 32640.0)
    assert check_of(acc) == (CheckStatus.WARNING, "on bypass: the load is not protected by the battery")


def test_huawei_gauge32_values_and_unknown_runtime():
    acc, device = poll(load_walk("ups/huaweiups_ups2000"))
    found = readings(acc)
    assert found["itops_ups_battery_status{status=normal}"] == 1.0
    assert (found["itops_ups_battery_charge_ratio"], found["itops_ups_battery_voltage_volts"]) == (1.0, 270.7)
    assert found["itops_ups_output_load_ratio{line=1}"] == 0.27
    assert "itops_ups_battery_runtime_seconds" not in found
    assert "upsEstimatedMinutesRemaining" in device.missing
    assert check_of(acc) == (CheckStatus.OK, "output on mains power, battery 100% charged, runtime unknown")


def test_netman_unused_phases_are_not_readings():
    acc, _ = poll(load_walk("ups/netmanplus_204"))
    found = readings(acc)
    assert [key for key in found if "line=" in key] == [
        "itops_ups_input_voltage_volts{line=1}", "itops_ups_output_voltage_volts{line=1}", "itops_ups_output_load_ratio{line=1}"]
    assert (found["itops_ups_input_voltage_volts{line=1}"], found["itops_ups_output_voltage_volts{line=1}"]) == (242.0, 231.0)
    assert (found["itops_ups_battery_runtime_seconds"], found["itops_ups_battery_temperature_celsius"]) == (8100.0, 37.0)


def test_num_lines_limits_the_line_table():
    walk = with_values(load_walk("ups/generex-ups_cs141"), {f"{RFC1628}.4.3.0": 1})
    found = readings(poll(walk)[0])
    assert [key for key in found if key.startswith("itops_ups_output_voltage")] == ["itops_ups_output_voltage_volts{line=1}"]


def test_sentinel_65535_is_unknown():
    walk = with_values(load_walk("ups/eaton-mgeups_9px"), {f"{RFC1628}.2.7.0": 65535})
    acc, device = poll(walk)
    assert "itops_ups_battery_temperature_celsius" not in readings(acc)
    assert "upsBatteryTemperature" in device.missing


@pytest.mark.parametrize("sentinel", [4294967295, -1])
def test_other_sentinels_are_unknown(sentinel):
    acc, device = poll(with_values(load_walk("ups/eaton-mgeups_9px"), {f"{RFC1628}.2.4.0": sentinel}))
    assert "itops_ups_battery_charge_ratio" not in readings(acc)
    assert "upsEstimatedChargeRemaining" in device.missing


def test_null_value_is_unknown():
    acc, device = poll(with_values(load_walk("ups/deltaups_rfc1628string"), {f"{RFC1628}.2.5.0": None}))
    assert "itops_ups_battery_voltage_volts" not in readings(acc)
    assert "upsBatteryVoltage" in device.missing


def test_rfc1628_on_battery_with_enough_runtime_warns():
    acc, _ = poll(with_values(load_walk("ups/eaton-mgeups_9px"), {f"{RFC1628}.4.1.0": 5}))
    assert check_of(acc) == (CheckStatus.WARNING, "running on battery, 24 minutes of runtime left")


def test_rfc1628_battery_low_on_battery_is_critical():
    walk = with_values(load_walk("ups/eaton-mgeups_9px"), {f"{RFC1628}.4.1.0": 5, f"{RFC1628}.2.1.0": 3})
    assert check_of(poll(walk)[0]) == (CheckStatus.CRITICAL, "running on battery, 24 minutes of runtime left")


def test_rfc1628_battery_depleted_is_critical():
    acc, _ = poll(with_values(load_walk("ups/eaton-mgeups_9px"), {f"{RFC1628}.2.1.0": 4}))
    assert readings(acc)["itops_ups_battery_status{status=depleted}"] == 1.0
    assert check_of(acc) == (CheckStatus.CRITICAL, "battery depleted")


def test_rfc1628_battery_bad_alarm_means_replace():
    walk = with_values(load_walk("ups/eaton-mgeups_9px"),
                       {f"{RFC1628}.6.1.0": 1, f"{RFC1628}.6.2.1.2.7": "1.3.6.1.2.1.33.1.6.3.1"})
    acc, _ = poll(walk)
    assert readings(acc)["itops_ups_battery_replace_needed"] == 1.0
    assert check_of(acc) == (CheckStatus.WARNING, "battery needs replacing")


def test_rfc1628_empty_alarm_table_means_no_replace():
    acc, _ = poll(with_values(load_walk("ups/eaton-mgeups_9px"), {f"{RFC1628}.6.1.0": 0}))
    assert readings(acc)["itops_ups_battery_replace_needed"] == 0.0


def test_output_off_is_critical():
    acc, _ = poll(with_values(load_walk("ups/eaton-mgeups_9px"), {f"{RFC1628}.4.1.0": 2}))
    assert check_of(acc) == (CheckStatus.CRITICAL, "output is off: the load has no power")


def test_no_output_source_is_unknown():
    acc, device = poll(with_values(load_walk("ups/eaton-mgeups_9px"), {f"{RFC1628}.4.1.0": None}))
    assert check_of(acc) == (CheckStatus.UNKNOWN, "the UPS did not report where its output power comes from")
    assert "upsOutputSource" in device.missing
