"""What the SNMP checks say (``snmp_poll``, ``ups_status``, ``printer_status``, ``printer_supply``,
``network_interfaces``), as catalogue keys with their English text; the collector renders them in the
reader's language. Words that depend on a device's state are named formats (``{source:ups_source}``), so the
collector's catalogue can say them in every language too (``printer_conditions`` is registered beside the
conditions, in ``printer_status``)."""

from __future__ import annotations

from itops.agent.checks import ENGLISH_FORMATS, CheckMessage

__all__ = [
    "INTERFACES_DOWN", "INTERFACES_UP", "POLL_ANSWERED", "POLL_ANSWERED_GENERIC", "POLL_ERROR", "POLL_NOT_MONITORED", "POLL_NO_ANSWER", "POLL_PROFILE_FAILED",
    "PRINTER_CONDITIONS", "PRINTER_DEVICE_STATE", "PRINTER_DEVICE_STATE_UNREPORTED", "PRINTER_NO_PROBLEMS",
    "PRINTER_NO_PROBLEMS_UNREPORTED", "PRINTER_UNREPORTED", "SUPPLY_FILLED", "SUPPLY_LEFT", "SUPPLY_LEVEL_UNKNOWN",
    "SUPPLY_SOME_LEFT", "SUPPLY_SOME_SPACE_LEFT", "UPS_BATTERY_DEPLETED", "UPS_BATTERY_FAULT", "UPS_BYPASS",
    "UPS_OK", "UPS_ON_BATTERY", "UPS_OUTPUT_OFF", "UPS_REPLACE_BATTERY", "UPS_SOURCE_UNKNOWN",
]

_UPS_SOURCE_WORDS = {"normal": "on mains power", "booster": "on mains power, boosting low voltage",
                     "reducer": "on mains power, trimming high voltage"}


def _runtime(runtime_s: object) -> str:
    return "runtime unknown" if runtime_s in (None, "") else f"{float(runtime_s) / 60:.0f} minutes of runtime left"


def _charge(ratio: object) -> str:
    return "battery charge unknown" if ratio in (None, "") else f"battery {float(ratio):.0%} charged"


ENGLISH_FORMATS.update({
    "ups_source": lambda source: _UPS_SOURCE_WORDS.get(str(source), f"source {source}"),
    "ups_runtime": _runtime,
    "ups_charge": _charge,
    "supply_state": lambda state: str(state).replace("_", " "),
    "or_none": lambda names: str(names) or "none matched",
    "or_unreported": lambda oid: str(oid) or "not reported",
})

POLL_NO_ANSWER = CheckMessage("snmp_poll.no_answer", "no answer from {address} within {timeout_s:g}s × {tries} tries")
POLL_ERROR = CheckMessage("snmp_poll.error", "{error}")
POLL_PROFILE_FAILED = CheckMessage("snmp_poll.profile_failed", "profile {profile} failed: {error_type}: {error}")
POLL_ANSWERED = CheckMessage("snmp_poll.answered", "answered, {values} values, read by {profiles}")
POLL_ANSWERED_GENERIC = CheckMessage("snmp_poll.answered_generic", "answered, {values} values, profile generic (as configured)")
POLL_NOT_MONITORED = CheckMessage(
    "snmp_poll.not_monitored", "answered, {values} values, but no profile read its sensors (profiles: {tried:or_none}; "
    "sysObjectID {sys_object_id:or_unreported}): only uptime and identity are watched")

UPS_ON_BATTERY = CheckMessage("ups_status.on_battery", "running on battery, {runtime_s:ups_runtime}")
UPS_OUTPUT_OFF = CheckMessage("ups_status.output_off", "output is off: the load has no power")
UPS_BYPASS = CheckMessage("ups_status.bypass", "on bypass: the load is not protected by the battery")
UPS_BATTERY_DEPLETED = CheckMessage("ups_status.battery_depleted", "battery depleted")
UPS_BATTERY_FAULT = CheckMessage("ups_status.battery_fault", "battery fault")
UPS_REPLACE_BATTERY = CheckMessage("ups_status.replace_battery", "battery needs replacing")
UPS_SOURCE_UNKNOWN = CheckMessage("ups_status.source_unknown", "the UPS did not report where its output power comes from")
UPS_OK = CheckMessage("ups_status.ok",
                      "output {source:ups_source}, {charge_ratio:ups_charge}, {runtime_s:ups_runtime}")

PRINTER_UNREPORTED = CheckMessage("printer_status.unreported",
                                  "the printer reports neither hrDeviceStatus nor hrPrinterDetectedErrorState")
PRINTER_CONDITIONS = CheckMessage("printer_status.conditions", "{conditions:printer_conditions}")
PRINTER_DEVICE_STATE = CheckMessage("printer_status.device_state", "printer status {state}")
PRINTER_DEVICE_STATE_UNREPORTED = CheckMessage("printer_status.device_state_unreported",
                                               "printer status {state} (error conditions not reported)")
PRINTER_NO_PROBLEMS = CheckMessage("printer_status.no_problems", "no problems reported")
PRINTER_NO_PROBLEMS_UNREPORTED = CheckMessage("printer_status.no_problems_unreported",
                                              "no problems reported (error conditions not reported)")

SUPPLY_SOME_LEFT = CheckMessage("printer_supply.some_left", "{description}: some left, amount not measured")
SUPPLY_SOME_SPACE_LEFT = CheckMessage("printer_supply.some_space_left", "{description}: some space left, amount not measured")
SUPPLY_LEVEL_UNKNOWN = CheckMessage("printer_supply.level_unknown", "{description}: level unknown")
SUPPLY_FILLED = CheckMessage("printer_supply.filled", "{description}: {state:supply_state}, {fill_ratio:.0%} full")
SUPPLY_LEFT = CheckMessage("printer_supply.left", "{description}: {state:supply_state}, {left_ratio:.0%} left")

INTERFACES_DOWN = CheckMessage("network_interfaces.down", "{down} of {enabled} enabled interfaces are down: {names}")
INTERFACES_UP = CheckMessage("network_interfaces.up", "all {enabled} enabled interfaces are up")
