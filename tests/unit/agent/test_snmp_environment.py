import pytest
from itops.agent.batcher import GatherResult
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters import environment
from itops.agent.inputs.snmp.walk import Walk, parse_oid

from tests.snmprec import load_walk

TEMPERATURE = "itops_environment_temperature_celsius"
HUMIDITY = "itops_environment_humidity_ratio"
AKCP_TEMPERATURE = "1.3.6.1.4.1.3854.1.2.2.1.16.1"
AVTECH = "1.3.6.1.4.1.20916.1.10.1"
HWG = "1.3.6.1.4.1.21796.4.9.3.1"


def sensors(walk: Walk, device: DeviceContext | None = None) -> dict[tuple[str, str], float]:
    acc = GatherResult({})
    environment.interpret(walk, device or DeviceContext("room", 0.0), acc)
    return {(name, labels["sensor"]): value for name, labels, value, _ in acc.samples}


def with_values(walk: Walk, values: dict[str, int | bytes]) -> Walk:
    copy = Walk(dict(walk.values))
    copy.values.update({parse_oid(oid): value for oid, value in values.items()})
    return copy


def test_akcp_sensorprobe8_online_probes_in_tenths():
    assert sensors(load_walk("environment/akcp_serverprobe8")) == {
        (TEMPERATURE, "Temp.Sensor Carrier"): 19.9,
        (TEMPERATURE, "Temp.Sensor 2"): 20.0,
        (TEMPERATURE, "Temp.Sensor 1"): 22.1,
        (HUMIDITY, "Custom Descr 1"): 0.42,
        (HUMIDITY, "Custom Descr 2"): 0.41,
        (HUMIDITY, "Custom Descr 3"): 0.39,
    }


def test_akcp_fahrenheit_probe_is_converted():
    walk = with_values(load_walk("environment/akcp_serverprobe8"), {f"{AKCP_TEMPERATURE}.12.7": 0, f"{AKCP_TEMPERATURE}.14.7": 770})
    assert sensors(walk)[(TEMPERATURE, "Temp.Sensor 1")] == pytest.approx(25.0)


def test_akcp_sensor_error_is_not_a_reading():
    walk = with_values(load_walk("environment/akcp_serverprobe8"), {f"{AKCP_TEMPERATURE}.4.7": 7})
    assert (TEMPERATURE, "Temp.Sensor 1") not in sensors(walk)


def test_netbotz750_temperature_and_humidity():
    assert sensors(load_walk("environment/apc-netbotz_netbotz750")) == {
        (TEMPERATURE, "Appliance"): 20.0,
        (TEMPERATURE, "AP9520TH"): 20.1,
        (HUMIDITY, "Appliance"): 0.24,
        (HUMIDITY, "AP9520TH"): 0.36,
    }


def test_netbotz_failed_sensor_is_not_a_reading():
    walk = with_values(load_walk("environment/apc-netbotz_netbotz750"), {"1.3.6.1.4.1.52674.500.4.1.1.1.3.623": 5})
    assert (TEMPERATURE, "AP9520TH") not in sensors(walk)


def test_avtech_roomalert12e_hundredths():
    assert sensors(load_walk("environment/avtech_roomalert12e")) == {
        (TEMPERATURE, "Internal Sensor"): 25.34,
        (TEMPERATURE, "Ext Sensor 1"): 27.62,
        (HUMIDITY, "Ext Sensor 1"): 0.276,
    }


def test_avtech_two_digit_mode_is_whole_units():
    walk = with_values(load_walk("environment/avtech_roomalert12e"), {
        f"{AVTECH}.1.1.0": 25, f"{AVTECH}.1.2.0": 77, f"{AVTECH}.2.1.0": 28, f"{AVTECH}.2.2.0": 82, f"{AVTECH}.2.3.0": 28})
    assert sensors(walk) == {(TEMPERATURE, "Internal Sensor"): 25.0, (TEMPERATURE, "Ext Sensor 1"): 28.0,
                             (HUMIDITY, "Ext Sensor 1"): 0.28}


def test_avtech_power_sensor_is_not_temperature():
    walk = Walk({parse_oid(f"{AVTECH}.2.{column}.0"): value for column, value in ((1, 5), (2, 1150), (3, 230), (4, 229))})
    assert sensors(walk) == {}


def test_hwg_ste2_tenths_and_flood_input_skipped():
    assert sensors(load_walk("environment/hwg-ste2")) == {(TEMPERATURE, "Datorrum 2"): 20.3}


def test_hwg_disconnected_probe_is_not_a_reading():
    walk = with_values(load_walk("environment/hwg-ste2"), {f"{HWG}.3.2": 0})
    device = DeviceContext("room", 0.0)
    assert sensors(walk, device) == {}
    assert device.missing == {"temperature and humidity sensors"}


def test_hwg_fahrenheit_and_humidity_units():
    walk = with_values(load_walk("environment/hwg-ste2"), {f"{HWG}.7.2": 2, f"{HWG}.5.2": 770,
                                                           f"{HWG}.7.1": 4, f"{HWG}.5.1": 455})
    found = sensors(walk)
    assert found[(TEMPERATURE, "Datorrum 2")] == pytest.approx(25.0)
    assert found[(HUMIDITY, "Flood")] == 0.455
