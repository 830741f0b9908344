"""WeCom (企业微信) group robot: a Markdown message to the robot's webhook URL."""

from __future__ import annotations

from typing import Any

from itops.alerting.dispatch.messages import Colour, Message, truncate_utf8
from itops.alerting.notifiers.base import NotificationContext, Notifier
from itops.alerting.notifiers.http_post import check_robot_answer, post_json
from itops.alerting.notifiers.wecom.config import WecomConfig
from itops.alerting.rules.model import Alert

__all__ = ["WecomConfig", "WecomNotifier", "wecom_payload"]

MARKDOWN_LIMIT_BYTES = 4096
RETRYABLE_ERRCODES = frozenset({-1, 45009})  # system busy; more than 20 messages a minute
# WeCom Markdown knows three colours only.
_FONT_COLOURS = {"red": "warning", "orange": "warning", "yellow": "warning", "green": "info", "blue": "comment", "grey": "comment"}


class WecomNotifier(Notifier[WecomConfig]):
    async def notify(self, alerts: list[Alert], context: NotificationContext) -> None:
        payload = wecom_payload(self.message(alerts, context))
        body = await post_json(self.config.url, payload, self.config.timeout)
        check_robot_answer(body, "errcode", RETRYABLE_ERRCODES, "wecom")


def wecom_payload(message: Message) -> dict[str, Any]:
    content = truncate_utf8(message.as_markdown(_paint), MARKDOWN_LIMIT_BYTES)
    return {"msgtype": "markdown", "markdown": {"content": content}}


def _paint(text: str, colour: Colour) -> str:
    return f'<font color="{_FONT_COLOURS[colour]}">{text}</font>'
