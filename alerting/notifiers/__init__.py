"""The channels alerts are sent through, one folder each (see ``itops.common.plugin_registry``); ``base`` is what
every channel is. Only the channels a config names are imported."""

from __future__ import annotations

from itops.common.plugin_registry import PluginKind

__all__ = ["NOTIFIERS"]

NOTIFIERS = PluginKind(__name__)
