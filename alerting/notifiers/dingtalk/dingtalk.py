"""DingTalk (钉钉) group robot: a Markdown message, signed when the robot has a secret (加签)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from itops.alerting.dispatch.messages import COLOUR_HEX, Colour, Message, truncate_utf8
from itops.alerting.notifiers.base import NotificationContext, Notifier
from itops.alerting.notifiers.dingtalk.config import DingtalkConfig
from itops.alerting.notifiers.http_post import check_robot_answer, post_json
from itops.alerting.rules.model import Alert

__all__ = ["DingtalkConfig", "DingtalkNotifier", "dingtalk_payload", "signed_url"]

MARKDOWN_LIMIT_BYTES = 20000
RETRYABLE_ERRCODES = frozenset({-1, 130101})  # system busy; more than 20 messages a minute


class DingtalkNotifier(Notifier[DingtalkConfig]):
    def __init__(self, config: DingtalkConfig, clock: Callable[[], float] = time.time):
        super().__init__(config)
        self.clock = clock

    async def notify(self, alerts: list[Alert], context: NotificationContext) -> None:
        payload = dingtalk_payload(self.message(alerts, context), self.config.at_mobiles, self.config.at_all)
        url = self.config.url
        if self.config.secret:
            url = signed_url(url, self.config.secret, int(self.clock() * 1000))
        body = await post_json(url, payload, self.config.timeout)
        check_robot_answer(body, "errcode", RETRYABLE_ERRCODES, "dingtalk")


def dingtalk_payload(message: Message, at_mobiles: list[str], at_all: bool) -> dict[str, Any]:
    """A Markdown message; the @-mentions go after the text, which is cut to leave them room."""
    text = truncate_utf8(message.as_markdown(_paint), MARKDOWN_LIMIT_BYTES - 1000)
    if at_mobiles:
        # DingTalk only rings the phones whose @number also appears in the text.
        text += "\n\n" + " ".join(f"@{mobile}" for mobile in at_mobiles)
    return {
        "msgtype": "markdown",
        "markdown": {"title": message.title, "text": text},
        "at": {"atMobiles": list(at_mobiles), "isAtAll": at_all},
    }


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The webhook URL with ``timestamp`` and ``sign``: base64 HMAC-SHA256 of "timestamp\\nsecret" keyed with the secret."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={sign}"


def _paint(text: str, colour: Colour) -> str:
    return f'<font color="{COLOUR_HEX[colour]}">{text}</font>'
