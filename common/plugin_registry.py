"""Plugins of one kind — agent inputs, storage backends, notifiers — each a folder ``<kind package>/<name>/``:

- ``__init__.py`` declares ``PLUGIN = PluginParts(config="HostConfig", implementation="HostInput")``;
- ``config.py`` holds the config model (light: imported whenever a config file is loaded);
- ``<name>.py`` holds the code (imported only when a plugin of that name is configured);
- ``sample.yaml`` (a config that loads into the model) and ``README.md``.

A plugin's name is its folder's name and is spelled nowhere else: the config model's tag is
``plugin_name(__name__)``, and the plugins that ship are the folders there are (Telegraf's
``plugins/inputs/<name>/`` in spirit).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Plugin", "PluginKind", "PluginParts", "plugin_name"]


@dataclass(frozen=True)
class PluginParts:
    """What a plugin folder's ``__init__.py`` declares: its config model's class name in ``config.py`` and its
    implementation's class name in ``<name>.py``."""

    config: str
    implementation: str


@dataclass(frozen=True)
class Plugin:
    name: str
    package: str  # "itops.agent.inputs.host"
    parts: PluginParts

    @property
    def folder(self) -> Path:
        return Path(importlib.import_module(self.package).__file__).parent

    def config_model(self) -> type:
        return getattr(importlib.import_module(f"{self.package}.config"), self.parts.config)

    def implementation_class(self) -> type:
        return getattr(importlib.import_module(f"{self.package}.{self.name}"), self.parts.implementation)


def plugin_name(module_name: str) -> str:
    """The plugin a module belongs to: ``itops.agent.inputs.host.config`` → ``host``."""
    return module_name.rsplit(".", 2)[-2]


class PluginKind:
    """The plugins found as sub-packages of ``package``, in name order."""

    def __init__(self, package: str):
        self.package = package

    @functools.cached_property
    def plugins(self) -> dict[str, Plugin]:
        found = {}
        for module in pkgutil.iter_modules(importlib.import_module(self.package).__path__):
            if not module.ispkg:
                continue
            package = f"{self.package}.{module.name}"
            parts = getattr(importlib.import_module(package), "PLUGIN", None)
            if isinstance(parts, PluginParts):
                found[module.name] = Plugin(module.name, package, parts)
        return dict(sorted(found.items()))

    def names(self) -> tuple[str, ...]:
        return tuple(self.plugins)

    def config_models(self) -> tuple[type, ...]:
        return tuple(plugin.config_model() for plugin in self.plugins.values())

    def implementation_class(self, name: str) -> type:
        return self.plugins[name].implementation_class()
