"""The printer profile: marker supplies with their state and forecast, printer status, page counter.

See ``agent/inputs/snmp/PRINTERS.md`` for the metrics, the checks and the device quirks handled.
"""

from __future__ import annotations

from itops.agent.checks import CheckStatus, MessagePart, report_check
from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.snmp.check_messages import (
    SUPPLY_FILLED, SUPPLY_LEFT, SUPPLY_LEVEL_UNKNOWN, SUPPLY_SOME_LEFT, SUPPLY_SOME_SPACE_LEFT,
)
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters.readings import report_state_set
from itops.agent.inputs.snmp.interpreters.printer_status import (
    report_pages,
    report_printer_status,
)
from itops.agent.inputs.snmp.interpreters.printer_supplies import (
    SUPPLY_STATES,
    Supply,
    read_supplies,
)
from itops.agent.inputs.snmp.interpreters.supply_forecast import (
    forecast_exhausted_s,
    forget_stale_supplies,
)
from itops.agent.inputs.snmp.walk import Walk

__all__ = ["interpret"]

_SUPPLY_CHECK_STATUS = {
    "ok": CheckStatus.OK, "some_remaining": CheckStatus.OK, "low": CheckStatus.WARNING,
    "nearly_full": CheckStatus.WARNING, "empty": CheckStatus.CRITICAL, "full": CheckStatus.CRITICAL,
    "unknown": CheckStatus.UNKNOWN,
}


def interpret(walk: Walk, device: DeviceContext, acc: Accumulator) -> None:
    supplies = read_supplies(walk)
    if not supplies:
        device.not_reported("prtMarkerSuppliesTable")
    for supply in supplies:
        _report_supply(supply, device, acc)
    forget_stale_supplies(device.state, device.now_s)
    report_printer_status(walk, device, acc)
    report_pages(walk, device, acc)


def _report_supply(supply: Supply, device: DeviceContext, acc: Accumulator) -> None:
    labels = {"supply": supply.index, "description": supply.description, "type": supply.type}
    if supply.colour:  # no colour label rather than an empty one
        labels["colour"] = supply.colour
    if supply.level is not None:
        acc.add_sample("itops_printer_supply_level", float(supply.level), {**labels, "unit": supply.unit})
    if supply.max_capacity is not None and supply.max_capacity > 0:
        acc.add_sample("itops_printer_supply_max_capacity", float(supply.max_capacity), {**labels, "unit": supply.unit})
    report_state_set(acc, "itops_printer_supply_state", "state", SUPPLY_STATES, supply.state, labels)
    if supply.left_ratio is not None:
        _report_ratio_and_forecast(supply, device, acc, labels)
    report_check(acc, "printer_supply", device.name, _SUPPLY_CHECK_STATUS[supply.state], _supply_message(supply),
                 labels={"supply": supply.index, "description": supply.description})


def _report_ratio_and_forecast(supply: Supply, device: DeviceContext, acc: Accumulator, labels: dict[str, str]) -> None:
    if supply.receptacle:
        acc.add_sample("itops_printer_supply_fill_ratio", supply.fill_ratio, labels)
    else:
        acc.add_sample("itops_printer_supply_remaining_ratio", supply.left_ratio, labels)
    key = f"{supply.index}|{supply.type}|{supply.colour}"
    seconds = forecast_exhausted_s(device.state, key, device.now_s, supply.left_ratio)
    if seconds is not None:
        name = "itops_printer_supply_forecast_full_seconds" if supply.receptacle else "itops_printer_supply_forecast_empty_seconds"
        acc.add_sample(name, seconds, labels)


def _supply_message(supply: Supply) -> MessagePart:
    if supply.state == "some_remaining":
        return (SUPPLY_SOME_SPACE_LEFT if supply.receptacle else SUPPLY_SOME_LEFT)(description=supply.description)
    if supply.state == "unknown":
        return SUPPLY_LEVEL_UNKNOWN(description=supply.description)
    if supply.receptacle:
        return SUPPLY_FILLED(description=supply.description, state=supply.state, fill_ratio=supply.fill_ratio)
    return SUPPLY_LEFT(description=supply.description, state=supply.state, left_ratio=supply.left_ratio)
