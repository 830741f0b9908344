"""Room temperature and humidity probes: AKCP sensorProbe, AVTECH Room Alert 12E, HW group STE/STE2,
APC/Schneider NetBotz, and APC PowerNet's probe tables (``environment_apc.py``). Each vendor has its own
table layout and units; every reading becomes ``itops_environment_temperature_celsius{sensor}`` or
``itops_environment_humidity_ratio{sensor}``. Sensors the device reports as offline, invalid or failed are
not readings, nor are sentinels (``sentinels.py``); a probe two tables list (same metric and name) is read once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters.environment_apc import read_apc_probes
from itops.agent.inputs.snmp.interpreters.readings import label_text
from itops.agent.inputs.snmp.interpreters.sentinels import known
from itops.agent.inputs.snmp.walk import Walk

TEMPERATURE = "itops_environment_temperature_celsius"
HUMIDITY = "itops_environment_humidity_ratio"

AKCP_TEMPERATURE_ENTRY = "1.3.6.1.4.1.3854.1.2.2.1.16.1"
AKCP_HUMIDITY_ENTRY = "1.3.6.1.4.1.3854.1.2.2.1.17.1"
AKCP_ONLINE = 1
AKCP_SENSOR_ERROR = 7
AKCP_FAHRENHEIT = 0

AVTECH_12E = "1.3.6.1.4.1.20916.1.10.1"
AVTECH_DIGITAL_SENSORS = (2, 3, 4)

HWG_SENSOR_ENTRIES = ("1.3.6.1.4.1.21796.4.9.3.1", "1.3.6.1.4.1.21796.4.1.3.1")  # STE2, STE
HWG_INVALID = 0
HWG_UNITS = {1: (TEMPERATURE, "celsius"), 2: (TEMPERATURE, "fahrenheit"), 3: (TEMPERATURE, "kelvin"), 4: (HUMIDITY, "percent")}

NETBOTZ_ENTRIES = (  # (temperature table, humidity table): Schneider NetBotz 750, then NETBOTZV2-MIB
    ("1.3.6.1.4.1.52674.500.4.1.1.1", "1.3.6.1.4.1.52674.500.4.1.2.1"),
    ("1.3.6.1.4.1.5528.100.4.1.1.1", "1.3.6.1.4.1.5528.100.4.1.2.1"),
)
NETBOTZ_FAILURE = 5


@dataclass(frozen=True)
class SensorReading:
    metric: str
    sensor: str
    value: float


def interpret(walk: Walk, device: DeviceContext, acc: Accumulator) -> None:
    readings: dict[tuple[str, str], SensorReading] = {}
    for read in VENDOR_READERS:
        for reading in read(walk):
            readings.setdefault((reading.metric, reading.sensor), reading)
    if not readings:
        device.not_reported("temperature and humidity sensors")
    for reading in readings.values():
        acc.add_sample(reading.metric, reading.value, {"sensor": reading.sensor})


def to_celsius(value: float, unit: str) -> float:
    return {"celsius": value, "fahrenheit": (value - 32) * 5 / 9, "kelvin": value - 273.15}[unit]


def _akcp(walk: Walk) -> Iterator[SensorReading]:
    """sensorProbe: degreeRaw is tenths in the probe's unit (degreeType), percent is whole %RH."""
    columns = {"name": 1, "degree": 3, "status": 4, "online": 5, "degree_type": 12, "degree_raw": 14}
    for index, row in walk.table(AKCP_TEMPERATURE_ENTRY, columns).items():
        raw, degree = known("sensorProbeTempDegreeRaw", row.get("degree_raw")), known("sensorProbeTempDegree", row.get("degree"))
        if _akcp_online(row) and (raw is not None or degree is not None):
            value = raw / 10 if raw is not None else degree
            unit = "fahrenheit" if row.get("degree_type") == AKCP_FAHRENHEIT else "celsius"
            yield SensorReading(TEMPERATURE, _sensor_name(row, index), to_celsius(value, unit))
    for index, row in walk.table(AKCP_HUMIDITY_ENTRY, {"name": 1, "percent": 3, "status": 4, "online": 5}).items():
        percent = known("sensorProbeHumidityPercent", row.get("percent"))
        if _akcp_online(row) and percent is not None:
            yield SensorReading(HUMIDITY, _sensor_name(row, index), percent / 100)


def _akcp_online(row: dict) -> bool:
    return row.get("online") == AKCP_ONLINE and row.get("status") != AKCP_SENSOR_ERROR


def _avtech(walk: Walk) -> Iterator[SensorReading]:
    """Room Alert 12E: the internal sensor and three digital ports, each 1 = °C, 2 = °F; a temperature/
    humidity port adds 3 = %RH and 5 = heat index (whose presence tells it from a power sensor, which
    puts volts in 3). Values are hundredths unless "2 digit SNMP" is set on the device; the °C/°F pair
    tells which."""
    internal = _avtech_block(walk, f"{AVTECH_12E}.1")
    if 1 in internal:
        yield SensorReading(TEMPERATURE, label_text(internal.get(3)) or "internal", internal[1] / _avtech_divisor(internal))
    for port in AVTECH_DIGITAL_SENSORS:
        block = _avtech_block(walk, f"{AVTECH_12E}.{port}")
        if 1 not in block:
            continue
        name, divisor = label_text(block.get(8)) or f"digital {port - 1}", _avtech_divisor(block)
        if 3 not in block or 5 in block:
            yield SensorReading(TEMPERATURE, name, block[1] / divisor)
        if 3 in block and 5 in block:
            yield SensorReading(HUMIDITY, name, block[3] / (divisor * 100))


def _avtech_block(walk: Walk, base: str) -> dict:
    """The block's objects by number: numbers through ``known``, the label (8) as it is."""
    return {index[0]: value if isinstance(value, bytes) else known("roomAlert12eSensorValue", value)
            for index, value in walk.column(base).items() if index[1:] == (0,) and value is not None}


def _avtech_divisor(block: dict) -> int:
    celsius, fahrenheit = block[1], block.get(2)
    if fahrenheit is None:
        return 100
    hundredths_error = abs(fahrenheit / 100 - (celsius / 100 * 9 / 5 + 32))
    whole_error = abs(fahrenheit - (celsius * 9 / 5 + 32))
    return 100 if hundredths_error <= whole_error else 1


def _hwg(walk: Walk) -> Iterator[SensorReading]:
    """STE/STE2 sensTable: value in tenths of the row's unit; state invalid(0) is a disconnected probe."""
    columns = {"name": 2, "state": 3, "tenths": 5, "unit": 7}
    for entry in HWG_SENSOR_ENTRIES:
        for index, row in walk.table(entry, columns).items():
            tenths, kind = known("sensValue", row.get("tenths")), HWG_UNITS.get(row.get("unit"))
            if row.get("state") == HWG_INVALID or tenths is None or kind is None:
                continue
            metric, unit = kind
            value = tenths / 1000 if metric == HUMIDITY else to_celsius(tenths / 10, unit)
            yield SensorReading(metric, _sensor_name(row, index), value)


def _netbotz(walk: Walk) -> Iterator[SensorReading]:
    """Temperature and humidity tables: the value as text ("20.1", full precision) or whole number, °C/%RH."""
    columns = {"error_status": 3, "name": 4, "text": 7, "whole": 8}
    for temperature_entry, humidity_entry in NETBOTZ_ENTRIES:
        for metric, entry, divisor, whole in ((TEMPERATURE, temperature_entry, 1, "tempSensorValueInt"),
                                              (HUMIDITY, humidity_entry, 100, "humiSensorValueInt")):
            for index, row in walk.table(entry, columns).items():
                value = _netbotz_value(row, whole)
                if row.get("error_status") != NETBOTZ_FAILURE and value is not None:
                    yield SensorReading(metric, _sensor_name(row, index), value / divisor)


def _netbotz_value(row: dict, whole: str) -> float | None:
    try:
        return float(label_text(row.get("text")))
    except ValueError:
        return known(whole, row.get("whole"))


def _sensor_name(row: dict, index: tuple[int, ...]) -> str:
    return label_text(row.get("name")) or f"sensor {'.'.join(map(str, index))}"


def _apc(walk: Walk) -> Iterator[SensorReading]:
    for metric, sensor, value, unit in read_apc_probes(walk):
        yield SensorReading(metric, sensor, to_celsius(value, unit) if metric == TEMPERATURE else value)


VENDOR_READERS: tuple[Callable[[Walk], Iterator[SensorReading]], ...] = (_akcp, _avtech, _hwg, _netbotz, _apc)
