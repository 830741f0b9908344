"""Email over SMTP: one multipart message (plain text and HTML) per group of alerts."""

from itops.common.plugin_registry import PluginParts

PLUGIN = PluginParts(config="EmailConfig", implementation="EmailNotifier")
