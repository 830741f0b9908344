"""Every sentinel of every MIB object in ``interpreters/sentinels.py``, fed through the real interpreter on a
recording: the outcome (series, checks, objects recorded as not reported) is exactly that of the object being
absent, i.e. no sample or the documented fallback (ifHighSpeed for ifSpeed 2^32-1, whole-unit APC objects
for high-precision ones). Each case also shows the object matters: a real value changes the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest
from itops.agent.batcher import GatherResult
from itops.agent.inputs.snmp.device import DeviceContext
from itops.agent.inputs.snmp.interpreters import environment, network, printer, ups
from itops.agent.inputs.snmp.interpreters.sentinels import MIB_OBJECTS, known, sentinel_meaning
from itops.agent.inputs.snmp.walk import Walk, parse_oid

from tests.snmprec import load_walk

DEVICES_MD = Path(__file__).resolve().parents[6] / "agent" / "inputs" / "snmp" / "DEVICES.md"


@dataclass(frozen=True)
class Case:
    interpreter: ModuleType
    recording: str
    instance: str  # appended to the object's OID ("" for a scalar, whose OID ends in .0)
    real: int  # a value the MIB allows, which the interpreter must read
    drop: tuple[str, ...] = field(default=())  # OIDs removed first (a better source the object falls back from)


def apc(name: str) -> str:
    return MIB_OBJECTS[name].oid


CASES: dict[str, list[Case]] = {
    "ifSpeed": [Case(network, "switches/zxr10_5950", ".28", 1_000_000_000),  # no ifXTable: speed unknown
                Case(network, "switches/zxr10_5950", ".5", 100_000_000)],
    "ifHighSpeed": [Case(network, "switches/tplink_sg2008", ".1", 100)],
    "prtMarkerSuppliesMaxCapacity": [Case(printer, "printers/jetdirect", ".1.1", 40_000)],
    "prtMarkerSuppliesLevel": [Case(printer, "printers/jetdirect", ".1.1", 1_000)],
    "upsEstimatedMinutesRemaining": [Case(ups, "ups/eaton-mgeups_9px", "", 45)],
    "upsEstimatedChargeRemaining": [Case(ups, "ups/eaton-mgeups_9px", "", 80)],
    "upsBatteryVoltage": [Case(ups, "ups/eaton-mgeups_9px", "", 2_410)],
    "upsBatteryTemperature": [Case(ups, "ups/eaton-mgeups_9px", "", 31)],
    "upsInputNumLines": [Case(ups, "ups/generex-ups_cs141", "", 1)],
    "upsInputVoltage": [Case(ups, "ups/generex-ups_cs141", ".1", 219)],
    "upsOutputNumLines": [Case(ups, "ups/generex-ups_cs141", "", 1)],
    "upsOutputVoltage": [Case(ups, "ups/generex-ups_cs141", ".1", 221)],
    "upsOutputPercentLoad": [Case(ups, "ups/generex-ups_cs141", ".1", 57)],
    "upsAlarmsPresent": [Case(ups, "ups/eaton-mgeups_9px", "", 0)],
    "upsHighPrecBatteryCapacity": [Case(ups, "ups/apc_smt750x-nmc2", "", 555)],
    "upsAdvBatteryCapacity": [Case(ups, "ups/apc_smt750x-nmc2", "", 55, drop=(apc("upsHighPrecBatteryCapacity"),))],
    "upsHighPrecBatteryTemperature": [Case(ups, "ups/apc_smt750x-nmc2", "", 301)],
    "upsAdvBatteryTemperature": [Case(ups, "ups/apc_smt750x-nmc2", "", 30, drop=(apc("upsHighPrecBatteryTemperature"),))],
    "upsAdvBatteryRunTimeRemaining": [Case(ups, "ups/apc_smt750x-nmc2", "", 360_000)],
    "upsHighPrecBatteryActualVoltage": [Case(ups, "ups/apc_smt750x-nmc2", "", 271)],
    "upsAdvBatteryActualVoltage": [Case(ups, "ups/apc_smt750x-nmc2", "", 27, drop=(apc("upsHighPrecBatteryActualVoltage"),))],
    "upsHighPrecInputLineVoltage": [Case(ups, "ups/apc_smt750x-nmc2", "", 2_301)],
    "upsAdvInputLineVoltage": [Case(ups, "ups/apc_smt750x-nmc2", "", 230, drop=(apc("upsHighPrecInputLineVoltage"),))],
    "upsHighPrecOutputVoltage": [Case(ups, "ups/apc_smart1500", "", 2_302)],
    "upsAdvOutputVoltage": [Case(ups, "ups/apc_smart1500", "", 231, drop=(apc("upsHighPrecOutputVoltage"),))],
    "upsHighPrecOutputLoad": [Case(ups, "ups/apc_smart1500", "", 333)],
    "upsAdvOutputLoad": [Case(ups, "ups/apc_smart1500", "", 33, drop=(apc("upsHighPrecOutputLoad"),))],
    "uioSensorStatusTemperatureDegC": [Case(environment, "ups/apc_smt750x-nmc2", ".1.1", 24),
                                       Case(environment, "constructed/apc-ups-card-iem-uio", ".2.1", 24)],
    "uioSensorStatusHumidity": [Case(environment, "constructed/apc-ups-card-iem-uio", ".2.1", 60)],
    "iemStatusProbeCurrentTemp": [Case(environment, "constructed/apc-ups-card-iem-uio", ".1", 80)],
    "iemStatusProbeCurrentHumid": [Case(environment, "constructed/apc-ups-card-iem-uio", ".1", 60)],
    "emsProbeStatusProbeTemperature": [Case(environment, "constructed/apc-emu-ems", ".1", 80)],
    "emsProbeStatusProbeHumidity": [Case(environment, "constructed/apc-emu-ems", ".1", 60)],
    "memSensorsTemperature": [Case(environment, "constructed/apc-netbotz200-mem", ".0.1", 22)],
    "memSensorsHumidity": [Case(environment, "constructed/apc-netbotz200-mem", ".0.1", 60)],
    "temperatureRaw": [Case(environment, "constructed/akcp-sensorprobe2plus", ".0.0.0.0.0", 250)],
    "rPDU2SensorTempHumidityStatusTempC": [Case(environment, "constructed/apc-rpdu2-probe", ".1", 250)],
    "rPDU2SensorTempHumidityStatusRelativeHumidity": [Case(environment, "constructed/apc-rpdu2-probe", ".1", 60)],
}
# A sentinel whose documented meaning is a state, not "absent"
STATE_SENTINELS = {("prtMarkerSuppliesLevel", -3): ("itops_printer_supply_state", {"supply": "1", "state": "some_remaining"})}

SENTINEL_CASES = [pytest.param(name, value, case, id=f"{name}={value}@{case.recording}{case.instance}")
                  for name, cases in CASES.items() for case in cases for value in MIB_OBJECTS[name].sentinels]


def outcome(name: str, case: Case, value: int | None):
    walk = Walk(dict(load_walk(case.recording).values))
    for oid in case.drop:
        walk.values.pop(parse_oid(oid), None)
    oid = parse_oid(MIB_OBJECTS[name].oid + case.instance)
    if value is None:
        walk.values.pop(oid, None)
    else:
        walk.values[oid] = value
    acc, device = GatherResult({}), DeviceContext("device", 0.0)
    case.interpreter.interpret(walk, device, acc)
    samples = sorted((name, tuple(sorted(labels.items())), value) for name, labels, value, _ts in acc.samples)
    checks = sorted((check.check, check.status, check.message) for check in acc.checks)
    return samples, checks, sorted(device.missing)


@pytest.mark.parametrize("name, sentinel, case", SENTINEL_CASES)
def test_sentinel_is_no_reading(name, sentinel, case):
    absent = outcome(name, case, None)
    assert outcome(name, case, case.real) != absent, f"{name} at {case.recording}{case.instance} is not read by {case.interpreter.__name__}"
    got = outcome(name, case, sentinel)
    expected_state = STATE_SENTINELS.get((name, sentinel))
    if expected_state is None:
        assert got == absent
    else:
        metric, labels = expected_state
        assert [value for sample, sample_labels, value in got[0]
                if sample == metric and labels.items() <= dict(sample_labels).items()] == [1.0]


def test_every_declared_sentinel_has_a_case():
    with_sentinels = {name for name, mib_object in MIB_OBJECTS.items() if mib_object.sentinels}
    assert with_sentinels == set(CASES)


@pytest.mark.parametrize("name", sorted(MIB_OBJECTS))
def test_declared_objects_have_numeric_oids_and_meanings(name):
    mib_object = MIB_OBJECTS[name]
    parse_oid(mib_object.oid)
    assert mib_object.mib and all(meaning for meaning in mib_object.sentinels.values())


def test_known_and_meaning():
    assert known("ifSpeed", 4294967295) is None and known("ifSpeed", 1_000_000_000) == 1_000_000_000
    assert known("ifSpeed", b"fast") is None and known("ifSpeed", None) is None
    assert sentinel_meaning("prtMarkerSuppliesLevel", -3).startswith("some remaining")
    assert sentinel_meaning("prtMarkerSuppliesLevel", 50) is None
    with pytest.raises(KeyError):
        known("ifSpeeed", 1)  # an interpreter may read only declared objects


def test_devices_md_lists_the_table():
    rows = {line.split(" | ")[0].strip("| "): line for line in DEVICES_MD.read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and " | `1.3.6." in line}
    for name, mib_object in MIB_OBJECTS.items():
        assert f"`{mib_object.oid}`" in rows[name], name
        for value, meaning in mib_object.sentinels.items():
            assert f"`{value}`: {meaning}" in rows[name], (name, value)
