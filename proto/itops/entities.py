"""Which host, device or service a series, check result or alert is about: the entity kinds, the label that
names each, and ``entity_of``, which every stage asks.

A host is named by ``host`` (every agent adds its hostname to what it sends), an SNMP device by ``device``, an
attendance clock by ``clock``, a backup by the ``target`` of its ``file_freshness`` check, a service by a check,
its target and the host that checks it. A series is about the most specific of these its labels name: a clock
polled by the agent on host ``vm`` carries ``host="vm"`` too, and is about the clock; ``entities_of`` adds the
host that reports it. An SNMP device's kind follows from the metric families its profiles report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "ASSET_LABELS", "ASSET_NUMBER_LABEL", "ATTENDANCE_CLOCK_CHECK", "BACKUP_CHECK", "CHECK_LABEL", "CLOCK_LABEL",
    "DEVICE_KINDS", "DEVICE_LABEL", "DEVICE_PROFILES", "ENTITY_OF_LABELS", "Entity", "EntityKind", "HOST_LABEL", "LISTED_KINDS",
    "TARGET_LABEL", "entities_of", "entity_of", "primary_device_kind",
]

HOST_LABEL = "host"
DEVICE_LABEL = "device"
CLOCK_LABEL = "clock"
CHECK_LABEL = "check"
TARGET_LABEL = "target"
ASSET_NUMBER_LABEL = "asset_number"
# Every label entity_of reads: a series' entity follows from these and its metric alone.
ENTITY_OF_LABELS = (ASSET_NUMBER_LABEL, CHECK_LABEL, CLOCK_LABEL, DEVICE_LABEL, HOST_LABEL, TARGET_LABEL)
# The labels naming hardware, which has an asset number (资产编号); backups and services have none.
ASSET_LABELS = (DEVICE_LABEL, CLOCK_LABEL, HOST_LABEL)

BACKUP_CHECK = "file_freshness"
ATTENDANCE_CLOCK_CHECK = "attendance_clock"  # its target is the clock's name
BACKUP_METRIC_PREFIX = "itops_file_newest_"  # the file_freshness input's series, which name the target only


class EntityKind(StrEnum):
    HOST = "host"
    PRINTER = "printer"
    UPS = "ups"
    SWITCH = "switch"
    ENVIRONMENT = "environment"  # a room sensor
    ATTENDANCE_CLOCK = "attendance_clock"
    BACKUP = "backup"
    DEVICE = "device"  # an SNMP device whose profile says no more (or whose series are not at hand)
    SERVICE = "service"


# What the entity directory and the daily report list, in their order; a service shows with its host.
LISTED_KINDS = tuple(kind for kind in EntityKind if kind is not EntityKind.SERVICE)

# The metric family of each SNMP profile and the kind it makes a device. A device read by several profiles is
# the first of these it has series of: a UPS card with room probes is a UPS.
DEVICE_PROFILES: tuple[tuple[str, EntityKind], ...] = (
    ("itops_printer_", EntityKind.PRINTER), ("itops_ups_", EntityKind.UPS),
    ("itops_network_interface_", EntityKind.SWITCH), ("itops_environment_", EntityKind.ENVIRONMENT))
DEVICE_KINDS = frozenset({kind for _, kind in DEVICE_PROFILES} | {EntityKind.DEVICE})


@dataclass(frozen=True, slots=True)
class Entity:
    kind: EntityKind
    name: str
    label: str  # the label whose value is its name: host, device, clock; target for a backup or a service
    # The labels that identify it: what maintenance windows are matched against.
    identity: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    asset_number: str | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return self.kind.value, self.name

    @property
    def is_asset(self) -> bool:
        return self.label in ASSET_LABELS


def entity_of(labels: Mapping[str, str], metric: str = "") -> Entity | None:
    """What a series of ``metric`` (or, without a metric, a check result or alert) with these labels is about.
    A check result's labels include its ``check`` and ``target``, as its alerts' do."""
    asset_number = labels.get(ASSET_NUMBER_LABEL) or None
    if labels.get(CLOCK_LABEL):  # before device: stores older than this module name a clock by both
        return _named(EntityKind.ATTENDANCE_CLOCK, CLOCK_LABEL, labels[CLOCK_LABEL], asset_number)
    if labels.get(DEVICE_LABEL):
        return _named(_device_kind(metric), DEVICE_LABEL, labels[DEVICE_LABEL], asset_number)
    check, target = labels.get(CHECK_LABEL), labels.get(TARGET_LABEL)
    if check and target:
        return _checked(check, target, labels.get(HOST_LABEL), asset_number)
    if target and metric.startswith(BACKUP_METRIC_PREFIX):
        return _checked(BACKUP_CHECK, target, labels.get(HOST_LABEL), asset_number)
    if labels.get(HOST_LABEL):
        return _named(EntityKind.HOST, HOST_LABEL, labels[HOST_LABEL], asset_number)
    return None


def entities_of(labels: Mapping[str, str], metric: str = "") -> tuple[Entity, ...]:
    """The entity and, when that is not the host itself, the host that reports it (a polled device's data says
    that its agent's host is alive too); the asset number is the entity's."""
    entity = entity_of(labels, metric)
    if entity is None:
        return ()
    host = labels.get(HOST_LABEL)
    if not host or entity.label == HOST_LABEL:
        return (entity,)
    return entity, _named(EntityKind.HOST, HOST_LABEL, host, None)


def primary_device_kind(kinds: Iterable[EntityKind]) -> EntityKind:
    """The kind of a device whose series are of these kinds (see DEVICE_PROFILES)."""
    present = set(kinds)
    return next((kind for _, kind in DEVICE_PROFILES if kind in present), EntityKind.DEVICE)


def _device_kind(metric: str) -> EntityKind:
    return next((kind for prefix, kind in DEVICE_PROFILES if metric.startswith(prefix)), EntityKind.DEVICE)


def _named(kind: EntityKind, label: str, name: str, asset_number: str | None) -> Entity:
    return Entity(kind, name, label, {label: name}, asset_number)


def _checked(check: str, target: str, host: str | None, asset_number: str | None) -> Entity:
    """What a check is about: the clock it reads, the backup it looks at (named by its target alone), or else
    the service on its host (``nginx.service`` on two hosts is two services)."""
    if check == ATTENDANCE_CLOCK_CHECK:
        return _named(EntityKind.ATTENDANCE_CLOCK, CLOCK_LABEL, target, asset_number)
    identity = {CHECK_LABEL: check, TARGET_LABEL: target, **({HOST_LABEL: host} if host else {})}
    if check == BACKUP_CHECK:
        return Entity(EntityKind.BACKUP, target, TARGET_LABEL, identity)
    return Entity(EntityKind.SERVICE, f"{check} {target}" + (f"@{host}" if host else ""), TARGET_LABEL, identity)
