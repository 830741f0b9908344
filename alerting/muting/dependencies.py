"""Dependencies: a PC sits behind a switch, a switch behind a UPS. When a parent is down, its children's
alerts are noise — the parent's alert already says what is wrong — so they are suppressed with the parent
named as the reason.

An alert is about the entity ``itops.entities.entity_of`` names (a device or clock rather than the host polling
it), or, when ``entity_labels`` is set, the first of those labels it carries. A parent counts as down while one
of its "down" alerts is firing: any alert in ``down_alertnames`` or one of the alerts designated for it in
``down_alerts``. ``observe`` must see every alert state change before the mute stage asks, so that a parent
and its children going down in one batch are handled in that batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Annotated

import msgspec
from itops.alerting.rules.model import Alert, AlertState, MuteReason
from itops.common.yaml_config import FieldProblem, load_file, load_text
from itops.entities import entity_of

__all__ = ["DependencyConfig", "DependencyMuter", "load_dependencies", "load_dependencies_text"]


class DependencyConfig(msgspec.Struct, forbid_unknown_fields=True):
    parents: Annotated[dict[str, list[str]], msgspec.Meta(
        description="What each host/device sits behind, e.g. {pc-101: [switch-3f], switch-3f: [ups-2]}.")] = {}
    down_alertnames: Annotated[list[str], msgspec.Meta(
        description="Alert names that mean the entity they name is down.")] = msgspec.field(default_factory=lambda: ["HostOffline", "DeviceOffline"])
    down_alerts: Annotated[dict[str, list[str]], msgspec.Meta(
        description="Extra alert names that mean one particular parent is down, e.g. {ups-2: [UpsOnBattery]}.")] = {}
    entity_labels: Annotated[list[str] | None, msgspec.Meta(
        description="Labels naming the entity an alert is about, first present wins; unset: the entity the alert is about "
                    "(a device or clock, not the host polling it).")] = None


class DependencyMuter:
    """The ``Muter`` for dependencies; ``observe`` keeps track of which entities are down."""

    def __init__(self, config: DependencyConfig):
        check_dependencies(config)
        self._config = config
        self._down: dict[str, set[str]] = {}  # entity → fingerprints of its firing down alerts

    def observe(self, alerts: Iterable[Alert]) -> None:
        for alert in alerts:
            entity = self.entity_of(alert)
            if entity is None or not self._means_down(alert, entity):
                continue
            firing = self._down.setdefault(entity, set())
            if alert.state is AlertState.FIRING:
                firing.add(alert.fingerprint)
            else:
                firing.discard(alert.fingerprint)

    def is_down(self, entity: str) -> bool:
        return bool(self._down.get(entity))

    def mutes(self, alert: Alert, now: datetime) -> MuteReason | None:
        entity = self.entity_of(alert)
        if entity is None:
            return None
        parent = self._nearest_down_ancestor(entity)
        return None if parent is None else MuteReason("parent_down", f"suppressed: parent {parent} is down", parent=parent)

    def entity_of(self, alert: Alert) -> str | None:
        if self._config.entity_labels is None:
            entity = entity_of(alert.labels)
            return None if entity is None else entity.name
        return next((alert.labels[label] for label in self._config.entity_labels if alert.labels.get(label)), None)

    def _means_down(self, alert: Alert, entity: str) -> bool:
        name = alert.labels.get("alertname", alert.rule)
        return name in self._config.down_alertnames or name in self._config.down_alerts.get(entity, ())

    def _nearest_down_ancestor(self, entity: str) -> str | None:
        """Breadth first, so the closest broken thing is named (the switch, not the UPS behind it)."""
        frontier, seen = list(self._config.parents.get(entity, ())), {entity}
        while frontier:
            for parent in frontier:
                if self.is_down(parent):
                    return parent
            seen.update(frontier)
            frontier = [p for parent in frontier for p in self._config.parents.get(parent, ()) if p not in seen]
        return None


def load_dependencies(path: str | Path) -> DependencyMuter:
    return DependencyMuter(load_file(path, DependencyConfig, check=check_dependencies))


def load_dependencies_text(text: str, file: str = "<dependencies>") -> DependencyMuter:
    return DependencyMuter(load_text(text, DependencyConfig, file, check=check_dependencies))


def check_dependencies(config: DependencyConfig) -> None:
    if config.entity_labels == []:
        raise FieldProblem("entity_labels", "name at least one label, e.g. [host, device]")
    for child, parents in config.parents.items():
        if child in parents:
            raise FieldProblem(f"parents.{child}", f"{child} cannot sit behind itself")
        cycle = _cycle_from(child, config.parents)
        if cycle:
            raise FieldProblem(f"parents.{child}", f"dependencies go round in a circle: {' → '.join(cycle)}")


def _cycle_from(start: str, parents: dict[str, list[str]]) -> list[str] | None:
    path, stack = [start], [iter(parents.get(start, ()))]
    while stack:
        parent = next(stack[-1], None)
        if parent is None:
            stack.pop()
            path.pop()
        elif parent == start:
            return path + [start]
        elif parent not in path:
            path.append(parent)
            stack.append(iter(parents.get(parent, ())))
    return None
