from itops.common.plugin_registry import PluginParts

PLUGIN = PluginParts(config="TcpConnectConfig", implementation="TcpConnectInput")
