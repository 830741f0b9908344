"""Hardware changes between two inventory snapshots of one host, as check message parts (catalogue keys of
``itops.collector.records.check_messages`` with their arguments) an IT admin reads in their language."""

from __future__ import annotations

from itops.v1 import ingest_pb2

__all__ = ["FIRST_INVENTORY", "HARDWARE_MESSAGE_KEYS", "NO_CHANGE", "describe_hardware_changes", "human_bytes"]

FIRST_INVENTORY = "hardware_inventory.first"
NO_CHANGE = "hardware_inventory.unchanged"
# Every key the collector's own hardware_inventory check says (the catalogue is held against it and the agent's).
HARDWARE_MESSAGE_KEYS = (FIRST_INVENTORY, NO_CHANGE, *(f"hardware_inventory.{change}" for change in (
    "memory_changed", "field_changed", "disk_removed", "disk_added", "disk_resized", "nic_removed", "nic_added")))

_SCALAR_FIELDS = ("cpu_model", "cpu_count_logical", "cpu_count_physical", "bios_vendor", "bios_version", "board_serial",
                  "system_serial")


def human_bytes(size: int) -> str:
    for unit, factor in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} B"


def _part(change: str, **args: object) -> dict:
    key = f"hardware_inventory.{change}"
    assert key in HARDWARE_MESSAGE_KEYS, key
    return {"key": key, "args": {name: str(value) for name, value in args.items()}}


def _disk_key(disk: ingest_pb2.Disk) -> str:
    return disk.serial or disk.name


def _disk_part(key: str, disk: ingest_pb2.Disk) -> dict:
    details = ", ".join(part for part in (disk.model, disk.serial, human_bytes(disk.size_bytes)) if part)
    return _part(key, disk=disk.name, details=details)


def _disk_changes(old: ingest_pb2.InventorySnapshot, new: ingest_pb2.InventorySnapshot) -> list[dict]:
    before = {_disk_key(disk): disk for disk in old.disks}
    after = {_disk_key(disk): disk for disk in new.disks}
    changes = [_disk_part("disk_removed", before[key]) for key in sorted(before.keys() - after.keys())]
    changes += [_disk_part("disk_added", after[key]) for key in sorted(after.keys() - before.keys())]
    changes += [
        _part("disk_resized", disk=after[key].name, before=human_bytes(before[key].size_bytes),
              after=human_bytes(after[key].size_bytes))
        for key in sorted(before.keys() & after.keys()) if before[key].size_bytes != after[key].size_bytes
    ]
    return changes


def _nic_changes(old: ingest_pb2.InventorySnapshot, new: ingest_pb2.InventorySnapshot) -> list[dict]:
    before = {nic.mac_address: nic.name for nic in old.network_interfaces if nic.mac_address}
    after = {nic.mac_address: nic.name for nic in new.network_interfaces if nic.mac_address}
    return ([_part("nic_removed", nic=before[mac], mac=mac) for mac in sorted(before.keys() - after.keys())]
            + [_part("nic_added", nic=after[mac], mac=mac) for mac in sorted(after.keys() - before.keys())])


def describe_hardware_changes(old: ingest_pb2.InventorySnapshot, new: ingest_pb2.InventorySnapshot) -> list[dict]:
    """One message part per change, e.g. ``hardware_inventory.memory_changed`` from 16 GiB to 8 GiB. The OS is
    not hardware: kernel updates are not reported here."""
    changes = []
    if old.memory_total_bytes != new.memory_total_bytes:
        changes.append(_part("memory_changed", before=human_bytes(old.memory_total_bytes),
                             after=human_bytes(new.memory_total_bytes)))
    for field in _SCALAR_FIELDS:
        before, after = getattr(old, field), getattr(new, field)
        if before != after:
            changes.append(_part("field_changed", field=field, before=before or "—", after=after or "—"))  # — : not reported
    return changes + _disk_changes(old, new) + _nic_changes(old, new)
