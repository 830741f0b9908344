"""The ``host`` input: CPU, load, memory, swap, filesystems, disk I/O, network, uptime and processes.

Everything comes from psutil, one call per kind per gather (plus one ``statvfs`` per filesystem), so a
gather costs a few milliseconds. Rates are differences of psutil's counters between two gathers: the
first gather only records them.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import ModuleType

import psutil

from itops.agent.inputs.base import Accumulator, Input
from itops.agent.inputs.host.config import HostConfig
from itops.agent.inputs.host.counters import CounterDelta, CounterTracker
from itops.common.clock import EpochClock, epoch_now

__all__ = ["HostInput", "PSEUDO_FSTYPES"]

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

# On Linux guest time is already part of user and nice time.
_NOT_CPU_TIME = frozenset({"guest", "guest_nice"})
_IDLE_CPU_TIME = frozenset({"idle", "iowait"})
CPU_SUM_REL_ERROR = 1e-9  # float error of summing a few CPU-time fields, relative to their total

# psutil counter field -> the gauge of its rate.
_DISK_RATES = {
    "read_bytes": "itops_host_disk_read_bytes_per_second",
    "write_bytes": "itops_host_disk_written_bytes_per_second",
    "read_count": "itops_host_disk_reads_per_second",
    "write_count": "itops_host_disk_writes_per_second",
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

Sample = Callable[..., None]


class HostInput(Input[HostConfig]):
    """Reports this host's vital signs. ``system`` is the psutil module, or a stand-in for it in tests."""

    def __init__(self, config: HostConfig, clock: EpochClock = epoch_now, system: ModuleType = psutil):
        super().__init__(config, clock)
        self.system = system
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
        sample("itops_host_uptime_seconds", now - self.system.boot_time())
        sample("itops_host_processes", len(self.system.pids()))

    def _gather_cpu(self, sample: Sample, now: float) -> None:
        per_core = {str(i): _busy_and_total(times) for i, times in enumerate(self.system.cpu_times(percpu=True))}
        counters = {"total": tuple(map(sum, zip(*per_core.values())))}
        if self.config.per_cpu:
            counters.update(per_core)
        for cpu, delta in self._cpu_times.update(counters, now).items():
            busy, total = delta.deltas
            # busy > total: idle time went back, which some kernels do. A fully busy CPU has no idle time
            # at all, and then the sums' float error alone can put busy a hair above total: that is 1.
            if total > 0 and busy <= total * (1 + CPU_SUM_REL_ERROR):
                sample("itops_host_cpu_usage_ratio", min(busy / total, 1.0), {"cpu": cpu})

    def _gather_load(self, sample: Sample) -> None:
        load1, load5, load15 = self.system.getloadavg()
        sample("itops_host_load1", load1)
        sample("itops_host_load5", load5)
        sample("itops_host_load15", load15)

    def _gather_memory(self, sample: Sample) -> None:
        memory = self.system.virtual_memory()
        sample("itops_host_memory_total_bytes", memory.total)
        sample("itops_host_memory_used_bytes", memory.used)
        sample("itops_host_memory_available_bytes", memory.available)
        sample("itops_host_memory_usage_ratio", 1 - memory.available / memory.total)

    def _gather_swap(self, sample: Sample) -> None:
        swap = self.system.swap_memory()
        sample("itops_host_swap_total_bytes", swap.total)
        sample("itops_host_swap_used_bytes", swap.used)
        sample("itops_host_swap_free_bytes", swap.free)
        if swap.total:
            sample("itops_host_swap_usage_ratio", swap.used / swap.total)

    def _gather_filesystems(self, sample: Sample) -> None:
        for partition in self._reported_partitions():
            try:
                usage = self.system.disk_usage(partition.mountpoint)
            except OSError:  # unmounted since listed, or not ours to look into (an empty CD drive on Windows)
                continue
            labels = {"disk": partition.device, "mountpoint": partition.mountpoint, "fstype": partition.fstype}
            sample("itops_host_filesystem_size_bytes", usage.total, labels)
            sample("itops_host_filesystem_used_bytes", usage.used, labels)
            sample("itops_host_filesystem_free_bytes", usage.free, labels)
            if usage.used + usage.free:
                # As df: the part of what unprivileged users can fill that is used (root's reserve left out).
                sample("itops_host_filesystem_usage_ratio", usage.used / (usage.used + usage.free), labels)

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
        deltas = self._network_counters.update(_counter_values(interfaces, _NETWORK_RATES), now)
        _emit_rates(sample, deltas, "interface", _NETWORK_RATES.values())


def _busy_and_total(cpu_times) -> tuple[float, float]:
    """Seconds this CPU was busy and seconds it existed, both counted since boot."""
    times = cpu_times._asdict()
    # Summed, not total minus idle: the float error of a subtraction would make an idle core's busy time
    # go down by 1e-15 and read as a counter reset.
    busy = sum(seconds for field, seconds in times.items() if field not in _NOT_CPU_TIME and field not in _IDLE_CPU_TIME)
    idle = sum(times.get(field, 0.0) for field in _IDLE_CPU_TIME)
    return busy, busy + idle


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
