"""DingTalk (钉钉) group robot: a Markdown message, signed when the robot has a secret (加签)."""

from itops.common.plugin_registry import PluginParts

PLUGIN = PluginParts(config="DingtalkConfig", implementation="DingtalkNotifier")
