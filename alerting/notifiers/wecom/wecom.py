"""WeCom (企业微信) group robot: a Markdown message to the robot's webhook URL."""

from __future__ import annotations

from itops.alerting.dispatch.messages import Colour, truncate_utf8
from itops.alerting.notifiers.base import NotificationContext, Notifier
from itops.alerting.notifiers.http_post import check_robot_answer, post_json
from itops.alerting.notifiers.wecom.config import WecomConfig
from itops.alerting.rules.model import Alert

__all__ = ["WecomConfig", "WecomNotifier"]

MARKDOWN_LIMIT_BYTES = 4096
RETRYABLE_ERRCODES = frozenset({-1, 45009})  # system busy; more than 20 messages a minute
# WeCom Markdown knows three colours only.
_FONT_COLOURS = {"red": "warning", "orange": "warning", "yellow": "warning", "green": "info", "blue": "comment", "grey": "comment"}


class WecomNotifier(Notifier[WecomConfig]):
    config_model = WecomConfig

    async def notify(self, alerts: list[Alert], context: NotificationContext) -> None:
        content = self.message(alerts, context).as_markdown(_paint)
        payload = {"msgtype": "markdown", "markdown": {"content": truncate_utf8(content, MARKDOWN_LIMIT_BYTES)}}
        body = await post_json(self.config.url, payload, self.config.timeout)
        check_robot_answer(body, "errcode", RETRYABLE_ERRCODES, "wecom")


def _paint(text: str, colour: Colour) -> str:
    return f'<font color="{_FONT_COLOURS[colour]}">{text}</font>'
