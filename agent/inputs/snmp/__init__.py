"""SNMP polling of printers, switches, UPS and room sensors (pysnmp loads only when configured)."""

from itops.common.plugin_registry import PluginParts

PLUGIN = PluginParts(config="SnmpConfig", implementation="SnmpInput")
