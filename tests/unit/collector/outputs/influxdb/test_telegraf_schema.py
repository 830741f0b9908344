"""Telegraf's host schema: every field ``telegraf_lines`` can write is one Telegraf documents, with the type it
documents; tags, grouping and Telegraf's formulas on given samples. (Telegraf's formulas on real /proc data through
the real host input, and the lines in a real InfluxDB 1.6: tests/integration/test_telegraf_schema.py.)"""

from __future__ import annotations

import re
import time

import pytest

from itops.agent.inputs.host.config import HostConfig
from itops.agent.inputs.host.host import HostInput
from itops.collector.outputs.influxdb.telegraf_schema import (
    TELEGRAF_FIELD_TYPES,
    TELEGRAF_SOURCE_METRICS,
    telegraf_lines,
)
from tests.unit.agent.inputs.host.test_host import RecordingAccumulator

# Telegraf's documented fields and types, per measurement, as the plugins' READMEs list them (taken 2026-12):
#   cpu        https://docs.influxdata.com/telegraf/v1/input-plugins/cpu/        "time_user (float)" … "usage_user (float, percent)"
#   mem        https://docs.influxdata.com/telegraf/v1/input-plugins/mem/        "active (integer)" … "used_percent (float)"
#   swap       https://docs.influxdata.com/telegraf/v1/input-plugins/swap/       table: field | type (int / float)
#   disk       https://docs.influxdata.com/telegraf/v1/input-plugins/disk/       "free (integer, bytes)" … "used_percent (float, percent)"
#   diskio     https://docs.influxdata.com/telegraf/v1/input-plugins/diskio/     "reads (integer, counter)" …
#   net        https://docs.influxdata.com/telegraf/v1/input-plugins/net/        names only; types from its example output (all `i`)
#   system     https://docs.influxdata.com/telegraf/v1/input-plugins/system/     "load1 (float)" … "uptime (integer, seconds)"
#   processes  https://docs.influxdata.com/telegraf/v1/input-plugins/processes/  names only; types from its example output (all `i`)
INTEGER, FLOAT, STRING = "integer", "float", "string"
TELEGRAF_DOCUMENTED_FIELDS = {
    "cpu": {
        **{f"time_{mode}": FLOAT for mode in ("user", "system", "idle", "active", "nice", "iowait", "irq", "softirq",
                                              "steal", "guest", "guest_nice")},
        **{f"usage_{mode}": FLOAT for mode in ("user", "system", "idle", "active", "nice", "iowait", "irq", "softirq",
                                               "steal", "guest", "guest_nice")},
    },
    "mem": {
        **dict.fromkeys((
            "active", "available", "buffered", "cached", "commit_limit", "committed_as", "dirty", "free", "high_free",
            "high_total", "huge_pages_free", "huge_page_size", "huge_pages_total", "inactive", "laundry", "low_free",
            "low_total", "mapped", "page_tables", "shared", "slab", "sreclaimable", "sunreclaim", "swap_cached",
            "swap_free", "swap_total", "total", "used", "vmalloc_chunk", "vmalloc_total", "vmalloc_used", "wired",
            "write_back", "write_back_tmp"), INTEGER),
        "available_percent": FLOAT, "used_percent": FLOAT,
    },
    "swap": {"free": INTEGER, "total": INTEGER, "used": INTEGER, "used_percent": FLOAT, "in": INTEGER, "out": INTEGER},
    "disk": {"free": INTEGER, "total": INTEGER, "used": INTEGER, "used_percent": FLOAT, "inodes_free": INTEGER,
             "inodes_total": INTEGER, "inodes_used": INTEGER},
    "diskio": dict.fromkeys(("reads", "writes", "read_bytes", "write_bytes", "read_time", "write_time", "io_time",
                             "weighted_io_time", "iops_in_progress", "merged_reads", "merged_writes"), INTEGER),
    "net": dict.fromkeys(("bytes_sent", "bytes_recv", "packets_sent", "packets_recv", "err_in", "err_out", "drop_in",
                          "drop_out"), INTEGER),
    "system": {"load1": FLOAT, "load15": FLOAT, "load5": FLOAT, "n_users": INTEGER, "n_unique_users": INTEGER,
               "n_cpus": INTEGER, "uptime": INTEGER, "uptime_format": STRING},
    "processes": dict.fromkeys(("blocked", "running", "sleeping", "stopped", "total", "zombie", "dead", "wait", "idle",
                                "paging", "parked", "total_threads"), INTEGER),
}
TELEGRAF_DOCUMENTED_TAGS = {"cpu": {"cpu"}, "mem": set(), "swap": set(), "disk": {"fstype", "device", "path", "mode"},
                            "diskio": {"name"}, "net": {"interface"}, "system": set(), "processes": set()}
# Where the plugin's code writes another name than its README: processes_notwindows.go (getEmptyFields) writes
# "zombies" (the README says "zombie"; dashboards query "zombies") and counts "unknown" (README: not listed).
# https://github.com/influxdata/telegraf/blob/master/plugins/inputs/processes/processes_notwindows.go
WRITTEN_BY_TELEGRAF_UNDOCUMENTED = {"processes": {"zombies": INTEGER, "unknown": INTEGER}}

HOST = {"host": "web-01", "agent": "agent-web-01"}
T_NS = 1_700_000_000_000_000_000
LINUX_CPU_MODES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice")
PSUTIL_LINUX_STATES = ("running", "sleeping", "disk-sleep", "stopped", "tracing-stop", "zombie", "dead", "wake-kill",
                       "waking", "idle", "parked", "unknown")


def telegraf_field_type(measurement: str, field: str) -> str | None:
    documented = TELEGRAF_DOCUMENTED_FIELDS[measurement].get(field)
    return documented or WRITTEN_BY_TELEGRAF_UNDOCUMENTED.get(measurement, {}).get(field)


def parse_line(line: str) -> tuple[str, dict[str, str], dict[str, tuple[str, float]], int]:
    """(measurement, tags, {field: (integer|float, value)}, timestamp) of one line without string fields."""
    head, fields_text, timestamp = re.split(r"(?<!\\) ", line)
    measurement, *tag_texts = re.split(r"(?<!\\),", head)
    tags = dict(re.split(r"(?<!\\)=", tag, maxsplit=1) for tag in tag_texts)
    fields = {}
    for field_text in fields_text.split(","):
        name, value = field_text.split("=")
        fields[name] = (INTEGER, int(value[:-1])) if value.endswith("i") else (FLOAT, float(value))
    return measurement, {name: value.replace("\\ ", " ").replace("\\,", ",") for name, value in tags.items()}, \
        fields, int(timestamp)


def parsed(samples) -> dict[tuple[str, tuple], dict[str, tuple[str, float]]]:
    """The lines of ``samples`` by (measurement, sorted tags)."""
    lines = {}
    for line in telegraf_lines(samples):
        measurement, tags, fields, _ = parse_line(line)
        key = (measurement, tuple(sorted(tags.items())))
        assert key not in lines, f"two lines for {key}"
        lines[key] = fields
    return lines


def fields_of(samples, measurement: str, **tags: str) -> dict[str, float]:
    matches = [fields for (name, tag_items), fields in parsed(samples).items()
               if name == measurement and tags.items() <= dict(tag_items).items()]
    assert len(matches) == 1, f"{measurement}{tags}: {len(matches)} lines in {telegraf_lines(samples)}"
    return {name: value for name, (_, value) in matches[0].items()}


def sample(metric: str, value: float, t_ns: int = T_NS, **labels: str):
    return metric, {**HOST, **labels}, t_ns, value


def every_source_metric() -> list:
    """A batch with every metric the schema reads, every CPU mode and every process state psutil knows on Linux."""
    disk = {"disk": "/dev/sda1", "mountpoint": "/", "fstype": "ext4"}
    batch = [sample("itops_host_cpu_mode_ratio", 0.1, cpu=cpu, mode=mode) for cpu in ("total", "0") for mode in LINUX_CPU_MODES]
    batch += [sample("itops_host_processes_state", 2, state=state) for state in PSUTIL_LINUX_STATES]
    batch += [sample(metric, 3.0, **disk) for metric in TELEGRAF_SOURCE_METRICS if metric.startswith("itops_host_filesystem_")]
    batch += [sample(metric, 4.0, disk="sda") for metric in TELEGRAF_SOURCE_METRICS if metric.startswith("itops_host_disk_")]
    batch += [sample(metric, 5.0, interface="eth0") for metric in TELEGRAF_SOURCE_METRICS
              if metric.startswith("itops_host_network_")]
    labelled = {metric for metric, *_ in batch} | {"itops_host_cpu_mode_ratio", "itops_host_processes_state"}
    batch += [sample(metric, 6.0) for metric in sorted(TELEGRAF_SOURCE_METRICS - labelled)]
    return batch


def test_every_field_the_schema_has_is_documented_by_telegraf_with_the_same_type():
    types = {int: INTEGER, float: FLOAT}
    wrong = {(measurement, field, types[kind], telegraf_field_type(measurement, field))
             for measurement, fields in TELEGRAF_FIELD_TYPES.items() for field, kind in fields.items()
             if telegraf_field_type(measurement, field) != types[kind]}
    assert wrong == set()
    assert set(TELEGRAF_FIELD_TYPES) == set(TELEGRAF_DOCUMENTED_FIELDS)


def test_every_field_written_has_telegrafs_name_and_type_and_every_field_of_the_schema_can_be_written():
    written: dict[str, set[str]] = {}
    for line in telegraf_lines(every_source_metric()):
        measurement, tags, fields, _ = parse_line(line)
        assert set(tags) == TELEGRAF_DOCUMENTED_TAGS[measurement] | set(HOST), line
        for field, (kind, _) in fields.items():
            assert telegraf_field_type(measurement, field) == kind, f"{measurement} {field}: {kind} in {line}"
        written.setdefault(measurement, set()).update(fields)
    assert written == {measurement: set(fields) for measurement, fields in TELEGRAF_FIELD_TYPES.items()}


def test_every_source_metric_is_a_host_metric():
    assert all(metric.startswith("itops_host_") for metric in TELEGRAF_SOURCE_METRICS)


def test_cpu_usage_in_percent_with_telegrafs_cpu_tag():
    shares = {"user": 0.3, "nice": 0.05, "system": 0.1, "idle": 0.3, "iowait": 0.1, "irq": 0.0, "softirq": 0.0,
              "steal": 0.0, "guest": 0.1, "guest_nice": 0.05}
    batch = [sample("itops_host_cpu_mode_ratio", share, cpu=cpu, mode=mode) for cpu in ("total", "3")
             for mode, share in shares.items()]
    for cpu in ("cpu-total", "cpu3"):
        fields = fields_of(batch, "cpu", cpu=cpu)
        assert fields == pytest.approx({"usage_user": 30, "usage_nice": 5, "usage_system": 10, "usage_idle": 30,
                                        "usage_iowait": 10, "usage_irq": 0, "usage_softirq": 0, "usage_steal": 0,
                                        "usage_guest": 10, "usage_guest_nice": 5, "usage_active": 70}, rel=1e-12)


def test_cpu_modes_telegraf_has_no_field_for_are_left_out():
    batch = [sample("itops_host_cpu_mode_ratio", 0.2, cpu="total", mode=mode) for mode in ("user", "system", "idle", "interrupt", "dpc")]
    assert set(fields_of(batch, "cpu", cpu="cpu-total")) == {"usage_user", "usage_system", "usage_idle", "usage_active"}


def memory(total=8000, available=5000, used=3000, free=1000, buffers=500, cached=2500):
    values = {"total": total, "available": available, "used": used, "free": free, "buffers": buffers, "cached": cached}
    return [sample(f"itops_host_memory_{part}_bytes", value) for part, value in values.items() if value is not None]


def test_memory_used_is_telegrafs_total_minus_free_buffers_and_cache_not_psutils_total_minus_available():
    fields = fields_of(memory(total=8000, available=5000, used=3000, free=1000, buffers=500, cached=2500), "mem")
    assert fields == {"total": 8000, "available": 5000, "used": 4000, "free": 1000, "buffered": 500, "cached": 2500,
                      "used_percent": 50.0, "available_percent": 62.5}


def test_memory_used_is_psutils_where_the_os_reports_no_buffers_or_cache():
    fields = fields_of(memory(total=8000, available=5000, used=3000, buffers=None, cached=None), "mem")
    assert fields["used"] == 3000 and fields["used_percent"] == 37.5
    assert "buffered" not in fields and "cached" not in fields


def test_swap_used_percent_and_none_at_all_is_zero_percent():
    swap = {"total": 4000, "used": 1000, "free": 3000}
    batch = [sample(f"itops_host_swap_{name}_bytes", value) for name, value in swap.items()]
    batch += [sample("itops_host_swap_in_bytes_total", 8192), sample("itops_host_swap_out_bytes_total", 4096)]
    assert fields_of(batch, "swap") == {"total": 4000, "used": 1000, "free": 3000, "used_percent": 25.0, "in": 8192,
                                        "out": 4096}
    no_swap = [sample(f"itops_host_swap_{name}_bytes", 0) for name in swap]
    assert fields_of(no_swap, "swap")["used_percent"] == 0.0


def filesystem(read_only: float | None = 0, size=1000, used=300, free=600, **labels):
    labels = {"disk": "/dev/mapper/vg0-root", "mountpoint": "/", "fstype": "xfs", **labels}
    values = {"size_bytes": size, "used_bytes": used, "free_bytes": free, "inodes": 100, "inodes_free": 40,
              "read_only": read_only}
    return [sample(f"itops_host_filesystem_{name}", value, **labels) for name, value in values.items() if value is not None]


def test_disk_as_telegraf_with_used_percent_as_df_and_the_device_without_dev():
    fields = fields_of(filesystem(), "disk", device="mapper/vg0-root", path="/", fstype="xfs", mode="rw")
    assert fields == {"total": 1000, "used": 300, "free": 600, "used_percent": pytest.approx(100 / 3, rel=1e-12),
                      "inodes_total": 100, "inodes_free": 40, "inodes_used": 60}


def test_disk_mode_is_ro_or_rw_and_without_it_there_is_no_line_rather_than_one_in_another_series():
    assert fields_of(filesystem(read_only=1), "disk", mode="ro")
    assert telegraf_lines(filesystem(read_only=None)) == []


def test_a_filesystem_of_no_size_gives_no_line_as_in_telegraf():
    assert telegraf_lines(filesystem(size=0, used=0, free=0)) == []


def test_diskio_times_in_milliseconds_and_counts_as_integers():
    counters = {"reads_total": 10, "writes_total": 20, "read_bytes_total": 4096, "written_bytes_total": 8192,
                "merged_reads_total": 3, "merged_writes_total": 4, "read_time_seconds_total": 9.092,
                "write_time_seconds_total": 24.61, "io_time_seconds_total": 8.88}
    batch = [sample(f"itops_host_disk_{name}", value, disk="nvme0n1") for name, value in counters.items()]
    line, = telegraf_lines(batch)
    assert line.startswith("diskio,agent=agent-web-01,host=web-01,name=nvme0n1 ")
    assert fields_of(batch, "diskio") == {"reads": 10, "writes": 20, "read_bytes": 4096, "write_bytes": 8192,
                                          "merged_reads": 3, "merged_writes": 4, "read_time": 9092,
                                          "write_time": 24610, "io_time": 8880}


def test_net_counters_by_interface():
    counters = {"transmitted_bytes": 1, "received_bytes": 2, "transmitted_packets": 3, "received_packets": 4,
                "receive_errors": 5, "transmit_errors": 6, "receive_drops": 7, "transmit_drops": 8}
    batch = [sample(f"itops_host_network_{name}_total", value, interface="enp3s0") for name, value in counters.items()]
    assert fields_of(batch, "net", interface="enp3s0") == {
        "bytes_sent": 1, "bytes_recv": 2, "packets_sent": 3, "packets_recv": 4, "err_in": 5, "err_out": 6,
        "drop_in": 7, "drop_out": 8}


def test_system_with_uptime_in_whole_seconds_cut_not_rounded():
    batch = [sample("itops_host_load1", 0.5), sample("itops_host_load5", 0.25), sample("itops_host_load15", 0.125),
             sample("itops_host_cpus", 8), sample("itops_host_user_sessions", 3), sample("itops_host_users", 2),
             sample("itops_host_uptime_seconds", 3600.99)]
    assert fields_of(batch, "system") == {"load1": 0.5, "load5": 0.25, "load15": 0.125, "n_cpus": 8, "n_users": 3,
                                          "n_unique_users": 2, "uptime": 3600}


def test_processes_by_telegrafs_state_names():
    states = {"running": 2, "sleeping": 50, "disk-sleep": 1, "stopped": 1, "tracing-stop": 1, "zombie": 3, "dead": 0,
              "waking": 0, "idle": 4, "unknown": 0, "wake-kill": 1}
    batch = [sample("itops_host_processes_state", count, state=state) for state, count in states.items()]
    batch.append(sample("itops_host_processes", 63))
    assert fields_of(batch, "processes") == {"running": 2, "sleeping": 50, "blocked": 1, "stopped": 2, "zombies": 3,
                                             "dead": 0, "paging": 0, "idle": 4, "unknown": 0, "total": 63}


def test_a_process_field_made_of_two_states_is_written_only_with_both():
    batch = [sample("itops_host_processes_state", 1, state="stopped"), sample("itops_host_processes_state", 2, state="zombie")]
    assert fields_of(batch, "processes") == {"zombies": 2}


def test_processes_without_their_states_give_the_total_only():
    assert fields_of([sample("itops_host_processes", 58)], "processes") == {"total": 58}


def test_samples_of_one_line_share_labels_and_timestamp():
    batch = memory() + [(metric, labels, T_NS + 15_000_000_000, value) for metric, labels, _, value in memory()]
    batch += [(metric, {**labels, "host": "web-02"}, t, value) for metric, labels, t, value in memory()]
    lines = telegraf_lines(batch)
    assert len(lines) == 3
    assert {parse_line(line)[3] for line in lines} == {T_NS, T_NS + 15_000_000_000}


def test_every_label_is_kept_as_a_tag():
    batch = [(metric, {**labels, "department": "finance", "location": "floor 3"}, t, value)
             for metric, labels, t, value in memory()]
    line, = telegraf_lines(batch)
    assert line.startswith(r"mem,agent=agent-web-01,department=finance,host=web-01,location=floor\ 3 ")


def test_tag_values_are_escaped_and_a_trailing_backslash_is_left_out_as_telegraf_does():
    windows = filesystem(disk="C:\\", mountpoint="C:\\", fstype="NTFS")
    line, = telegraf_lines([(metric, {**labels, "host": "pc 7,a=b"}, t, value) for metric, labels, t, value in windows])
    assert line.startswith(r"disk,agent=agent-web-01,device=C:,fstype=NTFS,host=pc\ 7\,a\=b,mode=rw,path=C: ")


def test_metrics_telegraf_has_no_field_for_give_no_line():
    batch = [sample("itops_host_cpu_usage_ratio", 0.5, cpu="total"), sample("itops_host_disk_busy_ratio", 0.1, disk="sda"),
             sample("itops_host_network_received_bytes_per_second", 10.0, interface="eth0")]
    assert telegraf_lines(batch) == []


def test_values_that_are_not_finite_are_left_out():
    batch = memory() + [sample("itops_host_load1", float("nan")), sample("itops_host_load5", 0.5)]
    assert "load1" not in fields_of(batch, "system")



def test_a_gather_cut_into_two_batches_gives_parts_of_its_lines_never_another_value_or_series():
    host = HostInput(HostConfig())
    host.gather(RecordingAccumulator())
    time.sleep(0.2)
    acc = RecordingAccumulator()
    host.gather(acc)
    gathered = [(name, {**labels, **HOST}, timestamp_ms * 1_000_000, value) for name, value, labels, timestamp_ms in acc.samples]
    whole = parsed(gathered)
    for cut in range(1, len(gathered)):
        for part in (gathered[:cut], gathered[cut:]):
            for key, fields in parsed(part).items():
                assert key in whole, f"cut at {cut}: a series the whole gather has not: {key}"
                assert fields.items() <= whole[key].items(), f"cut at {cut}: {key} {fields} not in {whole[key]}"
