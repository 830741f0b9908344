"""Feishu / Lark (飞书) group robot: an interactive card (or a rich-text post), signed when the robot has a
secret (签名校验)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from itops.alerting.dispatch.messages import Colour, Language, Message, truncate_utf8
from itops.alerting.notifiers.base import NotificationContext, Notifier
from itops.alerting.notifiers.feishu.config import FeishuConfig
from itops.alerting.notifiers.http_post import check_robot_answer, post_json
from itops.alerting.rules.model import Alert

__all__ = ["FeishuConfig", "FeishuNotifier", "card_payload", "post_payload", "signature", "signed_payload"]

CARD_MARKDOWN_LIMIT_BYTES = 20000
RETRYABLE_CODES = frozenset({11232})  # sending too often


class FeishuNotifier(Notifier[FeishuConfig]):
    def __init__(self, config: FeishuConfig, clock: Callable[[], float] = time.time):
        super().__init__(config)
        self.clock = clock

    async def notify(self, alerts: list[Alert], context: NotificationContext) -> None:
        message = self.message(alerts, context)
        if self.config.message_type == "interactive":
            payload = card_payload(message)
        else:
            payload = post_payload(message, self.language(context))
        if self.config.secret:
            payload = signed_payload(payload, self.config.secret, int(self.clock()))
        # The URL path holds the robot's token: keep it out of error messages.
        body = await post_json(self.config.url, payload, self.config.timeout, shown_as="feishu robot")
        check_robot_answer(body, "code", RETRYABLE_CODES, "feishu")


def signed_payload(payload: dict[str, Any], secret: str, timestamp_s: int) -> dict[str, Any]:
    """The payload with ``timestamp`` (seconds, as text) and its ``sign``; Feishu refuses one more than an hour off."""
    return {"timestamp": str(timestamp_s), "sign": signature(secret, timestamp_s)} | payload


def signature(secret: str, timestamp_s: int) -> str:
    """Base64 HMAC-SHA256 of an empty message, keyed with "timestamp\\nsecret" (Feishu's own recipe)."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def card_payload(message: Message) -> dict[str, Any]:
    content = truncate_utf8(message.as_markdown(_paint, title=False), CARD_MARKDOWN_LIMIT_BYTES)
    return {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": message.title}, "template": message.colour},
            "elements": [{"tag": "markdown", "content": content}],
        },
    }


def post_payload(message: Message, language: Language) -> dict[str, Any]:
    _title, *lines = message.as_text().splitlines()
    content = [[{"tag": "text", "text": line}] for line in lines]
    locale = "zh_cn" if language == "zh-CN" else "en_us"
    return {"msg_type": "post", "content": {"post": {locale: {"title": message.title, "content": content}}}}


def _paint(text: str, colour: Colour) -> str:
    return f"<font color='{colour}'>{text}</font>"
