"""The ``host`` input: CPU, load, memory, swap, filesystems, disk I/O, network, uptime, users and processes.

Everything comes from psutil, one call per kind per gather (plus ``statvfs`` per filesystem and, when process
states are counted, one read per process), so a gather costs a few milliseconds. Rates and CPU shares are
differences of psutil's counters between two gathers: the first gather only records them. The counters
themselves are sent too (``_total``), for Prometheus' ``rate()`` and for Telegraf's schema.
"""

from __future__ import annotations

import collections
import fnmatch
import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import ModuleType

import psutil

from itops.agent.inputs.base import Accumulator, Input
from itops.agent.inputs.host.config import HostConfig
from itops.agent.inputs.host.counters import CounterDelta, CounterTracker
from itops.common.clock import EpochClock, epoch_now

__all__ = ["PSEUDO_FSTYPES", "HostInput"]

# Filesystems that hold no user data, or read-only images that are always 100 % full.
PSEUDO_FSTYPES = (
    "autofs", "binfmt_misc", "bpf", "cgroup*", "configfs", "debugfs", "devfs", "devpts", "devtmpfs",
    "efivarfs", "fuse.gvfsd-fuse", "fuse.lxcfs", "fuse.portal", "fusectl", "hugetlbfs", "iso9660",
    "mqueue", "nfsd", "nsfs", "overlay", "proc", "pstore", "ramfs", "rpc_pipefs", "securityfs",
    "selinuxfs", "squashfs", "sysfs", "tmpfs", "tracefs",
)
# RAM disks, loop devices, floppies and partitions: partitions' I/O is already counted in their disk.
_NOT_A_DISK = re.compile(r"^(z?ram|loop|fd|(h|s|v|xv)d[a-z]+|nvme\d+n\d+p|mmcblk\d+p)\d+$")
_LOOPBACK = re.compile(r"^(lo\d*|Loopback Pseudo-Interface \d+)$")

# On Linux guest time is already part of user time, and guest_nice of nice time.
_GUEST_TIME_OF = {"user": "guest", "nice": "guest_nice"}
_IDLE_CPU_TIME = frozenset({"idle", "iowait"})

# psutil counter field -> the gauge of its rate.
_DISK_RATES = {
    "read_bytes": "itops_host_disk_read_bytes_per_second",
    "write_bytes": "itops_host_disk_written_bytes_per_second",
    "read_count": "itops_host_disk_reads_per_second",
    "write_count": "itops_host_disk_writes_per_second",
}
# psutil counter field -> the counter, and what its value is divided by to be in base units (ms -> s).
_DISK_COUNTERS = {
    "read_count": ("itops_host_disk_reads_total", 1),
    "write_count": ("itops_host_disk_writes_total", 1),
    "read_bytes": ("itops_host_disk_read_bytes_total", 1),
    "write_bytes": ("itops_host_disk_written_bytes_total", 1),
    "read_merged_count": ("itops_host_disk_merged_reads_total", 1),
    "write_merged_count": ("itops_host_disk_merged_writes_total", 1),
    "read_time": ("itops_host_disk_read_time_seconds_total", 1000),
    "write_time": ("itops_host_disk_write_time_seconds_total", 1000),
    "busy_time": ("itops_host_disk_io_time_seconds_total", 1000),
}
_NETWORK_RATES = {
    "bytes_recv": "itops_host_network_received_bytes_per_second",
    "bytes_sent": "itops_host_network_transmitted_bytes_per_second",
    "packets_recv": "itops_host_network_received_packets_per_second",
    "packets_sent": "itops_host_network_transmitted_packets_per_second",
    "errin": "itops_host_network_receive_errors_per_second",
    "errout": "itops_host_network_transmit_errors_per_second",
    "dropin": "itops_host_network_receive_drops_per_second",
    "dropout": "itops_host_network_transmit_drops_per_second",
}
_NETWORK_COUNTERS = {
    "bytes_recv": "itops_host_network_received_bytes_total",
    "bytes_sent": "itops_host_network_transmitted_bytes_total",
    "packets_recv": "itops_host_network_received_packets_total",
    "packets_sent": "itops_host_network_transmitted_packets_total",
    "errin": "itops_host_network_receive_errors_total",
    "errout": "itops_host_network_transmit_errors_total",
    "dropin": "itops_host_network_receive_drops_total",
    "dropout": "itops_host_network_transmit_drops_total",
}
_MEMORY_PARTS = {  # psutil field (Linux and BSD only) -> gauge
    "free": "itops_host_memory_free_bytes",
    "buffers": "itops_host_memory_buffers_bytes",
    "cached": "itops_host_memory_cached_bytes",
}
# Reported as 0 when no process is in them, so that "no zombies" is a value and not a missing series: the
# states Telegraf's processes input always reports on Linux (its paging is psutil's waking, its stopped
# psutil's stopped and tracing-stop).
_ALWAYS_REPORTED_STATES = ("running", "sleeping", "disk-sleep", "stopped", "tracing-stop", "zombie", "dead",
                           "waking", "idle", "unknown")

Sample = Callable[..., None]
StatVfs = Callable[[str], os.statvfs_result]
_STATVFS: StatVfs | None = getattr(os, "statvfs", None)  # Windows has none


class HostInput(Input[HostConfig]):
    """Reports this host's vital signs. ``system`` is the psutil module, or a stand-in for it in tests;
    ``statvfs`` gives filesystems' inode counts (``os.statvfs``; None where the OS has none: Windows)."""

    def __init__(self, config: HostConfig, clock: EpochClock = epoch_now, system: ModuleType = psutil,
                 statvfs: StatVfs | None = _STATVFS):
        super().__init__(config, clock)
        self.system = system
        self.statvfs = statvfs
        self._cpu_times = CounterTracker()
        self._disk_counters = CounterTracker()
        self._disk_busy = CounterTracker()
        self._network_counters = CounterTracker()

    def gather(self, acc: Accumulator) -> None:
        now = self.clock()
        sample = functools.partial(acc.add_sample, timestamp_ms=int(now * 1000))
        self._gather_cpu(sample, now)
        self._gather_load(sample)
        self._gather_memory(sample)
        self._gather_swap(sample)
        self._gather_filesystems(sample)
        self._gather_disk_io(sample, now)
        self._gather_network(sample, now)
        self._gather_users(sample)
        self._gather_processes(sample)
        sample("itops_host_uptime_seconds", now - self.system.boot_time())

    def _gather_cpu(self, sample: Sample, now: float) -> None:
        per_core = self.system.cpu_times(percpu=True)
        sample("itops_host_cpus", len(per_core))
        counters = {"total": tuple(map(sum, zip(*per_core)))}
        if self.config.per_cpu:
            counters.update((str(i), tuple(times)) for i, times in enumerate(per_core))
        modes = per_core[0]._fields  # the CPU times this OS reports
        for cpu, delta in self._cpu_times.update(counters, now).items():
            shares = _cpu_time_shares(dict(zip(modes, delta.deltas, strict=True)))
            if shares is None:
                continue
            busy, mode_shares = shares
            sample("itops_host_cpu_usage_ratio", busy, {"cpu": cpu})
            for mode, share in mode_shares.items():
                sample("itops_host_cpu_mode_ratio", share, {"cpu": cpu, "mode": mode})

    def _gather_load(self, sample: Sample) -> None:
        load1, load5, load15 = self.system.getloadavg()
        sample("itops_host_load1", load1)
        sample("itops_host_load5", load5)
        sample("itops_host_load15", load15)

    def _gather_memory(self, sample: Sample) -> None:
        memory = self.system.virtual_memory()
        # In this order: Telegraf's used memory (total − free − buffers − cached, psutil's used where the OS has
        # no buffers and cache) is worked out from these at the collector, batch by batch; a gather cut into two
        # batches then never gives total and psutil's used without the parts that come between them.
        sample("itops_host_memory_total_bytes", memory.total)
        sample("itops_host_memory_available_bytes", memory.available)
        for field, metric_name in _MEMORY_PARTS.items():
            if hasattr(memory, field):
                sample(metric_name, getattr(memory, field))
        sample("itops_host_memory_used_bytes", memory.used)
        sample("itops_host_memory_usage_ratio", 1 - memory.available / memory.total)

    def _gather_swap(self, sample: Sample) -> None:
        swap = self.system.swap_memory()
        sample("itops_host_swap_total_bytes", swap.total)
        sample("itops_host_swap_used_bytes", swap.used)
        sample("itops_host_swap_free_bytes", swap.free)
        sample("itops_host_swap_in_bytes_total", swap.sin)
        sample("itops_host_swap_out_bytes_total", swap.sout)
        if swap.total:
            sample("itops_host_swap_usage_ratio", swap.used / swap.total)

    def _gather_filesystems(self, sample: Sample) -> None:
        for partition in self._reported_partitions():
            try:
                usage = self.system.disk_usage(partition.mountpoint)
                inodes = self.statvfs(partition.mountpoint) if self.statvfs else None
            except OSError:  # unmounted since listed, or not ours to look into (an empty CD drive on Windows)
                continue
            labels = {"disk": partition.device, "mountpoint": partition.mountpoint, "fstype": partition.fstype}
            sample("itops_host_filesystem_size_bytes", usage.total, labels)
            sample("itops_host_filesystem_used_bytes", usage.used, labels)
            sample("itops_host_filesystem_free_bytes", usage.free, labels)
            if usage.used + usage.free:
                # As df: the part of what unprivileged users can fill that is used (root's reserve left out).
                sample("itops_host_filesystem_usage_ratio", usage.used / (usage.used + usage.free), labels)
            if inodes is not None:
                sample("itops_host_filesystem_inodes", inodes.f_files, labels)
                sample("itops_host_filesystem_inodes_free", inodes.f_ffree, labels)
            sample("itops_host_filesystem_read_only", int("ro" in partition.opts.split(",")), labels)

    def _reported_partitions(self) -> Iterator:
        """Partitions to report, each device once: bind mounts and btrfs subvolumes repeat their device."""
        seen_devices: set[str] = set()
        for partition in self.system.disk_partitions(all=True):
            if partition.device in seen_devices or not self._wants_filesystem(partition):
                continue
            seen_devices.add(partition.device)
            yield partition

    def _wants_filesystem(self, partition) -> bool:
        config = self.config
        return (
            not _matches_any(partition.fstype, PSEUDO_FSTYPES)
            and _included(partition.fstype, config.fstypes, config.ignore_fstypes)
            and _included(partition.mountpoint, config.mountpoints, config.ignore_mountpoints)
        )

    def _gather_disk_io(self, sample: Sample, now: float) -> None:
        disks = {
            name: counters
            for name, counters in (self.system.disk_io_counters(perdisk=True) or {}).items()
            if not _NOT_A_DISK.match(name) and not _matches_any(name, self.config.ignore_disks)
        }
        for name, counters in disks.items():
            for field, (metric_name, divisor) in _DISK_COUNTERS.items():
                if hasattr(counters, field):  # merged counts and busy time: Linux only
                    sample(metric_name, getattr(counters, field) / divisor, {"disk": name})
        deltas = self._disk_counters.update(_counter_values(disks, _DISK_RATES), now)
        _emit_rates(sample, deltas, "disk", _DISK_RATES.values())
        # busy_time (milliseconds spent doing I/O) exists on Linux only: what saturation is judged by.
        busy = {name: (counters.busy_time,) for name, counters in disks.items() if hasattr(counters, "busy_time")}
        for name, delta in self._disk_busy.update(busy, now).items():
            sample("itops_host_disk_busy_ratio", min(1.0, delta.per_second()[0] / 1000), {"disk": name})

    def _gather_network(self, sample: Sample, now: float) -> None:
        interfaces = {
            name: counters
            for name, counters in self.system.net_io_counters(pernic=True).items()
            if not _LOOPBACK.match(name) and not _matches_any(name, self.config.ignore_interfaces)
        }
        for name, counters in interfaces.items():
            for field, metric_name in _NETWORK_COUNTERS.items():
                sample(metric_name, getattr(counters, field), {"interface": name})
        deltas = self._network_counters.update(_counter_values(interfaces, _NETWORK_RATES), now)
        _emit_rates(sample, deltas, "interface", _NETWORK_RATES.values())

    def _gather_users(self, sample: Sample) -> None:
        sessions = self.system.users()
        sample("itops_host_user_sessions", len(sessions))
        sample("itops_host_users", len({session.name for session in sessions}))

    def _gather_processes(self, sample: Sample) -> None:
        if not self.config.process_states:
            sample("itops_host_processes", len(self.system.pids()))
            return
        states = collections.Counter(dict.fromkeys(_ALWAYS_REPORTED_STATES, 0))
        for process in self.system.process_iter():
            try:
                states[process.status()] += 1
            except self.system.NoSuchProcess:  # ended since listed
                continue
            except self.system.AccessDenied:
                states["unknown"] += 1
        sample("itops_host_processes", states.total())
        for state, count in states.items():
            sample("itops_host_processes_state", count, {"state": state})


def _cpu_time_shares(deltas: Mapping[str, float]) -> tuple[float, dict[str, float]] | None:
    """The share of busy time (neither idle nor I/O wait) and of each CPU mode in ``deltas``, the seconds each
    mode grew by; None when no time passed. As Telegraf: guest time is left out of user time (and guest_nice
    of nice time), where the kernel counts it as well."""
    guest_modes = set(_GUEST_TIME_OF.values())
    # Sums, not differences, so that busy never exceeds total: float error could make it otherwise.
    total = sum(seconds for mode, seconds in deltas.items() if mode not in guest_modes)
    if total <= 0:
        return None
    busy = sum(seconds for mode, seconds in deltas.items() if mode not in guest_modes and mode not in _IDLE_CPU_TIME)
    shares = {mode: seconds / total for mode, seconds in deltas.items()}
    for mode, guest_mode in _GUEST_TIME_OF.items():
        if mode in deltas and guest_mode in deltas:
            shares[mode] = max(0.0, deltas[mode] - deltas[guest_mode]) / total
    return busy / total, shares


def _counter_values(stats: Mapping[str, object], fields: Iterable[str]) -> dict[str, tuple[float, ...]]:
    return {key: tuple(getattr(counters, field) for field in fields) for key, counters in stats.items()}


def _emit_rates(sample: Sample, deltas: Mapping[str, CounterDelta], label: str, metric_names: Iterable[str]) -> None:
    for key, delta in deltas.items():
        for metric_name, rate in zip(metric_names, delta.per_second(), strict=True):
            sample(metric_name, rate, {label: key})


def _matches_any(value: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


def _included(value: str, include: list[str], exclude: list[str]) -> bool:
    return (not include or _matches_any(value, include)) and not _matches_any(value, exclude)
