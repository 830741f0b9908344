"""How many bytes the largest real batch needs on the wire; the collector's gRPC receive limit follows from it.

The largest real batch holds ``max_samples_per_batch`` samples, each in its own series (an agent seals about
one gather per batch, so an SNMP poller's series each appear once), every key as long as the longest the
shipped inputs make with asset labels: 230 characters measured for a host filesystem series with department,
location and responsible person, about 300 for an SNMP interface series with a long interface name; taken
as ``SERIES_KEY_CHARS``. On top come ``CHECKS_PER_BATCH`` check results with long messages and an inventory
snapshot with the most disks and interfaces validation allows. A larger message is refused by gRPC itself
(RESOURCE_EXHAUSTED) before it reaches the collector's code.
"""

from __future__ import annotations

import math

from itops.collector.ingest.validation_limits import ValidationLimits
from itops.v1 import ingest_pb2

__all__ = ["receive_limit_bytes", "worst_case_batch"]

SERIES_KEY_CHARS = 320
CHECKS_PER_BATCH = 1000
CHECK_MESSAGE_CHARS = 1024
CHECK_LABELS = 6
# One sample in its own series: the key (tag, 2-byte length, text), then its index (3-byte varint up to
# 2 M series), timestamp (6-byte varint of a Unix time in ms) and value (8-byte double) in packed columns.
SAMPLE_WIRE_BYTES = 1 + 2 + SERIES_KEY_CHARS + 3 + 6 + 8
RECEIVE_HEADROOM = 1.25
_MIB = 2**20
_NOW_MS = 1_750_000_000_000


def receive_limit_bytes(limits: ValidationLimits) -> int:
    """``RECEIVE_HEADROOM`` × the largest real batch at ``limits.max_samples_per_batch``, rounded up to a MiB."""
    needed = limits.max_samples_per_batch * SAMPLE_WIRE_BYTES + worst_case_batch(0, limits).ByteSize()
    return math.ceil(needed * RECEIVE_HEADROOM / _MIB) * _MIB


def worst_case_batch(samples: int, limits: ValidationLimits, sequence: int = 1, now_ms: int = _NOW_MS) -> ingest_pb2.Batch:
    """The largest real batch with ``samples`` samples, valid under ``limits`` for timestamps near ``now_ms``."""
    return ingest_pb2.Batch(
        sequence=sequence, created_unix_ms=now_ms,
        samples=ingest_pb2.SampleBlock(series=[_series_key(i) for i in range(samples)], series_index=range(samples),
                                       timestamps_ms=[now_ms] * samples, values=[float(i) for i in range(samples)]),
        checks=[_check_result(i, now_ms) for i in range(min(CHECKS_PER_BATCH, limits.max_checks_per_batch))],
        inventory=_inventory(limits, now_ms))


def _series_key(index: int) -> str:
    key = (f'itops_network_interface_traffic_bytes_per_second{{department="Production Engineering",'
           f'device="core-switch-building-b-{index:07d}",direction="in",host="snmp-poller-01.plant-b.example.local",'
           f'if_index="{index}",interface="GigabitEthernet1/0/48",location="Building B, floor 3, rack 12",'
           f'responsible_person="Zhang Wei",uplink="')
    return key + "x" * (SERIES_KEY_CHARS - len(key) - 2) + '"}'


def _check_result(index: int, now_ms: int) -> ingest_pb2.CheckResult:
    return ingest_pb2.CheckResult(
        check="tls_certificate_file", target=f"/etc/ssl/certs/service-{index:05d}.example.local.pem",
        status=ingest_pb2.CHECK_STATUS_WARNING, message="m" * CHECK_MESSAGE_CHARS, duration_seconds=0.0125,
        timestamp_ms=now_ms, labels=[ingest_pb2.Label(name=f"label_{n}", value="v" * 24) for n in range(CHECK_LABELS)])


def _inventory(limits: ValidationLimits, now_ms: int) -> ingest_pb2.InventorySnapshot:
    return ingest_pb2.InventorySnapshot(
        timestamp_ms=now_ms, cpu_model="Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", cpu_count_logical=128,
        cpu_count_physical=64, memory_total_bytes=2**40, os="Linux 6.1.0-18-amd64 (Debian GNU/Linux 12)",
        disks=[ingest_pb2.Disk(name=f"nvme{i}n1", model="SAMSUNG MZQL27T6HBLA-00A07", serial=f"S6CKNE0W{i:08d}",
                               size_bytes=7_680_000_000_000) for i in range(limits.max_inventory_disks)],
        network_interfaces=[ingest_pb2.NetworkInterface(name=f"ens{i}f0np0", mac_address="3c:ec:ef:00:00:00",
                                                        ip_addresses=["10.20.30.40", "fe80::3eec:efff:fe00:0"])
                            for i in range(limits.max_inventory_network_interfaces)])
