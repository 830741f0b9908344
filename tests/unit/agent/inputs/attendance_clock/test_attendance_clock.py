"""The attendance_clock input and its ZK client against the protocol simulator, in-process on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from datetime import datetime
from pathlib import Path

import msgspec
import pytest
from itops.agent.batcher import GatherResult
from itops.agent.checks import CheckStatus
from itops.agent.inputs.attendance_clock.attendance_clock import AttendanceClockInput
from itops.agent.inputs.attendance_clock.config import (
    AttendanceClockConfig,
    ClockConfig,
)
from itops.agent.inputs.attendance_clock.zk_client import CommKeyRefused, ZKClient
from itops.agent.inputs.attendance_clock.zk_protocol import (
    Command,
    FreeSizes,
    Packet,
    ProtocolError,
    checksum,
    comm_key_token,
    decode,
    decode_time,
    encode,
    encode_time,
    tcp_frame,
)
from itops.common.yaml_config import ConfigError, load_file, load_text

from tests.simulators.zk_clock import NORMAL_SIZES, ZKClockSimulator

NOW_S = 1_717_243_200.0  # a whole second, so that the device's one-second clock reads it exactly
SAMPLE = Path(__file__).resolve().parents[5] / "agent" / "inputs" / "attendance_clock" / "sample.yaml"


def frozen_clock() -> float:
    return NOW_S


@pytest.fixture(params=["tcp", "udp"])
def protocol(request) -> str:
    return request.param


def simulator(state: str = "normal", **options) -> ZKClockSimulator:
    return ZKClockSimulator(state, clock=frozen_clock, **options)


def gather(sim: ZKClockSimulator, protocol: str = "tcp", rounds: int = 1, **options) -> GatherResult:
    clock_options = {key: options.pop(key) for key in ("comm_key", "timeout", "department") if key in options}
    config = AttendanceClockConfig(
        clocks=[ClockConfig(name="entrance", address="127.0.0.1", port=sim.port, protocol=protocol, **clock_options)],
        **options)
    clock_input = AttendanceClockInput(config, clock=frozen_clock)
    for _ in range(rounds):
        result = GatherResult({})
        clock_input.gather(result)
    return result


def samples(result: GatherResult) -> dict[str, float]:
    return {name: value for name, _, value, _ in result.samples if name.startswith("itops_attendance_clock_")}


def only_check(result: GatherResult):
    (check,) = result.checks
    return CheckStatus(check.status), check.message


# --- the packets ---------------------------------------------------------------------------------------

def test_checksum_matches_the_protocol_test_vectors():
    assert checksum(bytes.fromhex("0b00f38d03005a4b4661636556657273696f6e00")) == 0x175A
    assert checksum(bytes.fromhex("d007f38d0a0009")) == 0x6A29


def test_connect_packet_is_the_one_devices_expect():
    assert encode(Packet(Command.CONNECT, 0, 0)).hex() == "e80317fc00000000"


def test_tcp_frame_adds_the_start_marker_and_length():
    assert tcp_frame(b"\x01\x02\x03").hex() == "5050827d03000000010203"


def test_packet_with_a_bad_checksum_is_refused():
    raw = bytearray(encode(Packet(Command.GET_TIME, 7, 3)))
    raw[2] ^= 0xFF
    with pytest.raises(ProtocolError, match="bad checksum"):
        decode(bytes(raw))


def test_device_time_round_trips_through_its_31_day_calendar():
    wall = datetime(2024, 2, 29, 23, 59, 58)
    assert encode_time(wall) == 776_563_198
    assert decode_time(776_563_198) == wall


def test_comm_key_token_for_key_123456_session_0x5a17():
    assert comm_key_token(123456, 0x5A17).hex() == "267f32a3"


def test_free_sizes_survive_encoding():
    assert FreeSizes.decode(NORMAL_SIZES.encode()) == NORMAL_SIZES


def test_free_sizes_without_face_fields_have_no_face_store():
    assert FreeSizes.decode(NORMAL_SIZES.encode()[:80]).faces_capacity == 0


# --- the client ----------------------------------------------------------------------------------------

def test_client_reads_identity_time_and_sizes(protocol):
    with simulator() as sim, ZKClient("127.0.0.1", sim.port, protocol, 2.0) as client:
        client.connect()
        assert client.option("~SerialNumber") == "CKJU201960042"
        assert client.option("~DeviceName") == "MB460"
        assert client.option("~NoSuchOption") == ""
        assert client.firmware_version() == "Ver 6.60 Apr 13 2022"
        assert client.device_time() == datetime.fromtimestamp(NOW_S)
        assert client.free_sizes() == NORMAL_SIZES


def test_client_authenticates_with_the_comm_key(protocol):
    with simulator(comm_key=123456) as sim, ZKClient("127.0.0.1", sim.port, protocol, 2.0) as client:
        client.connect(123456)
        assert client.free_sizes() == NORMAL_SIZES


def test_client_with_a_wrong_comm_key_is_refused(protocol):
    with (simulator(comm_key=123456) as sim, ZKClient("127.0.0.1", sim.port, protocol, 2.0) as client,
          pytest.raises(CommKeyRefused)):
        client.connect(654321)


def test_client_ends_the_session_on_leaving():
    with simulator() as sim:
        with ZKClient("127.0.0.1", sim.port, "udp", 2.0) as client:
            client.connect()
            assert len(sim._sessions) == 1
        assert sim._sessions == {}


# --- the input, one state of the simulator at a time ---------------------------------------------------

def test_normal_clock_reports_its_storage_drift_and_identity(protocol):
    with simulator() as sim:
        result = gather(sim, protocol, department="HR")
    values = samples(result)
    assert values["itops_attendance_clock_up"] == 1
    assert values["itops_attendance_clock_reachable"] == 1
    assert values["itops_attendance_clock_drift_seconds"] == 0
    assert values["itops_attendance_clock_records"] == 12000
    assert values["itops_attendance_clock_records_capacity"] == 100000
    assert values["itops_attendance_clock_records_usage_ratio"] == 0.12
    assert values["itops_attendance_clock_users_usage_ratio"] == 0.04
    assert values["itops_attendance_clock_faces"] == 80
    assert values["itops_attendance_clock_fingerprints_capacity"] == 3000
    assert values["itops_attendance_clock_time_corrections_total"] == 0
    assert 0 < values["itops_attendance_clock_response_time_seconds"] < 1
    assert only_check(result) == (CheckStatus.OK, "online; clock in time; attendance record storage 12% full (12000 of 100000)")


def test_info_gauge_carries_serial_firmware_and_model():
    with simulator() as sim:
        result = gather(sim, department="HR")
    (labels,) = [labels for name, labels, _, _ in result.samples if name == "itops_attendance_clock_info"]
    assert labels == {"clock": "entrance", "address": "127.0.0.1", "department": "HR", "serial_number": "CKJU201960042",
                      "model": "MB460", "platform": "ZMM220_TFT", "firmware": "Ver 6.60 Apr 13 2022"}


def test_clock_ten_minutes_fast_warns(protocol):
    with simulator("clock_off_10min") as sim:
        result = gather(sim, protocol)
    assert samples(result)["itops_attendance_clock_drift_seconds"] == 600
    assert only_check(result) == (CheckStatus.WARNING, ("online; clock is 10 min fast (more than 60 s off); "
                                                        "attendance record storage 12% full (12000 of 100000)"))


def test_clock_slow_by_less_than_the_threshold_is_ok():
    with simulator() as sim:
        sim.offset_s = -45
        result = gather(sim)
    assert samples(result)["itops_attendance_clock_drift_seconds"] == -45
    assert only_check(result)[0] is CheckStatus.OK


def test_drift_above_the_threshold_is_corrected_and_counted(protocol):
    with simulator("clock_off_10min") as sim:
        first = gather(sim, protocol, correct_drift_above=300.0)
        assert sim.device_wall_time() == datetime.fromtimestamp(NOW_S)
        assert sim.time_corrections == 1
    assert samples(first)["itops_attendance_clock_time_corrections_total"] == 1
    assert only_check(first)[1].startswith("online; clock was 10 min fast, set it to the agent's time")


def test_corrected_clock_is_ok_the_next_round_and_the_counter_stays():
    with simulator("clock_off_10min") as sim:
        second = gather(sim, correct_drift_above=300.0, rounds=2)
        assert sim.time_corrections == 1
    assert samples(second)["itops_attendance_clock_drift_seconds"] == 0
    assert samples(second)["itops_attendance_clock_time_corrections_total"] == 1
    assert only_check(second)[0] is CheckStatus.OK


def test_drift_below_correct_drift_above_is_left_alone():
    with simulator("clock_off_10min") as sim:
        gather(sim, correct_drift_above=900.0)
        assert sim.time_corrections == 0


def test_record_storage_95_percent_full_warns(protocol):
    with simulator("records_95pct") as sim:
        result = gather(sim, protocol)
    assert samples(result)["itops_attendance_clock_records_usage_ratio"] == 0.95
    assert only_check(result) == (CheckStatus.WARNING, "online; clock in time; attendance record storage 95% full (95000 of 100000)")


def test_full_user_storage_is_critical():
    with simulator() as sim:
        sim.sizes = FreeSizes(users=3000, users_capacity=3000, fingerprints=0, fingerprints_capacity=0,
                              records=10, records_capacity=100000)
        result = gather(sim)
    assert only_check(result) == (CheckStatus.CRITICAL, ("online; clock in time; attendance record storage 0% full (10 of 100000); "
                                                         "user storage 100% full (3000 of 3000), "
                                                         "new entries are refused or overwrite old ones"))
    assert "itops_attendance_clock_fingerprints" not in samples(result)


def test_offline_clock_is_critical_and_unreachable(protocol):
    with simulator("offline") as sim:
        result = gather(sim, protocol)
    assert samples(result) == {"itops_attendance_clock_up": 0, "itops_attendance_clock_reachable": 0,
                               "itops_attendance_clock_time_corrections_total": 0}
    status, message = only_check(result)
    assert status is CheckStatus.CRITICAL
    assert message.startswith(f"offline: cannot reach 127.0.0.1:{sim.port}/{protocol}; connection refused, the port is closed")


def test_silent_clock_answers_the_port_but_not_the_protocol(protocol):
    with simulator("silent") as sim:
        result = gather(sim, protocol, timeout=0.3)
    values = samples(result)
    assert (values["itops_attendance_clock_up"], values["itops_attendance_clock_reachable"]) == (0, 1)
    assert only_check(result) == (CheckStatus.CRITICAL, (f"answers on port {sim.port} but not as an attendance clock; "
                                                         "its software may have hung; no answer within 0.3 s"))


def test_wrong_comm_key_warns_that_the_clock_is_up_but_locked():
    with simulator(comm_key=123456) as sim:
        result = gather(sim, comm_key=111)
    values = samples(result)
    assert (values["itops_attendance_clock_up"], values["itops_attendance_clock_reachable"]) == (0, 1)
    assert only_check(result) == (CheckStatus.WARNING, "online, but refused comm key 111: set the clock's Comm Key in the config")


def test_another_service_on_the_port_is_not_taken_for_a_clock():
    with socket.create_server(("127.0.0.1", 0)) as server:
        threading.Thread(target=lambda: server.accept()[0].sendall(b"SSH-2.0-OpenSSH_9.2\r\n"), daemon=True).start()
        config = AttendanceClockConfig(clocks=[ClockConfig(name="x", address="127.0.0.1", port=server.getsockname()[1], timeout=2.0)])
        result = GatherResult({})
        AttendanceClockInput(config, clock=frozen_clock).gather(result)
    status, message = only_check(result)
    assert status is CheckStatus.CRITICAL
    assert message.endswith("not as an attendance clock; its software may have hung; "
                            "TCP frame starts with 5353482d, not 5050827d: not a ZK device")


def test_clocks_are_read_together_and_reported_apart():
    with simulator() as good, simulator("offline") as gone:
        config = AttendanceClockConfig(clocks=[ClockConfig(name="a", address="127.0.0.1", port=good.port),
                                               ClockConfig(name="b", address="127.0.0.1", port=gone.port)])
        result = GatherResult({})
        AttendanceClockInput(config, clock=frozen_clock).gather(result)
    assert {check.target: CheckStatus(check.status) for check in result.checks} == {"a": CheckStatus.OK, "b": CheckStatus.CRITICAL}


# --- the config ----------------------------------------------------------------------------------------

def test_sample_config_loads():
    config = load_file(SAMPLE, AttendanceClockConfig)
    assert [clock.name for clock in config.clocks] == ["main-entrance", "warehouse"]
    assert config.correct_drift_above == 120


def test_unknown_time_zone_is_a_config_error_naming_the_field():
    with pytest.raises(ConfigError, match=r"clocks\[0\]: timezone: unknown time zone 'Mars/Olympus'"):
        load_text("type: attendance_clock\nclocks:\n  - {name: a, address: x, timezone: Mars/Olympus}\n", AttendanceClockConfig)


def test_repeated_clock_names_are_a_config_error():
    with pytest.raises(ConfigError, match="repeated: a"):
        load_text("type: attendance_clock\nclocks:\n  - {name: a, address: x}\n  - {name: a, address: y}\n", AttendanceClockConfig)


def test_config_without_clocks_is_refused():
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"type": "attendance_clock", "clocks": []}, AttendanceClockConfig)
