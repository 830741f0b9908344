"""The storage backends that ship with the collector, by name.

Each entry names the config model (imported when the collector config is loaded; light) and the
backend class (imported only when that backend is selected).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

__all__ = ["BackendSpec", "SHIPPED_BACKENDS", "config_models", "load_backend_class"]


@dataclass(frozen=True)
class BackendSpec:
    config: str  # "module:Class"
    implementation: str  # "module:Class"


SHIPPED_BACKENDS: dict[str, BackendSpec] = {
    "sqlite": BackendSpec(
        "itops.collector.storage.sqlite.config:SQLiteConfig", "itops.collector.storage.sqlite.store:SQLiteStorage"
    ),
}


def _resolve(target: str):
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def config_models() -> tuple[type, ...]:
    return tuple(_resolve(spec.config) for spec in SHIPPED_BACKENDS.values())


def load_backend_class(name: str):
    return _resolve(SHIPPED_BACKENDS[name].implementation)
