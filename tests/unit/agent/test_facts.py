"""Host facts against a fake /proc + /sys tree and a fake psutil, and once against this machine."""

from __future__ import annotations

import platform
import socket
from collections import namedtuple
from pathlib import Path

import psutil
import pytest

import itops
from itops.agent.facts import agent_hello, cpu_model, hardware_inventory, os_description, platform_name
from itops.v1 import ingest_pb2

Address = namedtuple("Address", "family address netmask broadcast ptp", defaults=[None, None, None])
Memory = namedtuple("Memory", "total available")

DEBIAN_OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'


class FakeSystem:
    """The psutil functions facts calls."""

    AF_LINK = psutil.AF_LINK

    def __init__(self, addresses=None):
        self.addresses = addresses or {}

    def boot_time(self):
        return 1_700_000_000.25

    def net_if_addrs(self):
        return self.addresses

    def cpu_count(self, logical=True):
        return 16 if logical else 8

    def virtual_memory(self):
        return Memory(total=34_359_738_368, available=1)


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def linux(monkeypatch):
    monkeypatch.setattr(platform, "system", lambda: "Linux")
    monkeypatch.setattr(platform, "release", lambda: "6.1.0-18-amd64")
    monkeypatch.setattr(platform, "machine", lambda: "x86_64")


# --- OS and platform ---------------------------------------------------------------------------------


def test_os_description_names_kernel_and_distribution(tmp_path, linux):
    write(tmp_path, "etc/os-release", DEBIAN_OS_RELEASE)
    assert os_description(tmp_path) == "Linux 6.1.0-18-amd64 (Debian GNU/Linux 12 (bookworm))"


def test_os_release_falls_back_to_usr_lib(tmp_path, linux):
    write(tmp_path, "usr/lib/os-release", "# vendor file\nPRETTY_NAME='Fedora Linux 40 (Server Edition)'\n")
    assert os_description(tmp_path) == "Linux 6.1.0-18-amd64 (Fedora Linux 40 (Server Edition))"


def test_os_description_without_os_release_is_the_kernel(tmp_path, linux):
    assert os_description(tmp_path) == "Linux 6.1.0-18-amd64"


def test_os_description_on_windows(tmp_path, monkeypatch):
    monkeypatch.setattr(platform, "system", lambda: "Windows")
    monkeypatch.setattr(platform, "release", lambda: "10")
    monkeypatch.setattr(platform, "version", lambda: "10.0.19045")
    assert os_description(tmp_path) == "Windows 10 (10.0.19045)"


def test_os_description_on_macos(tmp_path, monkeypatch):
    monkeypatch.setattr(platform, "system", lambda: "Darwin")
    monkeypatch.setattr(platform, "release", lambda: "23.1.0")
    monkeypatch.setattr(platform, "mac_ver", lambda: ("14.1", ("", "", ""), "arm64"))
    assert os_description(tmp_path) == "Darwin 23.1.0 (macOS 14.1)"


def test_platform_name(monkeypatch):
    monkeypatch.setattr(platform, "system", lambda: "Windows")
    monkeypatch.setattr(platform, "machine", lambda: "AMD64")
    assert platform_name() == "windows-amd64"


# --- hello -------------------------------------------------------------------------------------------


def test_agent_hello(tmp_path, linux):
    write(tmp_path, "etc/os-release", DEBIAN_OS_RELEASE)
    system = FakeSystem({
        "lo": [Address(socket.AF_INET, "127.0.0.1"), Address(socket.AF_INET6, "::1")],
        "eth0": [
            Address(psutil.AF_LINK, "52:54:00:12:34:56"),
            Address(socket.AF_INET, "192.0.2.10"),
            Address(socket.AF_INET6, "2001:db8::10"),
            Address(socket.AF_INET6, "fe80::5054:ff:fe12:3456%eth0"),
        ],
        "wlan0": [Address(socket.AF_INET, "198.51.100.7"), Address(socket.AF_INET, "169.254.3.4")],
    })
    hello = agent_hello("web-01.example", "web-01", root=tmp_path, system=system)
    assert hello == ingest_pb2.AgentHello(
        agent_id="web-01.example",
        hostname="web-01",
        agent_version=itops.__version__,
        os="Linux 6.1.0-18-amd64 (Debian GNU/Linux 12 (bookworm))",
        platform="linux-x86_64",
        boot_time_unix_ms=1_700_000_000_250,
        ip_addresses=["192.0.2.10", "2001:db8::10", "198.51.100.7"],
    )


# --- inventory ---------------------------------------------------------------------------------------


def fake_sys_tree(root: Path) -> None:
    write(root, "sys/block/sda/size", "1953525168\n")
    write(root, "sys/block/sda/device/model", "Samsung SSD 870 \n")  # no device/serial for SATA disks
    write(root, "sys/block/nvme0n1/size", "2000409264\n")
    write(root, "sys/block/nvme0n1/device/model", "WDC WDS100T2B0C\n")
    write(root, "sys/block/nvme0n1/device/serial", "  21091Z800123  \n")
    for pseudo in ("loop0", "ram0", "zram0", "dm-0"):
        write(root, f"sys/block/{pseudo}/size", "1024\n")
    write(root, "sys/class/dmi/id/bios_vendor", "American Megatrends Inc.\n")
    write(root, "sys/class/dmi/id/bios_version", "F.42\n")
    (root / "sys/class/dmi/id/product_serial").mkdir()  # reads fail, as a root-only file does for the agent
    write(root, "proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz\n")
    write(root, "etc/os-release", DEBIAN_OS_RELEASE)


def test_hardware_inventory(tmp_path, linux):
    fake_sys_tree(tmp_path)
    system = FakeSystem({"eth0": [Address(psutil.AF_LINK, "52:54:00:12:34:56"), Address(socket.AF_INET, "192.0.2.10")]})
    inventory = hardware_inventory(root=tmp_path, system=system, clock=lambda: 1_700_000_000.5)
    assert inventory == ingest_pb2.InventorySnapshot(
        timestamp_ms=1_700_000_000_500,
        cpu_model="Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz",
        cpu_count_logical=16,
        cpu_count_physical=8,
        memory_total_bytes=34_359_738_368,
        disks=[
            ingest_pb2.Disk(name="nvme0n1", model="WDC WDS100T2B0C", serial="21091Z800123", size_bytes=1_024_209_543_168),
            ingest_pb2.Disk(name="sda", model="Samsung SSD 870", serial="", size_bytes=1_000_204_886_016),
        ],
        network_interfaces=[ingest_pb2.NetworkInterface(name="eth0", mac_address="52:54:00:12:34:56", ip_addresses=["192.0.2.10"])],
        bios_vendor="American Megatrends Inc.",
        bios_version="F.42",
        board_serial="",
        system_serial="",
        os="Linux 6.1.0-18-amd64 (Debian GNU/Linux 12 (bookworm))",
    )


def test_without_sys_there_are_no_disks_and_no_firmware_facts(tmp_path, linux):
    inventory = hardware_inventory(root=tmp_path, system=FakeSystem())
    assert list(inventory.disks) == []
    assert (inventory.bios_vendor, inventory.bios_version, inventory.board_serial, inventory.system_serial) == ("", "", "", "")


def test_loopback_interface_is_not_inventoried_and_macs_are_normalised(tmp_path, linux):
    system = FakeSystem({
        "Loopback Pseudo-Interface 1": [Address(socket.AF_INET, "127.0.0.1")],
        "Ethernet": [Address(psutil.AF_LINK, "00-1A-2B-3C-4D-5E")],
    })
    inventory = hardware_inventory(root=tmp_path, system=system)
    assert [(nic.name, nic.mac_address, list(nic.ip_addresses)) for nic in inventory.network_interfaces] == [
        ("Ethernet", "00:1a:2b:3c:4d:5e", []),
    ]


def test_cpu_model_of_an_arm_board(tmp_path):
    write(tmp_path, "proc/cpuinfo", "processor\t: 0\nBogoMIPS\t: 108.00\n\nRevision\t: d03114\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n")
    assert cpu_model(tmp_path) == "Raspberry Pi 4 Model B Rev 1.4"


def test_cpu_model_falls_back_to_platform(tmp_path, monkeypatch):
    monkeypatch.setattr(platform, "processor", lambda: "Intel64 Family 6 Model 158 Stepping 10, GenuineIntel")
    assert cpu_model(tmp_path) == "Intel64 Family 6 Model 158 Stepping 10, GenuineIntel"


# --- this machine ------------------------------------------------------------------------------------


def test_facts_of_this_machine():
    hello = agent_hello("agent-1", socket.gethostname())
    inventory = hardware_inventory()
    assert hello.os.startswith(f"{platform.system()} {platform.release()}")
    assert hello.platform == f"{platform.system().lower()}-{platform.machine().lower()}"
    assert 0 < hello.boot_time_unix_ms < inventory.timestamp_ms
    assert "127.0.0.1" not in hello.ip_addresses
    assert inventory.cpu_count_logical >= max(1, inventory.cpu_count_physical)
    assert inventory.memory_total_bytes == psutil.virtual_memory().total
    assert "lo" not in [nic.name for nic in inventory.network_interfaces]
    assert inventory.os == hello.os
