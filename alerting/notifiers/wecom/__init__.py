"""WeCom (企业微信) group robot: a Markdown message to the robot's webhook URL."""

from itops.common.plugin_registry import PluginParts

PLUGIN = PluginParts(config="WecomConfig", implementation="WecomNotifier")
