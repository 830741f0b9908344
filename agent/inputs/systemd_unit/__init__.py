from itops.common.plugin_registry import PluginParts

PLUGIN = PluginParts(config="SystemdUnitConfig", implementation="SystemdUnitInput")
