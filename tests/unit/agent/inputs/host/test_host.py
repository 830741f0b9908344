"""The host input against a fake psutil whose counters each test sets, and once against the real one."""

from __future__ import annotations

import math
import re
import time
from collections import namedtuple
from pathlib import Path

import pytest

from itops.agent.inputs.base import Accumulator
from itops.agent.inputs.host.config import HostConfig
from itops.agent.inputs.host.host import HostInput
from itops.common.yaml_config import load_file

CpuTimes = namedtuple("CpuTimes", "user nice system idle iowait irq softirq steal guest guest_nice", defaults=[0.0] * 10)
WindowsCpuTimes = namedtuple("WindowsCpuTimes", "user system idle interrupt dpc", defaults=[0.0] * 5)
Memory = namedtuple("Memory", "total available used")
LinuxMemory = namedtuple("LinuxMemory", "total available used free buffers cached")
Swap = namedtuple("Swap", "total used free sin sout", defaults=[0, 0])
Partition = namedtuple("Partition", "device mountpoint fstype opts", defaults=["rw"])
Usage = namedtuple("Usage", "total used free")
StatVfs = namedtuple("StatVfs", "f_files f_ffree")
DiskIO = namedtuple("DiskIO", "read_count write_count read_bytes write_bytes")
LinuxDiskIO = namedtuple("LinuxDiskIO", "read_count write_count read_bytes write_bytes busy_time")
FullLinuxDiskIO = namedtuple("FullLinuxDiskIO", "read_count write_count read_bytes write_bytes read_time write_time "
                                                "read_merged_count write_merged_count busy_time")
NetIO = namedtuple("NetIO", "bytes_sent bytes_recv packets_sent packets_recv errin errout dropin dropout")
User = namedtuple("User", "name terminal host started pid", defaults=["pts/0", "", 0.0, 1])

START_S = 1_700_000_000.0


def answer(attribute: str):
    return lambda self, *args, **kwargs: getattr(self, attribute)


class NoSuchProcess(Exception):
    pass


class AccessDenied(Exception):
    pass


class FakeProcess:
    def __init__(self, status: str | type[Exception]):
        self._status = status

    def status(self) -> str:
        if isinstance(self._status, type):
            raise self._status()
        return self._status


class FakePsutil:
    """The psutil functions the host input calls, answering from attributes the test sets."""

    NoSuchProcess = NoSuchProcess
    AccessDenied = AccessDenied

    def __init__(self):
        self.cpus = [CpuTimes(user=10.0, idle=90.0)]
        self.load = (0.5, 0.25, 0.125)
        self.memory = Memory(total=8000, available=6000, used=1500)
        self.swap = Swap(total=0, used=0, free=0)
        self.partitions = [Partition("/dev/sda1", "/", "ext4")]
        self.usage = {"/": Usage(total=1000, used=250, free=700)}
        self.disks = {"sda": DiskIO(0, 0, 0, 0)}
        self.nics = {"eth0": NetIO(0, 0, 0, 0, 0, 0, 0, 0)}
        self.boot = START_S - 3600
        self.sessions = []
        self.processes = [FakeProcess("running"), FakeProcess("sleeping"), FakeProcess("sleeping")]
        self.process_ids = [1, 2, 3]

    def cpu_times(self, percpu=False):
        assert percpu, "the input reads per-core times and adds them up"
        return self.cpus

    def disk_usage(self, path):
        if path not in self.usage:
            raise PermissionError(13, "Permission denied", path)
        return self.usage[path]

    getloadavg = answer("load")
    virtual_memory = answer("memory")
    swap_memory = answer("swap")
    disk_partitions = answer("partitions")
    disk_io_counters = answer("disks")
    net_io_counters = answer("nics")
    boot_time = answer("boot")
    users = answer("sessions")
    process_iter = answer("processes")
    pids = answer("process_ids")


class FakeStatVfs:
    """``os.statvfs`` answering inode counts the test sets, per mount point."""

    def __init__(self):
        self.inodes = {"/": StatVfs(f_files=1000, f_ffree=900)}

    def __call__(self, path: str) -> StatVfs:
        if path not in self.inodes:
            raise PermissionError(13, "Permission denied", path)
        return self.inodes[path]


class FakeClock:
    def __init__(self, now: float = START_S):
        self.now = now

    def __call__(self) -> float:
        return self.now


class RecordingAccumulator(Accumulator):
    def __init__(self):
        self.samples: list[tuple[str, float, dict[str, str], int | None]] = []

    def add_sample(self, name, value, labels=None, timestamp_ms=None):
        self.samples.append((name, value, dict(labels or {}), timestamp_ms))

    def add_check(self, result):
        raise AssertionError("the host input reports no checks")

    def add_inventory(self, snapshot):
        raise AssertionError("the host input reports no inventory")

    def names(self) -> set[str]:
        return {name for name, *_ in self.samples}

    def value(self, name: str, **labels: str) -> float:
        matches = [value for n, value, l, _ in self.samples if n == name and l == labels]
        assert len(matches) == 1, f"{name}{labels}: {len(matches)} samples in {self.samples}"
        return matches[0]

    def label_values(self, name: str, label: str) -> set[str]:
        return {l[label] for n, _, l, _ in self.samples if n == name}


@pytest.fixture
def system():
    return FakePsutil()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def statvfs():
    return FakeStatVfs()


def gather(host: HostInput) -> RecordingAccumulator:
    acc = RecordingAccumulator()
    host.gather(acc)
    return acc


def gather_twice(host: HostInput, clock: FakeClock, seconds: float = 15) -> RecordingAccumulator:
    """The second gather's samples: the first one only records counters."""
    gather(host)
    clock.now += seconds
    return gather(host)


def mount(system: FakePsutil, *partitions: Partition) -> None:
    system.partitions = list(partitions)
    system.usage = {partition.mountpoint: Usage(100, 50, 50) for partition in partitions}


def host_input(system, clock, statvfs=None, **options) -> HostInput:
    return HostInput(HostConfig(**options), clock=clock, system=system, statvfs=statvfs)


def test_first_gather_emits_no_rates(system, clock):
    acc = gather(host_input(system, clock))
    assert not [name for name in acc.names() if name.endswith("_per_second")]
    assert "itops_host_cpu_usage_ratio" not in acc.names()
    assert "itops_host_memory_used_bytes" in acc.names()


def test_disk_rates_are_deltas_per_second(system, clock):
    host = host_input(system, clock)
    system.disks = {"sda": DiskIO(read_count=100, write_count=200, read_bytes=4096, write_bytes=8192)}
    gather(host)
    clock.now += 10
    system.disks = {"sda": DiskIO(read_count=150, write_count=300, read_bytes=4096 + 10240, write_bytes=8192 + 20480)}
    acc = gather(host)
    assert acc.value("itops_host_disk_reads_per_second", disk="sda") == 5.0
    assert acc.value("itops_host_disk_writes_per_second", disk="sda") == 10.0
    assert acc.value("itops_host_disk_read_bytes_per_second", disk="sda") == 1024.0
    assert acc.value("itops_host_disk_written_bytes_per_second", disk="sda") == 2048.0


def test_disk_busy_ratio_from_busy_time_where_the_os_reports_it(system, clock):
    host = host_input(system, clock)
    system.disks = {"sda": LinuxDiskIO(0, 0, 0, 0, busy_time=1000), "sdb": DiskIO(0, 0, 0, 0)}
    gather(host)
    clock.now += 10
    system.disks = {"sda": LinuxDiskIO(0, 0, 0, 0, busy_time=1000 + 7500), "sdb": DiskIO(0, 0, 0, 0)}
    acc = gather(host)
    assert acc.value("itops_host_disk_busy_ratio", disk="sda") == 0.75
    assert acc.label_values("itops_host_disk_busy_ratio", "disk") == {"sda"}


def test_network_rates_are_deltas_per_second(system, clock):
    host = host_input(system, clock)
    gather(host)
    clock.now += 4
    system.nics = {"eth0": NetIO(bytes_sent=400, bytes_recv=800, packets_sent=8, packets_recv=12, errin=4, errout=0, dropin=2, dropout=1)}
    acc = gather(host)
    expected = {
        "itops_host_network_transmitted_bytes_per_second": 100.0,
        "itops_host_network_received_bytes_per_second": 200.0,
        "itops_host_network_transmitted_packets_per_second": 2.0,
        "itops_host_network_received_packets_per_second": 3.0,
        "itops_host_network_receive_errors_per_second": 1.0,
        "itops_host_network_transmit_errors_per_second": 0.0,
        "itops_host_network_receive_drops_per_second": 0.5,
        "itops_host_network_transmit_drops_per_second": 0.25,
    }
    assert {name: acc.value(name, interface="eth0") for name in expected} == expected


def test_disk_counter_decrease_gives_no_negative_rate(system, clock):
    host = host_input(system, clock)
    system.disks = {"sda": DiskIO(1000, 1000, 10**9, 10**9)}
    gather(host)
    clock.now += 15
    system.disks = {"sda": DiskIO(10, 1010, 5000, 10**9 + 15)}  # disk replaced: counters start over
    acc = gather(host)
    assert "sda" not in acc.label_values("itops_host_disk_reads_per_second", "disk")
    clock.now += 15
    system.disks = {"sda": DiskIO(40, 1040, 5000 + 1500, 10**9 + 30)}
    acc = gather(host)
    assert acc.value("itops_host_disk_reads_per_second", disk="sda") == 2.0
    assert acc.value("itops_host_disk_read_bytes_per_second", disk="sda") == 100.0


def test_recreated_interface_starts_over(system, clock):
    host = host_input(system, clock)
    system.nics = {"eth0": NetIO(5000, 5000, 50, 50, 0, 0, 0, 0)}
    gather(host)
    clock.now += 15
    system.nics = {"eth0": NetIO(150, 300, 1, 2, 0, 0, 0, 0)}
    acc = gather(host)
    assert acc.label_values("itops_host_network_received_bytes_per_second", "interface") == set()


def test_disappeared_disk_is_forgotten(system, clock):
    host = host_input(system, clock)
    system.disks = {"sda": DiskIO(1, 1, 512, 512), "sdb": DiskIO(1, 1, 512, 512)}
    gather(host)
    clock.now += 15
    system.disks = {"sda": DiskIO(1, 1, 512, 512)}
    gather(host)
    clock.now += 15
    system.disks = {"sda": DiskIO(1, 1, 512, 512), "sdb": DiskIO(1000, 1000, 10**6, 10**6)}
    acc = gather(host)
    # sdb came back: its old counters are gone, so this round only records it.
    assert acc.label_values("itops_host_disk_read_bytes_per_second", "disk") == {"sda"}


def test_no_rates_when_the_clock_did_not_advance(system, clock):
    host = host_input(system, clock)
    gather(host)
    system.disks = {"sda": DiskIO(1, 1, 512, 512)}
    acc = gather(host)
    assert not [name for name in acc.names() if name.endswith("_per_second")]


def test_loopback_is_skipped(system, clock):
    zeros = NetIO(0, 0, 0, 0, 0, 0, 0, 0)
    system.nics = {"lo": zeros, "lo0": zeros, "Loopback Pseudo-Interface 1": zeros, "eth0": zeros, "wlan0": zeros}
    host = host_input(system, clock)
    acc = gather_twice(host, clock)
    assert acc.label_values("itops_host_network_received_bytes_per_second", "interface") == {"eth0", "wlan0"}


def test_ignored_interfaces_are_skipped(system, clock):
    zeros = NetIO(0, 0, 0, 0, 0, 0, 0, 0)
    system.nics = {"eth0": zeros, "veth1a2b": zeros, "docker0": zeros}
    host = host_input(system, clock, ignore_interfaces=["veth*", "docker0"])
    acc = gather_twice(host, clock)
    assert acc.label_values("itops_host_network_received_bytes_per_second", "interface") == {"eth0"}


def test_partitions_ram_and_loop_devices_are_not_disks(system, clock):
    names = ["sda", "sda1", "sdab2", "nvme0n1", "nvme0n1p1", "mmcblk0", "mmcblk0p1", "loop0", "ram0", "zram0", "dm-0", "vdb"]
    system.disks = {name: DiskIO(0, 0, 0, 0) for name in names}
    host = host_input(system, clock, ignore_disks=["dm-*"])
    acc = gather_twice(host, clock)
    assert acc.label_values("itops_host_disk_reads_per_second", "disk") == {"sda", "nvme0n1", "mmcblk0", "vdb"}


def test_pseudo_filesystems_are_skipped(system, clock):
    mount(
        system,
        Partition("/dev/sda1", "/", "ext4"),
        Partition("proc", "/proc", "proc"),
        Partition("sysfs", "/sys", "sysfs"),
        Partition("tmpfs", "/run", "tmpfs"),
        Partition("udev", "/dev", "devtmpfs"),
        Partition("overlay", "/var/lib/docker/overlay2/x/merged", "overlay"),
        Partition("/dev/loop3", "/snap/core/1", "squashfs"),
        Partition("cgroup2", "/sys/fs/cgroup", "cgroup2"),
        Partition("cgroup", "/sys/fs/cgroup/cpu", "cgroup"),
    )
    acc = gather(host_input(system, clock))
    assert acc.label_values("itops_host_filesystem_size_bytes", "mountpoint") == {"/"}


def test_device_mounted_twice_is_reported_once(system, clock):
    mount(system, Partition("/dev/sda1", "/", "ext4"), Partition("/dev/sda1", "/var/lib/itops-agent", "ext4"))
    acc = gather(host_input(system, clock))
    assert acc.label_values("itops_host_filesystem_size_bytes", "mountpoint") == {"/"}


def test_filesystem_filters(system, clock):
    mount(
        system,
        Partition("/dev/sda1", "/", "ext4"),
        Partition("/dev/sda2", "/data", "xfs"),
        Partition("/dev/sdb1", "/mnt/backup", "xfs"),
        Partition("nas:/export", "/mnt/nas", "nfs4"),
    )
    host = host_input(system, clock, fstypes=["xfs", "nfs*"], ignore_mountpoints=["/mnt/*"])
    acc = gather(host)
    assert acc.label_values("itops_host_filesystem_size_bytes", "mountpoint") == {"/data"}


def test_filesystem_values_and_labels(system, clock):
    system.partitions = [Partition("/dev/sda1", "/", "ext4")]
    system.usage = {"/": Usage(total=1000, used=300, free=600)}  # 100 bytes reserved for root
    acc = gather(host_input(system, clock))
    labels = {"disk": "/dev/sda1", "mountpoint": "/", "fstype": "ext4"}
    assert acc.value("itops_host_filesystem_size_bytes", **labels) == 1000
    assert acc.value("itops_host_filesystem_used_bytes", **labels) == 300
    assert acc.value("itops_host_filesystem_free_bytes", **labels) == 600
    assert acc.value("itops_host_filesystem_usage_ratio", **labels) == pytest.approx(1 / 3, rel=1e-12)


def test_unreadable_filesystem_is_skipped(system, clock):
    system.partitions = [Partition("/dev/sda1", "/", "ext4"), Partition("/dev/sr0", "/media/cdrom", "udf")]
    system.usage = {"/": Usage(100, 50, 50)}
    acc = gather(host_input(system, clock))
    assert acc.label_values("itops_host_filesystem_size_bytes", "mountpoint") == {"/"}


def test_cpu_usage_from_time_deltas(system, clock):
    system.cpus = [CpuTimes(user=100.0, system=50.0, idle=800.0, iowait=50.0), CpuTimes(user=10.0, idle=990.0)]
    host = host_input(system, clock)
    gather(host)
    clock.now += 10
    # core 0: 6 s busy of 10 (2 s of iowait count as idle); core 1: 1 s busy of 10.
    system.cpus = [
        CpuTimes(user=104.0, system=51.0, idle=802.0, iowait=52.0, softirq=1.0),
        CpuTimes(user=11.0, idle=999.0),
    ]
    acc = gather(host)
    assert acc.value("itops_host_cpu_usage_ratio", cpu="0") == pytest.approx(0.6, rel=1e-9)
    assert acc.value("itops_host_cpu_usage_ratio", cpu="1") == pytest.approx(0.1, rel=1e-9)
    assert acc.value("itops_host_cpu_usage_ratio", cpu="total") == pytest.approx(0.35, rel=1e-9)


def test_idle_core_reads_as_zero_usage(system, clock):
    # With these times "total minus idle" comes out 1e-13 lower the second time: float error, not a reset.
    system.cpus = [CpuTimes(user=17.3, system=54.88, idle=703.04)]
    host = host_input(system, clock, per_cpu=False)
    gather(host)
    clock.now += 10
    system.cpus = [CpuTimes(user=17.3, system=54.88, idle=706.41)]
    acc = gather(host)
    assert acc.value("itops_host_cpu_usage_ratio", cpu="total") == 0.0


def test_fully_busy_cpus_read_as_one_although_the_sums_float_error_puts_busy_above_total(system, clock):
    # No idle time at all in this round: summed over both cores, busy grows by 28.800000000000182 s and
    # busy + idle by 28.799999999999272 s. Without tolerance the total was dropped as "idle went back".
    system.cpus = [CpuTimes(user=758.38, system=384.25, idle=2527.63), CpuTimes(user=4252.43, system=134.98, idle=2302.51)]
    host = host_input(system, clock)
    gather(host)
    clock.now += 15
    system.cpus = [CpuTimes(user=758.38 + 13.03, system=384.25, idle=2527.63),
                   CpuTimes(user=4252.43 + 15.77, system=134.98, idle=2302.51)]
    acc = gather(host)
    assert acc.value("itops_host_cpu_usage_ratio", cpu="total") == 1.0
    assert acc.value("itops_host_cpu_usage_ratio", cpu="0") == acc.value("itops_host_cpu_usage_ratio", cpu="1") == 1.0


def test_guest_time_is_not_counted_twice(system, clock):
    host = host_input(system, clock, per_cpu=False)
    system.cpus = [CpuTimes(user=0.0, idle=0.0, guest=0.0)]
    gather(host)
    clock.now += 10
    system.cpus = [CpuTimes(user=5.0, idle=5.0, guest=4.0)]  # guest time is already inside user time
    acc = gather(host)
    assert acc.value("itops_host_cpu_usage_ratio", cpu="total") == 0.5


def test_per_cpu_off_reports_total_only(system, clock):
    system.cpus = [CpuTimes(idle=10.0), CpuTimes(idle=10.0)]
    host = host_input(system, clock, per_cpu=False)
    gather(host)
    clock.now += 10
    system.cpus = [CpuTimes(user=2.0, idle=18.0), CpuTimes(user=2.0, idle=18.0)]
    acc = gather(host)
    assert acc.label_values("itops_host_cpu_usage_ratio", "cpu") == {"total"}
    assert acc.value("itops_host_cpu_usage_ratio", cpu="total") == 0.2


def test_cpu_times_decrease_gives_no_usage(system, clock):
    system.cpus = [CpuTimes(user=50.0, idle=50.0), CpuTimes(user=50.0, idle=50.0)]
    host = host_input(system, clock)
    gather(host)
    clock.now += 10
    system.cpus = [CpuTimes(user=55.0, idle=45.0), CpuTimes(user=60.0, idle=50.0)]  # core 0 idle went back
    acc = gather(host)
    assert acc.label_values("itops_host_cpu_usage_ratio", "cpu") == {"1"}
    assert acc.value("itops_host_cpu_usage_ratio", cpu="1") == 1.0


def test_load_memory_and_swap(system, clock):
    system.memory = Memory(total=8000, available=2000, used=5000)
    system.swap = Swap(total=4000, used=1000, free=3000)
    acc = gather(host_input(system, clock))
    assert [acc.value(name) for name in ("itops_host_load1", "itops_host_load5", "itops_host_load15")] == [0.5, 0.25, 0.125]
    assert acc.value("itops_host_memory_total_bytes") == 8000
    assert acc.value("itops_host_memory_used_bytes") == 5000
    assert acc.value("itops_host_memory_available_bytes") == 2000
    assert acc.value("itops_host_memory_usage_ratio") == 0.75
    assert acc.value("itops_host_swap_total_bytes") == 4000
    assert acc.value("itops_host_swap_used_bytes") == 1000
    assert acc.value("itops_host_swap_free_bytes") == 3000
    assert acc.value("itops_host_swap_usage_ratio") == 0.25


def test_no_swap_has_no_swap_usage_ratio(system, clock):
    acc = gather(host_input(system, clock))
    assert acc.value("itops_host_swap_total_bytes") == 0
    assert "itops_host_swap_usage_ratio" not in acc.names()


def test_uptime_and_number_of_processes_without_their_states(system, clock):
    system.process_ids = list(range(1, 243))
    acc = gather(host_input(system, clock, process_states=False))
    assert acc.value("itops_host_uptime_seconds") == 3600.0
    assert acc.value("itops_host_processes") == 242
    assert "itops_host_processes_state" not in acc.names()


def test_processes_counted_by_state_with_the_usual_states_reported_when_empty(system, clock):
    system.processes = [FakeProcess(state) for state in ("running", "sleeping", "sleeping", "zombie", "idle", "parked")]
    acc = gather(host_input(system, clock))
    states = {labels["state"]: value for name, value, labels, _ in acc.samples if name == "itops_host_processes_state"}
    assert states == {"running": 1, "sleeping": 2, "disk-sleep": 0, "stopped": 0, "tracing-stop": 0, "zombie": 1,
                      "dead": 0, "waking": 0, "idle": 1, "unknown": 0, "parked": 1}
    assert acc.value("itops_host_processes") == 6


def test_a_process_that_ended_while_listed_is_not_counted_and_one_we_may_not_read_is_unknown(system, clock):
    system.processes = [FakeProcess("running"), FakeProcess(NoSuchProcess), FakeProcess(AccessDenied)]
    acc = gather(host_input(system, clock))
    assert acc.value("itops_host_processes_state", state="unknown") == 1
    assert acc.value("itops_host_processes_state", state="running") == 1
    assert acc.value("itops_host_processes") == 2


def test_logged_in_users_and_their_sessions(system, clock):
    system.sessions = [User("alice"), User("alice", terminal="pts/1"), User("bob")]
    acc = gather(host_input(system, clock))
    assert acc.value("itops_host_user_sessions") == 3
    assert acc.value("itops_host_users") == 2


def test_cpus_are_the_cores_the_os_reports(system, clock):
    system.cpus = [CpuTimes(idle=1.0)] * 6
    assert gather(host_input(system, clock)).value("itops_host_cpus") == 6


def test_cpu_mode_shares_leave_guest_time_out_of_user_and_nice_time(system, clock):
    host = host_input(system, clock, per_cpu=False)
    system.cpus = [CpuTimes()]
    gather(host)
    clock.now += 10
    # 20 s of CPU time: user 8 (of which guest 2), nice 2 (of which guest_nice 1), system 2, idle 6, iowait 2.
    system.cpus = [CpuTimes(user=8.0, nice=2.0, system=2.0, idle=6.0, iowait=2.0, guest=2.0, guest_nice=1.0)]
    acc = gather(host)
    shares = {labels["mode"]: value for name, value, labels, _ in acc.samples if name == "itops_host_cpu_mode_ratio"}
    assert shares == pytest.approx({"user": 0.3, "nice": 0.05, "system": 0.1, "idle": 0.3, "iowait": 0.1, "irq": 0.0,
                                    "softirq": 0.0, "steal": 0.0, "guest": 0.1, "guest_nice": 0.05}, rel=1e-12)
    assert sum(shares[mode] for mode in shares if not mode.startswith("guest")) + shares["guest"] + shares["guest_nice"] \
        == pytest.approx(1.0, rel=1e-12)
    assert acc.value("itops_host_cpu_usage_ratio", cpu="total") == pytest.approx(0.6, rel=1e-12)


def test_cpu_mode_shares_per_core_and_in_total_with_the_modes_the_os_has(system, clock):
    system.cpus = [WindowsCpuTimes(), WindowsCpuTimes()]
    host = host_input(system, clock)
    gather(host)
    clock.now += 10
    system.cpus = [WindowsCpuTimes(user=5.0, idle=4.0, interrupt=1.0), WindowsCpuTimes(system=1.0, idle=8.0, dpc=1.0)]
    acc = gather(host)
    assert acc.label_values("itops_host_cpu_mode_ratio", "mode") == {"user", "system", "idle", "interrupt", "dpc"}
    assert acc.label_values("itops_host_cpu_mode_ratio", "cpu") == {"total", "0", "1"}
    assert acc.value("itops_host_cpu_mode_ratio", cpu="0", mode="user") == 0.5
    assert acc.value("itops_host_cpu_mode_ratio", cpu="1", mode="dpc") == 0.1
    assert acc.value("itops_host_cpu_mode_ratio", cpu="total", mode="user") == 0.25


def test_memory_parts_where_the_os_reports_them(system, clock):
    system.memory = LinuxMemory(total=8000, available=6000, used=2000, free=3000, buffers=500, cached=2000)
    acc = gather(host_input(system, clock))
    assert [acc.value(f"itops_host_memory_{part}_bytes") for part in ("free", "buffers", "cached")] == [3000, 500, 2000]
    system.memory = Memory(total=8000, available=6000, used=2000)  # Windows: no buffers, no cache
    assert not {"itops_host_memory_buffers_bytes", "itops_host_memory_cached_bytes"} & gather(host_input(system, clock)).names()


def test_psutils_used_memory_comes_after_total_and_the_parts_telegrafs_used_memory_is_made_of(system, clock):
    # The collector's Telegraf schema relies on it when a gather is cut into two batches (see telegraf_schema).
    system.memory = LinuxMemory(total=8000, available=6000, used=2000, free=3000, buffers=500, cached=2000)
    memory = [name for name, *_ in gather(host_input(system, clock)).samples if name.startswith("itops_host_memory_")]
    assert memory.index("itops_host_memory_used_bytes") > max(
        memory.index(f"itops_host_memory_{part}_bytes") for part in ("total", "free", "buffers", "cached"))


def test_swapped_in_and_out_bytes_are_counters(system, clock):
    system.swap = Swap(total=4000, used=1000, free=3000, sin=4096 * 3, sout=4096 * 5)
    acc = gather(host_input(system, clock))
    assert acc.value("itops_host_swap_in_bytes_total") == 4096 * 3
    assert acc.value("itops_host_swap_out_bytes_total") == 4096 * 5


def test_filesystem_inodes_and_read_only_mounts(system, clock, statvfs):
    mount(system, Partition("/dev/sda1", "/", "ext4", "rw,relatime"), Partition("/dev/sr0", "/media/cd", "udf", "ro,nosuid"),
          Partition("/dev/sdb1", "/data", "xfs", "noatime"))
    statvfs.inodes = {"/": StatVfs(1000, 900), "/media/cd": StatVfs(0, 0), "/data": StatVfs(50, 10)}
    acc = gather(host_input(system, clock, statvfs=statvfs))
    root = {"disk": "/dev/sda1", "mountpoint": "/", "fstype": "ext4"}
    assert acc.value("itops_host_filesystem_inodes", **root) == 1000
    assert acc.value("itops_host_filesystem_inodes_free", **root) == 900
    assert acc.value("itops_host_filesystem_read_only", **root) == 0
    assert acc.value("itops_host_filesystem_read_only", disk="/dev/sr0", mountpoint="/media/cd", fstype="udf") == 1
    # Options that say neither: not read-only.
    assert acc.value("itops_host_filesystem_read_only", disk="/dev/sdb1", mountpoint="/data", fstype="xfs") == 0


def test_no_inode_counts_where_the_os_has_no_statvfs(system, clock):
    acc = gather(host_input(system, clock, statvfs=None))
    assert "itops_host_filesystem_size_bytes" in acc.names()
    assert not {"itops_host_filesystem_inodes", "itops_host_filesystem_inodes_free"} & acc.names()


def test_a_filesystem_whose_inodes_cannot_be_read_is_skipped(system, clock, statvfs):
    mount(system, Partition("/dev/sda1", "/", "ext4"), Partition("/dev/sdb1", "/secret", "ext4"))
    acc = gather(host_input(system, clock, statvfs=statvfs))
    assert acc.label_values("itops_host_filesystem_size_bytes", "mountpoint") == {"/"}


def test_disk_counters_are_sent_in_base_units_from_the_first_gather(system, clock):
    system.disks = {"sda": FullLinuxDiskIO(read_count=10, write_count=20, read_bytes=4096, write_bytes=8192, read_time=1500,
                                           write_time=2500, read_merged_count=3, write_merged_count=4, busy_time=3250)}
    acc = gather(host_input(system, clock))
    expected = {
        "itops_host_disk_reads_total": 10, "itops_host_disk_writes_total": 20,
        "itops_host_disk_read_bytes_total": 4096, "itops_host_disk_written_bytes_total": 8192,
        "itops_host_disk_merged_reads_total": 3, "itops_host_disk_merged_writes_total": 4,
        "itops_host_disk_read_time_seconds_total": 1.5, "itops_host_disk_write_time_seconds_total": 2.5,
        "itops_host_disk_io_time_seconds_total": 3.25,
    }
    assert {name: acc.value(name, disk="sda") for name in expected} == expected


def test_disk_counters_the_os_does_not_keep_are_not_sent(system, clock):
    system.disks = {"disk0": DiskIO(1, 2, 512, 1024)}  # macOS and Windows: no merged counts, no busy time
    acc = gather(host_input(system, clock))
    assert acc.value("itops_host_disk_reads_total", disk="disk0") == 1
    assert not {"itops_host_disk_merged_reads_total", "itops_host_disk_io_time_seconds_total"} & acc.names()


def test_network_counters_are_sent_from_the_first_gather(system, clock):
    system.nics = {"eth0": NetIO(bytes_sent=400, bytes_recv=800, packets_sent=8, packets_recv=12, errin=4, errout=3, dropin=2, dropout=1)}
    acc = gather(host_input(system, clock))
    expected = {
        "itops_host_network_transmitted_bytes_total": 400, "itops_host_network_received_bytes_total": 800,
        "itops_host_network_transmitted_packets_total": 8, "itops_host_network_received_packets_total": 12,
        "itops_host_network_receive_errors_total": 4, "itops_host_network_transmit_errors_total": 3,
        "itops_host_network_receive_drops_total": 2, "itops_host_network_transmit_drops_total": 1,
    }
    assert {name: acc.value(name, interface="eth0") for name in expected} == expected


def test_samples_carry_the_clock_time(system, clock):
    clock.now = 1_700_000_123.4567
    acc = gather(host_input(system, clock))
    assert {timestamp for *_, timestamp in acc.samples} == {1_700_000_123_456}


def test_real_psutil_gives_sane_values():
    host = HostInput(HostConfig())
    gather(host)
    time.sleep(0.2)
    acc = gather(host)
    assert all(re.fullmatch(r"itops_host_[a-z0-9_]+", name) for name in acc.names())
    assert all(math.isfinite(value) for _, value, _, _ in acc.samples)
    assert all(value >= 0 for _, value, _, _ in acc.samples)
    assert all(value <= 1 for name, value, _, _ in acc.samples if name.endswith("_ratio"))
    assert 0 <= acc.value("itops_host_cpu_usage_ratio", cpu="total") <= 1
    assert 0 < acc.value("itops_host_memory_available_bytes") < acc.value("itops_host_memory_total_bytes")
    assert acc.value("itops_host_uptime_seconds") > 0
    assert acc.value("itops_host_processes") >= 1
    assert acc.value("itops_host_processes_state", state="running") >= 1  # this one
    assert acc.value("itops_host_cpus") == len(acc.label_values("itops_host_cpu_usage_ratio", "cpu")) - 1
    assert acc.label_values("itops_host_filesystem_inodes", "mountpoint") == acc.label_values("itops_host_filesystem_size_bytes", "mountpoint")
    assert "lo" not in acc.label_values("itops_host_network_received_bytes_per_second", "interface")
    assert not {"proc", "sysfs", "tmpfs"} & acc.label_values("itops_host_filesystem_size_bytes", "fstype")
    assert acc.label_values("itops_host_filesystem_size_bytes", "mountpoint"), "no filesystem reported"


def test_sample_config_loads():
    sample = Path(__file__).parents[5] / "agent" / "inputs" / "host" / "sample.yaml"
    config = load_file(sample, HostConfig)
    assert config.interval == 15.0
    assert config.ignore_interfaces == ["veth*", "docker*", "br-*"]
