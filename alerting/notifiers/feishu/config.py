"""Options of the ``feishu`` notification channel."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from itops.alerting.notifiers.base import NotifierConfig
from itops.common.plugin_registry import plugin_name

__all__ = ["FeishuConfig"]


class FeishuConfig(NotifierConfig, tag=plugin_name(__name__)):
    """A Feishu or Lark group robot (自定义机器人)."""

    url: Annotated[str, msgspec.Meta(pattern=r"^https?://", description="The robot's webhook URL, `https://open.feishu.cn/open-apis/bot/v2/hook/…`.")]
    secret: Annotated[str | None, msgspec.Meta(description="The robot's signing secret, when 签名校验 is on.")] = None
    message_type: Annotated[Literal["interactive", "post"], msgspec.Meta(description="`interactive`: a card with a coloured header; `post`: rich text.")] = "interactive"
