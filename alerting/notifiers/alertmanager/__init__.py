"""Forward alerts to a real Prometheus Alertmanager through its v2 API (``POST /api/v2/alerts``), for sites"""

from itops.common.plugin_registry import PluginParts

PLUGIN = PluginParts(config="AlertmanagerConfig", implementation="AlertmanagerNotifier")
