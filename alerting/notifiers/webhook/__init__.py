"""POST a group of alerts as JSON to any HTTP endpoint, in itops' own shape or exactly as Alertmanager's webhook
sends it."""

from itops.common.plugin_registry import PluginParts

PLUGIN = PluginParts(config="WebhookConfig", implementation="WebhookNotifier")
