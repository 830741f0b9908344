"""Hardware changes between two inventory snapshots of one host, in words an IT admin reads."""

from __future__ import annotations

from itops.v1 import ingest_pb2

__all__ = ["describe_hardware_changes", "human_bytes"]

_SCALAR_FIELDS = (
    ("cpu_model", "CPU model"),
    ("cpu_count_logical", "logical CPU count"),
    ("cpu_count_physical", "physical CPU count"),
    ("bios_vendor", "BIOS vendor"),
    ("bios_version", "BIOS version"),
    ("board_serial", "board serial number"),
    ("system_serial", "system serial number"),
)


def human_bytes(size: int) -> str:
    for unit, factor in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} B"


def _disk_key(disk: ingest_pb2.Disk) -> str:
    return disk.serial or disk.name


def _disk_words(disk: ingest_pb2.Disk) -> str:
    details = ", ".join(part for part in (disk.model, disk.serial, human_bytes(disk.size_bytes)) if part)
    return f"disk {disk.name} ({details})"


def _disk_changes(old: ingest_pb2.InventorySnapshot, new: ingest_pb2.InventorySnapshot) -> list[str]:
    before = {_disk_key(disk): disk for disk in old.disks}
    after = {_disk_key(disk): disk for disk in new.disks}
    changes = [f"{_disk_words(before[key])} removed" for key in sorted(before.keys() - after.keys())]
    changes += [f"{_disk_words(after[key])} added" for key in sorted(after.keys() - before.keys())]
    changes += [
        f"disk {after[key].name} size changed from {human_bytes(before[key].size_bytes)} to {human_bytes(after[key].size_bytes)}"
        for key in sorted(before.keys() & after.keys()) if before[key].size_bytes != after[key].size_bytes
    ]
    return changes


def _nic_changes(old: ingest_pb2.InventorySnapshot, new: ingest_pb2.InventorySnapshot) -> list[str]:
    before = {nic.mac_address: nic.name for nic in old.network_interfaces if nic.mac_address}
    after = {nic.mac_address: nic.name for nic in new.network_interfaces if nic.mac_address}
    return ([f"network interface {before[mac]} ({mac}) removed" for mac in sorted(before.keys() - after.keys())]
            + [f"network interface {after[mac]} ({mac}) added" for mac in sorted(after.keys() - before.keys())])


def describe_hardware_changes(old: ingest_pb2.InventorySnapshot, new: ingest_pb2.InventorySnapshot) -> list[str]:
    """One phrase per change, e.g. "memory changed from 16 GiB to 8 GiB". The OS is not hardware:
    kernel updates are not reported here."""
    changes = []
    if old.memory_total_bytes != new.memory_total_bytes:
        changes.append(f"memory changed from {human_bytes(old.memory_total_bytes)} to {human_bytes(new.memory_total_bytes)}")
    for field, words in _SCALAR_FIELDS:
        before, after = getattr(old, field), getattr(new, field)
        if before != after:
            changes.append(f"{words} changed from {before or 'unknown'} to {after or 'unknown'}")
    return changes + _disk_changes(old, new) + _nic_changes(old, new)
