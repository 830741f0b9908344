"""The agent's inputs, one folder each (see ``itops.common.plugin_registry``); ``base`` is what every input is.
An agent without SNMP devices never loads pysnmp: only configured inputs' code is imported."""

from __future__ import annotations

from itops.common.plugin_registry import PluginKind

__all__ = ["INPUTS"]

INPUTS = PluginKind(__name__)
