"""The snmp input polling recorded devices served by snmpsim, and a real net-snmp snmpd, on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from itops.agent.batcher import GatherResult
from itops.agent.checks import CheckStatus
from itops.agent.inputs.snmp.config import SHIPPED_PROFILES_DIR, SnmpConfig
from itops.agent.inputs.snmp.snmp import SnmpInput
from itops.common.yaml_config import load_text
from tests.snmprec import RECORDINGS

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
V3_USER, V3_AUTH_KEY, V3_PRIV_KEY = "monitor", "authpass123", "privpass123"
# recording folder -> the profile its devices should get once that profile ships
FAMILY_PROFILE = {"printers": "printer", "ups": "ups", "switches": "network", "environment": "environment"}
RECORDING_NAMES = sorted(str(path.relative_to(RECORDINGS).with_suffix("")) for path in RECORDINGS.glob("*/*.snmprec"))


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_input(devices: list[dict], **options) -> SnmpInput:
    return SnmpInput(load_text(yaml.safe_dump({"type": "snmp", "devices": devices, **options}), SnmpConfig))


def gather(snmp_input: SnmpInput) -> GatherResult:
    result = GatherResult({})
    snmp_input.gather(result)
    return result


def value_of(result: GatherResult, name: str, **labels: str) -> float:
    values = [value for sample_name, sample_labels, value, _ts in result.samples
              if sample_name == name and labels.items() <= sample_labels.items()]
    assert len(values) == 1, f"{name}{labels}: {values}"
    return values[0]


def labels_of(result: GatherResult, name: str, device: str) -> dict[str, str]:
    return next(labels for sample_name, labels, _v, _ts in result.samples if sample_name == name and labels["device"] == device)


def profiles_of(result: GatherResult, device: str) -> set[str]:
    return {labels["profile"] for name, labels, _v, _ts in result.samples if name == "itops_snmp_profile_info" and labels["device"] == device}


def poll_check(result: GatherResult, device: str):
    return next(check for check in result.checks if check.check == "snmp_poll" and check.target == device)


def poll_message(result: GatherResult, device: str) -> str:
    return next(check.message for check in result.checks if check.check == "snmp_poll" and check.target == device)


def wait_until_answering(port: int, community: str, what: str) -> None:
    probe = make_input([{"name": "probe", "address": f"127.0.0.1:{port}", "community": community, "timeout": 0.5, "retries": 0, "profile": "generic"}])
    deadline = time.monotonic() + 60
    try:
        while value_of(gather(probe), "itops_snmp_up") != 1:
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not answer on 127.0.0.1:{port} within 60s")
    finally:
        probe.close()


@pytest.fixture(scope="module")
def snmpsim(tmp_path_factory) -> int:
    """snmpsim serving every recording; community (and v3 context) = the recording's path, e.g. printers/brother."""
    workdir = tmp_path_factory.mktemp("snmpsim")
    shutil.copytree(RECORDINGS, workdir / "data", ignore=shutil.ignore_patterns("*.md"))
    port = free_udp_port()
    # snmpsim refuses to run as root unless told to; the test sandbox runs as root.
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    process = subprocess.Popen(
        [BIN / "snmpsim-command-responder", f"--data-dir={workdir / 'data'}", f"--cache-dir={workdir / 'cache'}",
         f"--agent-udpv4-endpoint=127.0.0.1:{port}", "--logging-method=null",
         f"--v3-user={V3_USER}", f"--v3-auth-key={V3_AUTH_KEY}", "--v3-auth-proto=SHA",
         f"--v3-priv-key={V3_PRIV_KEY}", "--v3-priv-proto=AES"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(workdir / "snmpsim.log", "w"))
    try:
        wait_until_answering(port, "printers/brother", "snmpsim")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)


@pytest.fixture(scope="module")
def snmpd(tmp_path_factory) -> int:
    """Our own net-snmp snmpd (not the system service), v2c community `itopstest` and a v3 authPriv user."""
    workdir = tmp_path_factory.mktemp("snmpd")
    port = free_udp_port()
    config = workdir / "snmpd.conf"
    config.write_text(f"agentAddress udp:127.0.0.1:{port}\nrocommunity itopstest 127.0.0.1\n"
                      f"createUser {V3_USER} SHA {V3_AUTH_KEY} AES {V3_PRIV_KEY}\nrouser {V3_USER} priv\n"
                      "sysName itops-test-snmpd\nsysLocation Server room\n")
    process = subprocess.Popen(["/usr/sbin/snmpd", "-f", "-Lo", "-C", "-c", str(config), "-m", ""],
                               env={**os.environ, "SNMP_PERSISTENT_DIR": str(workdir / "persist")},
                               stdout=open(workdir / "snmpd.log", "w"), stderr=subprocess.STDOUT)
    try:
        wait_until_answering(port, "itopstest", "snmpd")
        yield port
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def every_recording_polled(snmpsim) -> GatherResult:
    snmp_input = make_input([{"name": name, "address": f"127.0.0.1:{snmpsim}", "community": name} for name in RECORDING_NAMES])
    try:
        return gather(snmp_input)
    finally:
        snmp_input.close()


def expected_profile(recording: str) -> str:
    """The family's profile once it ships; until then the device falls back to generic."""
    profile = FAMILY_PROFILE.get(recording.split("/")[0])
    return profile if profile and (SHIPPED_PROFILES_DIR / f"{profile}.yaml").exists() else "generic"


@pytest.mark.parametrize("recording", [name for name in RECORDING_NAMES if name.split("/")[0] in FAMILY_PROFILE])
def test_profile_is_selected_for_recording_family(every_recording_polled, recording):
    assert value_of(every_recording_polled, "itops_snmp_up", device=recording) == 1
    assert expected_profile(recording) in profiles_of(every_recording_polled, recording)


def test_every_recording_reports_generic_series(every_recording_polled):
    for recording in RECORDING_NAMES:
        assert value_of(every_recording_polled, "itops_snmp_up", device=recording) == 1
        assert value_of(every_recording_polled, "itops_snmp_device_info", device=recording) == 1


def test_recording_without_system_text_reports_it_not_reported(every_recording_polled):
    camera = "video-surveillance/hikvision-cam"  # recorded without the system group
    assert set(labels_of(every_recording_polled, "itops_snmp_device_info", camera)) == {"device"}
    for object_name in ("sysDescr", "sysObjectID", "sysUpTime", "sysName", "sysLocation"):
        assert value_of(every_recording_polled, "itops_snmp_object_reported", device=camera, object=object_name) == 0


def test_dead_device_does_not_delay_the_others(snmpsim):
    live = [{"name": f"printer-{i}", "address": f"127.0.0.1:{snmpsim}", "community": "printers/brother"} for i in range(4)]
    dead = {"name": "dead", "address": f"127.0.0.1:{free_udp_port()}", "community": "public", "timeout": 1.0, "retries": 1}
    alone, with_dead = make_input(live), make_input(live + [dead])
    try:
        gather(alone), gather(with_dead)  # profiles are selected in the first poll; measure the steady state
        started = time.monotonic()
        gather(alone)
        live_only_s = time.monotonic() - started
        started = time.monotonic()
        result = gather(with_dead)
        with_dead_s = time.monotonic() - started
    finally:
        alone.close()
        with_dead.close()
    live_poll_s = max(value_of(result, "itops_snmp_poll_duration_seconds", device=device["name"]) for device in live)
    dead_poll_s = value_of(result, "itops_snmp_poll_duration_seconds", device="dead")
    print(f"live only: gather {live_only_s:.3f}s; with a dead device: gather {with_dead_s:.3f}s, "
          f"slowest live poll {live_poll_s:.3f}s, dead poll {dead_poll_s:.3f}s")
    assert value_of(result, "itops_snmp_up", device="dead") == 0
    assert poll_message(result, "dead").startswith("no answer from 127.0.0.1:")
    assert 1.5 <= dead_poll_s < 2.8  # 1s × 2 tries, timed by pysnmp's coarse dispatcher clock
    assert live_poll_s < 0.5  # the live printers' polls ran alongside the dead one, not after it
    assert with_dead_s < dead_poll_s + 0.3  # the gather lasts as long as the slowest device, not the sum


def test_v3_auth_priv_against_snmpsim(snmpsim):
    snmp_input = make_input([{"name": "brother-v3", "address": f"127.0.0.1:{snmpsim}", "version": "3", "user": V3_USER,
                              "auth_protocol": "SHA", "auth_key": V3_AUTH_KEY, "priv_protocol": "AES", "priv_key": V3_PRIV_KEY,
                              "context": "printers/brother"}])
    try:
        result = gather(snmp_input)
    finally:
        snmp_input.close()
    assert value_of(result, "itops_snmp_up", device="brother-v3") == 1
    assert profiles_of(result, "brother-v3") == {expected_profile("printers/brother")}
    assert value_of(result, "itops_snmp_uptime_seconds", device="brother-v3") == 2175397.35


def test_v3_wrong_key_is_down_and_the_message_hides_the_keys(snmpsim):
    snmp_input = make_input([{"name": "wrong", "address": f"127.0.0.1:{snmpsim}", "version": "3", "user": V3_USER,
                              "auth_key": "not-the-key-1", "priv_key": "not-the-key-2", "context": "printers/brother",
                              "timeout": 0.5, "retries": 0}])
    try:
        result = gather(snmp_input)
    finally:
        snmp_input.close()
    assert value_of(result, "itops_snmp_up", device="wrong") == 0
    message = poll_message(result, "wrong")
    assert "not-the-key" not in message and V3_AUTH_KEY not in message


def test_v1_walks_with_getnext_like_v2c_walks_with_getbulk(snmpsim):
    devices = [{"name": version, "address": f"127.0.0.1:{snmpsim}", "version": version, "community": "printers/jetdirect"}
               for version in ("1", "2c")]
    snmp_input = make_input(devices)
    try:
        result = gather(snmp_input)
    finally:
        snmp_input.close()
    assert poll_message(result, "1") == poll_message(result, "2c")
    assert poll_message(result, "1").startswith("answered, ")


def test_device_is_polled_again_only_when_its_interval_has_passed(snmpsim):
    devices = [{"name": "often", "address": f"127.0.0.1:{snmpsim}", "community": "printers/brother"},
               {"name": "hourly", "address": f"127.0.0.1:{snmpsim}", "community": "printers/brother", "interval": "1h"}]
    snmp_input = make_input(devices)
    try:
        first, second = gather(snmp_input), gather(snmp_input)
    finally:
        snmp_input.close()
    assert {labels["device"] for _n, labels, _v, _ts in first.samples} == {"often", "hourly"}
    assert {labels["device"] for _n, labels, _v, _ts in second.samples} == {"often"}


def test_asset_fields_label_every_series_of_the_device(snmpsim):
    snmp_input = make_input([{"name": "hall", "address": f"127.0.0.1:{snmpsim}", "community": "printers/brother",
                              "asset_number": "A-17", "department": "Finance", "location": "2nd floor", "responsible_person": "J. Doe"}])
    try:
        result = gather(snmp_input)
    finally:
        snmp_input.close()
    assert all(labels["asset_number"] == "A-17" and labels["location"] == "2nd floor" for _n, labels, _v, _ts in result.samples)
    assert all({label.name: label.value for label in check.labels}["department"] == "Finance" for check in result.checks)


@pytest.mark.parametrize("credentials", [
    {"community": "itopstest"},
    {"version": "3", "user": V3_USER, "auth_key": V3_AUTH_KEY, "priv_key": V3_PRIV_KEY},
], ids=["v2c", "v3-authPriv"])
def test_real_snmpd(snmpd, credentials):
    snmp_input = make_input([{"name": "linux", "address": f"127.0.0.1:{snmpd}", **credentials}])
    try:
        result = gather(snmp_input)
    finally:
        snmp_input.close()
    assert value_of(result, "itops_snmp_up", device="linux") == 1
    info = labels_of(result, "itops_snmp_device_info", "linux")
    assert (info["sys_name"], info["sys_location"]) == ("itops-test-snmpd", "Server room")
    assert info["sys_descr"].startswith("Linux ")
    assert 0 <= value_of(result, "itops_snmp_uptime_seconds", device="linux") < 600


def test_agent_once_prints_readable_printer_results(snmpsim, tmp_path):
    config = tmp_path / "agent.yaml"
    config.write_text(f"collector:\n  address: 127.0.0.1:9\n  token: t\nhostname: test-host\ninputs:\n  - type: snmp\n    devices:\n"
                      f"      - {{name: hall-printer, address: '127.0.0.1:{snmpsim}', community: printers/brother, location: 2nd floor}}\n")
    result = subprocess.run([BIN / "itops-agent", "once", "-c", config], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert 'itops_snmp_up{device="hall-printer",host="test-host",location="2nd floor"} 1' in [line.rsplit(" ", 1)[0] for line in lines]
    assert any(line.startswith("check snmp_poll hall-printer: OK answered, ") for line in lines)
    assert any(line.startswith('itops_snmp_device_info{device="hall-printer",host="test-host",location="2nd floor",'
                               'sys_descr="Brother NC-8300h, Firmware Ver.1.14 (14.11.06),MID 8C5-F01,FID 2"') for line in lines)


def test_ups_card_with_a_probe_reports_ups_and_room_readings(every_recording_polled):
    # the real AP9631 recording: a Smart-UPS X 750 and an "Equipment Room" probe on its universal I/O port
    device = "ups/apc_smt750x-nmc2"
    assert profiles_of(every_recording_polled, device) == {"ups", "environment"}
    assert value_of(every_recording_polled, "itops_ups_battery_charge_ratio", device=device) == 1.0
    assert value_of(every_recording_polled, "itops_environment_temperature_celsius", device=device, sensor="Equipment Room") == 20.0
    assert not [labels for name, labels, _v, _ts in every_recording_polled.samples
                if name == "itops_environment_humidity_ratio" and labels["device"] == device]  # humidity -1: no sensor
    check = poll_check(every_recording_polled, device)
    assert check.status == CheckStatus.OK and check.message.endswith(" values, read by environment, ups")


@pytest.mark.parametrize("recording, readings", [
    ("constructed/apc-netbotz200-mem", {("temperature_celsius", "Cold aisle"): 21.0, ("humidity_ratio", "Cold aisle"): 0.44,
                                        ("temperature_celsius", "Hot aisle"): 34.0}),
    ("constructed/apc-emu-ems", {("temperature_celsius", "Rack 4 top"): pytest.approx(27.7778, abs=1e-4),
                                 ("humidity_ratio", "Rack 4 top"): 0.38, ("temperature_celsius", "Rack 4 bottom"): 20.0}),
    ("constructed/apc-rpdu2-probe", {("temperature_celsius", "Rack 12 inlet"): pytest.approx(24.2),
                                     ("humidity_ratio", "Rack 12 inlet"): 0.41, ("temperature_celsius", "Rack 12 outlet"): 35.0}),
    ("constructed/avtech-roomalert32e", {("temperature_celsius", "internal"): 24.01, ("humidity_ratio", "internal"): 0.413,
                                         ("temperature_celsius", "digital 1"): 26.5, ("humidity_ratio", "digital 1"): 0.382,
                                         ("temperature_celsius", "digital 2"): 18.75}),
    ("constructed/hwg-poseidon2250", {("temperature_celsius", "Rack 7 temp"): pytest.approx(23.4), ("humidity_ratio", "Rack 7 hum"): 0.475,
                                      ("temperature_celsius", "Door side"): pytest.approx(30.0)}),
    ("constructed/akcp-sensorprobe2plus", {("temperature_celsius", "Temperature Port 1"): pytest.approx(23.4),
                                           ("temperature_celsius", "Temperature Port 2"): pytest.approx(25.0),
                                           ("humidity_ratio", "Humidity Port 3"): 0.44}),
])
def test_sensor_product_lines_are_read_by_the_environment_profile(every_recording_polled, recording, readings):
    assert profiles_of(every_recording_polled, recording) == {"environment"}
    got = {(name.removeprefix("itops_environment_"), labels["sensor"]): value
           for name, labels, value, _ts in every_recording_polled.samples
           if name.startswith("itops_environment_") and labels["device"] == recording}
    assert got == readings
    assert poll_check(every_recording_polled, recording).status == CheckStatus.OK


def test_device_no_profile_reads_warns_in_its_poll_check(every_recording_polled):
    check = poll_check(every_recording_polled, "access-control/heliosip")
    assert check.status == CheckStatus.WARNING
    assert "but no profile read its sensors (profiles: none matched; sysObjectID 1.3.6.1.4.1." in check.message
    assert value_of(every_recording_polled, "itops_check_status", device="access-control/heliosip", check="snmp_poll", status="warning") == 1
    assert profiles_of(every_recording_polled, "access-control/heliosip") == {"generic"}


def test_profile_option_names_profiles_or_says_generic_is_enough(snmpsim):
    snmp_input = make_input([
        {"name": "ups-only", "address": f"127.0.0.1:{snmpsim}", "community": "ups/apc_smart1500", "profile": "ups"},
        {"name": "both", "address": f"127.0.0.1:{snmpsim}", "community": "ups/apc_smart1500", "profile": ["environment", "ups"]},
        {"name": "door", "address": f"127.0.0.1:{snmpsim}", "community": "access-control/heliosip", "profile": "generic"},
    ])
    try:
        result = gather(snmp_input)
    finally:
        snmp_input.close()
    assert profiles_of(result, "ups-only") == {"ups"} and profiles_of(result, "both") == {"environment", "ups"}
    rooms = {labels["sensor"]: value for name, labels, value, _ts in result.samples
             if name == "itops_environment_temperature_celsius" and labels["device"] in ("ups-only", "both")}
    assert rooms == {"Temp. Rack": 30.0, "Temp. Room": 21.0}
    assert (poll_check(result, "door").status, poll_check(result, "door").message.endswith("profile generic (as configured)")) == (CheckStatus.OK, True)
