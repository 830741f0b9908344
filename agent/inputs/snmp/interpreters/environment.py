"""Room temperature and humidity probes: AKCP sensorProbe, securityProbe and sensorProbe+
(``environment_akcp.py``), AVTECH Room Alert 12E and 32E/W
(``environment_avtech.py``), HW group STE/STE2/Poseidon, APC/Schneider NetBotz, and APC PowerNet's probe
tables (``environment_apc.py``). Each vendor has its own
table layout and units; every reading becomes ``itops_environment_temperature_celsius{sensor}`` or
``itops_environment_humidity_ratio{sensor}``. Sensors the device reports as offline, invalid or failed are
not readings, nor are sentinels (``sentinels.py``); a probe two tables list (same metric and name) is read once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters.environment_akcp import read_akcp
from itops.agent.inputs.snmp.interpreters.environment_apc import read_apc_probes
from itops.agent.inputs.snmp.interpreters.environment_avtech import read_avtech
from itops.agent.inputs.snmp.interpreters.readings import label_text, to_celsius
from itops.agent.inputs.snmp.interpreters.sentinels import known
from itops.agent.inputs.snmp.walk import Walk

TEMPERATURE = "itops_environment_temperature_celsius"
HUMIDITY = "itops_environment_humidity_ratio"

HWG_INVALID = 0  # sensState invalid(0): no probe, or a failed one
_HWG_KINDS = {"celsius": TEMPERATURE, "fahrenheit": TEMPERATURE, "kelvin": TEMPERATURE, "percent": HUMIDITY}


@dataclass(frozen=True)
class HwgSensorTable:
    product: str
    entry: str
    columns: dict[str, int]  # name, state, tenths, unit (code) and, on Poseidon, unit_text
    value_object: str  # its name in sentinels.py
    unit_codes: dict[int, str]


HWG_SENSOR_TABLES = (  # STE2-MIB / STE-MIB UnitType counts from 1, POSEIDON-MIB's from 0
    HwgSensorTable("STE2", "1.3.6.1.4.1.21796.4.9.3.1", {"name": 2, "state": 3, "tenths": 5, "unit": 7},
                   "STE2-MIB::sensValue", {1: "celsius", 2: "fahrenheit", 3: "kelvin", 4: "percent"}),
    HwgSensorTable("STE", "1.3.6.1.4.1.21796.4.1.3.1", {"name": 2, "state": 3, "tenths": 5, "unit": 7},
                   "STE2-MIB::sensValue", {1: "celsius", 2: "fahrenheit", 3: "kelvin", 4: "percent"}),
    HwgSensorTable("Poseidon", "1.3.6.1.4.1.21796.3.3.3.1", {"name": 2, "state": 4, "tenths": 6, "unit": 9, "unit_text": 10},
                   "POSEIDON-MIB::sensValue", {0: "celsius", 1: "fahrenheit", 2: "kelvin", 3: "percent"}),
)
HWG_UNIT_WORDS = {"c": "celsius", "°c": "celsius", "f": "fahrenheit", "°f": "fahrenheit", "k": "kelvin",
                  "%": "percent", "%rh": "percent", "rh": "percent"}

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


def _akcp(walk: Walk) -> Iterator[SensorReading]:
    for metric, sensor, value in read_akcp(walk):
        yield SensorReading(metric, sensor, value)


def _avtech(walk: Walk) -> Iterator[SensorReading]:
    for metric, sensor, value in read_avtech(walk):
        yield SensorReading(metric, sensor, value)


def _hwg(walk: Walk) -> Iterator[SensorReading]:
    """STE/STE2/Poseidon sensTable: value in tenths of the row's unit, given as a code (each MIB its own
    numbering) or, on Poseidon, also as text ("C", "%RH"); state invalid(0) is a disconnected probe."""
    for table in HWG_SENSOR_TABLES:
        for index, row in walk.table(table.entry, table.columns).items():
            tenths = known(table.value_object, row.get("tenths"))
            unit = table.unit_codes.get(row.get("unit")) or HWG_UNIT_WORDS.get(label_text(row.get("unit_text")).lower())
            if row.get("state") == HWG_INVALID or tenths is None or unit is None:
                continue
            metric = _HWG_KINDS[unit]
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
