import pytest
from itops.agent.batcher import GatherResult
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters import environment
from itops.agent.inputs.snmp.interpreters.environment_akcp import akcp_unit
from itops.agent.inputs.snmp.interpreters.environment_apc import temperature_unit
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


@pytest.mark.parametrize("recording, expected", [
    ("ups/apc_smt750x-nmc2", {(TEMPERATURE, "Equipment Room"): 20.0}),  # humidity -1: a temperature-only probe
    ("ups/apc_smart1500", {(TEMPERATURE, "Temp. Rack"): 30.0, (TEMPERATURE, "Temp. Room"): 21.0}),
    ("constructed/apc-ups-card-iem-uio", {(TEMPERATURE, "Server Room"): 25.0, (HUMIDITY, "Server Room"): 0.45,
                                          (TEMPERATURE, "Cabinet B"): 23.0, (HUMIDITY, "Cabinet B"): 0.51}),
    ("constructed/apc-emu-ems", {(TEMPERATURE, "Rack 4 top"): pytest.approx(27.7778, abs=1e-4), (HUMIDITY, "Rack 4 top"): 0.38,
                                 (TEMPERATURE, "Rack 4 bottom"): 20.0}),
    ("constructed/apc-netbotz200-mem", {(TEMPERATURE, "Cold aisle"): 21.0, (HUMIDITY, "Cold aisle"): 0.44,
                                        (TEMPERATURE, "Hot aisle"): 34.0}),
    ("constructed/apc-rpdu2-probe", {(TEMPERATURE, "Rack 12 inlet"): pytest.approx(24.2), (HUMIDITY, "Rack 12 inlet"): 0.41,
                                     (TEMPERATURE, "Rack 12 outlet"): 35.0}),
], ids=["uio_ap9631_real", "uio_two_ports_real", "iem_and_uio", "ems_fahrenheit", "mem_netbotz200", "rpdu2_tenths"])
def test_apc_probe_tables_of_every_product_line(recording, expected):
    assert sensors(load_walk(recording)) == expected


def test_apc_unit_scalar_not_answered_means_no_temperature():
    walk = load_walk("constructed/apc-emu-ems")
    del walk.values[parse_oid("1.3.6.1.4.1.318.1.1.10.3.12.11.0")]
    assert sensors(walk) == {(HUMIDITY, "Rack 4 top"): 0.38}  # 82 could be °F or °C: no reading rather than a wrong one


@pytest.mark.parametrize("raw, unit", [(1, "celsius"), (2, "fahrenheit"), (3, None), (b"celsius", "celsius"),
                                       (b"Fahrenheit", "fahrenheit"), (b"C", "celsius"), ("°F".encode(), "fahrenheit"),
                                       (b"kelvin", None), (None, None)])
def test_apc_temperature_unit_as_code_or_word(raw, unit):
    assert temperature_unit(raw) == unit


def test_apc_probe_listed_in_iem_and_uio_is_read_once():
    acc = GatherResult({})
    environment.interpret(load_walk("constructed/apc-ups-card-iem-uio"), DeviceContext("ups", 0.0), acc)
    names = [(name, labels["sensor"]) for name, labels, _v, _ts in acc.samples]
    assert names.count((TEMPERATURE, "Server Room")) == 1


def test_avtech_roomalert32e_internal_and_digital_ports():
    assert sensors(load_walk("constructed/avtech-roomalert32e")) == {
        (TEMPERATURE, "internal"): 24.01, (HUMIDITY, "internal"): 0.413,
        (TEMPERATURE, "digital 1"): 26.5, (HUMIDITY, "digital 1"): 0.382,
        (TEMPERATURE, "digital 2"): 18.75,  # a temperature-only port; digital 3 is a temp/power port
    }


def test_hwg_poseidon_units_counted_from_zero():
    assert sensors(load_walk("constructed/hwg-poseidon2250")) == {
        (TEMPERATURE, "Rack 7 temp"): pytest.approx(23.4), (HUMIDITY, "Rack 7 hum"): 0.475,
        (TEMPERATURE, "Door side"): pytest.approx(30.0),  # 86.0 °F; "Spare" is invalid(0)
    }


def test_hwg_poseidon_unit_as_text_when_the_code_is_missing():
    walk = load_walk("constructed/hwg-poseidon2250")
    for index in (1, 2, 3):
        del walk.values[parse_oid(f"1.3.6.1.4.1.21796.3.3.3.1.9.{index}")]
    assert sensors(walk) == sensors(load_walk("constructed/hwg-poseidon2250"))


def test_akcp_sensorprobe_plus_units_as_text_and_raw_tenths():
    assert sensors(load_walk("constructed/akcp-sensorprobe2plus")) == {
        (TEMPERATURE, "Temperature Port 1"): pytest.approx(23.4),
        (TEMPERATURE, "Temperature Port 2"): pytest.approx(25.0),  # 77 °F, raw 0: not given
        (HUMIDITY, "Humidity Port 3"): 0.44,
    }


def test_akcp_security_probe_units_as_code_and_sensor_error_skipped():
    assert sensors(load_walk("constructed/akcp-securityprobe")) == {
        (TEMPERATURE, "Cabinet 4"): pytest.approx(21.5), (HUMIDITY, "Cabinet 4 RH"): 0.52}


@pytest.mark.parametrize("raw, unit", [(0, "fahrenheit"), (1, "celsius"), (b"C", "celsius"), (b"F", "fahrenheit"),
                                       (b"0", "fahrenheit"), (b"1", "celsius"), (b"K", None), (None, None)])
def test_akcp_unit_as_code_or_text(raw, unit):
    assert akcp_unit(raw) == unit
