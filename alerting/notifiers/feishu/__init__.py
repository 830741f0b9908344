"""Feishu / Lark (飞书) group robot: an interactive card or a rich-text post, signed when the robot has a secret
(签名校验)."""

from itops.common.plugin_registry import PluginParts

PLUGIN = PluginParts(config="FeishuConfig", implementation="FeishuNotifier")
