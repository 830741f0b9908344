"""Plugins registered by name: a config model (light, imported when the config is loaded) and an
implementation (imported only when a plugin of that name is configured)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

__all__ = ["PluginSpec", "resolve"]


@dataclass(frozen=True)
class PluginSpec:
    config: str  # "module:Class"
    implementation: str  # "module:Class"

    def config_model(self) -> type:
        return resolve(self.config)

    def implementation_class(self) -> type:
        return resolve(self.implementation)


def resolve(target: str):
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)
