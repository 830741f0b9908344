"""Facts about this host: what the agent says in its hello, and the hardware inventory.

Read from ``platform``, psutil, ``/proc`` and ``/sys`` (both under ``root``, so tests can build a fake
tree). A fact that cannot be read is reported empty, never as an error: DMI serial numbers are readable
by root only on most distributions, and virtual disks have no serial number.
"""

from __future__ import annotations

import ipaddress
import platform
import socket
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import psutil

from itops import __version__
from itops.common.clock import EpochClock, epoch_now
from itops.v1 import ingest_pb2

__all__ = ["agent_hello", "hardware_inventory", "os_description", "platform_name"]

ROOT = Path("/")
# /sys/block/*/size counts 512-byte sectors whatever the disk's own block size.
_SECTOR_BYTES = 512
# Block devices that are no hardware: loop devices, RAM disks, compressed RAM swap, device-mapper volumes.
_NOT_A_DISK_PREFIXES = ("loop", "ram", "zram", "dm-")
# /proc/cpuinfo names the CPU model differently per architecture: x86, ARM boards, ARM SoCs, MIPS, POWER.
_CPU_MODEL_KEYS = ("model name", "Model", "Hardware", "cpu model", "cpu")
_IP_FAMILIES = (socket.AF_INET, socket.AF_INET6)


def agent_hello(agent_id: str, hostname: str, *, root: Path = ROOT, system: ModuleType = psutil) -> ingest_pb2.AgentHello:
    """What the agent tells the collector about itself when it (re)connects."""
    addresses = system.net_if_addrs().values()
    return ingest_pb2.AgentHello(
        agent_id=agent_id,
        hostname=hostname,
        agent_version=__version__,
        os=os_description(root),
        platform=platform_name(),
        boot_time_unix_ms=int(system.boot_time() * 1000),
        ip_addresses=[ip for interface_addresses in addresses for ip in _reachable_ip_addresses(interface_addresses)],
    )


def hardware_inventory(
    *, root: Path = ROOT, system: ModuleType = psutil, clock: EpochClock = epoch_now
) -> ingest_pb2.InventorySnapshot:
    """CPU, memory, disks, network interfaces, firmware and OS of this host."""
    dmi = root / "sys/class/dmi/id"
    return ingest_pb2.InventorySnapshot(
        timestamp_ms=int(clock() * 1000),
        cpu_model=cpu_model(root),
        cpu_count_logical=system.cpu_count() or 0,
        cpu_count_physical=system.cpu_count(logical=False) or 0,
        memory_total_bytes=system.virtual_memory().total,
        disks=disks(root),
        network_interfaces=network_interfaces(system.net_if_addrs(), system.AF_LINK),
        bios_vendor=_read_fact(dmi / "bios_vendor"),
        bios_version=_read_fact(dmi / "bios_version"),
        board_serial=_read_fact(dmi / "board_serial"),
        system_serial=_read_fact(dmi / "product_serial"),
        os=os_description(root),
    )


def os_description(root: Path = ROOT) -> str:
    """Kernel and distribution, e.g. ``Linux 6.1.0-18-amd64 (Debian GNU/Linux 12 (bookworm))``."""
    system = platform.system()
    kernel = f"{system} {platform.release()}".strip()
    distribution = _distribution(system, root)
    return f"{kernel} ({distribution})" if distribution else kernel


def platform_name() -> str:
    """OS and machine architecture, e.g. ``linux-x86_64``, ``windows-amd64``, ``darwin-arm64``."""
    return f"{platform.system().lower()}-{platform.machine().lower()}"


def cpu_model(root: Path = ROOT) -> str:
    info: dict[str, str] = {}
    for line in _read_fact(root / "proc/cpuinfo").splitlines():
        key, colon, value = line.partition(":")
        if colon:
            info.setdefault(key.strip(), value.strip())
    model = next((info[key] for key in _CPU_MODEL_KEYS if info.get(key)), "")
    return model or platform.processor()


def disks(root: Path = ROOT) -> list[ingest_pb2.Disk]:
    """Block devices from /sys/block (Linux); none elsewhere."""
    block = root / "sys/block"
    if not block.is_dir():
        return []
    devices = sorted(block.iterdir(), key=lambda device: device.name)
    return [_disk(device) for device in devices if not device.name.startswith(_NOT_A_DISK_PREFIXES)]


def network_interfaces(addresses: Mapping[str, list], link_family: int) -> list[ingest_pb2.NetworkInterface]:
    """Every interface but loopback, with its MAC address (``aa:bb:...``) and IP addresses."""
    return [
        ingest_pb2.NetworkInterface(
            name=name,
            mac_address=next((_mac(a.address) for a in interface_addresses if a.family == link_family), ""),
            ip_addresses=_reachable_ip_addresses(interface_addresses),
        )
        for name, interface_addresses in sorted(addresses.items())
        if not any(ip.is_loopback for ip in _ips(interface_addresses))
    ]


def _distribution(system: str, root: Path) -> str:
    if system == "Linux":
        return _os_release(root).get("PRETTY_NAME", "")
    if system == "Darwin":
        version = platform.mac_ver()[0]
        return f"macOS {version}" if version else ""
    if system == "Windows":
        return platform.version()
    return ""


def _os_release(root: Path) -> dict[str, str]:
    """The fields of os-release(5); /usr/lib/os-release is its fallback location."""
    text = _read_fact(root / "etc/os-release") or _read_fact(root / "usr/lib/os-release")
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, equals, value = line.partition("=")
        if equals and not key.startswith("#"):
            fields[key.strip()] = value.strip().strip("\"'")
    return fields


def _disk(device: Path) -> ingest_pb2.Disk:
    sectors = _read_fact(device / "size")
    return ingest_pb2.Disk(
        name=device.name,
        model=_read_fact(device / "device/model"),
        serial=_read_fact(device / "device/serial"),
        size_bytes=int(sectors) * _SECTOR_BYTES if sectors.isdigit() else 0,
    )


def _reachable_ip_addresses(interface_addresses: list) -> list[str]:
    """Addresses others can reach this host at: not loopback, not link-local (fe80::/10 is on every NIC)."""
    return [str(ip) for ip in _ips(interface_addresses) if not (ip.is_loopback or ip.is_link_local)]


def _ips(interface_addresses: list) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    # Link-local IPv6 addresses come with their zone: fe80::1%eth0.
    return [ipaddress.ip_address(a.address.partition("%")[0]) for a in interface_addresses if a.family in _IP_FAMILIES]


def _mac(address: str) -> str:
    return address.replace("-", ":").lower()  # Windows writes 00-1A-2B-...


def _read_fact(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
