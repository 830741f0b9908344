"""Hello fields, check targets and messages, inventory strings and timestamps: refused naming the field."""

from __future__ import annotations

import pytest

from itops.collector.ingest.validation import BatchRejected, BatchValidator, ValidationLimits
from itops.v1 import ingest_pb2

NOW_MS = 1_700_000_000_000


def make_validator() -> BatchValidator:
    return BatchValidator(ValidationLimits(), clock=lambda: NOW_MS / 1000)


def hello_rejection(**fields) -> BatchRejected:
    hello = ingest_pb2.AgentHello(**{"hostname": "pc-1", "boot_time_unix_ms": NOW_MS - 1000, **fields})
    with pytest.raises(BatchRejected) as error:
        make_validator().validate_hello(hello)
    return error.value


def batch_rejection(batch: ingest_pb2.Batch) -> BatchRejected:
    batch.sequence = 1
    with pytest.raises(BatchRejected) as error:
        make_validator().validate(batch)
    return error.value


def test_plain_hello_is_accepted():
    make_validator().validate_hello(ingest_pb2.AgentHello(
        hostname="pc-1.example.local", os="Linux 6.1 (Debian GNU/Linux 12)", ip_addresses=["10.0.0.5", "fe80::1%eth0"],
        asset=ingest_pb2.Asset(location="HQ 3F 机房"), boot_time_unix_ms=NOW_MS - 1000))


@pytest.mark.parametrize("hostname", ["pc\x1b[2J", "pc\x07", "pc\n"])
def test_hostname_with_control_character_is_refused(hostname):
    exc = hello_rejection(hostname=hostname)
    assert exc.reason == "invalid_hello" and str(exc).startswith("hostname ") and "control character" in str(exc)


def test_megabyte_hostname_is_refused():
    assert "hostname is 1048576 bytes long; it must be 1 to 253" in str(hello_rejection(hostname="a" * 2**20))


def test_hostname_of_254_bytes_is_refused_counting_utf8_bytes():
    assert "it must be 1 to 253" in str(hello_rejection(hostname="机" * 85))  # 255 bytes, 85 characters


def test_empty_hostname_is_refused():
    assert "hostname is 0 bytes long" in str(hello_rejection(hostname=""))


def test_os_with_control_character_is_refused():
    assert str(hello_rejection(os="Linux\x1b]0;pwned\x07")).startswith("os ")


def test_over_long_ip_address_is_refused_naming_its_index():
    assert str(hello_rejection(ip_addresses=["10.0.0.1", "1" * 300])).startswith("ip_addresses[1] ")


def test_asset_field_with_control_character_is_refused():
    assert str(hello_rejection(asset=ingest_pb2.Asset(responsible_person="bob\x1b[31m"))).startswith(
        "asset.responsible_person ")


def test_boot_time_in_the_far_future_is_refused():
    assert "boot_time_unix_ms is 4611686018427387904" in str(hello_rejection(boot_time_unix_ms=2**62))


def test_check_message_with_escape_is_refused():
    check = ingest_pb2.CheckResult(check="tcp_connect", target="db:5432", message="down\x1b[2J", timestamp_ms=NOW_MS)
    exc = batch_rejection(ingest_pb2.Batch(checks=[check]))
    assert exc.reason == "invalid_check" and "checks[0].message has control character U+001B" in str(exc)


def test_check_message_may_span_lines():
    check = ingest_pb2.CheckResult(check="tcp_connect", target="db:5432", message="a\nb\tc", timestamp_ms=NOW_MS)
    make_validator().validate(ingest_pb2.Batch(sequence=1, checks=[check]))


def test_check_target_with_newline_is_refused():
    check = ingest_pb2.CheckResult(check="tcp_connect", target="db\n:5432", timestamp_ms=NOW_MS)
    assert "checks[0].target has control character U+000A" in str(batch_rejection(ingest_pb2.Batch(checks=[check])))


def test_inventory_string_with_control_character_is_refused_naming_the_field():
    batch = ingest_pb2.Batch(inventory=ingest_pb2.InventorySnapshot(timestamp_ms=NOW_MS))
    batch.inventory.disks.add(name="sda", model="Disk\x1b[2J")
    exc = batch_rejection(batch)
    assert exc.reason == "invalid_inventory" and str(exc).startswith("inventory.disks[0].model ")


def test_over_long_inventory_string_is_refused():
    batch = ingest_pb2.Batch(inventory=ingest_pb2.InventorySnapshot(timestamp_ms=NOW_MS, bios_vendor="x" * 257))
    assert "inventory.bios_vendor" in str(batch_rejection(batch)) and "the limit is 256" in str(batch_rejection(batch))


def test_inventory_timestamp_far_in_the_future_is_refused():
    batch = ingest_pb2.Batch(inventory=ingest_pb2.InventorySnapshot(timestamp_ms=2**62))
    assert "inventory.timestamp_ms is 4611686018427387904, after the newest accepted" in str(batch_rejection(batch))


def check_with_parts(*parts: tuple[str, dict[str, str]]) -> ingest_pb2.CheckResult:
    check = ingest_pb2.CheckResult(check="attendance_clock", target="door-1", message="online", timestamp_ms=NOW_MS)
    for key, args in parts:
        check.message_parts.add(key=key, args=args)
    return check


def test_message_parts_with_keys_and_arguments_are_accepted():
    check = check_with_parts(("attendance_clock.online", {}), ("attendance_clock.drift", {"drift_s": "-600.0"}),
                             ("connect.failed", {"error": "Network is unreachable\n(errno 101)"}))
    make_validator().validate(ingest_pb2.Batch(sequence=1, checks=[check]))


@pytest.mark.parametrize(("parts", "problem"), [
    ([("Attendance Clock", {})], "checks[0].message_parts[0].key 'Attendance Clock' must be dotted lower-case words"),
    ([("online", {})], "checks[0].message_parts[0].key 'online' must be dotted lower-case words"),
    ([("a.b" + "c" * 300, {})], "at most 200 characters"),
    ([("a.b", {"Drift": "1"})], "checks[0].message_parts[0].args: name 'Drift' must match [a-z_][a-z0-9_]*"),
    ([("a.b", {"error": "x" * 1025})], "checks[0].message_parts[0].args['error'] is 1025 characters long; the limit is 1024"),
    ([("a.b", {"error": "down\x1b[2J"})], "checks[0].message_parts[0].args['error'] has control character U+001B"),
    ([("a.b", {f"a{i}": "1" for i in range(17)})], "checks[0].message_parts[0].args holds 17 arguments; the limit is 16"),
    ([("a.b", {})] * 33, "checks[0].message_parts holds 33 parts; the limit is 32"),
])
def test_bad_message_parts_are_refused_naming_the_part(parts, problem):
    exc = batch_rejection(ingest_pb2.Batch(checks=[check_with_parts(*parts)]))
    assert exc.reason == "invalid_check" and problem in str(exc)
