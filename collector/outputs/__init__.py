"""Outputs: copies of the stored samples sent on to another time-series database, one folder each (see
``itops.common.plugin_registry``); ``base`` is what every output is, README.md how one is added. The collector
imports the configured outputs' code only."""

from __future__ import annotations

from itops.common.plugin_registry import PluginKind

__all__ = ["OUTPUTS"]

OUTPUTS = PluginKind(__name__)
