"""AKCP SPAGENT-MIB temperature and humidity tables, one pair per product line:

- sensorProbe (``sensorProbeTempTable``/``sensorProbeHumidityTable``, ``…3854.1.2.2.1.16/17``): degreeRaw in
  tenths of the probe's unit (sensorProbeTempDegreeType 0 = °F, 1 = °C), humidity in whole %RH;
- securityProbe (``sensorTemperatureTable``/``sensorHumidityTable``, ``…3854.2.3.2/3``) and the sensorProbe+
  series (``temperatureTable``/``humidityTable``, ``…3854.3.5.2/3``), one layout: description 2, degree 4 (whole),
  unit 5 ("C"/"F", or 1/0 on some firmware), status 6, goOffline 8 (1 online), raw 20 (tenths; 0 when the
  firmware gives none).

An offline probe, and one whose status is sensorError(7) or the undefined 0 real devices send, is no reading.
"""

from __future__ import annotations

from collections.abc import Iterator

from itops.agent.inputs.snmp.interpreters.readings import label_text, to_celsius
from itops.agent.inputs.snmp.interpreters.sentinels import known
from itops.agent.inputs.snmp.walk import SnmpValue, Walk

__all__ = ["read_akcp", "akcp_unit"]

TEMPERATURE = "itops_environment_temperature_celsius"
HUMIDITY = "itops_environment_humidity_ratio"

PROBE_TEMPERATURE_ENTRY = "1.3.6.1.4.1.3854.1.2.2.1.16.1"
PROBE_HUMIDITY_ENTRY = "1.3.6.1.4.1.3854.1.2.2.1.17.1"
SERIES_ENTRIES = (  # (temperature table, humidity table): securityProbe, then sensorProbe+
    ("1.3.6.1.4.1.3854.2.3.2.1", "1.3.6.1.4.1.3854.2.3.3.1"),
    ("1.3.6.1.4.1.3854.3.5.2.1", "1.3.6.1.4.1.3854.3.5.3.1"),
)
ONLINE = 1
NO_READING_STATUSES = {0, 7}  # undefined (sent by real devices), sensorError
_UNIT_WORDS = {"c": "celsius", "f": "fahrenheit", "0": "fahrenheit", "1": "celsius"}


def akcp_unit(value: SnmpValue | None) -> str | None:
    """A probe's unit, given as AKCP's degree-type code (0 °F, 1 °C) or as text ("C", "F", "0", "1")."""
    if isinstance(value, int):
        return {0: "fahrenheit", 1: "celsius"}.get(value)
    return _UNIT_WORDS.get(label_text(value).lower())


def read_akcp(walk: Walk) -> Iterator[tuple[str, str, float]]:
    """(metric, sensor name, °C or 0-1 ratio) of every online probe of every product line."""
    yield from _sensor_probe(walk)
    for temperature_entry, humidity_entry in SERIES_ENTRIES:
        yield from _series(walk, temperature_entry, humidity_entry)


def _sensor_probe(walk: Walk) -> Iterator[tuple[str, str, float]]:
    columns = {"name": 1, "degree": 3, "status": 4, "online": 5, "degree_type": 12, "degree_raw": 14}
    for index, row in walk.table(PROBE_TEMPERATURE_ENTRY, columns).items():
        raw, degree = known("sensorProbeTempDegreeRaw", row.get("degree_raw")), known("sensorProbeTempDegree", row.get("degree"))
        unit = akcp_unit(row.get("degree_type")) or "celsius"
        if _online(row) and (raw is not None or degree is not None):
            yield TEMPERATURE, _name(row, index), to_celsius(raw / 10 if raw is not None else degree, unit)
    for index, row in walk.table(PROBE_HUMIDITY_ENTRY, {"name": 1, "percent": 3, "status": 4, "online": 5}).items():
        percent = known("sensorProbeHumidityPercent", row.get("percent"))
        if _online(row) and percent is not None:
            yield HUMIDITY, _name(row, index), percent / 100


def _series(walk: Walk, temperature_entry: str, humidity_entry: str) -> Iterator[tuple[str, str, float]]:
    columns = {"name": 2, "degree": 4, "unit": 5, "status": 6, "online": 8, "raw": 20}
    for index, row in walk.table(temperature_entry, columns).items():
        raw, degree = known("temperatureRaw", row.get("raw")), known("temperatureDegree", row.get("degree"))
        unit = akcp_unit(row.get("unit"))
        if _online(row) and unit and (raw is not None or degree is not None):
            yield TEMPERATURE, _name(row, index), to_celsius(raw / 10 if raw is not None else degree, unit)
    for index, row in walk.table(humidity_entry, {"name": 2, "percent": 4, "status": 6, "online": 8}).items():
        percent = known("humidityPercent", row.get("percent"))
        if _online(row) and percent is not None:
            yield HUMIDITY, _name(row, index), percent / 100


def _online(row: dict) -> bool:
    return row.get("online") == ONLINE and row.get("status") not in NO_READING_STATUSES


def _name(row: dict, index: tuple[int, ...]) -> str:
    return label_text(row.get("name")) or f"sensor {'.'.join(map(str, index))}"
