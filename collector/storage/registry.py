"""The storage backends that ship with the collector, by name (see ``itops.common.plugin_registry``)."""

from __future__ import annotations

from itops.common.plugin_registry import PluginSpec

__all__ = ["SHIPPED_BACKENDS", "config_models", "load_backend_class"]

SHIPPED_BACKENDS: dict[str, PluginSpec] = {
    "sqlite": PluginSpec(
        "itops.collector.storage.sqlite.config:SQLiteConfig", "itops.collector.storage.sqlite.store:SQLiteStorage"
    ),
}


def config_models() -> tuple[type, ...]:
    return tuple(spec.config_model() for spec in SHIPPED_BACKENDS.values())


def load_backend_class(name: str) -> type:
    return SHIPPED_BACKENDS[name].implementation_class()
