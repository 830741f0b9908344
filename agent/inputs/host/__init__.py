from itops.common.plugin_registry import PluginParts

PLUGIN = PluginParts(config="HostConfig", implementation="HostInput")
