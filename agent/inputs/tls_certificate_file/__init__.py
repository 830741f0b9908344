from itops.common.plugin_registry import PluginParts

PLUGIN = PluginParts(config="TlsCertificateFileConfig", implementation="TlsCertificateFileInput")
