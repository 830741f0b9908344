"""AVTECH Room Alert: one block of scalars per sensor, laid out per product line (ROOMALERT12E-MIB,
ROOMALERT32E-MIB). Each block gives the temperature in °C and in °F; a temperature/humidity port adds %RH and a
heat index, whose presence tells it from a temp/analog or temp/power port (which put volts or a power state
where the humidity would be). Values are hundredths unless "2 digit SNMP" is set on the device; the °C/°F
pair tells which. A port with nothing plugged in is not in the walk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from itops.agent.inputs.snmp.interpreters.readings import label_text
from itops.agent.inputs.snmp.interpreters.sentinels import known
from itops.agent.inputs.snmp.walk import Walk, parse_oid

__all__ = ["AVTECH_MODELS", "AvtechModel", "read_avtech"]

TEMPERATURE = "itops_environment_temperature_celsius"
HUMIDITY = "itops_environment_humidity_ratio"


@dataclass(frozen=True)
class AvtechModel:
    product: str
    internal: str  # the internal sensor's temperature block
    internal_celsius: int  # its objects' numbers in that block
    internal_fahrenheit: int
    internal_label: int | None
    internal_humidity: str | None  # the internal sensor's %RH scalar, on models that have one
    ports: tuple[str, ...]  # the digital sensor blocks: 1 °C, 2 °F, 3 %RH (or volts), 5 heat index
    port_label: int | None


_RA12E, _RA32E = "1.3.6.1.4.1.20916.1.10.1", "1.3.6.1.4.1.20916.1.8.1"
AVTECH_MODELS = (
    AvtechModel("Room Alert 12E", f"{_RA12E}.1", internal_celsius=1, internal_fahrenheit=2, internal_label=3,
                internal_humidity=None, ports=tuple(f"{_RA12E}.{port}" for port in (2, 3, 4)), port_label=8),
    AvtechModel("Room Alert 32E/W", f"{_RA32E}.1.1", internal_celsius=2, internal_fahrenheit=1, internal_label=None,
                internal_humidity=f"{_RA32E}.1.2.1.0", ports=tuple(f"{_RA32E}.2.{port}" for port in range(1, 9)),
                port_label=None),
)


def read_avtech(walk: Walk) -> Iterator[tuple[str, str, float]]:
    """(metric, sensor name, value in °C or as a 0-1 ratio) of every model's sensors the device reports."""
    for model in AVTECH_MODELS:
        yield from _internal(walk, model)
        for number, port in enumerate(model.ports, 1):
            yield from _digital_port(walk, model, number, _block(walk, port))


def _internal(walk: Walk, model: AvtechModel) -> Iterator[tuple[str, str, float]]:
    block = _block(walk, model.internal)
    celsius = block.get(model.internal_celsius)
    if not isinstance(celsius, int):
        return
    divisor = _divisor(celsius, block.get(model.internal_fahrenheit))
    name = label_text(block.get(model.internal_label)) if model.internal_label else ""
    yield TEMPERATURE, name or "internal", celsius / divisor
    humidity = known("roomAlertSensorValue", walk.get(model.internal_humidity)) if model.internal_humidity else None
    if humidity is not None:
        yield HUMIDITY, name or "internal", humidity / (divisor * 100)


def _digital_port(walk: Walk, model: AvtechModel, number: int, block: dict) -> Iterator[tuple[str, str, float]]:
    celsius = block.get(1)
    if not isinstance(celsius, int):
        return
    name = (label_text(block.get(model.port_label)) if model.port_label else "") or f"digital {number}"
    divisor = _divisor(celsius, block.get(2))
    has_humidity = isinstance(block.get(3), int) and 5 in block
    if 3 not in block or has_humidity:  # a temp/power port is no thermometer of the room
        yield TEMPERATURE, name, celsius / divisor
    if has_humidity:
        yield HUMIDITY, name, block[3] / (divisor * 100)


def _block(walk: Walk, base: str) -> dict:
    """A block's objects by number: numbers through ``known``, labels as they are."""
    return {index[0]: value if isinstance(value, bytes) else known("roomAlertSensorValue", value)
            for index, value in walk.column(parse_oid(base)).items() if index[1:] == (0,) and value is not None}


def _divisor(celsius: int, fahrenheit: int | None) -> int:
    """100 when the pair is in hundredths, 1 in the device's "2 digit SNMP" mode (whole degrees)."""
    if not isinstance(fahrenheit, int):
        return 100
    hundredths_error = abs(fahrenheit / 100 - (celsius / 100 * 9 / 5 + 32))
    whole_error = abs(fahrenheit - (celsius * 9 / 5 + 32))
    return 100 if hundredths_error <= whole_error else 1
