"""Forward alerts to a Prometheus Alertmanager through its v2 API, for sites that already route and silence with one."""

from itops.common.plugin_registry import PluginParts

PLUGIN = PluginParts(config="AlertmanagerConfig", implementation="AlertmanagerNotifier")
