"""Every number an interpreter reads, by its MIB object name: where it is and which of its values are not
amounts but "unknown" (or another sentinel) by its MIB, or by what devices are seen to send.

Interpreters read numbers only through ``known(name, value)``, so a sentinel is never reported as a reading;
``sentinel_meaning`` says what a sentinel means where that matters (Printer-MIB's -3 is "some remaining").
Enumerations (ifOperStatus, upsBatteryStatus, hrDeviceStatus, ...) are not here: their "unknown" is a state
of the state set, reported by its name. DEVICES.md lists this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from itops.agent.inputs.snmp.walk import SnmpValue

__all__ = ["MIB_OBJECTS", "MibObject", "known", "sentinel_meaning"]


@dataclass(frozen=True)
class MibObject:
    oid: str  # the scalar instance (…​.0) or the table column; vendor blocks give their entry prefix
    mib: str
    sentinels: dict[int, str]  # value -> what it means; empty when neither MIB nor devices have one


# RFC 1628 and PowerNet give these objects ranges that exclude them; UPS cards send them for "no reading"
# (tests/fixtures/snmp/ups: Huawei UPS2000, Netman 204), whatever SNMP type they use.
_UPS_CARD_UNKNOWN = {-1: "no reading (outside the MIB's range; cards send it)",
                     65535: "no reading (16-bit all ones; cards send it)",
                     4294967295: "no reading (32-bit all ones; cards send it)"}
_APC_LOST = {-1: "no reading: the probe is not connected or communication with it is lost"}
_APC_NO_HUMIDITY = {-1: "no reading: communication with the probe is lost",
                    0: "the probe does not sense humidity"}
_NONE_KNOWN: dict[int, str] = {}  # the row's status column says when a reading is invalid

UPS_MIB = "1.3.6.1.2.1.33.1"
POWERNET_UPS = "1.3.6.1.4.1.318.1.1.1"
POWERNET_ENV = "1.3.6.1.4.1.318.1.1.10"

MIB_OBJECTS: dict[str, MibObject] = {
    # IF-MIB (RFC 2863)
    "ifSpeed": MibObject("1.3.6.1.2.1.2.2.1.5", "IF-MIB", {
        4294967295: "faster than 4,294,967,295 bit/s: ifHighSpeed has the speed",
        0: "a sub-layer with no concept of bandwidth: speed unknown"}),
    "ifHighSpeed": MibObject("1.3.6.1.2.1.31.1.1.1.15", "IF-MIB", {
        0: "no concept of bandwidth, or below 0.5 Mbit/s: ifSpeed has it"}),
    # Printer-MIB (RFC 3805)
    "prtMarkerSuppliesMaxCapacity": MibObject("1.3.6.1.2.1.43.11.1.1.8", "Printer-MIB", {
        -1: "other: no restriction on the capacity", -2: "unknown"}),
    "prtMarkerSuppliesLevel": MibObject("1.3.6.1.2.1.43.11.1.1.9", "Printer-MIB", {
        -1: "other", -2: "unknown", -3: "some remaining: at least one unit left, amount not measured"}),
    "prtMarkerLifeCount": MibObject("1.3.6.1.2.1.43.10.2.1.4", "Printer-MIB", _NONE_KNOWN),
    # UPS-MIB (RFC 1628)
    "upsEstimatedMinutesRemaining": MibObject(f"{UPS_MIB}.2.3.0", "UPS-MIB", _UPS_CARD_UNKNOWN),
    "upsEstimatedChargeRemaining": MibObject(f"{UPS_MIB}.2.4.0", "UPS-MIB", _UPS_CARD_UNKNOWN),
    "upsBatteryVoltage": MibObject(f"{UPS_MIB}.2.5.0", "UPS-MIB", _UPS_CARD_UNKNOWN),
    "upsBatteryTemperature": MibObject(f"{UPS_MIB}.2.7.0", "UPS-MIB", _UPS_CARD_UNKNOWN),
    "upsInputNumLines": MibObject(f"{UPS_MIB}.3.2.0", "UPS-MIB", _UPS_CARD_UNKNOWN),
    "upsInputVoltage": MibObject(f"{UPS_MIB}.3.3.1.3", "UPS-MIB", _UPS_CARD_UNKNOWN),
    "upsOutputNumLines": MibObject(f"{UPS_MIB}.4.3.0", "UPS-MIB", _UPS_CARD_UNKNOWN),
    "upsOutputVoltage": MibObject(f"{UPS_MIB}.4.4.1.2", "UPS-MIB", _UPS_CARD_UNKNOWN),
    "upsOutputPercentLoad": MibObject(f"{UPS_MIB}.4.4.1.5", "UPS-MIB", _UPS_CARD_UNKNOWN),
    "upsAlarmsPresent": MibObject(f"{UPS_MIB}.6.1.0", "UPS-MIB", _UPS_CARD_UNKNOWN),
    # PowerNet-MIB, UPS
    "upsAdvBatteryCapacity": MibObject(f"{POWERNET_UPS}.2.2.1.0", "PowerNet-MIB", _UPS_CARD_UNKNOWN),
    "upsAdvBatteryTemperature": MibObject(f"{POWERNET_UPS}.2.2.2.0", "PowerNet-MIB", _UPS_CARD_UNKNOWN),
    "upsAdvBatteryRunTimeRemaining": MibObject(f"{POWERNET_UPS}.2.2.3.0", "PowerNet-MIB", _UPS_CARD_UNKNOWN),
    "upsAdvBatteryActualVoltage": MibObject(f"{POWERNET_UPS}.2.2.8.0", "PowerNet-MIB", _UPS_CARD_UNKNOWN),
    "upsHighPrecBatteryCapacity": MibObject(f"{POWERNET_UPS}.2.3.1.0", "PowerNet-MIB", _UPS_CARD_UNKNOWN),
    "upsHighPrecBatteryTemperature": MibObject(f"{POWERNET_UPS}.2.3.2.0", "PowerNet-MIB", _UPS_CARD_UNKNOWN),
    "upsHighPrecBatteryActualVoltage": MibObject(f"{POWERNET_UPS}.2.3.4.0", "PowerNet-MIB", _UPS_CARD_UNKNOWN),
    "upsAdvInputLineVoltage": MibObject(f"{POWERNET_UPS}.3.2.1.0", "PowerNet-MIB", _UPS_CARD_UNKNOWN),
    "upsHighPrecInputLineVoltage": MibObject(f"{POWERNET_UPS}.3.3.1.0", "PowerNet-MIB", _UPS_CARD_UNKNOWN),
    "upsAdvOutputVoltage": MibObject(f"{POWERNET_UPS}.4.2.1.0", "PowerNet-MIB", _UPS_CARD_UNKNOWN),
    "upsAdvOutputLoad": MibObject(f"{POWERNET_UPS}.4.2.3.0", "PowerNet-MIB", _UPS_CARD_UNKNOWN),
    "upsHighPrecOutputVoltage": MibObject(f"{POWERNET_UPS}.4.3.1.0", "PowerNet-MIB", _UPS_CARD_UNKNOWN),
    "upsHighPrecOutputLoad": MibObject(f"{POWERNET_UPS}.4.3.3.0", "PowerNet-MIB", _UPS_CARD_UNKNOWN),
    # PowerNet-MIB, environment probes of every APC product line
    "uioSensorStatusTemperatureDegC": MibObject("1.3.6.1.4.1.318.1.1.25.1.2.1.6", "PowerNet-MIB", _APC_LOST),
    "uioSensorStatusHumidity": MibObject("1.3.6.1.4.1.318.1.1.25.1.2.1.7", "PowerNet-MIB", {
        -1: "no reading: the probe does not sense humidity, or communication with it is lost"}),
    "iemStatusProbeCurrentTemp": MibObject(f"{POWERNET_ENV}.2.3.2.1.4", "PowerNet-MIB", _APC_LOST),
    "iemStatusProbeCurrentHumid": MibObject(f"{POWERNET_ENV}.2.3.2.1.6", "PowerNet-MIB", _APC_NO_HUMIDITY),
    "emsProbeStatusProbeTemperature": MibObject(f"{POWERNET_ENV}.3.13.1.1.3", "PowerNet-MIB", _APC_LOST),
    "emsProbeStatusProbeHumidity": MibObject(f"{POWERNET_ENV}.3.13.1.1.6", "PowerNet-MIB", _APC_NO_HUMIDITY),
    "memSensorsTemperature": MibObject(f"{POWERNET_ENV}.4.2.3.1.5", "PowerNet-MIB", _APC_LOST),
    "memSensorsHumidity": MibObject(f"{POWERNET_ENV}.4.2.3.1.6", "PowerNet-MIB", _APC_NO_HUMIDITY),
    "rPDU2SensorTempHumidityStatusTempC": MibObject("1.3.6.1.4.1.318.1.1.26.10.2.2.1.8", "PowerNet-MIB", _APC_LOST),
    "rPDU2SensorTempHumidityStatusRelativeHumidity": MibObject("1.3.6.1.4.1.318.1.1.26.10.2.2.1.10", "PowerNet-MIB", _APC_LOST),
    # Other environment vendors: a disconnected or failed probe is said by the row's status column
    "sensorProbeTempDegree": MibObject("1.3.6.1.4.1.3854.1.2.2.1.16.1.3", "SPAGENT-MIB (AKCP)", _NONE_KNOWN),
    "sensorProbeTempDegreeRaw": MibObject("1.3.6.1.4.1.3854.1.2.2.1.16.1.14", "SPAGENT-MIB (AKCP)", _NONE_KNOWN),
    "sensorProbeHumidityPercent": MibObject("1.3.6.1.4.1.3854.1.2.2.1.17.1.3", "SPAGENT-MIB (AKCP)", _NONE_KNOWN),
    "temperatureDegree": MibObject("1.3.6.1.4.1.3854.3.5.2.1.4", "SPAGENT-MIB (AKCP securityProbe …2.3.2.1.4, sensorProbe+)", _NONE_KNOWN),
    "temperatureRaw": MibObject("1.3.6.1.4.1.3854.3.5.2.1.20", "SPAGENT-MIB (AKCP securityProbe …2.3.2.1.20, sensorProbe+)", {
        0: "not given by this firmware: temperatureDegree has the reading"}),
    "humidityPercent": MibObject("1.3.6.1.4.1.3854.3.5.3.1.4", "SPAGENT-MIB (AKCP securityProbe …2.3.3.1.4, sensorProbe+)", _NONE_KNOWN),
    "roomAlertSensorValue": MibObject("1.3.6.1.4.1.20916.1", "ROOMALERT12E-MIB, ROOMALERT32E-MIB (AVTECH)", _NONE_KNOWN),
    "STE2-MIB::sensValue": MibObject("1.3.6.1.4.1.21796.4.9.3.1.5", "STE2-MIB, STE-MIB (HW group)", _NONE_KNOWN),
    "POSEIDON-MIB::sensValue": MibObject("1.3.6.1.4.1.21796.3.3.3.1.6", "POSEIDON-MIB (HW group)", _NONE_KNOWN),
    "tempSensorValueInt": MibObject("1.3.6.1.4.1.5528.100.4.1.1.1.8", "NETBOTZV2-MIB", _NONE_KNOWN),
    "humiSensorValueInt": MibObject("1.3.6.1.4.1.5528.100.4.1.2.1.8", "NETBOTZV2-MIB", _NONE_KNOWN),
}


def known(name: str, value: SnmpValue | None) -> int | None:
    """``value`` of the MIB object ``name`` as an amount, or None when absent, not a number, or a sentinel."""
    if isinstance(value, int) and value not in MIB_OBJECTS[name].sentinels:
        return value
    return None


def sentinel_meaning(name: str, value: SnmpValue | None) -> str | None:
    """What the sentinel ``value`` of ``name`` means, or None when it is not one."""
    return MIB_OBJECTS[name].sentinels.get(value) if isinstance(value, int) else None
