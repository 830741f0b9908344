"""Telegraf's host schema against the real system: the values telegraf_lines writes for what the real host input
gathered equal Telegraf's own formulas worked out from the same /proc data, and the lines are accepted by a real
InfluxDB 1.6 with Telegraf's integer and float field types (SHOW FIELD KEYS)."""

from __future__ import annotations

import math
import os
import re
import struct
import time
from pathlib import Path

import psutil
import pytest

from itops.agent.inputs.host.config import HostConfig
from itops.agent.inputs.host.host import HostInput
from itops.collector.outputs.influxdb.telegraf_schema import (
    TELEGRAF_FIELD_TYPES,
    telegraf_lines,
)
from tests.unit.agent.inputs.host.test_host import RecordingAccumulator
from tests.unit.collector.outputs.influxdb.test_telegraf_schema import (
    HOST,
    TELEGRAF_DOCUMENTED_TAGS,
    every_source_metric,
    parse_line,
    telegraf_field_type,
)

from .time_series_servers import influxdb1  # noqa: F401

pytestmark = pytest.mark.integration
linux_proc = pytest.mark.skipif(not Path("/proc/stat").exists(), reason="Linux: Telegraf's formulas read /proc")

# --- Telegraf's formulas on real /proc data, through the real host input ---------------------------------------
# /proc is copied twice, a second apart (psutil reads the copy: psutil.PROCFS_PATH), the host input gathers from each
# copy, and what telegraf_lines writes is compared with Telegraf's formulas worked out here from the same copies.
# Load, logged-in users and filesystems are read live (os.getloadavg, utmp, statvfs), so they are compared with live
# readings taken around the gather.

PROC_FILES = ("stat", "meminfo", "vmstat", "diskstats", "net/dev", "self/mounts", "filesystems")
SECTOR_BYTES = 512  # /proc/diskstats counts 512-byte sectors whatever the disk's own sector size
USER_HZ = os.sysconf("SC_CLK_TCK")
CPU_MODES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice")
TELEGRAF_STATE_OF_LETTER = {"R": "running", "S": "sleeping", "D": "blocked", "Z": "zombies", "X": "dead",
                            "T": "stopped", "t": "stopped", "W": "paging", "I": "idle", "P": "parked"}
UTMP_RECORD = struct.Struct("hi32s4s32s256s2hi2i4i20s")  # glibc's struct utmp on 64-bit Linux, 384 bytes
USER_PROCESS = 7


def copy_proc(directory: Path) -> Path:
    for name in PROC_FILES:
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes((Path("/proc") / name).read_bytes())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            content = stat.read_bytes()
        except OSError:  # ended since listed
            continue
        (directory / stat.parent.name).mkdir()
        (directory / stat.parent.name / "stat").write_bytes(content)
    return directory


def cpu_lines(proc: Path) -> dict[str, dict[str, float]]:
    """Each ``cpu…`` line of /proc/stat: seconds per mode, by Telegraf's name (gopsutil's: "cpu" is "cpu-total")."""
    lines = {}
    for line in (proc / "stat").read_text().splitlines():
        name, *ticks = line.split()
        if name.startswith("cpu"):
            lines["cpu-total" if name == "cpu" else name] = {mode: int(tick) / USER_HZ for mode, tick in zip(CPU_MODES, ticks)}
    return lines


def telegraf_cpu_usage(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Telegraf's cpu input (cpu.go): percent of the total time's delta, guest left out of user and nice."""
    delta = {mode: after[mode] - before[mode] for mode in CPU_MODES}
    total = sum(delta[mode] for mode in CPU_MODES if mode not in ("guest", "guest_nice"))
    usage = {f"usage_{mode}": 100 * delta[mode] / total for mode in CPU_MODES}
    usage["usage_user"] = 100 * (delta["user"] - delta["guest"]) / total
    usage["usage_nice"] = 100 * (delta["nice"] - delta["guest_nice"]) / total
    usage["usage_active"] = 100 * (total - delta["idle"]) / total
    return usage


def meminfo(proc: Path) -> dict[str, int]:
    return {line.split(":")[0]: int(line.split()[1]) * (1024 if line.endswith("kB") else 1)
            for line in (proc / "meminfo").read_text().splitlines()}


def telegraf_mem(proc: Path) -> dict[str, float]:
    """gopsutil's VirtualMemory on Linux, as Telegraf's mem input writes it: cached includes SReclaimable."""
    info = meminfo(proc)
    total, free, buffers = info["MemTotal"], info["MemFree"], info["Buffers"]
    cached = info["Cached"] + info["SReclaimable"]
    used = total - free - buffers - cached
    return {"total": total, "available": info["MemAvailable"], "used": used, "free": free, "buffered": buffers,
            "cached": cached, "used_percent": 100 * used / total, "available_percent": 100 * info["MemAvailable"] / total}


def telegraf_swap(proc: Path) -> dict[str, float]:
    info = meminfo(proc)
    vmstat = dict(line.split() for line in (proc / "vmstat").read_text().splitlines())
    total, free = info["SwapTotal"], info["SwapFree"]
    return {"total": total, "free": free, "used": total - free,
            "used_percent": 100 * (total - free) / total if total else 0.0,
            "in": int(vmstat["pswpin"]) * 4096, "out": int(vmstat["pswpout"]) * 4096}


def telegraf_diskio(proc: Path) -> dict[str, dict[str, int]]:
    disks = {}
    for line in (proc / "diskstats").read_text().splitlines():
        _, _, name, reads, merged_reads, read_sectors, read_ms, writes, merged_writes, write_sectors, write_ms, _, \
            io_ms, *_ = line.split()
        disks[name] = {"reads": int(reads), "merged_reads": int(merged_reads),
                       "read_bytes": int(read_sectors) * SECTOR_BYTES, "read_time": int(read_ms),
                       "writes": int(writes), "merged_writes": int(merged_writes),
                       "write_bytes": int(write_sectors) * SECTOR_BYTES, "write_time": int(write_ms),
                       "io_time": int(io_ms)}
    return disks


def telegraf_net(proc: Path) -> dict[str, dict[str, int]]:
    interfaces = {}
    for line in (proc / "net/dev").read_text().splitlines()[2:]:
        name, counters = line.split(":", 1)
        c = [int(value) for value in counters.split()]
        interfaces[name.strip()] = {"bytes_recv": c[0], "packets_recv": c[1], "err_in": c[2], "drop_in": c[3],
                                    "bytes_sent": c[8], "packets_sent": c[9], "err_out": c[10], "drop_out": c[11]}
    return interfaces


def telegraf_processes(proc: Path) -> dict[str, int]:
    """Telegraf's processes input on Linux (gatherFromProc): the state letter after the command name's ')'."""
    fields = dict.fromkeys(("blocked", "zombies", "stopped", "running", "sleeping", "total", "unknown", "dead",
                            "paging", "idle"), 0)
    for stat in proc.glob("[0-9]*/stat"):
        data = stat.read_bytes()
        letter = chr(data[data.rindex(b")") + 2])
        if letter in TELEGRAF_STATE_OF_LETTER:
            fields[TELEGRAF_STATE_OF_LETTER[letter]] = fields.get(TELEGRAF_STATE_OF_LETTER[letter], 0) + 1
        fields["total"] += 1
    return fields


def utmp_users() -> tuple[int, int]:
    """(sessions, distinct users) of the USER_PROCESS records in utmp, as gopsutil's host.Users counts them."""
    path = Path("/var/run/utmp")
    data = path.read_bytes() if path.exists() else b""
    names = [record[4].rstrip(b"\0") for record in UTMP_RECORD.iter_unpack(data[:len(data) // UTMP_RECORD.size * UTMP_RECORD.size])
             if record[0] == USER_PROCESS]
    return len(names), len(set(names))


def burn_cpu(seconds: float) -> None:
    deadline = time.process_time() + seconds
    while time.process_time() < deadline:
        pass


@pytest.fixture
def proc_copies(tmp_path, monkeypatch):
    first = copy_proc(tmp_path / "first")
    burn_cpu(0.3)
    time.sleep(0.7)
    second = copy_proc(tmp_path / "second")
    yield first, second
    psutil.process_iter.cache_clear()  # no Process of the copies stays for other tests


def host_lines(first: Path, second: Path, monkeypatch, clock_s: float) -> list[str]:
    """The Telegraf lines of the host input's second gather, the first from ``first``, the second from ``second``."""
    now = [clock_s - 1]
    host = HostInput(HostConfig(), clock=lambda: now[0])
    for proc in (first, second):
        monkeypatch.setattr(psutil, "PROCFS_PATH", str(proc))
        psutil.process_iter.cache_clear()  # its Process objects keep reading the /proc they were made with
        acc = RecordingAccumulator()
        host.gather(acc)
        now[0] += 1
    return telegraf_lines((name, {**labels, **HOST}, timestamp_ms * 1_000_000, value)
                          for name, value, labels, timestamp_ms in acc.samples)


def by_tag(lines: list[str], measurement: str, tag: str | None = None) -> dict[str | None, dict[str, float]]:
    result = {}
    for line in lines:
        name, tags, fields, _ = parse_line(line)
        if name == measurement:
            result[tags[tag] if tag else None] = {field: value for field, (_, value) in fields.items()}
    return result


@linux_proc
def test_values_are_telegrafs_formulas_on_the_same_proc_data(proc_copies, monkeypatch):
    first, second = proc_copies
    load_before, users_before = Path("/proc/loadavg").read_text().split()[:3], utmp_users()
    clock_s = time.time()
    lines = host_lines(first, second, monkeypatch, clock_s)
    load_after, users_after = Path("/proc/loadavg").read_text().split()[:3], utmp_users()

    cpus_before, cpus_after = cpu_lines(first), cpu_lines(second)
    cpu = by_tag(lines, "cpu", "cpu")
    assert set(cpu) == set(cpus_after)
    for name in cpus_after.keys() - {"cpu-total"}:
        assert cpu[name] == pytest.approx(telegraf_cpu_usage(cpus_before[name], cpus_after[name]), rel=1e-9, abs=1e-9)
    # cpu-total is the cores' sum (the kernel's own "cpu" line is that sum too, unless a tick landed between the
    # two while /proc/stat was read: then the difference is that tick, and so is the tolerance).
    core_sums = [{mode: sum(times[mode] for name, times in lines_.items() if name != "cpu-total") for mode in CPU_MODES}
                 for lines_ in (cpus_before, cpus_after)]
    kernel_total = telegraf_cpu_usage(cpus_before["cpu-total"], cpus_after["cpu-total"])
    seconds_apart = sum(abs(lines_["cpu-total"][mode] - core_sum[mode]) for lines_, core_sum in
                        zip((cpus_before, cpus_after), core_sums) for mode in CPU_MODES)
    total_delta = sum(cpus_after["cpu-total"][mode] - cpus_before["cpu-total"][mode] for mode in CPU_MODES[:8])
    assert cpu["cpu-total"] == pytest.approx(kernel_total, abs=100 * seconds_apart / total_delta + 1e-9)
    assert cpu["cpu-total"]["usage_user"] > 0  # the copies were made a busy second apart

    assert by_tag(lines, "mem")[None] == telegraf_mem(second)
    assert by_tag(lines, "swap")[None] == telegraf_swap(second)
    diskio, diskstats = by_tag(lines, "diskio", "name"), telegraf_diskio(second)
    assert diskio and diskio == {name: diskstats[name] for name in diskio}
    net, net_dev = by_tag(lines, "net", "interface"), telegraf_net(second)
    assert net == {name: counters for name, counters in net_dev.items() if name != "lo"}
    assert by_tag(lines, "processes")[None] == telegraf_processes(second)

    system = by_tag(lines, "system")[None]
    assert system["n_cpus"] == len(cpus_after) - 1
    assert system["uptime"] == math.floor(clock_s - float(re.search(r"^btime (\d+)$", (second / "stat").read_text(), re.MULTILINE)[1]))
    assert [f"{system[name]:.2f}" for name in ("load1", "load5", "load15")] in (load_before, load_after)
    assert (system["n_users"], system["n_unique_users"]) in (users_before, users_after)


def telegraf_disk(path: str, mounts: Path) -> tuple[dict[str, str], dict[str, float]]:
    """Telegraf's disk input for a mount point: statvfs (gopsutil's disk.Usage) and the mount's options."""
    device, _, fstype, options = next(line.split()[:4] for line in mounts.read_text().splitlines()
                                      if line.split()[1] == path)
    mode = "rw" if "rw" in options.split(",") else "ro" if "ro" in options.split(",") else "unknown"
    fs = os.statvfs(path)
    used, free = (fs.f_blocks - fs.f_bfree) * fs.f_frsize, fs.f_bavail * fs.f_frsize
    return ({"device": device.replace("/dev/", ""), "fstype": fstype, "mode": mode},
            {"total": fs.f_blocks * fs.f_frsize, "free": free, "used": used, "used_percent": 100 * used / (used + free),
             "inodes_total": fs.f_files, "inodes_free": fs.f_ffree, "inodes_used": fs.f_files - fs.f_ffree})


@linux_proc
def test_disk_is_telegrafs_statvfs_of_each_mount_point(proc_copies, monkeypatch):
    first, second = proc_copies
    lines = [parse_line(line) for line in host_lines(first, second, monkeypatch, time.time())]
    disks = [(tags, fields) for measurement, tags, fields, _ in lines if measurement == "disk"]
    assert disks
    for tags, fields in disks:
        expected_tags, expected = telegraf_disk(tags["path"], second / "self/mounts")
        assert {name: tags[name] for name in expected_tags} == expected_tags
        values = {name: value for name, (_, value) in fields.items()}
        assert values["total"] == expected["total"] and values["inodes_total"] == expected["inodes_total"]
        # Files come and go between the input's statvfs and this one: the rest within a little churn.
        assert values == pytest.approx(expected, abs=64 * 2**20)
        assert abs(values["inodes_free"] - expected["inodes_free"]) <= 1000
        assert values["used_percent"] == pytest.approx(100 * values["used"] / (values["used"] + values["free"]), rel=1e-12)


def live_host_lines() -> list[str]:
    host = HostInput(HostConfig())
    host.gather(RecordingAccumulator())
    time.sleep(0.5)
    acc = RecordingAccumulator()
    host.gather(acc)
    return telegraf_lines((name, {**labels, **HOST}, timestamp_ms * 1_000_000, value)
                          for name, value, labels, timestamp_ms in acc.samples)


def test_influxdb_1_6_stores_the_lines_with_telegrafs_field_types_and_tags(influxdb1):  # noqa: F811
    # This host's lines and a batch with every field the schema has (states and modes this host has none in).
    lines = live_host_lines() + telegraf_lines(every_source_metric())
    influxdb1.create_database("telegraf")
    status, body = influxdb1.request("/write", {"db": "telegraf"}, data="\n".join(lines).encode())
    assert status == 204, body

    answer = influxdb1.query("SHOW FIELD KEYS", "telegraf")["results"][0]["series"]
    stored_types = {(series["name"], field): kind for series in answer for field, kind in series["values"]}
    assert stored_types == {(measurement, field): telegraf_field_type(measurement, field)
                            for measurement, fields in TELEGRAF_FIELD_TYPES.items() for field in fields}
    for measurement, tags in TELEGRAF_DOCUMENTED_TAGS.items():
        answer = influxdb1.query(f'SHOW TAG KEYS FROM "{measurement}"', "telegraf")["results"][0]["series"]
        assert {tag for tag, in answer[0]["values"]} == tags | set(HOST)

    _, _, mem, timestamp_ns = parse_line(lines[[line.startswith("mem,") for line in lines].index(True)])
    stored, = (point for point in influxdb1.points("mem", "telegraf") if point["time"] == timestamp_ns // 1_000_000)
    assert {field: stored[field] for field in mem} == {field: value for field, (_, value) in mem.items()}
