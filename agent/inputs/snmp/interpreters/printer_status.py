"""Printer status from HOST-RESOURCES-MIB (hrDeviceStatus, hrPrinterStatus, hrPrinterDetectedErrorState)
and the page counter from Printer-MIB (prtMarkerLifeCount)."""

from __future__ import annotations

from typing import NamedTuple

from itops.agent.checks import ENGLISH_FORMATS, CheckStatus, MessagePart, report_check, worst_status
from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.snmp.check_messages import (
    PRINTER_CONDITIONS, PRINTER_DEVICE_STATE, PRINTER_DEVICE_STATE_UNREPORTED,
    PRINTER_NO_PROBLEMS, PRINTER_NO_PROBLEMS_UNREPORTED, PRINTER_UNREPORTED,
)
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters.readings import report_state_set
from itops.agent.inputs.snmp.interpreters.sentinels import known
from itops.agent.inputs.snmp.walk import Oid, SnmpValue, Walk, parse_oid

__all__ = ["CONDITIONS", "decode_error_state", "report_pages", "report_printer_status"]

HR_DEVICE_TYPE = "1.3.6.1.2.1.25.3.2.1.2"
HR_DEVICE_STATUS = "1.3.6.1.2.1.25.3.2.1.5"
HR_PRINTER_STATUS = "1.3.6.1.2.1.25.3.5.1.1"
HR_PRINTER_ERROR_STATE = "1.3.6.1.2.1.25.3.5.1.2"
HR_DEVICE_PRINTER = "1.3.6.1.2.1.25.3.1.5"
MARKER_COUNTER_UNIT = "1.3.6.1.2.1.43.10.2.1.3"
MARKER_LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4"
IMPRESSIONS_UNIT, SHEETS_UNIT = 7, 8

DEVICE_STATES = {1: "unknown", 2: "running", 3: "warning", 4: "testing", 5: "down"}
PRINTER_STATES = {1: "other", 2: "unknown", 3: "idle", 4: "printing", 5: "warmup"}


class Condition(NamedTuple):
    byte: int
    mask: int
    name: str
    words: str
    status: CheckStatus


CONDITIONS = (
    Condition(0, 0x80, "lowPaper", "low paper", CheckStatus.WARNING),
    Condition(0, 0x40, "noPaper", "no paper", CheckStatus.CRITICAL),
    Condition(0, 0x20, "lowToner", "low toner", CheckStatus.WARNING),
    Condition(0, 0x10, "noToner", "no toner", CheckStatus.CRITICAL),
    Condition(0, 0x08, "doorOpen", "door open", CheckStatus.CRITICAL),
    Condition(0, 0x04, "jammed", "paper jam", CheckStatus.CRITICAL),
    Condition(0, 0x02, "offline", "offline", CheckStatus.CRITICAL),
    Condition(0, 0x01, "serviceRequested", "service requested", CheckStatus.CRITICAL),
    Condition(1, 0x80, "inputTrayMissing", "input tray missing", CheckStatus.WARNING),
    Condition(1, 0x40, "outputTrayMissing", "output tray missing", CheckStatus.CRITICAL),
    Condition(1, 0x20, "markerSupplyMissing", "marker supply missing", CheckStatus.CRITICAL),
    Condition(1, 0x10, "outputNearFull", "output nearly full", CheckStatus.WARNING),
    Condition(1, 0x08, "outputFull", "output full", CheckStatus.CRITICAL),
    Condition(1, 0x04, "inputTrayEmpty", "input tray empty", CheckStatus.WARNING),
    Condition(1, 0x02, "overduePreventMaint", "preventive maintenance overdue", CheckStatus.WARNING),
)
_DEVICE_STATE_STATUS = {"warning": CheckStatus.WARNING, "down": CheckStatus.CRITICAL}
_CONDITION_WORDS = {condition.name: condition.words for condition in CONDITIONS}
ENGLISH_FORMATS["printer_conditions"] = lambda names: ", ".join(_CONDITION_WORDS[name] for name in str(names).split(","))


def report_printer_status(walk: Walk, device: DeviceContext, acc: Accumulator) -> None:
    index = _printer_index(walk)
    device_state = _named_state(walk, HR_DEVICE_STATUS, index, DEVICE_STATES, "hrDeviceStatus", device)
    printer_state = _named_state(walk, HR_PRINTER_STATUS, index, PRINTER_STATES, "hrPrinterStatus", device)
    conditions = _conditions(walk, index, device)
    report_state_set(acc, "itops_printer_device_status", "state", DEVICE_STATES.values(), device_state)
    report_state_set(acc, "itops_printer_status", "state", PRINTER_STATES.values(), printer_state)
    if conditions is not None:
        for condition in CONDITIONS:
            acc.add_sample("itops_printer_condition", float(condition in conditions), {"condition": condition.name})
    status, message = status_verdict(device_state, conditions)
    report_check(acc, "printer_status", device.name, status, message)


def decode_error_state(raw: bytes) -> list[Condition]:
    """hrPrinterDetectedErrorState is a bit string of one or two bytes (or empty: nothing detected)."""
    return [condition for condition in CONDITIONS if len(raw) > condition.byte and raw[condition.byte] & condition.mask]


def status_verdict(device_state: str | None, conditions: list[Condition] | None) -> tuple[CheckStatus, MessagePart]:
    if device_state is None and conditions is None:
        return CheckStatus.UNKNOWN, PRINTER_UNREPORTED()
    statuses = [_condition_status(condition, device_state) for condition in conditions or ()]
    statuses.append(_DEVICE_STATE_STATUS.get(device_state, CheckStatus.OK))
    return worst_status(statuses), _status_message(device_state, conditions)


def _status_message(device_state: str | None, conditions: list[Condition] | None) -> MessagePart:
    if conditions:
        return PRINTER_CONDITIONS(conditions=",".join(condition.name for condition in conditions))
    reported = conditions is not None
    if device_state in _DEVICE_STATE_STATUS:
        return (PRINTER_DEVICE_STATE if reported else PRINTER_DEVICE_STATE_UNREPORTED)(state=device_state)
    return PRINTER_NO_PROBLEMS() if reported else PRINTER_NO_PROBLEMS_UNREPORTED()


def _condition_status(condition: Condition, device_state: str | None) -> CheckStatus:
    # RFC 3805: serviceRequested flags an alert whose weight hrDeviceStatus gives (down = critical,
    # warning = non-critical), so a printer that only says "warning" is not critical for it.
    if condition.name == "serviceRequested" and device_state in ("running", "warning"):
        return CheckStatus.WARNING
    return condition.status




def _printer_index(walk: Walk) -> Oid | None:
    """The first hrDevicePrinter row; agents without hrDeviceType (Samsung, OKI) have only hrPrinterTable."""
    printers = [index for index, kind in walk.column(HR_DEVICE_TYPE).items() if kind == HR_DEVICE_PRINTER]
    printers += list(walk.column(HR_PRINTER_ERROR_STATE)) + list(walk.column(HR_PRINTER_STATUS))
    return printers[0] if printers else None


def _named_state(walk: Walk, column: str, index: Oid | None, names: dict[int, str], object_name: str,
                 device: DeviceContext) -> str | None:
    value = _value_at(walk, column, index)
    if not isinstance(value, int):
        device.not_reported(object_name)
        return None
    return names.get(value, "unknown")


def _conditions(walk: Walk, index: Oid | None, device: DeviceContext) -> list[Condition] | None:
    raw = _value_at(walk, HR_PRINTER_ERROR_STATE, index)
    if not isinstance(raw, bytes):
        device.not_reported("hrPrinterDetectedErrorState")
        return None
    return decode_error_state(raw)


def _value_at(walk: Walk, column: str, index: Oid | None) -> SnmpValue | None:
    return walk.get(parse_oid(column) + index) if index else None


def report_pages(walk: Walk, device: DeviceContext, acc: Accumulator) -> None:
    """prtMarkerLifeCount of each marker counting impressions or sheets, as ``itops_printer_pages_total``."""
    counts = walk.column(MARKER_LIFE_COUNT)
    if not counts:
        device.not_reported("prtMarkerLifeCount")
    units = walk.column(MARKER_COUNTER_UNIT)
    for index, raw in counts.items():
        count = known("prtMarkerLifeCount", raw)
        if count is not None and units.get(index, IMPRESSIONS_UNIT) in (IMPRESSIONS_UNIT, SHEETS_UNIT):
            acc.add_sample("itops_printer_pages_total", float(count), {"marker": str(index[-1])})
