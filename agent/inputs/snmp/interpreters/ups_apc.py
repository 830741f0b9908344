"""APC PowerNet-MIB (``1.3.6.1.4.1.318.1.1.1``): APC network cards answer only this, not RFC 1628.

Each value is read from the high-precision object (tenths) when the card has it, else from the older
whole-unit one; the objects' OIDs and sentinels are declared in ``sentinels.py``.
"""

from __future__ import annotations

from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters.readings import measured, named_state
from itops.agent.inputs.snmp.interpreters.ups_reading import UpsReading
from itops.agent.inputs.snmp.walk import Walk

POWERNET_UPS = "1.3.6.1.4.1.318.1.1.1"
BASIC_BATTERY_STATUS = f"{POWERNET_UPS}.2.1.1.0"
ADV_BATTERY_REPLACE_INDICATOR = f"{POWERNET_UPS}.2.2.4.0"
BASIC_OUTPUT_STATUS = f"{POWERNET_UPS}.4.1.1.0"

TIMETICKS_PER_S = 100
SINGLE_PHASE = "1"

# upsBasicOutputStatus → RFC 1628 output source; unknown(1) is no reading at all.
OUTPUT_SOURCES = {
    2: "normal",  # onLine
    3: "battery",  # onBattery
    4: "booster",  # onSmartBoost
    5: "none",  # timedSleeping
    6: "bypass",  # softwareBypass
    7: "none",  # off
    8: "other",  # rebooting
    9: "bypass",  # switchedBypass
    10: "bypass",  # hardwareFailureBypass
    11: "none",  # sleepingUntilPowerReturn
    12: "reducer",  # onSmartTrim
    13: "normal",  # ecoMode
    14: "normal",  # hotStandby
    15: "battery",  # onBatteryTest
    16: "bypass",  # emergencyStaticBypass
    17: "bypass",  # staticBypassStandby
}
BATTERY_STATUSES = {1: "unknown", 2: "normal", 3: "low", 4: "fault"}
REPLACE_INDICATOR = {1: "no", 2: "yes"}


def read_apc(walk: Walk, device: DeviceContext) -> UpsReading:
    runtime_ticks = measured(walk, device, ("upsAdvBatteryRunTimeRemaining", 1))
    replace = named_state(walk, device, ADV_BATTERY_REPLACE_INDICATOR, "upsAdvBatteryReplaceIndicator", REPLACE_INDICATOR)
    reading = UpsReading(
        output_source=named_state(walk, device, BASIC_OUTPUT_STATUS, "upsBasicOutputStatus", OUTPUT_SOURCES),
        battery_status=named_state(walk, device, BASIC_BATTERY_STATUS, "upsBasicBatteryStatus", BATTERY_STATUSES),
        battery_charge_ratio=measured(walk, device, ("upsHighPrecBatteryCapacity", 1000),
                                      ("upsAdvBatteryCapacity", 100)),
        battery_runtime_s=None if runtime_ticks is None else runtime_ticks / TIMETICKS_PER_S,
        battery_volts=measured(walk, device, ("upsHighPrecBatteryActualVoltage", 10),
                               ("upsAdvBatteryActualVoltage", 1)),
        battery_celsius=measured(walk, device, ("upsHighPrecBatteryTemperature", 10),
                                 ("upsAdvBatteryTemperature", 1)),
        battery_replace=None if replace is None else replace == "yes",
    )
    _put_measured(reading.input_volts, measured(walk, device, ("upsHighPrecInputLineVoltage", 10),
                                                ("upsAdvInputLineVoltage", 1)))
    _put_measured(reading.output_volts, measured(walk, device, ("upsHighPrecOutputVoltage", 10),
                                                 ("upsAdvOutputVoltage", 1)))
    _put_measured(reading.output_load_ratio, measured(walk, device, ("upsHighPrecOutputLoad", 1000),
                                                      ("upsAdvOutputLoad", 100)))
    return reading


def _put_measured(values: dict[str, float], value: float | None) -> None:
    if value is not None:
        values[SINGLE_PHASE] = value
