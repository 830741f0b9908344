"""APC PowerNet-MIB temperature and humidity probes, one table per product line:

- ``iemStatusProbesTable``: the integrated environmental monitor of UPS network cards (AP9619, AP9631 with an
  AP9335T/TH probe on its first port), temperature in the row's unit;
- ``uioSensorStatusTable``: the universal I/O ports of AP9631/AP9641 cards (both ports), whole °C;
- ``emsProbeStatusTable``: the Environmental Monitoring Unit (AP9320, AP9340), in the unit of
  ``emsStatusSysTempUnits``;
- ``memSensorsStatusTable``: the modular environmental manager (NetBotz 200, AP9340 sensors), in the unit of
  ``memSensorsStatusSysTempUnits``;
- ``rPDU2SensorTempHumidityStatusTable``: the probe of a rack PDU (AP8xxx with AP9335T/TH), tenths of °C.

A row whose probe is not connected (or whose communication is lost) is no reading, nor is a sentinel
(``sentinels.py``). A card that lists one probe in two tables (iem and uio) is read once (``environment.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from itops.agent.inputs.snmp.interpreters.readings import label_text
from itops.agent.inputs.snmp.interpreters.sentinels import known
from itops.agent.inputs.snmp.walk import SnmpValue, Walk

__all__ = ["APC_PROBE_TABLES", "ApcProbeTable", "read_apc_probes", "temperature_unit"]

POWERNET = "1.3.6.1.4.1.318.1.1"
TEMPERATURE = "itops_environment_temperature_celsius"
HUMIDITY = "itops_environment_humidity_ratio"

# PowerNet's temperature-unit enumerations (iemStatusProbeTempUnits, emsStatusSysTempUnits,
# memSensorsStatusSysTempUnits): celsius(1), fahrenheit(2). Some agents answer the name instead.
_UNIT_CODES = {1: "celsius", 2: "fahrenheit"}
_UNIT_WORDS = {"c": "celsius", "°c": "celsius", "celsius": "celsius", "f": "fahrenheit", "°f": "fahrenheit",
               "fahrenheit": "fahrenheit"}


@dataclass(frozen=True)
class ApcProbeTable:
    product: str
    entry: str
    name_column: int
    connected_column: int
    connected: int  # the value of that column when the probe answers
    temperature: tuple[str, int]  # (MIB object, column)
    humidity: tuple[str, int]
    tenths: bool = False  # temperature in tenths of a degree
    unit_column: int | None = None  # the row says its unit
    unit_scalar: str | None = None  # the device says one unit for all rows
    humidity_present_column: int | None = None  # a column whose value `humidity_absent` means no humidity probe
    humidity_absent: int | None = None


APC_PROBE_TABLES = (
    ApcProbeTable("integrated environmental monitor (iemStatusProbesTable)", f"{POWERNET}.10.2.3.2.1", name_column=2,
                  connected_column=3, connected=2, temperature=("iemStatusProbeCurrentTemp", 4),
                  humidity=("iemStatusProbeCurrentHumid", 6), unit_column=5),
    ApcProbeTable("universal I/O ports (uioSensorStatusTable)", f"{POWERNET}.25.1.2.1", name_column=3,
                  connected_column=10, connected=2, temperature=("uioSensorStatusTemperatureDegC", 6),
                  humidity=("uioSensorStatusHumidity", 7)),
    ApcProbeTable("Environmental Monitoring Unit (emsProbeStatusTable)", f"{POWERNET}.10.3.13.1.1", name_column=2,
                  connected_column=10, connected=2, temperature=("emsProbeStatusProbeTemperature", 3),
                  humidity=("emsProbeStatusProbeHumidity", 6), unit_scalar=f"{POWERNET}.10.3.12.11.0"),
    ApcProbeTable("modular environmental manager (memSensorsStatusTable)", f"{POWERNET}.10.4.2.3.1", name_column=3,
                  connected_column=7, connected=2, temperature=("memSensorsTemperature", 5),
                  humidity=("memSensorsHumidity", 6), unit_scalar=f"{POWERNET}.10.4.2.1.0"),
    ApcProbeTable("rack PDU probe (rPDU2SensorTempHumidityStatusTable)", f"{POWERNET}.26.10.2.2.1", name_column=3,
                  connected_column=6, connected=2, temperature=("rPDU2SensorTempHumidityStatusTempC", 8),
                  humidity=("rPDU2SensorTempHumidityStatusRelativeHumidity", 10), tenths=True,
                  humidity_present_column=11, humidity_absent=1),
)


def temperature_unit(value: SnmpValue | None) -> str | None:
    """"celsius" or "fahrenheit" from a unit given as PowerNet's code or as a word; None when not one."""
    if isinstance(value, int):
        return _UNIT_CODES.get(value)
    return _UNIT_WORDS.get(label_text(value).lower()) if value is not None else None


def read_apc_probes(walk: Walk) -> Iterator[tuple[str, str, float, str]]:
    """(metric, sensor name, value, unit) of every connected probe of every product line. A temperature whose
    unit the device does not say (no unit scalar answered) is no reading: °F taken for °C would alarm."""
    for table in APC_PROBE_TABLES:
        columns = {"name": table.name_column, "connected": table.connected_column,
                   "temperature": table.temperature[1], "humidity": table.humidity[1]}
        columns.update({"unit": table.unit_column} if table.unit_column else {})
        columns.update({"humidity_present": table.humidity_present_column} if table.humidity_present_column else {})
        scalar_unit = temperature_unit(walk.get(table.unit_scalar)) if table.unit_scalar else None
        for index, row in walk.table(table.entry, columns).items():
            if row.get("connected") == table.connected:
                yield from _row_readings(table, index, row, scalar_unit)


def _row_readings(table: ApcProbeTable, index: tuple[int, ...], row: dict, scalar_unit: str | None) -> Iterator[tuple[str, str, float, str]]:
    name = label_text(row.get("name")) or f"probe {'.'.join(map(str, index))}"
    degrees = known(table.temperature[0], row.get("temperature"))
    unit = temperature_unit(row.get("unit")) if table.unit_column else scalar_unit if table.unit_scalar else "celsius"
    if degrees is not None and unit is not None:
        yield TEMPERATURE, name, degrees / 10 if table.tenths else float(degrees), unit
    percent = known(table.humidity[0], row.get("humidity"))
    has_humidity = table.humidity_present_column is None or row.get("humidity_present") != table.humidity_absent
    if percent is not None and has_humidity:
        yield HUMIDITY, name, percent / 100, "percent"
