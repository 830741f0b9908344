"""The collector's time-series storage backends, one folder each (see ``itops.common.plugin_registry``); ``base`` is
what every backend is, README.md how one is added. The collector imports the configured backend's code only."""

from __future__ import annotations

from itops.common.plugin_registry import PluginKind

__all__ = ["STORAGE_BACKENDS"]

STORAGE_BACKENDS = PluginKind(__name__)
